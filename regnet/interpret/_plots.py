"""Diagnostic plots of RegNet embeddings and shrinkage weights.

Every function draws on the ``ax`` it is given (or on a new figure) and
returns the Axes; none shows or saves the figure (``ax.figure.savefig(...)``
is the caller's). TFs are drawn in red on top of the other genes in blue;
genes flagged ``unstable`` (a boolean column, e.g. joined from
:func:`seed_stability`) are circled in black.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from ._bayes import compare_weights
from ._plot_common import _get_ax, _scatter_by_tf

__all__ = [
    "plot_shrinkage_hist",
    "plot_shrinkage_vs_bayes",
    "plot_shrinkage_vs_degree",
    "plot_shrinkage_vs_expression",
]


def _valid(weights: pd.DataFrame, columns) -> pd.DataFrame:
    if not isinstance(weights, pd.DataFrame):
        raise TypeError(f"weights must be a DataFrame from shrinkage_weights; got "
                        f"{type(weights).__name__}.")
    missing = [c for c in ["weight", *columns] if c not in weights.columns]
    if missing:
        raise ValueError(f"weights lacks columns {missing}; pass the output of "
                         "shrinkage_weights.")
    frame = weights.loc[weights["weight"].notna()]
    if frame.empty:
        raise ValueError("weights has no finite weight to plot (every gene is NaN; see "
                         "its 'reason' column).")
    return frame


def _flag(frame: pd.DataFrame, column: str) -> np.ndarray:
    """The optional boolean ``column`` of ``frame``; False where missing or NA."""
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return frame[column].fillna(False).to_numpy(bool)


def _scatter_weights(ax, x, frame: pd.DataFrame, weights: pd.DataFrame, *, tf_color,
                     other_color, **kwargs):
    """Each gene's ``weight`` (y, in [0, 1]) of ``frame`` against ``x``; returns the weights.

    TFs (``is_tf`` column) are drawn over the other genes; genes whose weight is
    training noise (``unstable`` column), if any, are circled. The y label names
    the method recorded in ``weights.attrs`` (``frame`` may have lost them in a join).
    """
    y = frame["weight"].to_numpy(np.float64)
    _scatter_by_tf(ax, x, y, _flag(frame, "is_tf"), tf_color=tf_color,
                   other_color=other_color, **kwargs)
    unstable = _flag(frame, "unstable")
    if unstable.any():
        ax.scatter(np.asarray(x)[unstable], y[unstable], s=40, facecolors="none",
                   edgecolors="black", linewidths=0.8, zorder=3,
                   label=f"unstable across seeds ({int(unstable.sum())})")
    ax.set_ylabel(_method_label(weights))
    ax.set_ylim(-0.05, 1.05)
    return y


def _method_label(weights: pd.DataFrame) -> str:
    method = weights.attrs.get("method")
    return f"shrinkage weight w ({method.replace('_', ' ')})" if method else "shrinkage weight w"


def plot_shrinkage_vs_degree(weights: pd.DataFrame, *, degree: str = "degree", ax=None,
                             tf_color="red", other_color="blue", **kwargs):
    """Shrinkage weight against node degree (log scale) with a least-squares trend.

    The trend is ``w = a + b log(degree)``, fitted on the genes with a finite
    weight and drawn as a line (left out when fewer than two distinct degrees).

    Parameters
    ----------
    weights : pandas.DataFrame
        Output of :func:`shrinkage_weights` (``weight``, ``is_tf`` and ``degree``;
        an optional boolean ``unstable`` column circles those genes).
    degree : str, default="degree"
        Column on the x axis: ``"degree"`` (neighbours in the message graph),
        ``"in_degree"`` or ``"out_degree"``. Genes with degree 0 are left out.
    ax : matplotlib.axes.Axes, optional
    tf_color, other_color : color, default="red", "blue"
    **kwargs
        Passed to ``Axes.scatter``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    frame = _valid(weights, [degree])
    frame = frame.loc[frame[degree] > 0]
    if frame.empty:
        raise ValueError(f"weights has no gene with a finite weight and {degree} > 0; pass "
                         "another degree= ('degree', 'in_degree' or 'out_degree') or see the "
                         "'reason' column for why the weights are NaN.")
    ax = _get_ax(ax)
    x = frame[degree].to_numpy(np.float64)
    y = _scatter_weights(ax, x, frame, weights, tf_color=tf_color, other_color=other_color,
                         **kwargs)
    if np.unique(x).size >= 2:
        slope, intercept = np.polyfit(np.log(x), y, 1)
        grid = np.geomspace(x.min(), x.max(), 50)
        ax.plot(grid, intercept + slope * np.log(grid), color="black", lw=1.5,
                label=f"trend: {intercept:.2f} {slope:+.3f} log({degree})")
    ax.set_xscale("log")
    ax.set_xlabel(degree.replace("_", " ") + (" (neighbours in the message graph)"
                                               if degree == "degree" else ""))
    ax.set_title("Shrinkage weight vs degree")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_shrinkage_hist(weights: pd.DataFrame, *, bins: int = 20, ax=None, color="0.4",
                        **kwargs):
    """Histogram of the finite shrinkage weights over [0, 1], with the median marked.

    Parameters
    ----------
    weights : pandas.DataFrame
        Output of :func:`shrinkage_weights` or :func:`empirical_bayes_weights`.
    bins : int, default=20
        Equal-width bins over [0, 1].
    ax : matplotlib.axes.Axes, optional
    color : color, default="0.4"
    **kwargs
        Passed to ``Axes.hist``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(bins, numbers.Integral) or bins < 1:
        raise ValueError(f"bins must be a positive integer; got {bins!r}.")
    frame = _valid(weights, [])
    ax = _get_ax(ax)
    y = frame["weight"].to_numpy(np.float64)
    ax.hist(y, bins=int(bins), range=(0.0, 1.0), color=color, **kwargs)
    median = float(np.median(y))
    ax.axvline(median, color="black", ls="--", lw=1, label=f"median {median:.2f}")
    left_out = len(weights) - len(frame)
    ax.set_xlabel(_method_label(weights))
    ax.set_ylabel("genes")
    ax.set_title(f"Shrinkage weights ({len(frame)} genes, {left_out} without a weight)")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_shrinkage_vs_expression(weights: pd.DataFrame, *, ax=None, tf_color="red",
                                 other_color="blue", **kwargs):
    """Shrinkage weight against the gene's mean expression.

    Parameters
    ----------
    weights : pandas.DataFrame
        Output of :func:`shrinkage_weights` (``weight``, ``mean_expression``, ``is_tf``;
        optional boolean ``unstable``).
    ax : matplotlib.axes.Axes, optional
    tf_color, other_color : color, default="red", "blue"
    **kwargs
        Passed to ``Axes.scatter``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    frame = _valid(weights, ["mean_expression"])
    ax = _get_ax(ax)
    _scatter_weights(ax, frame["mean_expression"].to_numpy(np.float64), frame, weights,
                     tf_color=tf_color, other_color=other_color, **kwargs)
    ax.set_xlabel("mean expression over cells")
    ax.set_title("Shrinkage weight vs expression")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_shrinkage_vs_bayes(weights: pd.DataFrame, bayes: pd.DataFrame, *, ax=None,
                            tf_color="red", other_color="blue", **kwargs):
    """Learned weights against the empirical-Bayes ones, with the identity line.

    Parameters
    ----------
    weights : pandas.DataFrame
        Output of :func:`shrinkage_weights`.
    bayes : pandas.DataFrame
        Output of :func:`empirical_bayes_weights` on the same genes.
    ax : matplotlib.axes.Axes, optional
    tf_color, other_color : color, default="red", "blue"
    **kwargs
        Passed to ``Axes.scatter``.

    Returns
    -------
    matplotlib.axes.Axes
        The title reports the Pearson and Spearman correlations
        (:func:`compare_weights`).
    """
    frame = _valid(weights, [])
    other = _valid(bayes, [])
    both = frame.join(other[["weight"]].rename(columns={"weight": "bayes"}), how="inner")
    if both.empty:
        raise ValueError("weights and bayes share no gene with a finite weight; compute both "
                         "on the same genes, e.g. shrinkage_weights(model, X) and "
                         "empirical_bayes_weights(X, model.edges_).")
    stats = compare_weights(frame, other)
    ax = _get_ax(ax)
    _scatter_weights(ax, both["bayes"].to_numpy(np.float64), both, weights,
                     tf_color=tf_color, other_color=other_color, **kwargs)
    ax.plot([0, 1], [0, 1], color="black", ls="--", lw=1, label="y = x")
    ax.set_xlim(-0.05, 1.05)
    ax.set_xlabel("empirical-Bayes weight λ / (λ + ρ_i)")
    ax.set_title(f"Learned vs empirical-Bayes weights ({stats['n_genes']} genes)\n"
                 f"Pearson r = {stats['pearson']:.2f}, Spearman ρ = {stats['spearman']:.2f}",
                 fontsize="medium")
    ax.legend(loc="best", fontsize="small")
    return ax
