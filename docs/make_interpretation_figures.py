"""Figures of docs/model_interpretation.md, from the bundled mDC data.

Trains RegNet on mDC (default network STRING, GENELink split, seed 0), reads
the shrinkage weights of its first SAGE layer with both methods, computes the
empirical-Bayes weights, writes the figures to ``docs/figures/`` and prints the
numbers quoted in the document. Rerun from the repository root::

    .venv/bin/python docs/make_interpretation_figures.py [--network STRING]
        [--max-epochs 100] [--threads 1] [--out docs/figures]

Takes about a minute on one CPU thread (UMAP compiles on its first call).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from regnet import RegNet  # noqa: E402
from regnet.data import genelink_split, load_example  # noqa: E402
from regnet.interpret import (  # noqa: E402
    compare_weights,
    empirical_bayes_weights,
    plot_latent_umap,
    plot_shrinkage_hist,
    plot_shrinkage_vs_bayes,
    plot_shrinkage_vs_degree,
    plot_shrinkage_vs_expression,
    shrinkage_weights,
)

DPI = 80


def save(fig: Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", default="STRING",
                        choices=("STRING", "Non-Specific", "Specific"))
    parser.add_argument("--max-epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "figures"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    data = load_example("mDC", network=args.network)
    split = genelink_split(data, random_state=args.seed)
    start = time.perf_counter()
    model = RegNet(max_epochs=args.max_epochs, random_state=args.seed).fit(
        data.expression, split.train, tfs=data.tfs, validation=split.validation)
    print(f"trained on mDC/{args.network} in {time.perf_counter() - start:.0f} s: "
          f"{len(model.history_)} epochs, validation AUPRC {model.validation_score_:.3f}")

    fd = shrinkage_weights(model, method="finite_difference")
    proj = shrinkage_weights(model, method="projection")
    bayes = empirical_bayes_weights(model.expression_, model.edges_)
    n_linked = int(fd["weight"].notna().sum())
    print(f"genes: {len(fd)}, with neighbours: {n_linked}, TFs: {int(fd['is_tf'].sum())}; "
          f"noise variance (standardised): {bayes.attrs['noise_variance']:.3f}")
    for name, frame in (("finite difference", fd), ("projection", proj),
                        ("empirical Bayes", bayes)):
        w = frame["weight"].dropna()
        print(f"{name:>18s}: median {w.median():.3f}, IQR [{w.quantile(0.25):.3f}, "
              f"{w.quantile(0.75):.3f}]")
    for a, b, x, y in (("finite difference", "empirical Bayes", fd, bayes),
                       ("projection", "empirical Bayes", proj, bayes),
                       ("projection", "finite difference", proj, fd)):
        s = compare_weights(x, y)
        print(f"{a} vs {b}: Pearson {s['pearson']:.3f}, Spearman {s['spearman']:.3f}, "
              f"mean |diff| {s['mean_abs_difference']:.3f} ({s['n_genes']} genes)")
    linked = fd.dropna(subset=["weight"])
    slope = np.polyfit(np.log(linked["degree"]), linked["weight"], 1)[0]
    print(f"finite-difference weight vs log(degree): slope {slope:+.4f}; TF median "
          f"{linked.loc[linked['is_tf'], 'weight'].median():.3f}, other genes median "
          f"{linked.loc[~linked['is_tf'], 'weight'].median():.3f}")

    fig = Figure(figsize=(5.5, 4.5))
    plot_latent_umap(model.transform(model.expression_), tfs=model.tfs_, method="umap",
                     ax=fig.add_subplot(), random_state=args.seed, s=8)
    save(fig, out / "interpretation_latent_umap.png")

    fig = Figure(figsize=(9, 3.6))
    left, right = fig.subplots(1, 2)
    plot_shrinkage_hist(fd, ax=left)
    plot_shrinkage_hist(proj, ax=right)
    left.set_title("finite difference", fontsize="medium")
    right.set_title("projection (hidden 64 < 383 cells)", fontsize="medium")
    save(fig, out / "interpretation_shrinkage_hist.png")

    for name, draw in (
        ("shrinkage_vs_degree", lambda ax: plot_shrinkage_vs_degree(fd, ax=ax, s=8)),
        ("shrinkage_vs_expression", lambda ax: plot_shrinkage_vs_expression(fd, ax=ax, s=8)),
        ("shrinkage_vs_bayes", lambda ax: plot_shrinkage_vs_bayes(fd, bayes, ax=ax, s=8)),
    ):
        fig = Figure(figsize=(5.5, 4.2))
        draw(fig.add_subplot())
        save(fig, out / f"interpretation_{name}.png")


if __name__ == "__main__":
    main()
