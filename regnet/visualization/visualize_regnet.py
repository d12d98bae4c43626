"""Plots of a RegNet pretrain directory, written as PNGs into it.

Usage::

    regnet visualize --pretrain-dir DIR \
        [--expression-csv FILE] [--tf-file FILE] [--plots basic shrinkage | all] \
        [--method umap|tsne|pca]
        [--shrinkage-method projection|finite_difference|coordinate_projection]

(also ``python -m regnet.visualization.visualize_regnet``; the older
underscore spellings ``--pretrain_dir`` etc. are still accepted).
``DIR`` is what ``regnet train --output-dir DIR`` writes. ``--expression-csv``
(BEELINE genes x cells CSV) and ``--tf-file`` (``TF.csv`` with a ``TF``
column, or one name per line) default to the expression and TF list stored in
``DIR``. Plot sets:

- ``basic``: ``latent_<method>.png``, the genes' VAE means in two dimensions,
  TFs in red.
- ``shrinkage``: ``shrinkage_vs_degree.png``, ``shrinkage_hist.png``,
  ``shrinkage_vs_expression.png``, ``shrinkage_vs_bayes.png`` and the table
  ``shrinkage_weights.csv`` (learned and empirical-Bayes weights per gene).

Everything is computed before anything is written, so bad input leaves the
directory as it was.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import pandas as pd

__all__ = ["main", "read_tf_file", "render_plots"]

PLOT_SETS = ("basic", "shrinkage")


#: Figure formats (matplotlib backends that need no extra package).
FORMATS = ("png", "pdf", "svg")


def _parser(prog: str = "python -m regnet.visualization.visualize_regnet"):
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Write diagnostic PNGs (latent embedding, shrinkage weights) into a "
                    "RegNet pretrain directory.",
    )
    parser.add_argument("--pretrain-dir", "--pretrain_dir", required=True,
                        help="directory written by `regnet train --output-dir`")
    parser.add_argument("--expression-csv", "--expression_csv", default=None,
                        help="genes x cells CSV (default: the directory's expression)")
    parser.add_argument("--tf-file", "--tf_file", default=None,
                        help="TF.csv (column TF) or one TF per line (default: tfs.txt)")
    parser.add_argument("--plots", nargs="+", choices=(*PLOT_SETS, "all"), default=["basic"],
                        help="plot sets to draw (default: basic)")
    parser.add_argument("--method", choices=("umap", "tsne", "pca"), default="umap",
                        help="2-D layout of the embeddings (default: umap)")
    parser.add_argument("--shrinkage-method", "--shrinkage_method",
                        choices=("projection", "finite_difference", "coordinate_projection"),
                        default="projection",
                        help="projection (default: basis-free, through the layer's linear "
                             "response; Spearman 0.92-0.97 with finite_difference on mDC), "
                             "finite_difference, or coordinate_projection (kept for the record; "
                             "near 0 on trained models)")
    parser.add_argument("--reference", choices=("prior", "neighbors"), default="prior",
                        help="hidden-space reference of the coordinate projection (default: prior)")
    parser.add_argument("--eps", type=float, default=1e-2, help="finite-difference step")
    parser.add_argument("--seed", type=int, default=0, help="seed of UMAP / t-SNE")
    parser.add_argument("--dpi", type=int, default=100,
                        help="resolution of png figures (default 100; 300 for print)")
    parser.add_argument("--format", choices=FORMATS, default="png",
                        help="file format of the figures: png (default), or vector pdf / svg")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar (shown on a terminal while the plots are made)")
    return parser


def read_tf_file(path) -> list[str]:
    """TF names from a GENELink ``TF.csv`` (column ``TF``) or a one-name-per-line file.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    list of str
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"--tf-file {str(path)!r} does not exist.")
    text = path.read_text().splitlines()
    header = [c.strip() for c in text[0].split(",")] if text else []
    if "TF" in header:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        names = frame["TF"].str.strip().tolist()
    else:
        names = [line.strip() for line in text]
    return [n for n in names if n]


def _figure(dpi: int):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.8), dpi=dpi)
    return fig, fig.add_subplot()


