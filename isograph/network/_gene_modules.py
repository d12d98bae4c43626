"""One module per gene from feature-level module labels (WGCNA runs on channels)."""

from __future__ import annotations

import numpy as np


def _renumber(labels: np.ndarray, counts_of: np.ndarray | None = None) -> np.ndarray:
    """Map labels >= 0 to 0.. by decreasing count (ties by label); others to -1."""
    counts_of = labels if counts_of is None else counts_of
    ids, sizes = np.unique(counts_of[counts_of >= 0], return_counts=True)
    order = ids[np.lexsort((ids, -sizes))]
    table = np.full(int(labels.max(initial=-1)) + 2, -1, dtype=np.int64)
    table[order] = np.arange(order.size)
    return np.where(labels >= 0, table[np.maximum(labels, 0)], -1)


def _kme(X: np.ndarray, eigengenes: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """|correlation| of every assigned feature with its own module's eigengene."""
    out = np.full(labels.size, -np.inf)
    idx = np.flatnonzero(labels >= 0)
    A = X[:, idx] - X[:, idx].mean(axis=0)
    B = eigengenes[:, labels[idx]] - eigengenes[:, labels[idx]].mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (A * B).sum(0) / np.sqrt((A**2).sum(0) * (B**2).sum(0))
    out[idx] = np.abs(np.nan_to_num(r))
    return out


def gene_modules_from_features(
    X: np.ndarray, eigengenes: np.ndarray, labels: np.ndarray, node_of: np.ndarray, n_genes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One module per gene from feature-level WGCNA labels.

    A gene whose features (e.g. its ``switch`` and ``abundance`` channels) fall
    in different modules joins the module its best-connected feature belongs
    to (largest |kME|, the correlation with the module eigengene); its other
    features become unassigned. Modules are renumbered by decreasing gene count.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    eigengenes : ndarray of shape (n_samples, n_modules)
        Column ``k`` is the eigengene of feature label ``k``.
    labels : ndarray of shape (n_features,)
        Feature labels ``0..n_modules-1``, ``-1`` = unassigned.
    node_of : ndarray of shape (n_features,)
        Gene index of every feature.
    n_genes : int

    Returns
    -------
    gene_labels : ndarray of shape (n_genes,)
    feature_labels : ndarray of shape (n_features,)
    old_to_new : ndarray of shape (n_modules,)
        New id of each input module (``-1`` when it lost all its genes).
    """
    score = _kme(X, eigengenes, labels)
    order = np.lexsort((-score, node_of))  # per gene, best feature first
    first = order[np.r_[True, node_of[order][1:] != node_of[order][:-1]]]
    gene_raw = np.full(n_genes, -1, dtype=np.int64)
    gene_raw[node_of[first]] = labels[first]
    gene_labels = _renumber(gene_raw)
    n_old = eigengenes.shape[1]
    old_to_new = _renumber(np.arange(n_old), counts_of=gene_raw)
    feature_labels = np.where(labels == gene_raw[node_of], gene_labels[node_of], -1)
    return gene_labels, feature_labels, old_to_new
