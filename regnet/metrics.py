"""Link-prediction metrics for regulatory networks.

All functions take the labels ``y`` (1 = regulatory edge, 0 = non-edge) and the
scores ``s`` of the same pairs, and use every pair given (no sampling).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

__all__ = ["auprc", "auprc_ratio", "auroc", "early_precision_ratio", "evaluate"]


def _check(y, s) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y)
    s = np.asarray(s)
    if y.ndim != 1:
        raise ValueError(f"y must be one-dimensional; got shape {y.shape}.")
    if s.ndim != 1:
        raise ValueError(f"s must be one-dimensional; got shape {s.shape}.")
    if len(y) != len(s):
        raise ValueError(f"y and s must have the same length; got {len(y)} and {len(s)}.")
    try:
        s = s.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"s must hold numbers; got dtype {s.dtype}.") from exc
    n_bad = int((~np.isfinite(s)).sum())
    if n_bad:
        raise ValueError(f"s has {n_bad} NaN or infinite scores; every pair needs a finite score.")
    values = set(np.unique(y).tolist())
    if not values <= {0, 1}:
        raise ValueError(f"y must hold only 0 and 1 (or booleans); got values {sorted(values)}.")
    if len(values) < 2:
        raise ValueError(
            f"y must contain both classes; got only {sorted(int(v) for v in values) or 'no pairs'} "
            f"in {len(y)} pairs."
        )
    return y.astype(np.int64), s


def auroc(y, s) -> float:
    """Area under the ROC curve.

    Parameters
    ----------
    y : array-like of shape (n_pairs,)
        1 for an edge, 0 for a non-edge; both classes must occur.
    s : array-like of shape (n_pairs,)
        Finite scores, larger = more likely an edge.

    Returns
    -------
    float
    """
    y, s = _check(y, s)
    return float(roc_auc_score(y, s))


def auprc(y, s) -> float:
    """Area under the precision-recall curve, as average precision.

    Parameters
    ----------
    y : array-like of shape (n_pairs,)
        1 for an edge, 0 for a non-edge; both classes must occur.
    s : array-like of shape (n_pairs,)
        Finite scores, larger = more likely an edge.

    Returns
    -------
    float
        ``sum_n (R_n - R_{n-1}) P_n`` over score thresholds
        (:func:`sklearn.metrics.average_precision_score`).
    """
    y, s = _check(y, s)
    return float(average_precision_score(y, s))


def auprc_ratio(y, s) -> float:
    """AUPRC divided by the positive rate (the AUPRC of a random ranking).

    Parameters
    ----------
    y : array-like of shape (n_pairs,)
        1 for an edge, 0 for a non-edge; both classes must occur.
    s : array-like of shape (n_pairs,)
        Finite scores, larger = more likely an edge.

    Returns
    -------
    float
        1 for a random ranking, ``1 / positive_rate`` for a perfect one.
    """
    y, s = _check(y, s)
    return float(average_precision_score(y, s) / y.mean())


def early_precision_ratio(y, s, k: int | None = None) -> float:
    """Early precision ratio (EPR) as in BEELINE.

    Parameters
    ----------
    y : array-like of shape (n_pairs,)
        1 for an edge, 0 for a non-edge; both classes must occur.
    s : array-like of shape (n_pairs,)
        Finite scores, larger = more likely an edge.
    k : int, optional
        How many top-scored pairs to inspect; defaults to the number of
        positives.

    Returns
    -------
    float
        Precision among the top-``k`` pairs divided by the positive rate
        (the precision of a random ranking).

    Notes
    -----
    As in BEELINE, every pair whose score ties with the ``k``-th largest score is
    included, so the precision is computed over at least ``k`` pairs and does not
    depend on the order of tied pairs. (BEELINE also rounds scores to 6 decimals
    and takes absolute values of edge weights; this function uses the scores as
    given.)

    References
    ----------
    Pratapa, A., Jalihal, A. P., Law, J. N., Bharadwaj, A. & Murali, T. M.
    Benchmarking algorithms for gene regulatory network inference from
    single-cell transcriptomic data. Nature Methods 17, 147-154 (2020).
    """
    y, s = _check(y, s)
    n_pos = int(y.sum())
    if k is None:
        k = n_pos
    elif isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= len(y):
        raise ValueError(f"k must be an integer in [1, {len(y)}] (the number of pairs); got {k!r}.")
    threshold = np.partition(s, len(s) - k)[len(s) - k]
    top = s >= threshold
    precision = y[top].mean()
    return float(precision / y.mean())


def evaluate(y, s) -> dict[str, float]:
    """All metrics of one scored test set.

    Parameters
    ----------
    y : array-like of shape (n_pairs,)
        1 for an edge, 0 for a non-edge; both classes must occur.
    s : array-like of shape (n_pairs,)
        Finite scores, larger = more likely an edge.

    Returns
    -------
    dict
        ``auroc``, ``auprc``, ``auprc_ratio``, ``early_precision_ratio`` (k = number
        of positives), ``positive_rate``, ``n_pairs`` and ``n_positive`` (ints).
    """
    y, s = _check(y, s)
    return {
        "auroc": auroc(y, s),
        "auprc": auprc(y, s),
        "auprc_ratio": auprc_ratio(y, s),
        "early_precision_ratio": early_precision_ratio(y, s),
        "positive_rate": float(y.mean()),
        "n_pairs": int(len(y)),
        "n_positive": int(y.sum()),
    }
