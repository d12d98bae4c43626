"""Heatmaps: module–trait associations and eigengene–eigengene correlation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import annotate_cells, get_ax, natural_key

_TRAIT_COLUMNS = ("module", "trait", "test", "statistic", "effect", "q_value", "n")


def trait_correlation(traits: pd.DataFrame) -> pd.Series:
    """A correlation-scale value for every row of a module–trait table.

    ``pearson`` rows keep ``r``; ``welch_t`` rows (two groups) take the
    point-biserial equivalent ``t / sqrt(t**2 + n - 2)`` (signed: second level
    minus first); ``anova`` rows the correlation ratio ``sqrt(eta**2)`` (>= 0).

    Parameters
    ----------
    traits : DataFrame
        From :func:`isograph.network.trait_associations` (``traits.parquet``).

    Returns
    -------
    Series aligned with ``traits``.
    """
    missing = [c for c in _TRAIT_COLUMNS if c not in traits.columns]
    if missing:
        raise ValueError(f"traits lacks columns {missing}; expected the table of "
                         "isograph.network.trait_associations (traits.parquet)")
    test = traits["test"].astype(str)
    unknown = sorted(set(test) - {"pearson", "welch_t", "anova"})
    if unknown:
        raise ValueError(f"traits has tests {unknown}; expected pearson, welch_t or anova")
    stat = traits["statistic"].to_numpy(dtype=np.float64)
    n = traits["n"].to_numpy(dtype=np.float64)
    effect = traits["effect"].to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        biserial = stat / np.sqrt(stat**2 + np.maximum(n - 2.0, 1.0))
    value = np.where(test == "pearson", effect,
                     np.where(test == "welch_t", biserial, np.sqrt(np.clip(effect, 0, None))))
    return pd.Series(value, index=traits.index, name="correlation")


def plot_module_trait_heatmap(
    traits: pd.DataFrame,
    *,
    fdr: float = 0.05,
    annotate: bool = True,
    cmap: str = "RdBu_r",
    ax=None,
):
    """Module–trait heatmap: correlation of each eigengene with each trait, and its q-value.

    The figure WGCNA users read first: rows are modules, columns traits, the
    colour is the correlation (see :func:`trait_correlation` for categorical
    traits) on a fixed -1..1 scale, and each cell shows the correlation with
    the Benjamini–Hochberg q-value in brackets; a ``*`` marks ``q <= fdr``.

    Parameters
    ----------
    traits : DataFrame
        ``traits.parquet`` / :func:`isograph.network.trait_associations`.
    fdr : float
        Level for the ``*`` marks.
    annotate : bool
        Write the values in the cells.
    cmap : str
        A diverging colormap.
    ax : matplotlib Axes, optional
        Drawn on a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if len(traits) == 0:
        raise ValueError("traits is empty: there is no module–trait test to show")
    if not 0 < fdr < 1:
        raise ValueError(f"fdr must be in (0, 1), got {fdr!r}")
    table = traits.assign(_r=trait_correlation(traits).to_numpy())
    modules = sorted(pd.unique(table["module"].astype(str)), key=natural_key)
    trait_names = list(pd.unique(table["trait"].astype(str)))
    keys = table.assign(module=table["module"].astype(str), trait=table["trait"].astype(str))
    r = keys.pivot_table(index="module", columns="trait", values="_r", aggfunc="first",
                         dropna=False).reindex(index=modules, columns=trait_names)
    q = keys.pivot_table(index="module", columns="trait", values="q_value", aggfunc="first",
                         dropna=False).reindex(index=modules, columns=trait_names)
    ax = get_ax(ax)
    values = r.to_numpy(dtype=np.float64)
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=-1.0, vmax=1.0,
                      aspect="auto", interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label="correlation")
    ax.set_xticks(np.arange(len(trait_names)), labels=trait_names, rotation=45, ha="right",
                  rotation_mode="anchor")
    ax.set_yticks(np.arange(len(modules)), labels=modules)
    ax.set_xlabel("trait")
    ax.set_ylabel("module")
    ax.set_title(f"module–trait correlation (q in brackets; * q ≤ {fdr:g})")
    if annotate:
        qv = q.to_numpy(dtype=np.float64)
        labels = [["" if np.isnan(values[i, j]) else
                   f"{values[i, j]:.2f}{'*' if qv[i, j] <= fdr else ''}\n({qv[i, j]:.1g})"
                   for j in range(values.shape[1])] for i in range(values.shape[0])]
        size = 8 if max(values.shape) <= 12 else 6
        annotate_cells(ax, values, labels, fontsize=size)
    return ax


