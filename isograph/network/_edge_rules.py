"""Edge selection shared by the baseline, latent and graph backends.

An edge rule turns an implicit ``p x p`` weight matrix (a row-block function)
into a sparse edge list, either by a fixed ``|weight|`` cut (``alpha``) or by
Benjamini–Hochberg with Fisher-z p-values, in one of two scopes:

* ``"feature"`` (default): each feature's ``p - 1`` pairs form one family and
  an edge is kept when it passes for *both* features (the AND rule of
  neighbourhood selection). A feature with no true partner then gets no edge
  with probability about ``1 - fdr``, so false edges cannot join background
  genes into a module, however many true edges there are.
* ``"pairs"``: one Benjamini–Hochberg over all ``p (p - 1) / 2`` pairs. It
  admits false edges in proportion to the true ones (5% of 50,000 true edges
  is 2,500 false ones, enough to chain the background into one component).

Two p-value rules:

* ``n_effective`` known (a correlation estimated from ``n`` samples): Fisher's
  z with standard error ``1 / sqrt(n_effective - 3)``.
* ``n_effective`` estimated (*empirical null*, Efron 2004; the approach of
  Schäfer & Strimmer's GeneNet): shrinkage partial correlations are
  correlations scaled by an unknown factor, so the spread of ``atanh(weight)``
  over pairs, most of which are null, is measured robustly
  (``median |z| / 0.6745``) and converted to ``n_effective = 1 / sd^2 + 3``.
  In the ``"feature"`` scope each row gets its own spread (features in a
  module have a narrower null than background features) once there are more
  than 200 features; below that the rows are pooled.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from .._core import to_jsonable
from . import bh_weight_threshold, correlation_pvalue, threshold_edges
from ._edges import DEFAULT_MAX_EDGES, check_edge_budget, collect_edges
from ._feature_bh import (
    block_bh_cuts,
    fisher_thresholds,
    float32_at_least,
    off_diagonal_median,
)
from ._row_blocks import RowBlock, blas_threads_for, default_block_size

# The pairs-wide BH histogram has a fixed bin width on [0, 1]; weights are
# mapped to the correlation scale of this many samples first, so that a cut at
# small weights (heavily shrunk partial correlations) is still resolved finely.
_REFERENCE_N = 50.0
_NULL_ROWS = 256
# below this many features a row has too few pairs for its own null: pool them
_MIN_ROW_NULL = 200
# Row blocks of per-row work make several temporaries of the block's size. At
# 16 MB they stay near glibc's 32 MB mmap threshold, so freed blocks are reused
# instead of page-faulted in afresh: at 256 MB the edge pass spent 15 of its 22 s
# in the kernel (macrophage cohort, 31,820 features), at 16 MB 0.1 of 9 s.
_BLOCK_BYTES = 16 * 2**20
_NULL_CHUNKS = 4
# Shrinkage partial correlations from n << p samples are shrunk towards 0 by a
# factor near 1, so the empirical null's "sample size" can reach millions.
_EMPIRICAL_NOTE = (
    "n_effective of the empirical null is 1 / sd^2 + 3 for the robust spread sd of "
    "atanh(weight) over (mostly null) pairs: the sample size at which Fisher's z null "
    "has the spread of these weights, not a number of samples. Shrunk weights (Ledoit-Wolf "
    "with n << p shrinks partial correlations by a factor near 1) have a tiny spread, so "
    "it can reach millions from a few dozen samples; weights and null share that scale, "
    "so the cut is relative to the spread of the null pairs."
)


def empirical_n_effective(row_block: RowBlock, n_features: int) -> float:
    """``n_effective`` whose Fisher-z null matches the spread of the weights.

    Uses up to 256 rows in four evenly spaced chunks (deterministic), all
    their off-diagonal entries, and the robust scale ``median |atanh(w)| / 0.6745``.
    """
    p = int(n_features)
    chunk = max(1, min(p, _NULL_ROWS) // _NULL_CHUNKS)
    starts = np.unique(np.linspace(0, max(p - chunk, 0), _NULL_CHUNKS).astype(int))
    values = []
    for start in starts:
        stop = min(p, start + chunk)
        block = np.asarray(row_block(start, stop), dtype=np.float64)
        off = np.ones(block.shape, dtype=bool)
        off[np.arange(stop - start), np.arange(start, stop)] = False
        values.append(block[off])
    z = np.arctanh(np.clip(np.abs(np.concatenate(values)), 0.0, 1.0 - 1e-12))
    scale = float(np.median(z)) / 0.6745
    if not np.isfinite(scale) or scale <= 0:
        return float("inf")
    return 1.0 / scale**2 + 3.0


def feature_fdr_cuts(
    row_block: RowBlock, n_features: int, q: float, n_effective: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature Benjamini–Hochberg cut on ``|weight|`` (``inf``: nothing selected).

    Row ``i``'s ``p - 1`` off-diagonal weights are tested with Fisher-z
    p-values; the cut is the smallest ``|weight|`` that Benjamini–Hochberg at
    level ``q`` selects in that row. ``n_effective=None`` gives every row its
    own empirical null (``1 / s_i^2 + 3`` from the row's robust spread ``s_i``).

    Returns
    -------
    cuts : ndarray of shape (n_features,)
    n_effective : ndarray of shape (n_features,)
        The sample size each row was tested with.
    """
    p = int(n_features)
    m = max(p - 1, 1)
    # BH: the k-th largest |weight| passes when its Fisher z reaches z_k
    z_rank = stats.norm.isf(q * np.arange(1, p + 1) / (2.0 * m))
    cuts = np.full(p, np.inf)
    n_eff = np.full(p, np.inf if n_effective is None else float(n_effective))
    # one n_effective for all rows: the z_k become float32 |weight| thresholds once
    tau = None
    if n_effective is not None and np.isfinite(n_effective) and n_effective > 3.5:
        tau = fisher_thresholds(z_rank, np.sqrt(float(n_effective) - 3.0))
    b = default_block_size(p, budget_bytes=_BLOCK_BYTES)
    with blas_threads_for(row_block):
        for start in range(0, p, b):
            stop = min(p, start + b)
            block = np.abs(row_block(start, stop))
            if n_effective is None:
                z = np.arctanh(np.clip(block, 0.0, 1.0 - 1e-7))
                scale = off_diagonal_median(z, start) / 0.6745
                with np.errstate(divide="ignore"):
                    n_eff[start:stop] = np.where(scale > 0, 1.0 / scale**2 + 3.0, np.inf)
            block[np.arange(stop - start), np.arange(start, stop)] = 0.0
            cuts[start:stop] = block_bh_cuts(block, n_eff[start:stop], z_rank, tau)
    return cuts, n_eff


