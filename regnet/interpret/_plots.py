"""Diagnostic plots of RegNet embeddings and shrinkage weights.

Every function draws on the ``ax`` it is given (or on a new figure) and
returns the Axes; none shows or saves the figure (``ax.figure.savefig(...)``
is the caller's). TFs are drawn in red on top of the other genes in blue.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from ._bayes import compare_weights

__all__ = [
    "embed_2d",
    "plot_latent_umap",
    "plot_shrinkage_hist",
    "plot_shrinkage_vs_bayes",
    "plot_shrinkage_vs_degree",
    "plot_shrinkage_vs_expression",
]

EMBEDDINGS = ("umap", "tsne", "pca")


def _get_ax(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    return ax


def embed_2d(embeddings, *, method: str = "umap", random_state=0,
             n_neighbors: int = 15) -> np.ndarray:
    """Two-dimensional layout of per-gene embeddings.

    Parameters
    ----------
    embeddings : pandas.DataFrame or array-like of shape (n_genes, n_latent)
    method : {"umap", "tsne", "pca"}, default="umap"
    random_state : int or None, default=0
    n_neighbors : int, default=15
        UMAP neighbourhood size (capped at ``n_genes - 1``).

    Returns
    -------
    numpy.ndarray of shape (n_genes, 2)
    """
    if method not in EMBEDDINGS:
        raise ValueError(f"method must be one of {list(EMBEDDINGS)}; got {method!r}.")
    values = np.asarray(embeddings, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] < 3 or not np.isfinite(values).all():
        raise ValueError("embeddings must be a finite 2-D array with at least 3 rows; got shape "
                         f"{values.shape}.")
    if values.shape[1] == 1:
        values = np.hstack([values, np.zeros_like(values)])
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=random_state).fit_transform(values)
    if method == "tsne":
        from sklearn.manifold import TSNE

        perplexity = float(min(30.0, (len(values) - 1) / 3.0))
        return TSNE(n_components=2, perplexity=perplexity, init="pca",
                    random_state=random_state).fit_transform(values)
    if not isinstance(n_neighbors, numbers.Integral) or n_neighbors < 2:
        raise ValueError(f"n_neighbors must be an integer >= 2; got {n_neighbors!r}.")
    import umap

    reducer = umap.UMAP(n_components=2, n_neighbors=int(min(n_neighbors, len(values) - 1)),
                        random_state=random_state, n_jobs=1 if random_state is not None else -1)
    return reducer.fit_transform(values)


def _tf_mask(index: pd.Index, tfs) -> np.ndarray:
    if tfs is None:
        return np.zeros(len(index), dtype=bool)
    if isinstance(tfs, pd.Series) and tfs.dtype == bool:
        return tfs.reindex(index, fill_value=False).to_numpy()
    return index.isin([str(t) for t in tfs])


def _scatter_by_tf(ax, x, y, is_tf, *, tf_color, other_color, **kwargs):
    kwargs.setdefault("s", 12)
    kwargs.setdefault("alpha", 0.7)
    kwargs.setdefault("linewidths", 0)
    is_tf = np.asarray(is_tf, dtype=bool)
    ax.scatter(x[~is_tf], y[~is_tf], color=other_color,
               label=f"other genes ({int((~is_tf).sum())})", **kwargs)
    if is_tf.any():
        ax.scatter(x[is_tf], y[is_tf], color=tf_color, label=f"TFs ({int(is_tf.sum())})",
                   **kwargs)


def plot_latent_umap(embeddings: pd.DataFrame, *, tfs=None, method: str = "umap", ax=None,
                     random_state=0, n_neighbors: int = 15, tf_color="red",
                     other_color="blue", **kwargs):
    """Genes in two dimensions from their VAE means (UMAP, t-SNE or PCA).

    Parameters
    ----------
    embeddings : pandas.DataFrame
        Genes x latent, e.g. ``model.transform(X)`` or ``embeddings.parquet``.
    tfs : sequence of str or boolean pandas.Series, optional
        Transcription factors, drawn in ``tf_color``.
    method : {"umap", "tsne", "pca"}, default="umap"
    ax : matplotlib.axes.Axes, optional
    random_state : int or None, default=0
    n_neighbors : int, default=15
        UMAP only.
    tf_color, other_color : color, default="red", "blue"
    **kwargs
        Passed to ``Axes.scatter``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(embeddings, pd.DataFrame):
        raise TypeError(f"embeddings must be a genes x latent DataFrame; got "
                        f"{type(embeddings).__name__}.")
    coords = embed_2d(embeddings, method=method, random_state=random_state,
                      n_neighbors=n_neighbors)
    ax = _get_ax(ax)
    _scatter_by_tf(ax, coords[:, 0], coords[:, 1], _tf_mask(embeddings.index.astype(str), tfs),
                   tf_color=tf_color, other_color=other_color, **kwargs)
    name = {"umap": "UMAP", "tsne": "t-SNE", "pca": "PC"}[method]
    ax.set_xlabel(f"{name} 1")
    ax.set_ylabel(f"{name} 2")
    ax.set_title(f"Gene embeddings (VAE means, {name if method != 'pca' else 'PCA'})")
    ax.legend(loc="best", fontsize="small", markerscale=1.5)
    return ax


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


