"""VAE backend at scale: time, peak memory, recovery, WGCNA comparison, permuted data.

Targets (issue "Network backends II"), on the ``xlarge`` preset (12,000 genes x
240 samples, about 21,000 multiplex features):

* fit under 10 minutes and under 6 GB peak memory;
* recovery >= 0.95 and adjusted Rand >= 0.9 against the planted modules;
* faster than R's WGCNA ``blockwiseModules`` on the gene-level abundance of the
  same dataset (through :class:`isograph.models.WgcnaNetworkModel`, same thread count);
* column-permuted features: no module of 10 or more genes with default settings.

Usage::

    .venv/bin/python benchmarks/bench_vae.py                 # everything, xlarge
    .venv/bin/python benchmarks/bench_vae.py --preset medium --skip-wgcna
    .venv/bin/python benchmarks/bench_vae.py --threads 2     # an idle machine

Features are both channels with ``batch`` and ``confounder`` regressed out (as
``fit_dataset(..., covariates=["batch", "confounder"])`` does); feature time is
printed separately from fit time. Peak memory is the process's maximum resident
set size (it includes data generation, so it bounds the fit's peak from above).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import numpy as np
import pandas as pd
import torch

from isograph.benchmark import make_isoform_dataset
from isograph.benchmark.metrics import score_modules
from isograph.features import CovariateResidualizer, GeneAbundance, MultiplexFeatures
from isograph.models import VaeNetworkModel

COVARIATES = ["batch", "confounder"]
TARGET_SECONDS = 600.0
TARGET_PEAK_GB = 6.0
TARGET_RECOVERY = 0.95
TARGET_ARI = 0.9
PERMUTED_MAX_MODULE = 10


def peak_gb() -> float:
    """Maximum resident set size of this process so far, in GB."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return kb / 2**20


def residualized(features: pd.DataFrame, samples: pd.DataFrame) -> pd.DataFrame:
    res = CovariateResidualizer(COVARIATES).set_output(transform="pandas")
    return res.fit_transform(features, covariates=samples.loc[features.index, COVARIATES])


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def run_vae(X: pd.DataFrame, args) -> tuple[VaeNetworkModel, float]:
    model = VaeNetworkModel(random_state=args.seed, n_threads=args.threads, verbose=args.verbose)
    started = time.perf_counter()
    model.fit(X)
    return model, time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="xlarge")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1,
                        help="CPU threads for torch and for WGCNA (default 1: on a shared "
                             "2-core machine more threads than free cores make torch slower)")
    parser.add_argument("--skip-wgcna", action="store_true")
    parser.add_argument("--skip-permuted", action="store_true")
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args(argv)

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"torch {torch.__version__}, threads={args.threads}", flush=True)
    ds = make_isoform_dataset(args.preset, random_state=args.seed)
    data, truth = ds.data, ds.genes
    started = time.perf_counter()
    featurizer = MultiplexFeatures(data.transcript_to_gene).set_output(transform="pandas")
    X = residualized(featurizer.fit_transform(data.transcript_counts), data.samples)
    print(f"preset {args.preset}: {data.transcript_counts.shape[0]} samples, "
          f"{len(truth)} genes, {X.shape[1]} multiplex features "
          f"(features in {time.perf_counter() - started:.1f} s)", flush=True)

    # 1. the planted dataset
    model, vae_seconds = run_vae(X, args)
    peak = peak_gb()
    pred = model.modules_.set_index("gene_id")["module_id"]
    scores = score_modules(truth["module_id"], pred, truth["role"])
    cal = model.calibration_
    grid = [(g["latent_dim"], round(g["validation_neg_elbo"], 1)) for g in cal["latent_grid"]]
    print(f"VAE fit: {vae_seconds:.1f} s, peak RSS {peak:.2f} GB; latent_dim={cal['latent_dim']} "
          f"(grid: latent_dim, validation -ELBO {grid}), "
          f"best epoch {cal['best_epoch']}/{cal['epochs_trained']}, "
          f"{cal['n_signal_features']} signal features, {cal['n_edges']} edges, "
          f"{cal['n_modules']} modules ({scores['n_true_modules']} planted)", flush=True)
    print("scores: " + ", ".join(f"{k}={v:.3f}" for k, v in scores.items()
                                 if isinstance(v, float)), flush=True)
    checks = {
        f"fit < {TARGET_SECONDS:.0f} s": vae_seconds < TARGET_SECONDS,
        f"peak < {TARGET_PEAK_GB:.0f} GB": peak < TARGET_PEAK_GB,
        f"recovery >= {TARGET_RECOVERY}": scores["recovery"] >= TARGET_RECOVERY,
        f"ARI >= {TARGET_ARI}": scores["adjusted_rand"] >= TARGET_ARI,
    }

    # 2. WGCNA on the gene-level abundance of the same dataset
    if not args.skip_wgcna:
        from isograph.models import WgcnaNetworkModel

        abundance = GeneAbundance(data.transcript_to_gene).set_output(transform="pandas")
        A = residualized(abundance.fit_transform(data.transcript_counts), data.samples)
        wgcna = WgcnaNetworkModel(n_threads=args.threads, random_state=args.seed)
        started = time.perf_counter()
        wgcna.fit(A)
        wgcna_seconds = time.perf_counter() - started
        w_pred = wgcna.modules_.set_index("gene_id")["module_id"]
        w_scores = score_modules(truth["module_id"], w_pred)
        power = wgcna.calibration_.get("power")
        print(f"WGCNA blockwiseModules ({A.shape[1]} genes, power {power}): "
              f"{wgcna_seconds:.1f} s, recovery={w_scores['recovery']:.3f}, "
              f"ARI={w_scores['adjusted_rand']:.3f}", flush=True)
        print(f"time: VAE {vae_seconds:.1f} s vs WGCNA {wgcna_seconds:.1f} s, "
              f"ratio WGCNA/VAE = {wgcna_seconds / vae_seconds:.2f}", flush=True)
        checks["faster than WGCNA"] = vae_seconds < wgcna_seconds

    # 3. permuted features: a denoiser must not invent correlation
    if not args.skip_permuted:
        rng = np.random.default_rng(args.seed + 1)
        values = X.to_numpy()
        order = np.argsort(rng.random(values.shape), axis=0)
        Xp = pd.DataFrame(np.take_along_axis(values, order, axis=0), index=X.index,
                          columns=X.columns)
        permuted, perm_seconds = run_vae(Xp, args)
        sizes = permuted.modules_.query("module_id >= 0")["module_id"].value_counts()
        largest = int(sizes.max()) if len(sizes) else 0
        print(f"permuted: {perm_seconds:.1f} s, {permuted.calibration_['n_signal_features']} "
              f"signal features, {permuted.calibration_['n_edges']} edges, "
              f"{len(sizes)} modules, largest {largest} genes", flush=True)
        checks[f"permuted: no module >= {PERMUTED_MAX_MODULE} genes"] = (
            largest < PERMUTED_MAX_MODULE)

    print("targets: " + "; ".join(f"{name}: {verdict(ok)}" for name, ok in checks.items()))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
