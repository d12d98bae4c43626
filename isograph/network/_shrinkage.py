"""Shrinkage correlation, its precision and partial correlations, without a p x p matrix.

For standardized columns ``Z`` (n x p, unit variance) both shrinkage
estimators used here have the form

    Sigma = lam * I + (1 - lam) * R,      R = Z^T Z / n,

(Ledoit–Wolf shrinks the covariance towards ``mu I`` with ``mu = tr(S) / p = 1``;
Schäfer–Strimmer shrinks the off-diagonal correlations towards zero). Let
``G = Z Z^T = Q diag(e) Q^T`` (or ``Z^T Z`` when p < n). Then

    Sigma^-1 = (1 / lam) I - U U^T,    U = Z^T Q diag(sqrt(1/lam - 1/(lam + c e))) / sqrt(e),

with ``c = (1 - lam) / n``: a diagonal minus a rank-``min(n, p)`` term, so
partial correlations come from
:func:`isograph.network.low_rank_precision_blocks` one block at a time.
Both intensities are computed from ``G`` in ``O(n^2 p)`` as well.
"""

from __future__ import annotations

import numpy as np

SHRINKAGE_METHODS = ("ledoit_wolf", "schafer_strimmer")


def _gram_terms(Z: np.ndarray) -> tuple[float, float, float]:
    """``sum_k ||z_k||^4``, ``||Z^T Z||_F^2`` and ``sum_ij z_ki^4`` over the rows ``z_k``."""
    Z = np.asarray(Z, dtype=np.float64)
    row_sq = np.sum(Z**2, axis=1)
    small = Z @ Z.T if Z.shape[0] <= Z.shape[1] else Z.T @ Z
    return float(np.sum(row_sq**2)), float(np.sum(small**2)), float(np.sum(Z**4))


def ledoit_wolf_intensity(Z: np.ndarray) -> float:
    """Ledoit–Wolf shrinkage intensity of the covariance of ``Z`` (columns centred).

    Equals ``sklearn.covariance.ledoit_wolf_shrinkage(Z, assume_centered=True)``
    but uses the ``n x n`` Gram matrix, so it costs ``O(n^2 p)`` and no ``p x p`` memory.
    """
    Z = np.asarray(Z, dtype=np.float64)
    n, p = Z.shape
    row4, frob, _ = _gram_terms(Z)
    mu = float(np.sum(Z**2)) / (n * p)
    delta_ = frob / n**2
    beta = (row4 / n - delta_) / (p * n)
    delta = (delta_ - 2.0 * mu * float(np.sum(Z**2)) / n + p * mu**2) / p
    beta = min(beta, delta)
    return 0.0 if beta == 0 else float(beta / delta)


def schafer_strimmer_intensity(Z: np.ndarray) -> float:
    """Schäfer–Strimmer intensity for shrinking correlations towards the identity.

    ``lam = sum_{i != j} Var(r_ij) / sum_{i != j} r_ij^2`` with the unbiased
    variance estimate of Schäfer & Strimmer (2005), clipped to [0, 1]. The
    double sums reduce to row norms and the Gram matrix of the columns
    standardized with ``ddof=1``.
    """
    Z = np.asarray(Z, dtype=np.float64)
    n, p = Z.shape
    if n < 3:
        raise ValueError(f"Schäfer–Strimmer shrinkage needs at least 3 samples, got {n}")
    X = Z - Z.mean(axis=0)
    sd = X.std(axis=0, ddof=1)
    X = X / np.where(sd > 0, sd, 1.0)
    row4, frob, x4 = _gram_terms(X)
    diag_sq = float(np.sum(np.sum(X**2, axis=0) ** 2))
    # w_kij = x_ki x_kj, wbar_ij = mean_k w_kij, r_ij = n / (n - 1) wbar_ij
    sum_w2 = row4 - x4  # sum_{i != j} sum_k w_kij^2
    sum_wbar2 = (frob - diag_sq) / n**2  # sum_{i != j} wbar_ij^2
    var_r = n / (n - 1.0) ** 3 * (sum_w2 - n * sum_wbar2)
    r2 = (n / (n - 1.0)) ** 2 * sum_wbar2
    if r2 <= 0:
        return 1.0
    return float(np.clip(var_r / r2, 0.0, 1.0))


def check_shrinkage(shrinkage) -> None:
    """Raise unless ``shrinkage`` is a method name or a number in [0, 1]."""
    if isinstance(shrinkage, str) and shrinkage in SHRINKAGE_METHODS:
        return
    number = isinstance(shrinkage, (int, float, np.integer, np.floating)) and not isinstance(
        shrinkage, bool
    )
    if number and 0.0 <= float(shrinkage) <= 1.0:
        return
    raise ValueError(
        f"shrinkage must be one of {list(SHRINKAGE_METHODS)} or a number in [0, 1], "
        f"got {shrinkage!r}"
    )


def shrinkage_intensity(Z: np.ndarray, shrinkage) -> tuple[float, str]:
    """Intensity and method name for ``shrinkage`` (a method name or a number in [0, 1])."""
    check_shrinkage(shrinkage)
    if shrinkage == "ledoit_wolf":
        return ledoit_wolf_intensity(Z), "ledoit_wolf"
    if shrinkage == "schafer_strimmer":
        return schafer_strimmer_intensity(Z), "schafer_strimmer"
    return float(shrinkage), "fixed"


def shrunk_precision_factors(Z: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """``d, U`` with ``(lam I + (1 - lam) Z^T Z / n)^-1 = diag(d) - U U^T``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        Standardized columns.
    lam : float
        Shrinkage intensity in (0, 1]; 0 is allowed only when the empirical
        correlation is invertible (more samples than features, full rank).

    Returns
    -------
    d : ndarray of shape (n_features,)
    U : ndarray of shape (n_features, min(n_samples, n_features))
    """
    Z = np.asarray(Z, dtype=np.float64)
    n, p = Z.shape
    c = (1.0 - lam) / n
    wide = n <= p
    e, Q = np.linalg.eigh(Z @ Z.T if wide else Z.T @ Z)
    e = np.maximum(e, 0.0)
    if lam <= 0:
        if wide or e.min() <= 1e-10 * max(e.max(), 1.0):
            raise ValueError(
                "shrinkage=0 leaves the correlation matrix singular "
                f"({n} samples, {p} features); use a shrinkage > 0"
            )
        # Sigma^-1 = Q diag(n / e) Q^T written as d - U U^T with d = max(n / e) + 1
        top = float(np.max(n / e)) + 1.0
        return np.full(p, top), Q * np.sqrt(top - n / e)
    weight = 1.0 / lam - 1.0 / (lam + c * e)  # >= 0
    if wide:
        safe = np.where(e > 0, e, 1.0)
        U = (Z.T @ Q) * np.where(e > 0, np.sqrt(weight / safe), 0.0)
    else:
        U = Q * np.sqrt(weight)
    return np.full(p, 1.0 / lam), U
