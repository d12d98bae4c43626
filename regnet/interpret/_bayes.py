"""Empirical-Bayes shrinkage weights: the Normal-Normal reference for the learned ones."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.neighbors import NearestNeighbors

from .._convert import check_columns, genes_by_cells
from .._inputs import standardize_rows
from ._graph import message_graph, neighbor_mean

__all__ = ["compare_weights", "empirical_bayes_weights", "nearest_cell_noise_variance"]

REASON_ISOLATED = "no neighbours in the message graph (no prior mean)"


def nearest_cell_noise_variance(values) -> float:
    """Measurement-noise variance from differences between nearest-neighbour cells.

    Each cell is paired with its nearest other cell. If the two share their
    true state, ``x_gc - x_gc'`` has variance ``2 sigma^2``, so
    ``sigma^2 = mean((x_gc - x_gc')^2) / 2``. The neighbour is chosen on one
    half of the genes (alternate rows) and the differences are measured on
    the other half, and vice versa: choosing the closest cell on the same
    genes would favour small noise draws and bias the estimate down.

    Parameters
    ----------
    values : array-like of shape (n_genes, n_cells)
        At least 2 genes and 2 cells.

    Returns
    -------
    float

    Notes
    -----
    Differences in true state between a cell and its nearest neighbour push
    the estimate up; with many cells per state they are small.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] < 2 or values.shape[1] < 2:
        raise ValueError(
            f"values must be genes x cells with at least 2 genes and 2 cells; got {values.shape}."
        )
    cells = values.T
    halves = (cells[:, 0::2], cells[:, 1::2])
    total, count = 0.0, 0
    for pick, measure in (halves, halves[::-1]):
        nearest = NearestNeighbors(n_neighbors=1).fit(pick).kneighbors(return_distance=False)
        total += float(np.sum((measure - measure[nearest[:, 0]]) ** 2))
        count += measure.size
    return total / count / 2.0


def empirical_bayes_weights(
    X,
    edges: pd.DataFrame,
    *,
    layer: str | None = None,
    use_highly_variable: bool | None = None,
    noise_variance: float | None = None,
    standardize: bool = True,
) -> pd.DataFrame:
    r"""Normal-Normal shrinkage weights estimated from the expression and the known graph.

    Model, per gene ``i`` and cell ``c``: ``x_ic ~ N(theta_ic, sigma^2)`` and
    ``theta_ic ~ N(m_ic, tau_i^2)``, with ``m_ic`` the mean of the neighbours'
    expression (the first SAGE layer's message graph). The posterior mean of
    ``theta_ic`` is ``(1 - w_i) m_ic + w_i x_ic`` with
    ``w_i = lambda / (lambda + rho_i)``, ``lambda = 1 / sigma^2`` and
    ``rho_i = 1 / tau_i^2``.

    Estimates: ``sigma^2`` from nearest-neighbour cells
    (:func:`nearest_cell_noise_variance`) unless given; the marginal variance
    ``v_i = mean_c (x_ic - m_ic)^2``, which is
    ``tau_i^2 + sigma^2 (1 + 1 / k_i)`` when ``m_i`` averages ``k_i``
    neighbours with independent noise, gives
    ``tau_i^2 = max(v_i - sigma^2 (1 + 1 / k_i), 0)`` (method of moments,
    positive part).

    Parameters
    ----------
    X : pandas.DataFrame or anndata.AnnData
        Expression: genes x cells (index = gene names), or a cells x genes
        AnnData as :meth:`regnet.RegNet.fit` takes it.
    edges : pandas.DataFrame
        Known positive edges ``TF, Target[, Label]``, e.g. ``model.edges_``;
        messages flow both ways, as in RegNet.
    layer : str, optional
        AnnData only: read this layer instead of ``.X``.
    use_highly_variable : bool, optional
        AnnData only: keep the genes of ``var["highly_variable"]`` (default:
        when that column exists), as RegNet does.
    noise_variance : float, optional
        ``sigma^2`` on the scale of the (standardised) data; estimated when None.
    standardize : bool, default=True
        Z-score each gene across cells first, as RegNet does with its input.

    Returns
    -------
    pandas.DataFrame
        Indexed by gene: ``weight`` (NaN for genes without neighbours, see
        ``reason``), ``degree``, ``marginal_variance`` ``v_i``,
        ``prior_variance`` ``tau_i^2``, ``noise_variance`` ``sigma^2``,
        ``noise_precision`` ``lambda``, ``prior_precision`` ``rho_i`` (inf when
        ``tau_i^2 = 0``) and ``reason``. ``attrs["noise_variance"]`` holds ``sigma^2``.

    See Also
    --------
    shrinkage_weights : the weights read off a trained layer.
    compare_weights : correlation between the two.
    """
    check_columns(edges, "edges")
    X = genes_by_cells(X, pd.unique(edges[["TF", "Target"]].to_numpy().ravel()),
                       layer=layer, use_highly_variable=use_highly_variable)
    if noise_variance is not None and (
        not isinstance(noise_variance, numbers.Real) or not np.isfinite(noise_variance)
        or noise_variance <= 0
    ):
        raise ValueError(
            f"noise_variance must be a positive number or None; got {noise_variance!r}."
        )
    values = standardize_rows(X.to_numpy()).astype(np.float64) if standardize else X.to_numpy()
    graph = message_graph(X.index, edges)
    m = neighbor_mean(graph, values)
    if noise_variance is None:
        sigma2 = nearest_cell_noise_variance(values)
    else:
        sigma2 = float(noise_variance)
    if sigma2 <= 0:
        raise ValueError("the estimated noise variance is 0 (cells repeat exactly); pass "
                         "noise_variance= explicitly.")
    k = graph.degree.astype(np.float64)
    has = k > 0
    marginal = np.mean((values - m) ** 2, axis=1)
    inflation = np.divide(1.0, k, out=np.full_like(k, np.nan), where=has)
    tau2 = np.where(has, np.maximum(marginal - sigma2 * (1.0 + inflation), 0.0), np.nan)
    with np.errstate(divide="ignore"):
        rho = np.where(has, 1.0 / tau2, np.nan)
    lam = 1.0 / sigma2
    weight = tau2 / (tau2 + sigma2)  # = lambda / (lambda + rho), finite when tau2 = 0
    result = pd.DataFrame(
        {
            "weight": weight,
            "degree": graph.degree,
            "marginal_variance": np.where(has, marginal, np.nan),
            "prior_variance": tau2,
            "noise_variance": sigma2,
            "noise_precision": lam,
            "prior_precision": rho,
            "reason": np.where(has, None, REASON_ISOLATED),
        },
        index=pd.Index(X.index, name="gene"),
    )
    result.attrs["noise_variance"] = sigma2
    return result


def _weight_column(frame, name: str) -> pd.Series:
    if isinstance(frame, pd.Series):
        return frame.astype(np.float64)
    if isinstance(frame, pd.DataFrame) and "weight" in frame.columns:
        return frame["weight"].astype(np.float64)
    raise TypeError(f"{name} must be a Series or a DataFrame with a 'weight' column; "
                    f"got {type(frame).__name__}.")


def compare_weights(learned, reference) -> dict[str, float]:
    """Agreement between two sets of per-gene weights (genes where both are finite).

    Parameters
    ----------
    learned, reference : pandas.DataFrame with a ``weight`` column, or pandas.Series
        Indexed by gene, e.g. :func:`shrinkage_weights` and
        :func:`empirical_bayes_weights`.

    Returns
    -------
    dict
        ``pearson``, ``spearman``, ``mean_abs_difference`` and ``n_genes``
        (correlations are NaN when fewer than 3 genes, or a constant side, remain).
    """
    a = _weight_column(learned, "learned")
    b = _weight_column(reference, "reference")
    both = pd.concat([a.rename("a"), b.rename("b")], axis=1, join="inner").dropna()
    result = {"n_genes": len(both), "mean_abs_difference": float("nan"),
              "pearson": float("nan"), "spearman": float("nan")}
    if len(both):
        result["mean_abs_difference"] = float((both["a"] - both["b"]).abs().mean())
    if len(both) >= 3 and both["a"].nunique() > 1 and both["b"].nunique() > 1:
        result["pearson"] = float(stats.pearsonr(both["a"], both["b"])[0])
        result["spearman"] = float(stats.spearmanr(both["a"], both["b"])[0])
    return result
