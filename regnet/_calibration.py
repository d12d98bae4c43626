"""Temperature scaling of edge logits, fitted on validation pairs only, and its report."""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import expit, log_expit
from sklearn.metrics import average_precision_score, roc_auc_score

__all__ = [
    "calibration_report",
    "expected_calibration_error",
    "fit_temperature",
    "uncalibrated_report",
]


def _nll(logits: np.ndarray, y: np.ndarray, temperature: float) -> float:
    scaled = logits / temperature
    return float(-(y * log_expit(scaled) + (1 - y) * log_expit(-scaled)).mean())


def fit_temperature(logits, y) -> float:
    """Temperature ``T`` minimising the log-loss of ``sigmoid(logits / T)``.

    Parameters
    ----------
    logits : array-like of shape (n,)
        Uncalibrated scores.
    y : array-like of shape (n,)
        0/1 labels.

    Returns
    -------
    float
        ``T`` in ``[exp(-5), exp(5)]``.
    """
    logits = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    res = minimize_scalar(
        lambda log_t: _nll(logits, y, math.exp(log_t)), bounds=(-5.0, 5.0), method="bounded"
    )
    return float(math.exp(res.x))


def expected_calibration_error(y, p, *, n_bins: int = 15) -> float:
    """Expected calibration error with equal-width probability bins.

    ``ECE = sum_b (n_b / n) * |mean(y in b) - mean(p in b)|``.

    Parameters
    ----------
    y : array-like of shape (n,)
        0/1 labels.
    p : array-like of shape (n,)
        Predicted probabilities of label 1.
    n_bins : int, default=15
        Bins over ``[0, 1]``.

    Returns
    -------
    float
    """
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    bins = np.clip((p * n_bins).astype(int), 0, n_bins - 1)
    count = np.bincount(bins, minlength=n_bins)
    gap = np.abs(np.bincount(bins, y, n_bins) - np.bincount(bins, p, n_bins))
    return float(gap.sum() / max(count.sum(), 1))


def calibration_report(logits, y, *, n_bins: int = 15) -> dict[str, float]:
    """Fit a temperature on ``(logits, y)``; report AUPRC, AUROC, ECE, log-loss before / after."""
    logits = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    temperature = fit_temperature(logits, y)
    return {
        "temperature": temperature,
        "ece_before": expected_calibration_error(y, expit(logits), n_bins=n_bins),
        "ece_after": expected_calibration_error(y, expit(logits / temperature), n_bins=n_bins),
        "log_loss_before": _nll(logits, y, 1.0),
        "log_loss_after": _nll(logits, y, temperature),
        "n_validation": int(len(y)),
        "n_bins": int(n_bins),
        "validation_auprc": float(average_precision_score(y, logits)),
        "validation_auroc": float(roc_auc_score(y, logits)),
    }


def uncalibrated_report() -> dict[str, float]:
    """The report of a model trained without validation pairs: temperature 1, nothing measured."""
    nan = float("nan")
    return {
        "temperature": 1.0, "ece_before": nan, "ece_after": nan, "log_loss_before": nan,
        "log_loss_after": nan, "n_validation": 0, "n_bins": 15,
        "validation_auprc": nan, "validation_auroc": nan,
    }
