"""Figures of docs/model_interpretation.md, from the bundled mDC data.

Trains RegNet on mDC (default network STRING, GENELink split 0) with three
training seeds, reads the shrinkage weights of the first SAGE layer (basis-free
projection, finite difference, coordinate projection) and of the whole
encoder, their seed-to-seed stability and the empirical-Bayes weights, writes
the figures to ``docs/figures/`` and prints the numbers quoted in the
document. Rerun from the repository root::

    .venv/bin/python docs/make_interpretation_figures.py [--network STRING]
        [--seeds 0 1 2] [--max-epochs 100] [--threads 1] [--out docs/figures]
        [--cache-dir DIR]

With ``--cache-dir`` trained models are saved there and reused (the folder
``benchmarks/bench_shrinkage.py`` uses). About three minutes on one CPU thread
without a cache: three trainings and the whole-encoder JVPs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from regnet.interpret import (  # noqa: E402
    compare_weights,
    empirical_bayes_weights,
    encoder_weights,
    plot_latent_umap,
    plot_shrinkage_hist,
    plot_shrinkage_vs_bayes,
    plot_shrinkage_vs_degree,
    plot_shrinkage_vs_expression,
    seed_stability,
    shrinkage_weights,
)

# the trained models and their cache folder are shared with benchmarks/bench_shrinkage.py
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from mdc_models import mdc_model  # noqa: E402

DPI = 80


def save(fig: Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


def summary(name: str, frame) -> None:
    w = frame["weight"].dropna()
    print(f"{name:>22s}: median {w.median():.3f}, IQR [{w.quantile(0.25):.3f}, "
          f"{w.quantile(0.75):.3f}] ({len(w)} genes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", default="STRING",
                        choices=("STRING", "Non-Specific", "Specific"))
    parser.add_argument("--max-epochs", type=int, default=100)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--cache-dir", default=None)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "figures"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    threadpool_limits(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cache = None if args.cache_dir is None else Path(args.cache_dir)

    models = {s: mdc_model(args.network, s, args.max_epochs, cache) for s in args.seeds}
    model = models[args.seeds[0]]
    runs = {s: {"projection": shrinkage_weights(m),
                "finite_difference": shrinkage_weights(m, method="finite_difference"),
                "encoder": encoder_weights(m)}
            for s, m in models.items()}
    proj = runs[args.seeds[0]]["projection"]
    fd = runs[args.seeds[0]]["finite_difference"]
    enc = runs[args.seeds[0]]["encoder"]
    coord = shrinkage_weights(model, method="coordinate_projection")
    bayes = empirical_bayes_weights(model.expression_, model.edges_)
    print(f"genes: {len(fd)}, with neighbours: {int(fd['weight'].notna().sum())}, TFs: "
          f"{int(fd['is_tf'].sum())}; noise variance (standardised): "
          f"{bayes.attrs['noise_variance']:.3f}")
    for name, frame in (("projection", proj), ("finite difference", fd),
                        ("coordinate projection", coord), ("encoder", enc),
                        ("empirical Bayes", bayes)):
        summary(name, frame)
    for a, b, x, y in (("projection", "finite difference", proj, fd),
                       ("coordinate projection", "finite difference", coord, fd),
                       ("encoder", "finite difference", enc, fd),
                       ("encoder", "projection", enc, proj),
                       ("projection", "empirical Bayes", proj, bayes),
                       ("finite difference", "empirical Bayes", fd, bayes),
                       ("encoder", "empirical Bayes", enc, bayes)):
        s = compare_weights(x, y)
        print(f"{a} vs {b}: Pearson {s['pearson']:.3f}, Spearman {s['spearman']:.3f}, "
              f"mean |diff| {s['mean_abs_difference']:.3f} ({s['n_genes']} genes)")
    stability = {}
    for name in ("projection", "finite_difference", "encoder"):
        stab = seed_stability({s: r[name] for s, r in runs.items()})
        stability[name] = stab
        a = stab.attrs
        print(f"seeds {args.seeds}, {name}: pairwise Spearman {a['mean_spearman']:.3f} "
              f"(min {a['min_spearman']:.3f}); median seed sd {a['median_seed_std']:.3f} vs "
              f"between-gene sd {a['between_gene_std']:.3f}; unstable {a['n_unstable']}")
    for seed, r in runs.items():
        for name in ("projection", "encoder"):
            linked = r[name].dropna(subset=["weight"])
            slope = np.polyfit(np.log(linked["degree"]), linked["weight"], 1)[0]
            gap = (linked.loc[linked["is_tf"], "weight"].median()
                   - linked.loc[~linked["is_tf"], "weight"].median())
            rho = compare_weights(r[name], bayes)["spearman"]
            print(f"seed {seed} {name}: median {linked['weight'].median():.3f}, slope on "
                  f"log(degree) {slope:+.4f}, TF - other median {gap:+.3f}, Spearman with "
                  f"empirical Bayes {rho:+.3f}")

    marked = proj.join(stability["projection"][["unstable"]])
    marked.attrs.update(proj.attrs)  # join drops attrs; the plots label the method from them
    fig = Figure(figsize=(5.5, 4.5))
    plot_latent_umap(model.transform(model.expression_), tfs=model.tfs_, method="umap",
                     ax=fig.add_subplot(), random_state=args.seeds[0], s=8)
    save(fig, out / "interpretation_latent_umap.png")

    fig = Figure(figsize=(12, 3.6))
    panels = fig.subplots(1, 3)
    for ax, frame, title in zip(panels, (proj, fd, coord),
                                ("projection (basis-free)", "finite difference",
                                 "coordinate projection (record)")):
        plot_shrinkage_hist(frame, ax=ax)
        ax.set_title(title, fontsize="medium")
    save(fig, out / "interpretation_shrinkage_hist.png")

    fig = Figure(figsize=(10, 4.2))
    left, right = fig.subplots(1, 2)
    for ax, (x, y, xl, yl) in zip((left, right), (
            (fd, proj, "finite difference", "projection (basis-free)"),
            (proj, enc, "first layer (projection)", "whole encoder"))):
        both = x[["weight"]].join(y[["weight"]], rsuffix="_y").dropna()
        ax.scatter(both["weight"], both["weight_y"], s=8, color="0.3")
        lo = float(min(both.min().min(), 0.0))
        ax.plot([lo, 1], [lo, 1], color="black", ls="--", lw=1)
        s = compare_weights(y, x)
        ax.set_xlabel(xl)
        ax.set_ylabel(yl)
        ax.set_title(f"Spearman {s['spearman']:.2f} ({s['n_genes']} genes)", fontsize="medium")
    save(fig, out / "interpretation_methods.png")

    fig = Figure(figsize=(10, 3.8))
    panels = fig.subplots(1, 2)
    for ax, name in zip(panels, ("projection", "encoder")):
        stab = stability[name].dropna(subset=["mean"]).sort_values("mean")
        order = np.arange(len(stab))
        flag = stab["unstable"].to_numpy()
        ax.errorbar(order[~flag], stab["mean"][~flag], yerr=stab["std"][~flag], fmt="o",
                    ms=2, lw=0.5, color="0.4", label="stable")
        ax.errorbar(order[flag], stab["mean"][flag], yerr=stab["std"][flag], fmt="o", ms=3,
                    lw=0.8, color="red", label=f"unstable ({int(flag.sum())})")
        a = stability[name].attrs
        ax.set_title(f"{name}: seed-to-seed Spearman {a['mean_spearman']:.2f}",
                     fontsize="medium")
        ax.set_xlabel("genes, by mean weight over seeds")
        ax.set_ylabel("weight: mean +- sd over seeds")
        ax.legend(loc="best", fontsize="small")
    save(fig, out / "interpretation_seed_stability.png")

    for name, draw in (
        ("shrinkage_vs_degree", lambda ax: plot_shrinkage_vs_degree(marked, ax=ax, s=8)),
        ("shrinkage_vs_expression", lambda ax: plot_shrinkage_vs_expression(marked, ax=ax,
                                                                             s=8)),
        ("shrinkage_vs_bayes", lambda ax: plot_shrinkage_vs_bayes(marked, bayes, ax=ax, s=8)),
    ):
        fig = Figure(figsize=(5.5, 4.2))
        draw(fig.add_subplot())
        save(fig, out / f"interpretation_{name}.png")


if __name__ == "__main__":
    main()
