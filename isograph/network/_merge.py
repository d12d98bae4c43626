"""Merge modules whose eigengenes move together (WGCNA's ``mergeCloseModules`` step)."""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from ._eigengenes import fit_eigengene_loadings
from ._modules import _relabel_by_size


def merge_close_modules(
    Z: np.ndarray, gene_labels: np.ndarray, node_of: np.ndarray, threshold: float | None
) -> tuple[np.ndarray, int]:
    """Join modules whose eigengenes correlate at ``|r| >= threshold`` (average linkage).

    Community detection on a neighbour graph cuts a large, smoothly varying
    response (thousands of genes following one treatment) into patches whose
    borders are arbitrary; their eigengenes are then nearly the same signal.
    As WGCNA does after its tree cut, such modules are merged: eigengenes are
    clustered by average linkage on ``1 - |r|`` (modules may hold features of
    both signs) and cut at ``1 - threshold``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        Standardized features.
    gene_labels : ndarray of shape (n_genes,)
        Module per gene, ``-1`` = none, modules ``0 .. k-1``.
    node_of : ndarray of shape (n_features,)
        Gene index of every feature.
    threshold : float in (0, 1] or None
        ``None`` or 1 leaves the modules as they are.

    Returns
    -------
    labels : ndarray of shape (n_genes,)
        Merged modules renumbered ``0..`` by decreasing size.
    n_merged : int
        How many modules disappeared into others.
    """
    labels = np.asarray(gene_labels).copy()
    k = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    if threshold is None or threshold >= 1 or k < 2:
        return labels, 0
    loadings, _ = fit_eigengene_loadings(Z, labels[node_of])
    E = np.asarray(Z, dtype=np.float64) @ loadings
    R = np.nan_to_num(np.corrcoef(E, rowvar=False))
    D = np.clip(1.0 - np.abs(R), 0.0, 2.0)
    np.fill_diagonal(D, 0.0)
    groups = fcluster(linkage(squareform(D, checks=False), method="average"),
                      t=1.0 - float(threshold), criterion="distance") - 1
    assigned = labels >= 0
    merged = groups[labels[assigned]]
    labels[assigned] = _relabel_by_size(merged, 0)
    return labels, int(k - np.unique(merged).size)
