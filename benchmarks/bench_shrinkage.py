"""Speed and agreement of the shrinkage-weight methods on the bundled mDC data.

Times, on the first SAGE layer of a RegNet trained on mDC (median of
``--repeats`` runs, one torch thread by default):

- ``states``: ``model.first_layer_states()`` (x, m, h, n; one encoder pass),
  shared by every method;
- ``projection/neighbors``: the projection with ``n`` = neighbour mean of
  ``h`` (pure array arithmetic on the states);
- ``projection/prior``: the projection against ``g(x - delta, m)`` (one
  batched aggregator call), the library default;
- ``finite_difference``: vectorized, every gene and both perturbations in one
  batched call;
- ``finite_difference/per-gene loop``: the naive version, three aggregator
  calls per gene in a Python loop (what vectorizing saves);
- the end-to-end ``shrinkage_weights(model, method=...)`` calls.

It then prints how closely the weights agree (Pearson, Spearman, mean
absolute difference over genes with neighbours) with each other and with
the empirical-Bayes weights.

Usage::

    python benchmarks/bench_shrinkage.py [--pretrain_dir DIR] [--network Specific]
        [--max-epochs 30] [--repeats 20] [--threads 1]

Without ``--pretrain_dir`` a model is trained on ``mDC/<network>`` first (about
20 s for Specific with 30 epochs on one thread).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from regnet import RegNet
from regnet.data import genelink_split, load_example
from regnet.interpret import (
    as_aggregator,
    compare_weights,
    empirical_bayes_weights,
    finite_difference_weights,
    layer_shrinkage,
    projection_weights,
    shrinkage_weights,
)


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


def train(network: str, max_epochs: int) -> RegNet:
    data = load_example("mDC", network=network)
    split = genelink_split(data, random_state=0)
    return RegNet(max_epochs=max_epochs, random_state=0).fit(
        data.expression, split.train, tfs=data.tfs, validation=split.validation)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pretrain_dir", default=None)
    parser.add_argument("--network", default="Specific", choices=("STRING", "Non-Specific",
                                                                   "Specific"))
    parser.add_argument("--max-epochs", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--eps", type=float, default=1e-2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    if args.pretrain_dir:
        model = RegNet.load(args.pretrain_dir, device="cpu")
        source = args.pretrain_dir
    else:
        start = time.perf_counter()
        model = train(args.network, args.max_epochs)
        elapsed = time.perf_counter() - start
        source = f"mDC/{args.network}, {args.max_epochs} epochs, {elapsed:.0f} s"
    states = model.first_layer_states()
    has = (np.abs(states["m"].to_numpy()).sum(axis=1) > 0)  # genes with neighbours
    x, m, h, n = (states[k].to_numpy(np.float64)[has] for k in "xmhn")
    n_cells = model.n_features_in_
    g = as_aggregator(model.module_.sage1)
    print(f"model: {source}; {len(has)} genes ({int(has.sum())} with neighbours, the ones "
          f"timed), {n_cells} cells, input width {x.shape[1]}, hidden {h.shape[1]}, "
          f"torch threads {torch.get_num_threads()}")

    eps = args.eps
    timings = {
        "states (first_layer_states, all genes)": lambda: model.first_layer_states(),
        "projection/neighbors: projection_weights": lambda: projection_weights(
            x, m, h, n, n_features=n_cells),
        "projection/prior: layer_shrinkage": lambda: layer_shrinkage(
            x, m, aggregate=g, reference="prior", n_features=n_cells),
        "finite difference: finite_difference_weights": lambda: finite_difference_weights(
            g, x, m, eps=eps, n_features=n_cells),
    }
    seconds = {name: median_seconds(fn, args.repeats) for name, fn in timings.items()}
    loop_name = "finite difference: per-gene loop"
    seconds[loop_name] = median_seconds(
        lambda: per_gene_finite_difference(g, x, m, n_cells, eps), max(1, args.repeats // 10))
    for method in ("projection", "finite_difference"):
        seconds[f"shrinkage_weights(method={method!r})"] = median_seconds(
            lambda method=method: shrinkage_weights(model, method=method, eps=eps), args.repeats)

    print("\nmedian time per call")
    for name, value in seconds.items():
        print(f"  {name:<48s} {value * 1e3:10.3f} ms")
    fd_loop = seconds[loop_name]
    fd_vec = seconds["finite difference: finite_difference_weights"]
    print("\nspeed-ups (target: projection >= 100x faster than finite difference)")
    for proj in ("projection/neighbors: projection_weights", "projection/prior: layer_shrinkage"):
        for fd_name, fd in (("vectorized FD", fd_vec), ("per-gene-loop FD", fd_loop)):
            ratio = fd / seconds[proj]
            print(f"  {proj:<41s} vs {fd_name:<17s} {ratio:8.1f}x  "
                  f"{'meets' if ratio >= 100 else 'misses'} 100x")
    print(f"  vectorized FD vs per-gene-loop FD: {fd_loop / fd_vec:.0f}x faster")
    end_to_end = (seconds["shrinkage_weights(method='finite_difference')"]
                  / seconds["shrinkage_weights(method='projection')"])
    print(f"  end to end, shrinkage_weights finite_difference / projection: {end_to_end:.1f}x")

    weights = {
        "projection/prior": shrinkage_weights(model, method="projection"),
        "projection/neighbors": shrinkage_weights(model, method="projection",
                                                  reference="neighbors"),
        "finite_difference": shrinkage_weights(model, method="finite_difference", eps=eps),
    }
    loop = per_gene_finite_difference(g, x, m, n_cells, eps)
    fd = weights["finite_difference"]["weight"].to_numpy()[has]
    print(f"\nvectorized vs per-gene FD: max |difference| = {np.max(np.abs(fd - loop)):.2e}")
    weights["empirical_bayes"] = empirical_bayes_weights(model.expression_, model.edges_)
    sigma2 = weights["empirical_bayes"].attrs["noise_variance"]
    print(f"empirical Bayes: noise variance {sigma2:.3f} (standardised scale)")
    print("\nweights over genes with neighbours: mean [min, max]")
    for name, frame in weights.items():
        w = frame["weight"].dropna()
        print(f"  {name:<22s} {w.mean():.3f} [{w.min():.3f}, {w.max():.3f}]  ({len(w)} genes)")
    print("\nagreement (Pearson / Spearman / mean |difference|)")
    names = list(weights)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            s = compare_weights(weights[a], weights[b])
            print(f"  {a:<22s} vs {b:<22s} {s['pearson']:6.3f} / {s['spearman']:6.3f} / "
                  f"{s['mean_abs_difference']:.3f}")


if __name__ == "__main__":
    main()
