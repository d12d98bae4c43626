"""Module recovery, speed and memory of the baseline, latent and graph backends.

Usage:
    .venv/bin/python benchmarks/bench_backends.py [--presets medium large]
        [--backends baseline baseline@0.99 latent graph] [--repeats 3] [--threads N]

For every preset and seed, multiplex features (``MultiplexFeatures`` on the
synthetic transcript counts, then ``CovariateResidualizer`` on batch and
confounder) are computed once; each backend is then fitted in a fresh
subprocess, which reports the fit's wall time and the process's peak resident
memory (``ru_maxrss``, interpreter and data included, so it over- rather than
under-states the fit). Printed per backend and preset: medians over the seeds
(``--repeats`` seeds for presets up to "medium", one seed above) of recovery,
adjusted Rand index, over-segmentation, wall time and peak memory, and, on the
same features with every column shuffled independently, the largest module
found with ``min_module_size=2``.

Targets (issue "Network backends I"): on "medium" (2,000 genes x 120 samples)
each backend reaches recovery >= 0.8 and ARI >= 0.7; on "large" (6,000 genes x
240 samples) latent and graph take under 120 s and 3 GB; on permuted features
no module reaches 10 genes.
"""

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

#: label -> (registry name, constructor parameters); min_module_size matches the presets'
BACKENDS = {
    "baseline": ("baseline", {}),
    "baseline@0.99": ("baseline", {"shrinkage": 0.99}),
    "latent": ("latent", {}),
    "graph": ("graph", {}),
}
CHEAP_PRESETS = ("toy", "small", "medium")
MIN_MODULE_SIZE = 10
TARGETS = {"medium": {"recovery": 0.8, "adjusted_rand": 0.7},
           "large": {"seconds": 120.0, "peak_gb": 3.0, "only": ("latent", "graph")}}


def make_features(preset: str, seed: int, path: Path) -> None:
    """Synthetic dataset -> residualized multiplex features, pickled with the truth."""
    import numpy as np

    from isograph.benchmark import make_isoform_dataset
    from isograph.features import CovariateResidualizer, MultiplexFeatures

    ds = make_isoform_dataset(preset, random_state=seed)
    data = ds.data
    features = MultiplexFeatures(data.transcript_to_gene).set_output(transform="pandas")
    F = features.fit_transform(data.transcript_counts)
    table = F.assign(batch=data.samples["batch"].to_numpy(),
                     confounder=data.samples["confounder"].to_numpy())
    residualizer = CovariateResidualizer(["batch", "confounder"]).set_output(transform="pandas")
    X = residualizer.fit_transform(table)
    rng = np.random.default_rng(10_000 + seed)
    shuffled = X.apply(lambda col: rng.permutation(col.to_numpy()))
    with open(path, "wb") as fh:
        pickle.dump({"X": X, "shuffled": shuffled, "truth": ds.labels}, fh)


def worker(label: str, path: str, shuffled: bool) -> None:
    """Fit one backend on pickled features; print one JSON line of results."""
    import resource
    import time

    from isograph.benchmark.metrics import score_modules
    from isograph.models import make_backend

    with open(path, "rb") as fh:
        payload = pickle.load(fh)
    X = payload["shuffled" if shuffled else "X"]
    name, params = BACKENDS[label]
    size = 2 if shuffled else MIN_MODULE_SIZE
    model = make_backend(name, min_module_size=size, random_state=0, **params)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    start = time.perf_counter()
    model.fit(X)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    modules = model.modules_
    sizes = modules.loc[modules["module_id"] >= 0, "module_id"].value_counts()
    out = {"seconds": seconds, "peak_gb": peak, "rss_before_fit_gb": rss_before,
           "n_features": int(X.shape[1]), "n_modules": int(model.n_modules_),
           "largest_module": int(sizes.max()) if len(sizes) else 0,
           "n_edges": int(len(model.edges_))}
    if not shuffled:
        scores = score_modules(payload["truth"], modules.set_index("gene_id")["module_id"])
        out.update({k: scores[k] for k in ("recovery", "adjusted_rand", "over_segmentation")})
    print(json.dumps(out))


def run_worker(label: str, path: Path, shuffled: bool, threads: int | None) -> dict:
    env = dict(os.environ)
    if threads:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
    cmd = [sys.executable, __file__, "--worker", label, str(path)]
    if shuffled:
        cmd.append("--shuffled")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{label} failed on {path.name}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def verdict(preset: str, label: str, med: dict, largest_null: int) -> str:
    notes = []
    target = TARGETS.get(preset, {})
    if label in target.get("only", BACKENDS):
        for key, bound in target.items():
            if key == "only":
                continue
            ok = med[key] <= bound if key in ("seconds", "peak_gb") else med[key] >= bound
            notes.append(f"{key} {'ok' if ok else 'MISSED'}")
    notes.append("null ok" if largest_null < 10 else "null MISSED")
    return ", ".join(notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["medium", "large"])
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=list(BACKENDS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads per fit (default: the library's default)")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--shuffled", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1], args.shuffled)
        return

    header = (f"{'preset':<7} {'backend':<14} {'features':>8} {'recovery':>8} {'ARI':>6} "
              f"{'overseg':>7} {'time s':>7} {'peak GB':>7} {'modules':>7} "
              f"{'null max':>8}  targets")
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        for preset in args.presets:
            seeds = range(args.repeats if preset in CHEAP_PRESETS else 1)
            paths = []
            for seed in seeds:
                path = Path(tmp) / f"{preset}-{seed}.pkl"
                make_features(preset, seed, path)
                paths.append(path)
            for label in args.backends:
                rows = [run_worker(label, p, False, args.threads) for p in paths]
                nulls = [run_worker(label, p, True, args.threads) for p in paths]
                med = {k: median(rows, k) for k in ("recovery", "adjusted_rand",
                                                     "over_segmentation", "seconds",
                                                     "peak_gb", "n_modules")}
                largest_null = max(r["largest_module"] for r in nulls)
                print(f"{preset:<7} {label:<14} {rows[0]['n_features']:>8} "
                      f"{med['recovery']:>8.3f} {med['adjusted_rand']:>6.3f} "
                      f"{med['over_segmentation']:>7.2f} {med['seconds']:>7.1f} "
                      f"{med['peak_gb']:>7.2f} {med['n_modules']:>7.0f} {largest_null:>8d}  "
                      f"{verdict(preset, label, med, largest_null)}", flush=True)


if __name__ == "__main__":
    main()
