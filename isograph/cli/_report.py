"""Benchmark and comparison reports: summary tables, markdown, the figure."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from .._result import to_jsonable

#: Columns averaged per suite and backend in the summary.
SUMMARY_COLUMNS = ("recovery", "adjusted_rand", "adjusted_mutual_info", "n_predicted_modules",
                   "largest_module_size", "wall_seconds")
#: Columns of the comparison table, in display order (those present are shown).
COMPARE_COLUMNS = ("backend", "status", "n_predicted_modules", "n_assigned_genes",
                   "largest_module_size", "n_edges", "recovery", "adjusted_rand",
                   "adjusted_mutual_info", "wall_seconds", "error")


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation per suite and backend over seeds.

    Parameters
    ----------
    runs : DataFrame
        The table of :func:`isograph.benchmark.run_benchmark`.

    Returns
    -------
    DataFrame
        One row per (suite, backend): ``n_runs``, ``n_failed`` and
        ``<column>_mean`` / ``<column>_std`` for :data:`SUMMARY_COLUMNS`
        (successful runs only).
    """
    rows = []
    for (suite, backend), group in runs.groupby(["suite", "backend"], sort=False):
        ok = group[group["status"] == "ok"]
        row = {"suite": suite, "backend": backend, "n_runs": len(group),
               "n_failed": int((group["status"] != "ok").sum())}
        for col in SUMMARY_COLUMNS:
            values = pd.to_numeric(ok[col], errors="coerce") if col in ok else pd.Series([])
            row[f"{col}_mean"] = float(values.mean()) if values.notna().any() else float("nan")
            row[f"{col}_std"] = float(values.std(ddof=0)) if values.notna().any() else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


def _fmt(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{digits}g}" if abs(value) >= 1000 else f"{float(value):.{digits}f}"
    return str(value).replace("|", "\\|")


