"""From feature-level labels and edge lists to the gene-level result tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components


def gene_index(features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Genes in first-appearance order and the gene index of every feature."""
    genes, node_of = np.unique(features["gene_id"].to_numpy(dtype=str), return_inverse=True)
    # keep genes in first-appearance order, not sorted order
    first = pd.unique(features["gene_id"].to_numpy(dtype=str))
    remap = pd.Series(np.arange(first.size), index=first)
    return first, remap.loc[genes[node_of]].to_numpy()


def largest_component(n: int, rows: np.ndarray, cols: np.ndarray) -> int:
    """Size of the largest connected component of an n-node edge list."""
    if n == 0:
        return 0
    graph = sparse.coo_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return int(np.bincount(labels).max())


def module_table(genes, gene_labels, features: pd.DataFrame, feature_labels,
                 multiplex: bool) -> pd.DataFrame:
    """``gene_id, module_id`` (and ``channel`` for multiplex features) per gene.

    ``channel`` is the channel through which a gene is a module member
    (``"both"`` when both are), ``None`` for unassigned genes.
    """
    modules = pd.DataFrame({"gene_id": genes, "module_id": gene_labels})
    if multiplex:
        lab = pd.DataFrame({"gene_id": features["gene_id"], "channel": features["channel"],
                            "member": feature_labels >= 0})
        chans = lab[lab["member"]].groupby("gene_id")["channel"].agg(
            lambda c: c.iloc[0] if len(c) == 1 else "both")
        channel = modules["gene_id"].map(chans).astype(object)
        modules["channel"] = channel.where(channel.notna(), None)
    return modules


def edge_table(features: pd.DataFrame, rows, cols, weights, multiplex: bool) -> pd.DataFrame:
    """``source, target, weight`` per feature edge (plus genes and channels if multiplex)."""
    names = features["feature"].to_numpy()
    edges = pd.DataFrame({"source": names[rows], "target": names[cols],
                          "weight": np.asarray(weights, dtype=np.float64)})
    if multiplex:
        edges["source_gene"] = features["gene_id"].to_numpy()[rows]
        edges["target_gene"] = features["gene_id"].to_numpy()[cols]
        edges["source_channel"] = features["channel"].to_numpy()[rows]
        edges["target_channel"] = features["channel"].to_numpy()[cols]
    return edges
