"""The message graph of the first SAGE layer, in numpy / scipy (no torch).

:class:`regnet.nn.RegNetModule` passes messages along the known positive
edges in both directions (``to_undirected``): a target hears its regulators
and a regulator hears its targets. The helpers here rebuild exactly that graph
from a ``TF, Target[, Label]`` table, so that neighbour means and degrees
computed for interpretation are the ones the layer saw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

__all__ = ["MessageGraph", "message_graph", "neighbor_mean"]


@dataclass(frozen=True)
class MessageGraph:
    """Undirected message graph over ``genes`` with per-gene degrees.

    Attributes
    ----------
    genes : pandas.Index
        Node order.
    adjacency : scipy.sparse.csr_matrix
        Symmetric 0/1 matrix; ``adjacency[i, j] = 1`` when ``j`` sends a message to ``i``.
    degree : numpy.ndarray
        Distinct neighbours of each gene (regulators and targets): the number
        of rows averaged into its neighbour mean.
    in_degree : numpy.ndarray
        Distinct known regulators of each gene.
    out_degree : numpy.ndarray
        Distinct known targets of each gene.
    """

    genes: pd.Index
    adjacency: sparse.csr_matrix
    degree: np.ndarray
    in_degree: np.ndarray
    out_degree: np.ndarray


def message_graph(genes, edges: pd.DataFrame) -> MessageGraph:
    """Build the first layer's message graph from known positive edges.

    Parameters
    ----------
    genes : sequence of str
        Node order (e.g. the index of the expression matrix).
    edges : pandas.DataFrame
        Columns ``TF`` and ``Target`` (and optionally ``Label``; rows with
        ``Label == 0`` carry no message and are ignored). Edges naming a gene
        outside ``genes`` are left out, as the model does when it is applied
        to a subset of genes.

    Returns
    -------
    MessageGraph

    Raises
    ------
    ValueError
        When ``edges`` lacks the columns, holds a self loop, or has no
        positive edge between genes of ``genes``.
    """
    genes = pd.Index(genes).astype(str)
    if not isinstance(edges, pd.DataFrame):
        raise TypeError(
            f"edges must be a pandas DataFrame with columns TF, Target; got {type(edges).__name__}."
        )
    missing = [c for c in ("TF", "Target") if c not in edges.columns]
    if missing:
        raise ValueError(f"edges must have columns TF, Target; missing {missing}.")
    frame = edges
    if "Label" in frame.columns:
        frame = frame.loc[pd.to_numeric(frame["Label"], errors="coerce") == 1]
    src = genes.get_indexer(frame["TF"].astype(str))
    dst = genes.get_indexer(frame["Target"].astype(str))
    inside = (src >= 0) & (dst >= 0)
    src, dst = src[inside], dst[inside]
    if (src == dst).any():
        loops = sorted(set(genes[src[src == dst]]))
        raise ValueError(f"edges contain self loops (TF == Target) for {loops[:5]}; remove them.")
    if src.size == 0:
        raise ValueError(
            f"edges has no positive edge between genes of X ({len(edges)} rows given); "
            "check that TF and Target name genes of the expression index."
        )
    n = len(genes)
    directed = sparse.csr_matrix((np.ones(src.size), (dst, src)), shape=(n, n))
    directed.data[:] = 1.0  # duplicate pairs count once
    adjacency = ((directed + directed.T) > 0).astype(np.float64).tocsr()
    return MessageGraph(
        genes=genes,
        adjacency=adjacency,
        degree=np.asarray(adjacency.sum(axis=1)).ravel().astype(np.int64),
        in_degree=np.asarray(directed.sum(axis=1)).ravel().astype(np.int64),
        out_degree=np.asarray(directed.sum(axis=0)).ravel().astype(np.int64),
    )


def neighbor_mean(graph: MessageGraph, values: np.ndarray) -> np.ndarray:
    """Mean of ``values`` over each gene's neighbours (zeros for a gene without any).

    Parameters
    ----------
    graph : MessageGraph
    values : numpy.ndarray of shape (n_genes, n_features)

    Returns
    -------
    numpy.ndarray of shape (n_genes, n_features)
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] != len(graph.genes):
        raise ValueError(
            f"values must have shape ({len(graph.genes)}, n_features); got {values.shape}."
        )
    inverse = np.divide(1.0, graph.degree, out=np.zeros(len(graph.degree)),
                        where=graph.degree > 0)
    return sparse.diags(inverse) @ (graph.adjacency @ values)