def edges_above_feature_cuts(
    row_block: RowBlock, n_features: int, cuts: np.ndarray, *,
    max_edges: int | None = DEFAULT_MAX_EDGES, max_edges_per_feature: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Upper-triangle pairs whose ``|weight|`` reaches the cut of both endpoints.

    ``max_edges`` / ``max_edges_per_feature``: the edge budget (see
    :func:`isograph.network.threshold_edges`).
    """
    p = int(n_features)
    cuts = np.asarray(cuts, dtype=np.float64)
    cuts32 = float32_at_least(cuts)

    def passes(block, start, stop):
        # two comparisons instead of a float64 (rows x p) max of the cuts: on
        # float32 blocks against float32 cuts that give the float64 answer
        weight = np.abs(block)
        c = cuts32 if weight.dtype == np.float32 else cuts
        keep = weight >= c[None, :]
        keep &= weight >= c[start:stop, None]
        return keep

    with blas_threads_for(row_block):
        return collect_edges(row_block, p, passes, max_edges=max_edges,
                             block_size=default_block_size(p, budget_bytes=_BLOCK_BYTES),
                             max_edges_per_feature=max_edges_per_feature,
                             rows_to_scan=np.isfinite(cuts), what="the FDR rule")


def _to_reference(weights: np.ndarray, factor: float) -> np.ndarray:
    """Map |weights| so that Fisher's z at ``n_effective`` equals z at the reference n."""
    z = np.arctanh(np.clip(np.abs(weights), 0.0, 1.0 - 1e-7))
    return np.tanh(z * factor)


def select_edges(
    row_block: RowBlock,
    n_features: int,
    *,
    alpha: float | None,
    fdr: float | None,
    n_effective: float | None,
    calibration: dict,
    scope: str = "feature",
    max_edges: int | None = DEFAULT_MAX_EDGES,
    max_edges_per_feature: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Upper-triangle edges by ``alpha`` (if set) or by BH at ``fdr``.

    Parameters
    ----------
    row_block : callable
        ``row_block(start, stop)`` -> weights of rows ``start:stop``.
    n_features : int
    alpha : float or None
        Keep ``|weight| >= alpha``; takes precedence over ``fdr``.
    fdr : float or None
        Benjamini–Hochberg level over all ``p (p - 1) / 2`` pairs.
    n_effective : float or None
        Sample size of the Fisher-z test; ``None`` estimates it from the
        weights (empirical null, see the module docstring).
    calibration : dict
        Receives ``edge_rule``, ``edge_threshold`` (``None`` when no pair can
        pass), ``n_effective``, ``fdr``, ``fdr_scope``, ``pvalue_rule``,
        ``max_edges``, ``max_edges_per_feature``.
    max_edges, max_edges_per_feature : int or None
        The edge budget (see :func:`isograph.network.threshold_edges`); the
        parameters are checked before any work.

    Returns
    -------
    rows, cols : ndarray of int64
    weights : ndarray of float32
    """
    p = int(n_features)
    check_edge_budget(p, max_edges, max_edges_per_feature)
    budget = {"max_edges": max_edges, "max_edges_per_feature": max_edges_per_feature}
    calibration.update(budget)
    empty = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    if alpha is not None:
        calibration.update(edge_rule="alpha", edge_threshold=float(alpha))
        if p < 2:
            return empty
        return threshold_edges(row_block, p, float(alpha), **budget)
    calibration.update(edge_rule="fdr", fdr=float(fdr), fdr_scope=scope)
    if p < 2:
        calibration.update(edge_threshold=None, n_effective=None)
        return empty
    empirical = n_effective is None
    if scope == "feature":
        per_row_null = n_effective is None and p > _MIN_ROW_NULL
        if n_effective is None and not per_row_null:
            n_effective = empirical_n_effective(row_block, p)
        cuts, n_eff = feature_fdr_cuts(
            row_block, p, float(fdr), None if per_row_null else float(n_effective)
        )
        finite = cuts[np.isfinite(cuts)]
        calibration.update(
            n_effective=to_jsonable(float(np.median(n_eff))),
            pvalue_rule="fisher_z_" + ("empirical_null_per_feature" if per_row_null
                                       else "empirical_null" if empirical else "fixed"),
            edge_threshold=float(finite.min()) if finite.size else None,
            n_features_with_cut=int(finite.size),
        )
        if empirical:
            calibration["n_effective_note"] = _EMPIRICAL_NOTE
        return edges_above_feature_cuts(row_block, p, cuts, **budget)
    rule = "fixed"
    if n_effective is None:
        n_effective = empirical_n_effective(row_block, p)
        rule = "empirical_null"
        calibration["n_effective_note"] = _EMPIRICAL_NOTE
    calibration.update(n_effective=to_jsonable(float(n_effective)), pvalue_rule=f"fisher_z_{rule}")
    if not np.isfinite(n_effective):
        # every weight is zero: nothing can be significant
        calibration["edge_threshold"] = None
        return empty
    if n_effective <= 3.5:
        raise ValueError(
            f"the Fisher-z test needs more than 3.5 effective samples, got {n_effective:.2f}; "
            "use more samples or set alpha"
        )
    # one BH over all pairs: the histogram has a fixed bin width on [0, 1], so
    # weights are first mapped to the correlation scale of _REFERENCE_N samples
    factor = float(np.sqrt((n_effective - 3.0) / (_REFERENCE_N - 3.0)))

    def reference_block(start: int, stop: int) -> np.ndarray:
        return _to_reference(row_block(start, stop), factor)

    cut_ref = bh_weight_threshold(
        reference_block, p, float(fdr), lambda r: correlation_pvalue(r, _REFERENCE_N)
    )
    if not np.isfinite(cut_ref):
        calibration["edge_threshold"] = None
        return empty
    cut = float(np.tanh(np.arctanh(min(cut_ref, 1.0 - 1e-7)) / factor))
    calibration["edge_threshold"] = cut
    return threshold_edges(row_block, p, cut, **budget)
