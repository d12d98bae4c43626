"""Per-feature FDR edge rule: the former per-row code (anchor) against the current one.

    python benchmarks/bench_edge_rules.py [--features 30000] [--repeats 3] [--factors F.npz]

The weights are the latent backend's on a 24-sample cohort: model correlations
of a rank-3 factor model (``scaled_gram_block``, float32 rows), by default
synthetic loadings on 30,000 features tuned so that a row has as many
candidate pairs as on the macrophage cohort (median ~1/3 of the features
above the BH floor); ``--factors`` takes saved ``U32`` / ``s32`` arrays of a
real fit instead. Three steps are timed, old and new interleaved in the same
run: ``feature_fdr_cuts`` with ``n_effective=24`` and with the per-row
empirical null (``None``), and ``edges_above_feature_cuts`` with the latent
default of 30 edges per feature. Printed per step: median wall and CPU
seconds (the CPU time of this process, less sensitive to other load), the
old/new ratio of each, and whether the results are identical.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time

import numpy as np
from scipy import stats

from isograph.network._edge_rules import edges_above_feature_cuts, feature_fdr_cuts
from isograph.network._edges import collect_edges
from isograph.network._row_blocks import default_block_size, scaled_gram_block

# --------------------------------------------------------------------------
# ANCHOR: the per-row implementation before the rewrite (commit a6f920c),
# copied verbatim except for the names and the block budget (then a module
# constant); do not optimise it.
_BLOCK_BYTES = 64 * 2**20


def old_feature_fdr_cuts(row_block, n_features, q, n_effective):
    p = int(n_features)
    m = max(p - 1, 1)
    z_rank = stats.norm.isf(q * np.arange(1, p + 1) / (2.0 * m))
    cuts = np.full(p, np.inf)
    n_eff = np.full(p, np.inf if n_effective is None else float(n_effective))
    b = default_block_size(p, budget_bytes=_BLOCK_BYTES)
    for start in range(0, p, b):
        stop = min(p, start + b)
        block = np.abs(row_block(start, stop))
        diag = (np.arange(stop - start), np.arange(start, stop))
        if n_effective is None:
            block[diag] = np.nan
            z = np.arctanh(np.clip(block, 0.0, 1.0 - 1e-7))
            scale = np.nanmedian(z, axis=1) / 0.6745
            with np.errstate(divide="ignore"):
                n_eff[start:stop] = np.where(scale > 0, 1.0 / scale**2 + 3.0, np.inf)
        block[diag] = 0.0
        for r in range(stop - start):
            ne = n_eff[start + r]
            if not np.isfinite(ne) or ne <= 3.5:
                continue
            root = np.sqrt(ne - 3.0)
            floor = np.tanh(z_rank[-1] / root)
            cand = block[r][block[r] >= floor]
            if cand.size == 0:
                continue
            cand = -np.sort(-cand.astype(np.float64))
            ok = np.arctanh(np.minimum(cand, 1.0 - 1e-12)) * root >= z_rank[: cand.size]
            if ok.any():
                cuts[start + r] = cand[np.flatnonzero(ok)[-1]]
    return cuts, n_eff


def old_edges_above_feature_cuts(row_block, n_features, cuts, *, max_edges, max_edges_per_feature):
    cuts = np.asarray(cuts, dtype=np.float64)

    def passes(block, start, stop):
        return np.abs(block) >= np.maximum(cuts[start:stop, None], cuts[None, :])

    return collect_edges(row_block, int(n_features), passes, max_edges=max_edges,
                         max_edges_per_feature=max_edges_per_feature,
                         rows_to_scan=np.isfinite(cuts), what="the FDR rule")
# END ANCHOR
# --------------------------------------------------------------------------


def synthetic_factors(p: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rank-3 loadings and scales: 60 % of features load on the factors, 70 % share a direction.

    Candidates per row (|weight| above the BH floor at n = 24), quartiles: 5.5k, 8.6k, 15.8k
    of 30k (macrophage cohort: 1.4k, 11.8k, 17.5k of 31.8k).
    """
    rng = np.random.default_rng(seed)
    W = rng.normal(0.0, 1.0, (p, 3)) * (rng.random(p) < 0.6)[:, None]
    W[:, 0] += 1.0 * (rng.random(p) < 0.7)  # a shared direction: many large correlations
    d = np.sum(W**2, axis=1) + 1.0
    return W.astype(np.float32), (1.0 / np.sqrt(d)).astype(np.float32)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(fn):
    wall, cpu = time.perf_counter(), cpu_seconds()
    out = fn()
    return out, time.perf_counter() - wall, cpu_seconds() - cpu


def same(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=30_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--factors", help="npz with U32 (p x k) and s32 (p,) of a real fit")
    parser.add_argument("--steps", nargs="+", default=["fixed", "null", "edges"],
                        choices=["fixed", "null", "edges"])
    args = parser.parse_args(argv)
    if args.factors:
        saved = np.load(args.factors)
        U, s = saved["U32"], saved["s32"]
    else:
        U, s = synthetic_factors(args.features)
    block, p = scaled_gram_block(U, s), U.shape[0]
    rows = np.abs(np.concatenate([block(i, min(p, i + 50)) for i in range(0, p, max(50, p // 10))]))
    floor = np.tanh(stats.norm.isf(0.05 / 2) / np.sqrt(21.0))
    print(f"{p} features ({'saved factors' if args.factors else 'synthetic'}); median "
          f"candidates per row at n_effective=24: {np.median((rows >= floor).sum(1) - 1):.0f}")
    cuts24 = None
    steps = {
        "fixed": ("feature_fdr_cuts(n_effective=24)",
                  lambda: old_feature_fdr_cuts(block, p, 0.05, 24.0),
                  lambda: feature_fdr_cuts(block, p, 0.05, 24.0)),
        "null": ("feature_fdr_cuts(n_effective=None)",
                 lambda: old_feature_fdr_cuts(block, p, 0.05, None),
                 lambda: feature_fdr_cuts(block, p, 0.05, None)),
        "edges": ("edges_above_feature_cuts(30 per feature)",
                  lambda: old_edges_above_feature_cuts(block, p, cuts24, max_edges=20_000_000,
                                                       max_edges_per_feature=30),
                  lambda: edges_above_feature_cuts(block, p, cuts24, max_edges=20_000_000,
                                                   max_edges_per_feature=30)),
    }
    for step in args.steps:
        if step == "edges" and cuts24 is None:
            cuts24, _ = feature_fdr_cuts(block, p, 0.05, 24.0)
        name, old, new = steps[step]
        times = {"old": [], "new": []}
        identical = True
        for _ in range(args.repeats):
            a, wall_a, cpu_a = timed(old)
            b, wall_b, cpu_b = timed(new)
            times["old"].append((wall_a, cpu_a))
            times["new"].append((wall_b, cpu_b))
            identical &= same(a, b)
            if step == "fixed":
                cuts24 = b[0]
        med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
               for k, v in times.items()}
        print(f"{name}: old {med['old'][0]:.2f} s wall / {med['old'][1]:.2f} s cpu, "
              f"new {med['new'][0]:.2f} s wall / {med['new'][1]:.2f} s cpu; ratio "
              f"{med['old'][0] / med['new'][0]:.2f}x wall, {med['old'][1] / med['new'][1]:.2f}x "
              f"cpu (median of {args.repeats}); identical: {identical}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
