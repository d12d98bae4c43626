"""Stability selection of network edges by refitting a backend on subsamples."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.utils import check_random_state


@dataclass
class StabilityResult:
    """Edge selection frequencies over subsample refits.

    Attributes
    ----------
    edges : DataFrame
        ``source, target, frequency, count, mean_weight, sign_consistency``:
        every edge selected in at least one subsample, by decreasing
        frequency. ``source`` / ``target`` are feature names in column order
        (``source`` first); ``sign_consistency`` is the share of selections
        with the majority sign of the weight.
    threshold : float
        Frequency cut used for :attr:`selected` (``recommended_threshold``
        unless a threshold was given).
    recommended_threshold : float
        The smallest frequency cut whose Meinshausen–Bühlmann bound on the
        expected number of falsely selected edges is at most
        ``expected_false_edges``; when no cut in (0.5, 1] achieves it (dense
        selections), the *consensus* cut: the one whose edge set has the
        largest mean Jaccard index with the subsample edge sets.
    recommendation_rule : str
        ``"meinshausen_buhlmann"`` or ``"consensus"``.
    expected_false_edges : float
        The bound's target.
    false_edge_bound : float
        The bound at ``threshold``: ``q^2 / ((2 threshold - 1) m)`` (``inf``
        for thresholds <= 0.5).
    mean_selected : float
        ``q``: mean number of edges selected per subsample.
    n_pairs : int
        ``m = p (p - 1) / 2``: the candidate edges.
    n_subsamples : int
    sample_fraction : float
    subsample_size : int
    edges_per_subsample : ndarray of shape (n_subsamples,)
    """

    edges: pd.DataFrame
    threshold: float
    recommended_threshold: float
    recommendation_rule: str
    expected_false_edges: float
    false_edge_bound: float
    mean_selected: float
    n_pairs: int
    n_subsamples: int
    sample_fraction: float
    subsample_size: int
    edges_per_subsample: np.ndarray

    @property
    def selected(self) -> pd.DataFrame:
        """Edges whose frequency reaches :attr:`threshold`."""
        return self.edges[self.edges["frequency"] >= self.threshold].reset_index(drop=True)


def meinshausen_buhlmann_bound(threshold: float, mean_selected: float, n_pairs: int) -> float:
    """Upper bound on the expected number of falsely selected edges at a frequency cut.

    ``E[V] <= q^2 / ((2 pi - 1) m)`` for a cut ``pi`` in (0.5, 1], with ``q``
    the mean number of edges selected per subsample and ``m`` the number of
    candidate edges (Meinshausen & Bühlmann 2010, theorem 1; it assumes
    exchangeable noise edges and a selection no worse than random guessing,
    and is meant for subsamples of half the samples).
    """
    if threshold <= 0.5 or n_pairs <= 0:
        return float("inf")
    return float(mean_selected**2 / ((2.0 * threshold - 1.0) * n_pairs))


def recommended_frequency(
    mean_selected: float, n_pairs: int, expected_false_edges: float
) -> float:
    """Smallest ``pi`` with ``q^2 / ((2 pi - 1) m) <= expected_false_edges``; ``inf`` if > 1."""
    if n_pairs <= 0:
        return float("inf")
    if mean_selected == 0:
        return 1.0  # nothing is ever selected: every cut is safe
    pi = 0.5 * (1.0 + mean_selected**2 / (n_pairs * expected_false_edges))
    return float(pi) if pi <= 1.0 else float("inf")


def consensus_frequency(keys_per_fit: list[np.ndarray], all_keys: np.ndarray,
                        counts: np.ndarray, n_subsamples: int) -> float:
    """Frequency cut whose edge set best matches the subsample edge sets (mean Jaccard).

    ``all_keys`` (sorted) and ``counts`` describe every selected edge; the cut
    is searched over ``c / n_subsamples``, c = 1..n_subsamples, ties going to
    the higher cut.
    """
    B = int(n_subsamples)
    if all_keys.size == 0:
        return 1.0
    # |S(c)|: edges selected at least c times, c = 1..B
    size_at = np.cumsum(np.bincount(counts, minlength=B + 1)[::-1])[::-1][1:]
    jaccard = np.zeros(B)
    for keys in keys_per_fit:
        if keys.size == 0:
            continue
        c = counts[np.searchsorted(all_keys, keys)]
        inter = np.cumsum(np.bincount(c, minlength=B + 1)[::-1])[::-1][1:]
        jaccard += inter / (size_at + keys.size - inter)
    best = B - 1 - int(np.argmax(jaccard[::-1]))
    return float((best + 1) / B)


def _subsample_edges(estimator, X, rows, names: pd.Index):
    """Fit a clone on ``X[rows]``; edges as sorted column-index pairs and weights."""
    model = clone(estimator)
    part = X.iloc[rows] if isinstance(X, pd.DataFrame) else X[rows]
    model.fit(part)
    edges = model.edges_
    a = names.get_indexer(edges["source"].astype(str))
    b = names.get_indexer(edges["target"].astype(str))
    if np.any(a < 0) or np.any(b < 0):
        raise ValueError("the estimator's edges_ name features that are not columns of X")
    return np.minimum(a, b), np.maximum(a, b), edges["weight"].to_numpy(dtype=np.float64)


def _check_args(n_samples, n_subsamples, sample_fraction, threshold, expected_false_edges):
    if isinstance(n_subsamples, bool) or not isinstance(n_subsamples, numbers.Integral) \
            or n_subsamples < 1:
        raise ValueError(f"n_subsamples must be an integer >= 1, got {n_subsamples!r}")
    if isinstance(sample_fraction, bool) or not isinstance(sample_fraction, numbers.Real) \
            or not 0 < sample_fraction < 1:
        raise ValueError(f"sample_fraction must be a number in (0, 1), got {sample_fraction!r}")
    if threshold is not None and (isinstance(threshold, bool)
                                  or not isinstance(threshold, numbers.Real)
                                  or not 0 < threshold <= 1):
        raise ValueError(f"threshold must be None or a number in (0, 1], got {threshold!r}")
    if isinstance(expected_false_edges, bool) or not isinstance(
            expected_false_edges, numbers.Real) or not expected_false_edges > 0:
        raise ValueError(
            f"expected_false_edges must be a positive number, got {expected_false_edges!r}"
        )
    size = int(np.floor(sample_fraction * n_samples))
    if size < 3:
        raise ValueError(
            f"sample_fraction={sample_fraction} of {n_samples} samples leaves {size} per "
            "subsample; at least 3 are needed"
        )
    return size


def stability_selection(
    estimator,
    X,
    *,
    n_subsamples: int = 50,
    sample_fraction: float = 0.5,
    threshold: float | None = None,
    expected_false_edges: float = 1.0,
    n_jobs: int | None = None,
    random_state=None,
) -> StabilityResult:
    """Edge selection frequencies of a network backend over random subsamples.

    The backend is cloned and fitted on ``n_subsamples`` subsamples of the
    rows of ``X`` (drawn without replacement); each edge's frequency is the
    share of fits whose ``edges_`` contain it.

    Parameters
    ----------
    estimator : estimator
        An unfitted backend with an ``edges_`` table after ``fit`` (columns
        ``source``, ``target``, ``weight`` naming columns of ``X``).
    X : array-like or DataFrame of shape (n_samples, n_features)
    n_subsamples : int, default=50
    sample_fraction : float, default=0.5
        Share of the samples in each subsample (the bound below assumes 0.5).
    threshold : float, optional
        Frequency cut for :attr:`StabilityResult.selected`; by default the
        recommended one.
    expected_false_edges : float, default=1.0
        Target of the Meinshausen–Bühlmann bound used for the recommended cut.
    n_jobs : int, optional
        Parallel fits through joblib (``None``: one at a time; ``-1``: all cores).
    random_state : int, RandomState or None
        Draws the subsamples; the same seed gives the same result whatever ``n_jobs``.

    Returns
    -------
    StabilityResult

    Notes
    -----
    Recommended threshold: with ``q`` the mean number of edges per subsample
    and ``m`` the number of feature pairs, Meinshausen & Bühlmann bound the
    expected number of falsely selected edges at a cut ``pi`` by
    ``q^2 / ((2 pi - 1) m)``. The recommendation is the smallest ``pi`` in
    (0.5, 1] that brings the bound to ``expected_false_edges``; when even
    ``pi = 1`` cannot (module networks are dense: ``q^2`` far exceeds ``m``),
    the recommendation is the consensus cut instead: among ``c / n_subsamples``,
    the cut whose edge set has the largest mean Jaccard index with the
    subsample fits' edge sets (the most representative stable edge set).

    References
    ----------
    Meinshausen & Bühlmann (2010), "Stability selection", JRSS-B 72, 417-473.

    Examples
    --------
    >>> import numpy as np
    >>> from isograph.models._latent import LatentNetworkModel
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(80, 1))
    >>> X = np.hstack([z + 0.5 * rng.normal(size=(80, 5)), rng.normal(size=(80, 5))])
    >>> result = stability_selection(LatentNetworkModel(n_components=1), X,
    ...                              n_subsamples=10, random_state=0)
    >>> sorted(set(result.selected[["source", "target"]].to_numpy().ravel()))
    ['x0', 'x1', 'x2', 'x3', 'x4']
    """
    if not hasattr(estimator, "fit") or not hasattr(estimator, "get_params"):
        raise TypeError(f"estimator must be a scikit-learn estimator, got {type(estimator)!r}")
    if isinstance(X, pd.DataFrame):
        names = pd.Index([str(c) for c in X.columns])
        n_samples = len(X)
    else:
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-dimensional (samples x features), got shape {X.shape}")
        names = pd.Index([f"x{i}" for i in range(X.shape[1])])
        n_samples = X.shape[0]
    size = _check_args(n_samples, n_subsamples, sample_fraction, threshold,
                       expected_false_edges)
    rng = check_random_state(random_state)
    draws = [np.sort(rng.choice(n_samples, size=size, replace=False))
             for _ in range(n_subsamples)]
    results = Parallel(n_jobs=n_jobs)(
        delayed(_subsample_edges)(estimator, X, rows, names) for rows in draws
    )
    p = len(names)
    n_pairs = p * (p - 1) // 2
    per_fit = np.array([a.size for a, _, _ in results], dtype=np.int64)
    keys_per_fit = [a * p + b for a, b, _ in results]
    key = np.concatenate(keys_per_fit) if keys_per_fit else np.zeros(0, np.int64)
    weight = (np.concatenate([w for _, _, w in results]) if results
              else np.zeros(0, np.float64))
    all_keys, inverse, count = np.unique(key, return_inverse=True, return_counts=True)
    sum_w = np.bincount(inverse, weights=weight, minlength=all_keys.size)
    n_pos = np.bincount(inverse, weights=(weight > 0).astype(float), minlength=all_keys.size)
    edges = pd.DataFrame({
        "source": np.asarray(names[all_keys // p], dtype=object),
        "target": np.asarray(names[all_keys % p], dtype=object),
        "frequency": count / n_subsamples, "count": count.astype(np.int64),
        "mean_weight": sum_w / np.maximum(count, 1),
        "sign_consistency": np.maximum(n_pos, count - n_pos) / np.maximum(count, 1),
    })
    edges = edges.sort_values(["frequency", "source", "target"], ascending=[False, True, True],
                              kind="stable").reset_index(drop=True)
    q = float(per_fit.mean())
    recommended = recommended_frequency(q, n_pairs, float(expected_false_edges))
    rule = "meinshausen_buhlmann"
    if not np.isfinite(recommended):
        recommended = consensus_frequency(keys_per_fit, all_keys, count, n_subsamples)
        rule = "consensus"
    cut = recommended if threshold is None else float(threshold)
    return StabilityResult(
        edges=edges, threshold=cut, recommended_threshold=recommended,
        recommendation_rule=rule, expected_false_edges=float(expected_false_edges),
        false_edge_bound=meinshausen_buhlmann_bound(cut, q, n_pairs),
        mean_selected=q, n_pairs=int(n_pairs), n_subsamples=int(n_subsamples),
        sample_fraction=float(sample_fraction), subsample_size=int(size),
        edges_per_subsample=per_fit,
    )
