"""``isograph explain-module`` and ``isograph report``: tables and figures of a saved fit."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from .._core import atomic_file, to_jsonable
from .._result import CHECKPOINT, FitResult
from ._config import CliError

#: Where ``explain-module`` writes inside a fit folder unless ``--output-dir`` is given.
EXPLAIN_DIR = "explain"
REPORT_FIGURES = ("module_trait_heatmap.png", "eigengene_correlation.png", "module_sizes.png")
DPI = 120
#: Figure formats of ``isograph report`` (matplotlib backends without extra packages).
FORMATS = ("png", "pdf", "svg")


def _emit(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def _no_overrides(command: str, overrides) -> None:
    if overrides:
        raise CliError(f"{command} takes no Hydra overrides after '--' (got "
                       f"{' '.join(overrides)}); use its options, see 'isograph {command} --help'")


def _load_fit(path) -> FitResult:
    """The fit folder ``--fit-dir``, read by its owner (:meth:`FitResult.load`)."""
    try:
        return FitResult.load(path)
    except FileNotFoundError as exc:
        raise CliError(f"--fit-dir: {exc}") from None


def _figure(width: float, height: float):
    from matplotlib.figure import Figure  # no pyplot: the Agg canvas, no global state

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots()


# -------------------------------------------------------------- explain-module
def add_explain_parsers(sub) -> None:
    """The ``explain-module`` and ``report`` subcommands (no Hydra config)."""
    exp = sub.add_parser("explain-module", help="drivers of one module of a VAE fit: decoder "
                         "attribution, Integrated Gradients and a figure")
    exp.add_argument("--fit-dir", required=True, help="a VAE fit output (vae_checkpoint.pt)")
    exp.add_argument("--module", required=True, help="module name or number, e.g. M3 or 3")
    exp.add_argument("--dataset-path", help="the dataset the fit used; its features are "
                     "recomputed with the fit's settings (default: the one `isograph fit` "
                     "recorded)")
    exp.add_argument("--output-dir", help="default: FIT_DIR/explain/M<k>")
    exp.add_argument("--method", choices=["regression", "dimension"], default="regression",
                     help="latent direction: least-squares fit of the eigengene (default) or "
                     "the single most correlated latent dimension")
    exp.add_argument("--features", choices=["module", "all"], default="module",
                     help="features ranked by the decoder: the module's genes (default) or all")
    exp.add_argument("--step", type=float, default=1.0,
                     help="central-difference half-width in latent SDs (default 1)")
    exp.add_argument("--fdr", type=float, default=0.05, help="driver FDR (default 0.05)")
    exp.add_argument("--min-change", type=float, default=0.5, help="driver cut on the "
                     "decoded change, as a share of the largest one (default 0.5)")
    exp.add_argument("--baseline", choices=["zero", "mean"], default="zero",
                     help="Integrated Gradients baseline (default zero)")
    exp.add_argument("--n-steps", type=int, default=64,
                     help="Integrated Gradients quadrature points (default 64)")
    exp.add_argument("--n-top", type=int, default=10, help="bars per channel in the figure")
    exp.add_argument("--overwrite", action="store_true",
                     help="replace an earlier explain-module output")
    exp.set_defaults(func=run_explain_module)

    rep = sub.add_parser("report", help="figures of a fit (png, pdf or svg) next to its "
                         "artifacts")
    rep.add_argument("--fit-dir", required=True, help="a fit output folder")
    rep.add_argument("--format", choices=FORMATS, default="png",
                     help="file format of the figures: png (default), or vector pdf / svg "
                          "for papers")
    rep.add_argument("--dpi", type=int, default=DPI,
                     help=f"resolution of png figures (default {DPI}; 300 for print)")
    rep.set_defaults(func=run_report)


def run_explain_module(args, overrides) -> int:
    """``isograph explain-module``: decoder attribution and Integrated Gradients of one module."""
    from ..explain import decoder_attribution, integrated_gradients, read_fit_inputs
    from ..explain._direction import resolve_module
    from ..network import module_label
    from ..plotting import plot_module_drivers
    from ._commands import check_output_dir

    _no_overrides("explain-module", overrides)
    saved = _load_fit(args.fit_dir)
    fit_dir, config = saved.directory, saved.config
    if not saved.has_checkpoint:
        raise CliError(f"--fit-dir {str(fit_dir)!r} holds no {CHECKPOINT}: explain-module "
                       f"needs a fit with the vae backend (this fit used "
                       f"{config.get('backend', 'an unknown backend')!r})")
    try:  # a bad --module fails before the features are recomputed
        k = resolve_module(SimpleNamespace(n_modules_=saved.n_modules), args.module)
    except ValueError as exc:
        raise CliError(f"--module: {exc}") from None
    if args.dataset_path is None and not (config.get("cli") or {}).get("dataset_path"):
        raise CliError("--dataset-path is needed: this fit folder does not record the dataset "
                       "it was fitted on (the features are recomputed from it)")
    name = module_label(k)
    output_dir = Path(args.output_dir) if args.output_dir else fit_dir / EXPLAIN_DIR / name
    folder = check_output_dir(output_dir, overwrite=args.overwrite,
                              marker="vae_drivers.parquet",
                              what="an isograph explain-module output")
    inputs = read_fit_inputs(fit_dir, dataset_path=args.dataset_path)
    decoded = decoder_attribution(inputs.model, inputs.features, k, method=args.method,
                                  features=args.features, step=args.step, fdr=args.fdr,
                                  min_change=args.min_change)
    ig = integrated_gradients(inputs.model, inputs.features, k, method=args.method,
                              baseline=args.baseline, n_steps=args.n_steps)
    table = decoded.table
    report = {
        "module": name, "fit_dir": str(fit_dir),
        "dataset_path": None if inputs.dataset_path is None else str(inputs.dataset_path),
        "direction": decoded.direction.to_dict(),
        "decoder": {"features": args.features, "step": args.step, "fdr": args.fdr,
                    "min_change": args.min_change, "n_features": int(len(table)),
                    "n_drivers": int(table["driver"].sum())},
        "integrated_gradients": ig.summary(),
    }
    fig, ax = _figure(7.0, 1.5 + 0.22 * min(len(table), 3 * args.n_top))
    plot_module_drivers(table, n_top=args.n_top, ax=ax)
    with folder as tmp:
        table.to_parquet(tmp / "vae_drivers.parquet", index=False)
        ig.table.to_parquet(tmp / "ig_attributions.parquet", index=False)
        fig.savefig(tmp / "vae_drivers.png", dpi=DPI)
        (tmp / "explain.json").write_text(json.dumps(to_jsonable(report), indent=2))
    d = decoded.direction
    _emit(f"{name}: latent {d.method} direction (r = {d.correlation:.2f} with the eigengene; "
          f"best single dimension {d.dimension}, r = {d.dimension_correlation:.2f}); "
          f"{report['decoder']['n_drivers']} drivers among {len(table)} features; "
          f"Integrated Gradients completeness error {ig.relative_delta:.2%}; wrote {output_dir}")
    return 0


# ---------------------------------------------------------------------- report
def _report_figures(saved: FitResult) -> tuple[dict, list[str]]:
    """Figures that the fit folder's tables allow, and why the others are left out."""
    from ..plotting import (
        plot_eigengene_correlation,
        plot_module_drivers,
        plot_module_sizes,
        plot_module_trait_heatmap,
    )

    figures, skipped = {}, []
    traits = saved.traits
    if len(traits):
        n_mod, n_tr = traits["module"].nunique(), traits["trait"].nunique()
        fig, ax = _figure(2.5 + 1.1 * n_tr, 1.8 + 0.55 * n_mod)
        plot_module_trait_heatmap(traits, ax=ax)
        figures[REPORT_FIGURES[0]] = fig
    else:
        skipped.append(f"{REPORT_FIGURES[0]} (no module–trait tests: fit with traits named, e.g. "
                       "`-- traits=[condition]`)")
    eigengenes = saved.eigengenes
    if eigengenes.shape[1]:
        k = eigengenes.shape[1]
        fig, ax = _figure(2.5 + 0.5 * k, 2.5 + 0.5 * k)
        plot_eigengene_correlation(eigengenes, ax=ax)
        figures[REPORT_FIGURES[1]] = fig
    else:
        skipped.append(f"{REPORT_FIGURES[1]} (no modules)")
    modules = saved.modules
    if saved.n_modules:
        fig, ax = _figure(2.5 + 0.45 * saved.n_modules, 4.0)
        plot_module_sizes(modules, roles=saved.module_gene_roles, ax=ax)
        figures[REPORT_FIGURES[2]] = fig
    else:
        skipped.append(f"{REPORT_FIGURES[2]} (no gene assigned to a module)")
    # explain-module's outputs are that command's format, read here as it wrote them
    explained = sorted((saved.directory / EXPLAIN_DIR).glob("*/vae_drivers.parquet"))
    for file in explained:
        table = pd.read_parquet(file)
        fig, ax = _figure(7.0, 1.5 + 0.22 * min(len(table), 30))
        plot_module_drivers(table, ax=ax)
        figures[f"module_drivers_{file.parent.name}.png"] = fig
    if not explained:
        skipped.append("module_drivers_M*.png (no module explained yet: run "
                       "'isograph explain-module')")
    return figures, skipped


def run_report(args, overrides) -> int:
    """``isograph report``: the figures of a fit, as PNGs next to its artifacts."""
    _no_overrides("report", overrides)
    if args.dpi < 1:
        raise CliError(f"--dpi must be a positive integer, got {args.dpi}")
    saved = _load_fit(args.fit_dir)
    fit_dir = saved.directory
    figures, skipped = _report_figures(saved)
    if not figures:
        raise CliError(f"nothing to draw in {str(fit_dir)!r}: " + "; ".join(skipped))
    figures = {f"{Path(name).stem}.{args.format}": fig for name, fig in figures.items()}
    # render everything first, then write each file atomically: an error leaves nothing
    # behind, and a kill leaves no hidden folder inside the fit folder
    rendered = {}
    for name, fig in figures.items():
        buffer = io.BytesIO()
        fig.savefig(buffer, format=args.format, dpi=args.dpi)
        rendered[name] = buffer.getvalue()
    for name, png in rendered.items():
        with atomic_file(fit_dir / name, "wb") as handle:
            handle.write(png)
    note = f" (left out: {'; '.join(skipped)})" if skipped else ""
    _emit(f"wrote {', '.join(str(fit_dir / n) for n in figures)}{note}")
    return 0
