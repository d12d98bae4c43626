"""False-discovery-rate control: Benjamini–Hochberg on lists and on implicit matrices."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import stats

from ._row_blocks import RowBlock, default_block_size


def bh_adjust(p_values) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values); NaN stays NaN."""
    p = np.asarray(p_values, dtype=np.float64)
    q = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return q
    order = np.argsort(p[ok])
    ranked = p[ok][order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.clip(ranked, 0.0, 1.0)
    q[ok] = out
    return q


def correlation_pvalue(r, n_effective: float) -> np.ndarray:
    """Two-sided p-value of a (partial) correlation by Fisher's z transform.

    ``n_effective`` is the sample size minus the number of conditioning
    variables; the standard error of ``atanh(r)`` is ``1 / sqrt(n_effective - 3)``.
    """
    if n_effective <= 3:
        raise ValueError(f"n_effective must exceed 3 for a Fisher z test, got {n_effective}")
    r = np.clip(np.abs(np.asarray(r, dtype=np.float64)), 0.0, 1.0 - 1e-12)
    z = np.arctanh(r) * np.sqrt(n_effective - 3.0)
    return 2.0 * stats.norm.sf(z)


def bh_weight_threshold(
    row_block: RowBlock,
    n_features: int,
    q: float,
    pvalue: Callable[[np.ndarray], np.ndarray],
    *,
    n_bins: int = 4000,
    block_size: int | None = None,
) -> float:
    """The smallest |weight| cut that controls the FDR of all pairs at ``q``.

    One pass over the upper triangle fills a histogram of |weight|; the
    Benjamini–Hochberg step-up rule is then applied to the histogram's upper
    tail, since p-values fall as |weight| grows. Returns ``inf`` when no pair
    is significant. The cut is exact up to the bin width (1 / ``n_bins``).
    """
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be in (0, 1), got {q}")
    p = int(n_features)
    bins = np.linspace(0.0, 1.0, n_bins + 1)
    counts = np.zeros(n_bins, dtype=np.int64)
    b = block_size or default_block_size(p)
    for start in range(0, p, b):
        stop = min(p, start + b)
        block = np.abs(row_block(start, stop))
        upper = np.arange(p)[None, :] > np.arange(start, stop)[:, None]
        counts += np.histogram(np.minimum(block[upper], 1.0), bins=bins)[0]
    m = p * (p - 1) / 2
    if m == 0:
        return float("inf")
    # at cut t = bins[k], the pairs kept are those in bins k..end
    kept = np.cumsum(counts[::-1])[::-1].astype(np.float64)
    expected_false = m * pvalue(bins[:-1])
    ok = (kept > 0) & (expected_false <= q * kept)
    if not ok.any():
        return float("inf")
    return float(bins[:-1][np.argmax(ok)])
