"""Switch axes on arrays: centred log-ratios, one principal axis per gene, projection.

The pure numerical core of :class:`~isograph.features.SwitchCoordinates`:
genes are handled in batches of equal isoform number, one batched
eigen-decomposition per batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._mapping import GeneGroups, sum_by_gene

#: Tolerance on |loading| when choosing the transcript that fixes an axis' sign.
_SIGN_TOL = 1e-9
#: A gene whose total log-ratio variance is at or below this has no switch axis.
_VARIANCE_TOL = 1e-12


@dataclass(frozen=True)
class AxisBatch:
    """Fitted axes of all kept genes with the same number of isoforms ``k``."""

    positions: np.ndarray  # (g,) output column of each gene
    columns: np.ndarray  # (g, k) input columns of each gene's isoforms
    mean_clr: np.ndarray  # (g, k) fitted mean clr over observed samples
    axes: np.ndarray  # (g, k) unit leading principal axis, deterministic sign


def _log_counts(X: np.ndarray, pseudocount: float) -> np.ndarray:
    """``log(X + pseudocount)`` transposed to (n_transcripts, n_samples), C-contiguous."""
    return np.log(np.ascontiguousarray(X.T) + pseudocount)


def _clr(logs_t: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Centred log-ratio within each gene: (n_genes, k, n_samples)."""
    grouped = logs_t[columns]
    return grouped - grouped.mean(axis=1, keepdims=True)


def _fix_signs(axes: np.ndarray) -> np.ndarray:
    """Flip each row so its largest-|loading| entry (first one on ties) is positive."""
    magnitude = np.abs(axes)
    is_top = magnitude >= magnitude.max(axis=1, keepdims=True) - _SIGN_TOL
    first_top = is_top.argmax(axis=1)
    signs = np.sign(axes[np.arange(len(axes)), first_top])
    signs[signs == 0] = 1.0
    return axes * signs[:, None]


def project(X_t: np.ndarray, logs_t: np.ndarray, batch: AxisBatch) -> np.ndarray:
    """Coordinates (g, n_samples) of one batch; genes with zero total get 0.

    ``X_t`` and ``logs_t`` are the counts and their logs, transcripts x samples.
    """
    clr = _clr(logs_t, batch.columns)
    coords = np.einsum("gkn,gk->gn", clr - batch.mean_clr[:, :, None], batch.axes)
    coords[X_t[batch.columns].sum(axis=1) <= 0] = 0.0
    return coords


def fit_axes(X: np.ndarray, groups: GeneGroups, *, pseudocount: float, min_gene_count: float):
    """Learn one principal log-ratio axis per eligible gene.

    Returns
    -------
    reasons : ndarray of object, shape (n_genes,)
        ``""`` for kept genes, else why the gene has no coordinate.
    n_expressed : ndarray of int, shape (n_genes,)
        Fit samples in which each gene's total count is positive.
    batches : list of tuples
        Per isoform number: gene positions, columns, mean clr, axes, leading
        eigenvalue, total variance and the fit samples' coordinates (genes x samples).
    """
    totals = sum_by_gene(X, groups).T  # genes x samples
    observed = totals > 0
    n_obs = observed.sum(axis=1)
    reasons = np.full(len(groups.genes), "", dtype=object)
    reasons[groups.sizes < 2] = "single_isoform"
    low = (reasons == "") & (totals.mean(axis=1) < min_gene_count)
    reasons[low] = "low_count"
    reasons[(reasons == "") & (n_obs < 2)] = "too_few_expressed_samples"

    logs_t = _log_counts(X, pseudocount)
    raw = []
    for k in np.unique(groups.sizes[reasons == ""]):
        genes_k = np.flatnonzero((reasons == "") & (groups.sizes == k))
        columns = groups.columns_of(genes_k, int(k))
        clr = _clr(logs_t, columns)
        obs = observed[genes_k][:, None, :]
        n_k = n_obs[genes_k].astype(np.float64)
        mean_clr = (clr * obs).sum(axis=2) / n_k[:, None]
        centred = (clr - mean_clr[:, :, None]) * obs
        cov = np.einsum("gin,gjn->gij", centred, centred) / (n_k - 1.0)[:, None, None]
        eigvals, eigvecs = np.linalg.eigh(cov)
        total = np.trace(cov, axis1=1, axis2=2)
        flat = total <= _VARIANCE_TOL
        reasons[genes_k[flat]] = "no_usage_variation"
        keep = ~flat
        axes = _fix_signs(eigvecs[keep, :, -1])
        coords = np.einsum("gkn,gk->gn", centred[keep], axes)  # unexpressed samples: 0
        raw.append((genes_k[keep], columns[keep], mean_clr[keep], axes, eigvals[keep, -1],
                    total[keep], coords))
    return reasons, n_obs, raw
