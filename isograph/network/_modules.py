"""Modules from a sparse graph: connected components or Leiden communities."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from .._core import int_seed

COMMUNITY_METHODS = ("leiden", "components")


def collapse_edges(
    rows: np.ndarray, cols: np.ndarray, weights: np.ndarray, node_of: np.ndarray, n_nodes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map feature edges onto nodes (e.g. genes), keeping the strongest |weight| per pair.

    Edges inside one node (the two channels of a gene) are dropped.
    """
    a, b = node_of[rows], node_of[cols]
    keep = a != b
    a, b, w = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep]), np.abs(weights[keep])
    if a.size == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0, np.float32)
    key = a.astype(np.int64) * n_nodes + b
    order = np.lexsort((-w, key))
    key, w = key[order], w[order]
    first = np.r_[True, key[1:] != key[:-1]]
    key, w = key[first], w[first]
    return key // n_nodes, key % n_nodes, w.astype(np.float32)


def _relabel_by_size(raw: np.ndarray, min_module_size: int) -> np.ndarray:
    """Renumber communities 0.. by decreasing size; small ones become -1."""
    ids, inverse, sizes = np.unique(raw, return_inverse=True, return_counts=True)
    order = np.lexsort((ids, -sizes))  # big first, ties by id for determinism
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    new = rank[inverse]
    n_kept = int((sizes[order] >= min_module_size).sum())
    new[new >= n_kept] = -1
    return new.astype(np.int64)


def detect_modules(
    n_nodes: int,
    rows: np.ndarray,
    cols: np.ndarray,
    weights: np.ndarray,
    *,
    method: str = "leiden",
    min_module_size: int = 5,
    resolution: float = 1.0,
    random_state: int | None = 0,
) -> np.ndarray:
    """Module label per node (``-1`` = unassigned) from an undirected weighted graph.

    Parameters
    ----------
    n_nodes : int
    rows, cols, weights : ndarray
        Edge list; |weights| are used.
    method : {"leiden", "components"}
        ``"components"``: connected components. ``"leiden"``: Leiden communities
        (modularity with ``resolution``) of the whole graph; a community never
        spans two components. (Modularity is measured against the whole graph:
        run inside one component, where keeping the component whole always
        scores 0, it splits any isolated dense module in two.)
    min_module_size : int
        Smaller communities (and isolated nodes) are labelled ``-1``.
    resolution : float
        Leiden resolution (higher gives more, smaller modules).
    random_state : int, RandomState or None
        Seed for Leiden; ``None`` draws a fresh one (as in scikit-learn).

    Returns
    -------
    labels : ndarray of shape (n_nodes,)
        Modules numbered by decreasing size.
    """
    if method not in COMMUNITY_METHODS:
        raise ValueError(f"method must be one of {COMMUNITY_METHODS}, got {method!r}")
    if min_module_size < 1:
        raise ValueError(f"min_module_size must be >= 1, got {min_module_size}")
    if n_nodes == 0:
        return np.zeros(0, np.int64)
    w = np.abs(np.asarray(weights, dtype=np.float64))
    adj = sparse.coo_matrix((w, (rows, cols)), shape=(n_nodes, n_nodes)).tocsr()
    adj = adj + adj.T
    if method == "components" or len(rows) == 0:
        _, comp = connected_components(adj, directed=False)
        return _relabel_by_size(comp, min_module_size)
    return _relabel_by_size(_leiden(adj, resolution, random_state), min_module_size)


def _leiden(adj: sparse.csr_matrix, resolution: float, random_state) -> np.ndarray:
    """Leiden communities of the whole graph (they are connected, so never span components)."""
    import igraph as ig
    import leidenalg

    sub = sparse.triu(adj, k=1).tocoo()
    graph = ig.Graph(n=adj.shape[0], edges=np.column_stack([sub.row, sub.col]).tolist())
    part = leidenalg.find_partition(
        graph,
        leidenalg.RBConfigurationVertexPartition,
        weights=sub.data.tolist(),
        resolution_parameter=resolution,
        seed=int_seed(random_state),
        n_iterations=-1,
    )
    return np.asarray(part.membership, dtype=np.int64)