def eigengene_clustering(eigengenes: pd.DataFrame, method: str = "average"):
    """Correlation of eigengenes and their hierarchical clustering.

    Parameters
    ----------
    eigengenes : DataFrame
        Samples x modules.
    method : str
        A :func:`scipy.cluster.hierarchy.linkage` method on ``1 - r``.

    Returns
    -------
    corr : DataFrame
        Modules x modules correlation, rows and columns in clustered order.
    linkage : ndarray or None
        The linkage matrix (``None`` for a single module).
    """
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    if not isinstance(eigengenes, pd.DataFrame):
        raise TypeError(f"eigengenes must be a samples x modules DataFrame, got "
                        f"{type(eigengenes).__name__}")
    if eigengenes.shape[1] == 0:
        raise ValueError("eigengenes has no module columns: the fit found no modules")
    if eigengenes.shape[0] < 3:
        raise ValueError(f"eigengenes needs at least 3 samples, got {eigengenes.shape[0]}")
    E = eigengenes.to_numpy(dtype=np.float64)
    constant = [str(c) for c, sd in zip(eigengenes.columns, E.std(axis=0)) if sd == 0]
    if constant:
        raise ValueError(f"eigengenes {constant} are constant, so they have no correlation")
    R = np.atleast_2d(np.corrcoef(E, rowvar=False))
    names = [str(c) for c in eigengenes.columns]
    if len(names) == 1:
        return pd.DataFrame(R, index=names, columns=names), None
    D = np.clip(1.0 - R, 0.0, 2.0)
    np.fill_diagonal(D, 0.0)
    Z = linkage(squareform(D, checks=False), method=method)
    order = leaves_list(Z)
    ordered = [names[i] for i in order]
    return pd.DataFrame(R[np.ix_(order, order)], index=ordered, columns=ordered), Z


def _draw_dendrogram(ax, Z: np.ndarray, n: int):
    from scipy.cluster.hierarchy import dendrogram

    tree = dendrogram(Z, no_plot=True)
    top = ax.inset_axes([0.0, 1.01, 1.0, 0.18])
    for xs, ys in zip(tree["icoord"], tree["dcoord"]):
        top.plot((np.asarray(xs) - 5.0) / 10.0, ys, color="0.25", linewidth=1.0)
    top.set_xlim(-0.5, n - 0.5)
    top.set_ylim(0.0, max(max(d) for d in tree["dcoord"]) * 1.05 or 1.0)
    top.set_axis_off()
    return top


def plot_eigengene_correlation(
    eigengenes: pd.DataFrame,
    *,
    method: str = "average",
    dendrogram: bool = True,
    annotate: bool | None = None,
    cmap: str = "RdBu_r",
    ax=None,
):
    """Eigengene correlation heatmap, modules ordered by hierarchical clustering.

    Modules whose eigengenes correlate closely form blocks along the diagonal
    (WGCNA's "meta-modules"); the dendrogram above is the clustering on
    ``1 - r``.

    Parameters
    ----------
    eigengenes : DataFrame
        Samples x modules (``eigengenes.parquet``).
    method : str
        Linkage method (see :func:`eigengene_clustering`).
    dendrogram : bool
        Draw the dendrogram in an inset above the heatmap (two or more modules).
    annotate : bool, optional
        Write the correlations in the cells (default: up to 15 modules).
    cmap : str
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The heatmap; the dendrogram, when drawn, is its inset child Axes.
    """
    corr, Z = eigengene_clustering(eigengenes, method)
    n = corr.shape[0]
    ax = get_ax(ax)
    values = corr.to_numpy()
    image = ax.imshow(values, cmap=cmap, vmin=-1.0, vmax=1.0, aspect="equal",
                      interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label="eigengene correlation", shrink=0.8)
    ax.set_xticks(np.arange(n), labels=list(corr.columns), rotation=90)
    ax.set_yticks(np.arange(n), labels=list(corr.index))
    if annotate is None:
        annotate = n <= 15
    if annotate:
        labels = [[f"{values[i, j]:.2f}" for j in range(n)] for i in range(n)]
        annotate_cells(ax, values, labels, fontsize=8 if n <= 8 else 6)
    title = "eigengene correlation (clustered)"
    if dendrogram and Z is not None:
        _draw_dendrogram(ax, Z, n).set_title(title)
    else:
        ax.set_title(title)
    return ax