def render_plots(model, expression: pd.DataFrame, tfs: list[str], *, plots=("basic",),
                 method: str = "umap", shrinkage_method: str = "projection",
                 reference: str = "prior", eps: float = 1e-2, seed: int = 0,
                 dpi: int = 100, embeddings: pd.DataFrame | None = None,
                 fmt: str = "png", progress=None) -> dict:
    """Draw the requested plot sets; nothing is written.

    Parameters
    ----------
    model : RegNet
        Fitted.
    expression : pandas.DataFrame
        Genes x the model's cells.
    tfs : list of str
        Drawn in red.
    plots : sequence of {"basic", "shrinkage"}
    method : {"umap", "tsne", "pca"}
    shrinkage_method, reference, eps
        Passed to :func:`regnet.interpret.shrinkage_weights`.
    seed : int
    dpi : int
    embeddings : pandas.DataFrame, optional
        Precomputed ``model.transform(expression)``.
    fmt : {"png", "pdf", "svg"}, default="png"
        Suffix of the figure names (the format they are saved in).
    progress : callable, optional
        Called with a short description as each step starts (the CLI's
        progress bar).

    Returns
    -------
    dict
        File name -> matplotlib Figure or pandas DataFrame.
    """
    from regnet.interpret import (
        empirical_bayes_weights,
        plot_latent_umap,
        plot_shrinkage_hist,
        plot_shrinkage_vs_bayes,
        plot_shrinkage_vs_degree,
        plot_shrinkage_vs_expression,
        shrinkage_weights,
    )

    outputs = {}
    step = progress or (lambda description: None)
    if "basic" in plots:
        step(f"latent {method} layout")
        if embeddings is None:
            embeddings = model.transform(expression)
        fig, ax = _figure(dpi)
        plot_latent_umap(embeddings, tfs=tfs, method=method, ax=ax, random_state=seed)
        outputs[f"latent_{method}.{fmt}"] = fig
    if "shrinkage" in plots:
        step(f"shrinkage weights ({shrinkage_method})")
        weights = shrinkage_weights(model, expression, method=shrinkage_method, eps=eps,
                                    reference=reference)
        weights["is_tf"] = weights.index.isin(tfs)
        step("empirical-Bayes reference")
        bayes = empirical_bayes_weights(expression, model.edges_)
        step("shrinkage plots")
        for name, draw in (
            ("shrinkage_vs_degree.png", lambda ax: plot_shrinkage_vs_degree(weights, ax=ax)),
            ("shrinkage_hist.png", lambda ax: plot_shrinkage_hist(weights, ax=ax)),
            ("shrinkage_vs_expression.png",
             lambda ax: plot_shrinkage_vs_expression(weights, ax=ax)),
            ("shrinkage_vs_bayes.png", lambda ax: plot_shrinkage_vs_bayes(weights, bayes, ax=ax)),
        ):
            fig, ax = _figure(dpi)
            draw(ax)
            outputs[f"{Path(name).stem}.{fmt}"] = fig
        table = weights.assign(method=shrinkage_method, bayes_weight=bayes["weight"],
                               bayes_prior_variance=bayes["prior_variance"])
        outputs["shrinkage_weights.csv"] = table
    for fig in outputs.values():
        if not isinstance(fig, pd.DataFrame):
            fig.tight_layout()
    return outputs


def _write(outputs: dict, directory: Path) -> list[Path]:
    from isograph._core import atomic_file

    # render everything in memory first (an error writes nothing), then each file
    # atomically: a kill leaves no hidden folder inside the pretrain directory
    rendered = {}
    for name, item in outputs.items():
        buffer = io.BytesIO()
        if isinstance(item, pd.DataFrame):
            buffer.write(item.to_csv().encode("utf-8"))
        else:
            item.savefig(buffer, format=Path(name).suffix.lstrip(".") or "png")
        rendered[name] = buffer.getvalue()
    written = []
    for name, content in rendered.items():
        with atomic_file(directory / name, "wb") as handle:
            handle.write(content)
        written.append(directory / name)
    return written


def main(argv=None, *, prog: str = "python -m regnet.visualization.visualize_regnet") -> int:
    """Entry point: parse ``argv``, draw, write into ``--pretrain-dir``.

    Returns 0 on success and 1 on an expected failure, reported as one line
    on stderr (``regnet visualize: error: ...``) with nothing written.
    """
    from regnet.cli import USER_ERRORS, one_line

    args = _parser(prog).parse_args(argv)
    try:
        written = _run(args)
    except USER_ERRORS as exc:
        sys.stderr.write(f"{prog}: error: {one_line(exc)}\n")
        return 1
    print(json.dumps({"wrote": [str(p) for p in written]}, indent=2))
    return 0


def _run(args) -> list[Path]:
    from regnet import RegNet
    from regnet.data import read_expression

    directory = Path(args.pretrain_dir)
    if not (directory / "config.json").is_file():
        raise ValueError(f"--pretrain-dir {str(directory)!r} is not a RegNet pretrain directory "
                         "(no config.json); create one with `regnet train --output-dir`.")
    model = RegNet.load(directory, device="cpu")
    embeddings = None
    if args.expression_csv is None:
        expression = model.expression_
        cached = directory / "embeddings.parquet"
        if cached.is_file():
            embeddings = pd.read_parquet(cached)
    else:
        expression = read_expression(args.expression_csv)
    tfs = model.tfs_ if args.tf_file is None else read_tf_file(args.tf_file)
    known = set(map(str, expression.index))
    if not known & set(tfs):
        raise ValueError(f"--tf-file {args.tf_file!r} names no gene of the expression matrix "
                         "(check --expression-csv).")
    plots = PLOT_SETS if "all" in args.plots else tuple(dict.fromkeys(args.plots))
    if args.dpi < 1:
        raise ValueError(f"--dpi must be a positive integer, got {args.dpi}")
    from tqdm.auto import tqdm

    # steps: one for the embedding, three for the shrinkage set, one for writing;
    # on a terminal unless --quiet (disable=None: off when stderr is not a tty)
    total = ("basic" in plots) + 3 * ("shrinkage" in plots) + 1
    with tqdm(total=total, desc="regnet visualize", unit="step", file=sys.stderr,
              disable=True if args.quiet else None) as bar:
        started = []

        def progress(description):
            if started:
                bar.update(1)  # the previous step is done
            started.append(description)
            bar.set_postfix_str(description)

        outputs = render_plots(
            model, expression, list(tfs), plots=plots, method=args.method,
            shrinkage_method=args.shrinkage_method, reference=args.reference, eps=args.eps,
            seed=args.seed, dpi=args.dpi, embeddings=embeddings, fmt=args.format,
            progress=progress,
        )
        bar.update(len(started) > 0)
        bar.set_postfix_str("writing")
        written = _write(outputs, directory)
        bar.update(1)
    return written


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