def markdown_table(table: pd.DataFrame, columns=None) -> str:
    """A GitHub markdown table of ``table`` (``–`` for missing values)."""
    columns = list(table.columns if columns is None else columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    for _, row in table.iterrows():
        lines.append("| " + " | ".join(_fmt(row[c]) for c in columns) + " |")
    return "\n".join(lines) + "\n"


def _mean_sd(row, col, digits=3) -> str:
    mean, sd = row[f"{col}_mean"], row[f"{col}_std"]
    if math.isnan(mean):
        return "–"
    if row["n_runs"] - row["n_failed"] <= 1:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"


def summary_markdown(summary: pd.DataFrame) -> str:
    """The benchmark summary as a markdown table (mean ± sd over seeds)."""
    shown = pd.DataFrame({
        "suite": summary["suite"],
        "backend": summary["backend"],
        "runs": summary["n_runs"],
        "failed": summary["n_failed"],
        "recovery": [_mean_sd(r, "recovery") for _, r in summary.iterrows()],
        "ARI": [_mean_sd(r, "adjusted_rand") for _, r in summary.iterrows()],
        "AMI": [_mean_sd(r, "adjusted_mutual_info") for _, r in summary.iterrows()],
        "modules": [_mean_sd(r, "n_predicted_modules", 1) for _, r in summary.iterrows()],
        "largest module": [_mean_sd(r, "largest_module_size", 1) for _, r in summary.iterrows()],
        "wall s": [_mean_sd(r, "wall_seconds", 2) for _, r in summary.iterrows()],
    })
    return markdown_table(shown)


def plot_score_vs_time(runs: pd.DataFrame, score: str = "recovery", *, ax=None):
    """Scatter ``score`` against wall time: colour per backend, marker per suite.

    Parameters
    ----------
    runs : DataFrame
        The table of :func:`isograph.benchmark.run_benchmark`; failed runs and
        runs without the score (permuted suites) are left out.
    score : str, default="recovery"
        A score column, e.g. ``"recovery"`` or ``"adjusted_rand"``.
    ax : matplotlib Axes, optional
        Drawn on a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    if ax is None:
        _, ax = plt.subplots()
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    if score in ok:
        values = pd.to_numeric(ok[score], errors="coerce")
        ok = ok[values.notna() & (ok["wall_seconds"] > 0)].assign(_score=values)
    else:
        ok = ok.iloc[:0].assign(_score=[])
    backends = list(pd.unique(runs["backend"]))
    suites = list(pd.unique(ok["suite"]))
    markers = "osD^v<>ph*"
    for (suite, backend), group in ok.groupby(["suite", "backend"], sort=False):
        ax.scatter(group["wall_seconds"], group["_score"], alpha=0.8,
                   color=f"C{backends.index(backend) % 10}",
                   marker=markers[suites.index(suite) % len(markers)])
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("wall time per run (s)")
    ax.set_ylabel(score.replace("_", " "))
    ax.set_ylim(-0.05, 1.05)
    if len(ok):
        handles = [Line2D([], [], linestyle="", marker="o", color=f"C{i % 10}", label=b)
                   for i, b in enumerate(backends) if b in set(ok["backend"])]
        if len(suites) > 1:
            handles += [Line2D([], [], linestyle="", marker=markers[i % len(markers)],
                               color="0.4", label=s) for i, s in enumerate(suites)]
        ax.legend(handles=handles, fontsize="small")
    return ax


def benchmark_figure(runs: pd.DataFrame):
    """Recovery and adjusted Rand index against wall time, side by side."""
    from matplotlib.figure import Figure  # no pyplot: works headless, no global state

    fig = Figure(figsize=(10, 4), layout="constrained")
    axes = fig.subplots(1, 2)
    plot_score_vs_time(runs, "recovery", ax=axes[0])
    plot_score_vs_time(runs, "adjusted_rand", ax=axes[1])
    axes[0].set_title("module recovery")
    axes[1].set_title("adjusted Rand index")
    return fig


def write_benchmark_report(directory: Path, runs: pd.DataFrame, config: dict) -> dict:
    """Write ``benchmark.json``, ``benchmark.md``, ``benchmark.png`` and ``runs.csv``.

    Returns
    -------
    dict
        Name -> path of each file written.
    """
    from .. import __version__

    directory = Path(directory)
    summary = summarize(runs)
    report = {
        "isograph_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": config,
        "summary": summary.to_dict(orient="records"),
        "runs": runs.to_dict(orient="records"),
    }
    files = {name: directory / f"benchmark.{name}" for name in ("json", "md", "png")}
    files["csv"] = directory / "runs.csv"
    files["json"].write_text(json.dumps(to_jsonable(report), indent=2))
    text = ["# isograph benchmark", "",
            f"Suites: {', '.join(map(str, pd.unique(runs['suite'])))}; "
            f"backends: {', '.join(map(str, pd.unique(runs['backend'])))}; "
            f"seeds: {', '.join(map(str, pd.unique(runs['seed'])))}. "
            "Mean ± sd over seeds; permuted suites have no planted module, so only "
            "the modules found (false discoveries) are shown for them.", "",
            summary_markdown(summary)]
    failed = runs[runs["status"] != "ok"]
    if len(failed):
        text += ["## Failed runs", "",
                 markdown_table(failed, ["suite", "backend", "seed", "error"])]
    warned = runs[runs["warnings"].notna()]
    if len(warned):
        text += ["", "## Warnings", "",
                 "Raised during the runs and recorded here (on permuted suites an empty "
                 "result is the expected one).", "",
                 markdown_table(warned, ["suite", "backend", "seed", "warnings"])]
    files["md"].write_text("\n".join(text))
    benchmark_figure(runs).savefig(files["png"], dpi=120)
    runs.to_csv(files["csv"], index=False)
    return files


def comparison_table(table: pd.DataFrame) -> str:
    """The side-by-side comparison as markdown (only the columns present)."""
    columns = [c for c in COMPARE_COLUMNS if c in table.columns]
    if "error" in columns and table["error"].isna().all():
        columns.remove("error")
    return markdown_table(table, columns)