def _is_tf(frame: pd.DataFrame) -> np.ndarray:
    if "is_tf" in frame.columns:
        return frame["is_tf"].fillna(False).to_numpy(bool)
    return np.zeros(len(frame), dtype=bool)


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
        Output of :func:`shrinkage_weights` (``weight``, ``is_tf`` and ``degree``).
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
        raise ValueError(f"no gene has a finite weight and {degree} > 0.")
    ax = _get_ax(ax)
    x = frame[degree].to_numpy(np.float64)
    y = frame["weight"].to_numpy(np.float64)
    _scatter_by_tf(ax, x, y, _is_tf(frame), tf_color=tf_color, other_color=other_color,
                   **kwargs)
    if np.unique(x).size >= 2:
        slope, intercept = np.polyfit(np.log(x), y, 1)
        grid = np.geomspace(x.min(), x.max(), 50)
        ax.plot(grid, intercept + slope * np.log(grid), color="black", lw=1.5,
                label=f"trend: {intercept:.2f} {slope:+.3f} log({degree})")
    ax.set_xscale("log")
    ax.set_xlabel(degree.replace("_", " ") + (" (neighbours in the message graph)"
                                               if degree == "degree" else ""))
    ax.set_ylabel(_method_label(weights))
    ax.set_ylim(-0.05, 1.05)
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
        Output of :func:`shrinkage_weights` (``weight``, ``mean_expression``, ``is_tf``).
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
    _scatter_by_tf(ax, frame["mean_expression"].to_numpy(np.float64),
                   frame["weight"].to_numpy(np.float64), _is_tf(frame),
                   tf_color=tf_color, other_color=other_color, **kwargs)
    ax.set_xlabel("mean expression over cells")
    ax.set_ylabel(_method_label(weights))
    ax.set_ylim(-0.05, 1.05)
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
        raise ValueError("weights and bayes share no gene with a finite weight.")
    stats = compare_weights(frame, other)
    ax = _get_ax(ax)
    _scatter_by_tf(ax, both["bayes"].to_numpy(np.float64), both["weight"].to_numpy(np.float64),
                   _is_tf(both), tf_color=tf_color, other_color=other_color, **kwargs)
    ax.plot([0, 1], [0, 1], color="black", ls="--", lw=1, label="y = x")
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("empirical-Bayes weight λ / (λ + ρ_i)")
    ax.set_ylabel(_method_label(weights))
    ax.set_title(f"Learned vs empirical-Bayes weights ({stats['n_genes']} genes)\n"
                 f"Pearson r = {stats['pearson']:.2f}, Spearman ρ = {stats['spearman']:.2f}",
                 fontsize="medium")
    ax.legend(loc="best", fontsize="small")
    return ax
