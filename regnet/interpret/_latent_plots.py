"""Two-dimensional layouts of gene embeddings (UMAP, t-SNE, PCA) and their plot."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from ._plot_common import _get_ax, _scatter_by_tf, _tf_mask

__all__ = ["EMBEDDINGS", "embed_2d", "plot_latent_umap"]

EMBEDDINGS = ("umap", "tsne", "pca")


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
