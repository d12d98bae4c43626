"""Per-row Benjamini–Hochberg cuts on float32 ``|weight|`` rows (the kernel of the feature scope).

Why it is shaped this way (measured on the 24-sample macrophage cohort,
31,820 features, see ``benchmarks/bench_edge_rules.py``): the per-row work
is memory-bound, not Python-bound (Python overhead is ~1 µs of ~140 µs a
row). Whole-block vectorisations touch every element more often and allocate
block-sized temporaries: one sort of all candidates keyed by (row, value)
measured 4x slower than the former loop, a row-wise ``np.sort`` of the whole
block alone cost as much as that loop, and BH as a fixed point of counts
(``k <- #{|w| >= tau_k}``, ~5 passes a row) broke even. So the loop over rows,
whose temporaries stay in cache, stays, and each row does less:

* candidates are found with a float32 comparison against the exact float32
  image of the float64 floor (no float64 upcast of the whole row) and taken
  with ``flatnonzero`` + ``take`` (faster than a boolean index);
* they are sorted as float32 (half the bytes of the former float64 copy,
  and no two negations);
* with one ``n_effective`` for all rows the Fisher-z test of rank ``k`` is
  a float32 threshold ``tau_k`` computed once per call and checked at the
  neighbouring float32 values, so a row needs no ``arctanh`` at all.

With 16 MB row blocks and one BLAS thread (``_row_blocks.blas_threads_for``), measured
against the former per-row code in the same run (wall time, median of 2-3):
``n_effective=24`` cuts 3.1x, per-row null cuts 2.9x, edges 2.4x on the
cohort's factor model (31,820 features); 4.4x, 2.5x, 2.6x on the benchmark's
synthetic one (30,000). The cohort's latent fit went from 47-57 s to 27.5 s.

Every result equals the plain per-row rule bit for bit (tests compare them).
"""

from __future__ import annotations

import numpy as np

# Fisher's z is capped just below 1 (|weight| = 1 would give an infinite z)
_Z_CAP = 1.0 - 1e-12


def float32_at_least(x: np.ndarray) -> np.ndarray:
    """The smallest float32 ``>= x`` for each float64 ``x``.

    For a float32 ``a``, ``a >= float32_at_least(x)`` equals ``float64(a) >= x``,
    so comparisons stay in float32 and give the float64 answer.
    """
    x = np.asarray(x, dtype=np.float64)
    f = x.astype(np.float32)
    low = f.astype(np.float64) < x
    f[low] = np.nextafter(f[low], np.float32(np.inf))
    return f


def fisher_passes(weights: np.ndarray, root, z_crit) -> np.ndarray:
    """``atanh(min(|w|, 1 - 1e-12)) * root >= z_crit``: the rule's test, done in float64."""
    w = np.minimum(np.asarray(weights, dtype=np.float64), _Z_CAP)
    return np.arctanh(w) * root >= z_crit


def fisher_thresholds(z_crit: np.ndarray, root: float) -> np.ndarray:
    """Smallest float32 ``|weight|`` that :func:`fisher_passes` accepts, per critical z.

    ``tanh(z / root)`` rounded to float32 is within one float32 step of the
    answer, so the test is evaluated at the float32 values from two steps
    below to one above it and the smallest accepted one is kept. ``inf``
    where not even ``|weight| = 1`` passes.
    """
    z_crit = np.asarray(z_crit, dtype=np.float64)
    up, down = np.float32(np.inf), np.float32(-np.inf)
    guess = np.tanh(z_crit / root).astype(np.float32)
    tau = np.nextafter(np.nextafter(guess, up), up)
    probe = np.nextafter(np.nextafter(guess, down), down)
    for _ in range(4):
        tau = np.where(fisher_passes(probe, root, z_crit), np.minimum(probe, tau), tau)
        probe = np.nextafter(probe, up)
    # |weight| > 1 (float32 rounding) is tested as 1 - 1e-12, like |weight| = 1
    return np.where(fisher_passes(np.float32(1.0), root, z_crit), tau, np.float32(np.inf))


def row_bh_cut(row: np.ndarray, floor: np.float32, z_rank: np.ndarray, root: float,
               tau: np.ndarray | None = None) -> float:
    """Smallest ``|weight|`` of ``row`` that Benjamini–Hochberg selects (``inf``: none).

    Parameters
    ----------
    row : ndarray of float32
        ``|weight|`` of one feature, its diagonal entry set to 0.
    floor : float32
        Only entries ``>= floor`` are candidates (no p-value above the level passes).
    z_rank : ndarray of float64
        Critical Fisher z of ranks 1, 2, ... (decreasing).
    root : float
        ``sqrt(n_effective - 3)``.
    tau : ndarray of float32, optional
        ``fisher_thresholds(z_rank, root)``, when many rows share ``root``.
    """
    cand = row.take(np.flatnonzero(row >= floor))
    if cand.size == 0:
        return np.inf
    cand.sort()
    desc = cand[::-1]
    if tau is None:
        ok = fisher_passes(desc, root, z_rank[: desc.size])
    else:
        ok = desc >= tau[: desc.size]
    last = desc.size - 1 - int(np.argmax(ok[::-1]))
    return float(desc[last]) if ok[last] else np.inf


def block_bh_cuts(block: np.ndarray, n_effective: np.ndarray, z_rank: np.ndarray,
                  tau: np.ndarray | None = None) -> np.ndarray:
    """:func:`row_bh_cut` of each row of a ``|weight|`` block (diagonal entries 0).

    ``n_effective`` per row (``inf`` or ``<= 3.5``: no cut); ``tau``: the
    float32 thresholds of an ``n_effective`` shared by all rows, used when
    the block is float32.
    """
    cuts = np.full(block.shape[0], np.inf)
    valid = np.isfinite(n_effective) & (n_effective > 3.5)
    roots = np.sqrt(np.where(valid, n_effective, 4.0) - 3.0)
    # a row's candidates: |weights| whose p-value is <= q (needed at any rank)
    floors = np.tanh(z_rank[-1] / roots)
    if block.dtype == np.float32:
        floors = float32_at_least(floors)
    else:
        tau = None
    for r in np.flatnonzero(valid):
        cuts[r] = row_bh_cut(block[r], floors[r], z_rank, roots[r], tau)
    return cuts


def off_diagonal_median(z: np.ndarray, start: int) -> np.ndarray:
    """Median of each row of ``z`` without its diagonal entry (column ``start + row``).

    Equals ``np.nanmedian`` of the rows with the diagonal set to NaN (the
    mean of the two middle values in the array's dtype), by one
    ``np.partition`` of the block at one index and a max below it (a
    partition at two indices measured 4x slower, nanmedian's per-row calls
    as slow). Modifies ``z``.
    """
    b, p = z.shape
    if p < 2:  # no off-diagonal entry (nanmedian: NaN)
        return np.full(b, np.nan, dtype=z.dtype)
    if np.isnan(z).any():
        z[np.arange(b), np.arange(start, start + b)] = np.nan
        return np.nanmedian(z, axis=1)
    # the diagonal sorts last, so the lower p - 1 order statistics are the off-diagonal ones
    z[np.arange(b), np.arange(start, start + b)] = np.inf
    n = p - 1
    hi = n // 2
    part = np.partition(z, hi, axis=1)
    upper = part[:, hi]
    lower = upper if n % 2 else part[:, :hi].max(axis=1)
    return (lower + upper) / z.dtype.type(2)
