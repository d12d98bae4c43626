"""Bar charts of modules: sizes by role or channel, and a module's top drivers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..network import ROLES, module_label
from ._common import CHANNEL_COLORS, get_ax, natural_key

_CHANNELS = ("switch", "abundance", "both")
_SCORE_LABELS = {
    "decoded_change": "decoded change (feature SD per latent SD)",
    "mean_attribution": "mean Integrated Gradients attribution",
    "mean_abs_attribution": "mean |Integrated Gradients attribution|",
    "correlation": "correlation with the latent score",
}


def module_size_table(modules: pd.DataFrame, roles: pd.DataFrame | None = None) -> pd.DataFrame:
    """Genes per module (rows ``M0, M1, ...``) and per role or channel (columns).

    Parameters
    ----------
    modules : DataFrame
        ``gene_id, module_id`` (``modules.parquet``); a ``channel`` column
        (multiplex fits) splits the counts by the channels of membership.
    roles : DataFrame, optional
        ``module_gene_roles.parquet`` (``gene_id, module_id, role``): split by
        gene role instead (columns in :data:`isograph.network.ROLES` order).

    Returns
    -------
    DataFrame of counts; unassigned genes (``-1``) are left out.
    """
    for name, frame, cols in (("modules", modules, ("gene_id", "module_id")),
                              ("roles", roles, ("gene_id", "module_id", "role"))):
        if frame is None:
            continue
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks columns {missing}; has {list(frame.columns)}")
    assigned = modules[modules["module_id"] >= 0]
    if roles is not None:
        source = roles[roles["module_id"] >= 0]
        column, order = "role", list(ROLES)
    elif "channel" in modules.columns:
        source, column, order = assigned, "channel", list(_CHANNELS)
    else:
        source, column, order = assigned.assign(kind="genes"), "kind", ["genes"]
    counts = pd.crosstab(source["module_id"].map(module_label), source[column].astype(str))
    present = [c for c in order if c in counts.columns]
    others = sorted(c for c in counts.columns if c not in order)
    counts = counts.reindex(columns=present + others, fill_value=0)
    counts = counts.reindex(sorted(counts.index, key=natural_key))
    counts.columns.name = column
    counts.index.name = "module"
    return counts


def _category_color(kind: str, category: str, i: int) -> str:
    """Fixed colours: channels as in the driver plots, roles by their place in ROLES."""
    if kind == "channel":
        return CHANNEL_COLORS.get(category, "0.45")
    if kind == "role" and category in ROLES:
        return f"C{list(ROLES).index(category)}"
    return f"C{i % 10}"


def plot_module_sizes(modules: pd.DataFrame, *, roles: pd.DataFrame | None = None, ax=None):
    """Stacked bars: genes per module, split by gene role or by channel.

    Parameters
    ----------
    modules : DataFrame
        ``modules.parquet`` (``gene_id, module_id`` [, ``channel``]).
    roles : DataFrame, optional
        ``module_gene_roles.parquet``: split by role (coupled, discordant,
        switch_only, abundance_only, inactive) instead of by channel.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        One bar segment per module and category (zero-height segments
        included), a legend of the categories.
    """
    counts = module_size_table(modules, roles)
    if counts.empty:
        raise ValueError("no gene is assigned to a module, so there are no module sizes")
    ax = get_ax(ax)
    x = np.arange(len(counts))
    bottom = np.zeros(len(counts))
    for i, category in enumerate(counts.columns):
        color = _category_color(counts.columns.name, category, i)
        heights = counts[category].to_numpy(dtype=np.float64)
        ax.bar(x, heights, bottom=bottom, color=color, label=category.replace("_", " "))
        bottom += heights
    ax.set_xticks(x, labels=list(counts.index))
    ax.set_xlabel("module")
    ax.set_ylabel("genes")
    unassigned = int(modules.loc[modules["module_id"] < 0, "gene_id"].nunique())
    ax.set_title(f"module sizes by {counts.columns.name} ({unassigned} genes unassigned)")
    if counts.columns.name != "kind":
        ax.legend(title=counts.columns.name, fontsize="small")
    return ax


def _default_score(table: pd.DataFrame) -> str:
    for name in ("decoded_change", "mean_attribution"):
        if name in table.columns:
            return name
    raise ValueError("table has neither decoded_change nor mean_attribution; pass score= "
                     f"(columns: {list(table.columns)})")


def _top_rows(table, *, score, n_top, drivers_only) -> pd.DataFrame:
    """:func:`top_drivers` with a ``_channel`` column (``None`` for plain features)."""
    score = score or _default_score(table)
    if score not in table.columns:
        raise ValueError(f"score {score!r} is not a column of table ({list(table.columns)})")
    if not isinstance(n_top, (int, np.integer)) or n_top < 1:
        raise ValueError(f"n_top must be a positive integer, got {n_top!r}")
    rows = table[table["driver"].astype(bool)] if drivers_only and "driver" in table else table
    channel = (rows["channel"] if "channel" in rows else pd.Series(None, index=rows.index))
    rows = rows.assign(_channel=channel.astype(object).where(channel.notna(), None),
                       _abs=rows[score].abs())
    parts = []
    for name in ("switch", "abundance", None):
        group = rows[rows["_channel"].isna()] if name is None else rows[rows["_channel"] == name]
        parts.append(group.sort_values("_abs", ascending=False, kind="stable").head(n_top))
    return pd.concat(parts).drop(columns=["_abs"])


def top_drivers(table: pd.DataFrame, *, score: str | None = None, n_top: int = 10,
                drivers_only: bool = True) -> pd.DataFrame:
    """The ``n_top`` features of largest ``|score|`` per channel.

    Parameters
    ----------
    table : DataFrame
        :func:`isograph.explain.decoder_attribution` or
        :func:`isograph.explain.integrated_gradients` table
        (``vae_drivers.parquet`` / ``ig_attributions.parquet``).
    score : str, optional
        Default ``decoded_change``, else ``mean_attribution``.
    n_top : int
    drivers_only : bool
        Keep only rows flagged ``driver`` (when the table has that column).

    Returns
    -------
    DataFrame
        Rows of ``table``: channels in the order switch, abundance, plain;
        strongest first within each.
    """
    return _top_rows(table, score=score, n_top=n_top,
                     drivers_only=drivers_only).drop(columns=["_channel"])


def plot_module_drivers(
    table: pd.DataFrame,
    *,
    score: str | None = None,
    n_top: int = 10,
    drivers_only: bool = True,
    ax=None,
):
    """A module's top drivers per channel: horizontal bars of their signed scores.

    Each channel's strongest features (see :func:`top_drivers`) form a block,
    coloured by channel and labelled by gene; a positive score means the
    feature rises with the module eigengene.

    Parameters
    ----------
    table : DataFrame
        ``vae_drivers.parquet`` (:func:`isograph.explain.decoder_attribution`)
        or ``ig_attributions.parquet`` (:func:`isograph.explain.integrated_gradients`).
    score : str, optional
        Column to plot (default ``decoded_change``, else ``mean_attribution``).
    n_top : int
        Bars per channel.
    drivers_only : bool
        Only features flagged ``driver`` (when the table has that column).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        One bar per feature shown.
    """
    score = score or _default_score(table)
    rows = _top_rows(table, score=score, n_top=n_top, drivers_only=drivers_only)
    ax = get_ax(ax)
    module = str(table["module"].iloc[0]) if "module" in table and len(table) else "module"
    ax.set_title(f"{module}: top drivers per channel")
    ax.set_xlabel(_SCORE_LABELS.get(score, score))
    ax.axvline(0.0, color="0.3", linewidth=0.8)
    if rows.empty:
        ax.text(0.5, 0.5, "no drivers", transform=ax.transAxes, ha="center", va="center")
        ax.set_yticks([])
        return ax
    y, labels, position = [], [], 0.0
    for name in ("switch", "abundance", None):
        group = rows[rows["_channel"].isna()] if name is None else rows[rows["_channel"] == name]
        if group.empty:
            continue
        ys = position + np.arange(len(group))
        ax.barh(ys, group[score].to_numpy(dtype=np.float64), color=CHANNEL_COLORS[name],
                label=name if name is not None else "feature")
        y.extend(ys)
        labels.extend(group["gene_id"].astype(str) if "gene_id" in group else group["feature"])
        position = ys[-1] + 2.0  # a gap between channels
    ax.set_yticks(y, labels=labels, fontsize=8 if len(y) <= 30 else 6)
    ax.set_ylim(position - 1.0, -1.0)  # first feature on top
    ax.legend(title="channel", fontsize="small")
    return ax
