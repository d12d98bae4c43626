"""Shrinkage-weight methods on models trained on mDC: agreement, speed, seed stability.

For each mDC network (STRING, Non-Specific, Specific) RegNet is trained with
``--seeds`` training seeds on one fixed GENELink split (split seed 0), so the
runs differ by training noise only. Trained models are cached under
``--cache-dir`` and reused by later runs. The script prints:

- **agreement** of the basis-free projection (the default) with the
  finite difference, per network and seed (target: Spearman >= 0.8), and of
  the coordinate projection for the record;
- **speed** on the seed-0 model, one torch thread, median of ``--repeats``:
  the projection on stored states (``x``, ``m`` and the layer's linear
  response, each computed once per model) against the batched and the
  per-gene finite difference (targets: >= 10x and >= 100x), plus what the
  stored pieces cost to compute;
- **whole-encoder weights** on ``--encoder-genes`` genes (the same random
  genes for every seed), their cost per gene and their agreement with the
  first-layer weights;
- **stability**: for each weight, the pairwise Spearman correlation between
  seeds, the median seed-to-seed standard deviation against the between-gene
  one, the genes flagged unstable, and whether the learned-vs-empirical-Bayes
  and weight-vs-degree findings keep their sign across seeds.

Usage::

    python benchmarks/bench_shrinkage.py [--networks STRING Non-Specific Specific]
        [--seeds 0 1 2] [--max-epochs 100] [--cache-dir /tmp/regnet_shrinkage_models]
        [--repeats 20] [--encoder-genes 60] [--threads 1]

Training costs about 20 s per model on one thread (nine models by default);
with a warm cache the run takes about three minutes, mostly the encoder JVPs.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from mdc_models import mdc_model  # benchmarks/mdc_models.py, beside this script
from threadpoolctl import threadpool_limits

from regnet import RegNet
from regnet.interpret import (
    as_aggregator,
    compare_weights,
    empirical_bayes_weights,
    encoder_weights,
    finite_difference_weights,
    linear_response,
    response_projection_weights,
    seed_stability,
    shrinkage_weights,
)

NETWORKS = ("STRING", "Non-Specific", "Specific")


def median_seconds(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def per_gene_finite_difference(g, x, m, n_cells, eps):
    """Reference implementation: one gene at a time (the slow way)."""
    weights = np.full(len(x), np.nan)
    for i in range(len(x)):
        xi, mi = x[i:i + 1], m[i:i + 1]
        delta = np.zeros_like(xi)
        delta[:, :n_cells] = xi[:, :n_cells] - mi[:, :n_cells]
        norm = np.linalg.norm(delta)
        if norm == 0:
            continue
        d = eps * delta / norm
        base = g(xi, mi)
        s_x = np.linalg.norm(g(xi + d, mi) - base) / eps
        s_m = np.linalg.norm(g(xi, mi + d) - base) / eps
        weights[i] = s_x / (s_x + s_m)
    return weights


def timings(model: RegNet, repeats: int, eps: float) -> None:
    states = model.first_layer_states()
    has = np.abs(states["m"].to_numpy()).sum(axis=1) > 0
    x, m = (states[k].to_numpy(np.float64)[has] for k in "xm")  # FD works in float64
    x32, m32 = (states[k].to_numpy(np.float32)[has] for k in "xm")  # as the model stores them
    n_cells = model.n_features_in_
    g = as_aggregator(model.module_.sage1)
    response = linear_response(model.module_.sage1, x, m, n_features=n_cells)
    print(f"  timed on {int(has.sum())} genes with neighbours; response ranks "
          f"{response.self_map.shape[1]} + {response.neighbor_map.shape[1]} "
          f"(kept energy {response.kept_energy:.5f})")
    seconds = {
        "stored: first_layer_states (one encoder pass)": median_seconds(
            model.first_layer_states, repeats),
        "stored: linear_response (Jacobians at the mean)": median_seconds(
            lambda: linear_response(model.module_.sage1, x, m, n_features=n_cells), repeats),
        "projection on stored states": median_seconds(
            lambda: response_projection_weights(x32, m32, response), repeats),
        "finite difference, batched": median_seconds(
            lambda: finite_difference_weights(g, x, m, eps=eps, n_features=n_cells), repeats),
        "finite difference, per gene": median_seconds(
            lambda: per_gene_finite_difference(g, x, m, n_cells, eps), max(1, repeats // 10)),
    }
    for method in ("projection", "finite_difference"):
        seconds[f"shrinkage_weights(method={method!r}), end to end"] = median_seconds(
            lambda method=method: shrinkage_weights(model, method=method, eps=eps), repeats)
    for name, value in seconds.items():
        print(f"    {name:<58s} {value * 1e3:9.3f} ms")
    proj = seconds["projection on stored states"]
    with_response = proj + seconds["stored: linear_response (Jacobians at the mean)"]
    for label, fd, target in (("batched", seconds["finite difference, batched"], 10),
                              ("per-gene", seconds["finite difference, per gene"], 100)):
        ratio = fd / proj
        print(f"    projection vs {label:<8s} FD: {ratio:7.1f}x "
              f"({'meets' if ratio >= target else 'misses'} {target}x); "
              f"{fd / with_response:6.1f}x counting the response")


def weights_for(model: RegNet, encoder_genes, eps: float) -> dict[str, pd.DataFrame]:
    out = {
        "projection": shrinkage_weights(model),
        "finite_difference": shrinkage_weights(model, method="finite_difference", eps=eps),
        "coordinate_projection": shrinkage_weights(model, method="coordinate_projection"),
    }
    if len(encoder_genes):
        start = time.perf_counter()
        out["encoder"] = encoder_weights(model, genes=encoder_genes)
        out["encoder"].attrs["seconds_per_gene"] = (time.perf_counter() - start) / len(
            encoder_genes)
    return out


def degree_slope(frame: pd.DataFrame) -> float:
    linked = frame.dropna(subset=["weight"])
    return float(np.polyfit(np.log(linked["degree"]), linked["weight"], 1)[0])


def report_network(network: str, runs: dict[int, dict], bayes: pd.DataFrame) -> None:
    print("\n  agreement with finite difference (Pearson / Spearman / mean |diff|, genes)")
    for seed, weights in runs.items():
        for name in [k for k in weights if k != "finite_difference"]:
            s = compare_weights(weights[name], weights["finite_difference"])
            flag = ""
            if name == "projection":
                flag = "  meets 0.8" if s["spearman"] >= 0.8 else "  MISSES 0.8"
            print(f"    seed {seed} {name:<22s} {s['pearson']:6.3f} / {s['spearman']:6.3f} / "
                  f"{s['mean_abs_difference']:.3f} ({s['n_genes']}){flag}")
    if "encoder" in runs[min(runs)]:
        cost = np.mean([w["encoder"].attrs["seconds_per_gene"] for w in runs.values()])
        print(f"    encoder weights: {cost:.3f} s per gene (two JVPs through the encoder)")
    print("\n  stability across seeds: Spearman mean [min], median seed sd vs between-gene "
          "sd, unstable genes")
    for name in runs[min(runs)]:
        stab = seed_stability({seed: w[name] for seed, w in runs.items()})
        a = stab.attrs
        n = int((stab["n_runs"] == len(runs)).sum())
        print(f"    {name:<22s} {a['mean_spearman']:6.3f} [{a['min_spearman']:6.3f}]  "
              f"{a['median_seed_std']:.3f} vs {a['between_gene_std']:.3f}  "
              f"{a['n_unstable']}/{n}")
    print("\n  findings per seed: median weight, vs empirical Bayes (Spearman), slope on "
          "log(degree), TF - other median")
    for seed, weights in runs.items():
        for name in ("projection", "finite_difference", "encoder"):
            if name not in weights:
                continue
            w = weights[name]
            linked = w.dropna(subset=["weight"])
            tf_gap = (linked.loc[linked["is_tf"], "weight"].median()
                      - linked.loc[~linked["is_tf"], "weight"].median())
            print(f"    seed {seed} {name:<18s} {linked['weight'].median():.3f}  "
                  f"{compare_weights(w, bayes)['spearman']:+.3f}  {degree_slope(w):+.4f}  "
                  f"{tf_gap:+.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", nargs="+", default=list(NETWORKS), choices=NETWORKS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--max-epochs", type=int, default=100)
    parser.add_argument("--cache-dir", default="/tmp/regnet_shrinkage_models")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--encoder-genes", type=int, default=60,
                        help="genes per model for the whole-encoder weights (0: skip)")
    parser.add_argument("--eps", type=float, default=1e-2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)  # numpy's BLAS too, so both sides run on the same cores
    cache = Path(args.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    print(f"torch threads {torch.get_num_threads()}; models cached in {cache}")
    for network in args.networks:
        print(f"\n=== mDC/{network}: seeds {args.seeds}, {args.max_epochs} epochs max")
        models = {s: mdc_model(network, s, args.max_epochs, cache) for s in args.seeds}
        first = models[args.seeds[0]]
        timings(first, args.repeats, args.eps)
        linked = shrinkage_weights(first).dropna(subset=["weight"]).index
        rng = np.random.default_rng(0)
        size = min(args.encoder_genes, len(linked))
        encoder_genes = sorted(rng.choice(linked, size=size, replace=False)) if size else []
        runs = {s: weights_for(model, encoder_genes, args.eps) for s, model in models.items()}
        bayes = empirical_bayes_weights(first.expression_, first.edges_)
        report_network(network, runs, bayes)


if __name__ == "__main__":
    main()
