"""Factor analysis on arrays: fit, held-out likelihood, component selection.

The fit is scikit-learn's SVD-based maximum-likelihood algorithm (Barber,
"Bayesian Reasoning and Machine Learning", alg. 21.1), with one change that
matters at 6,000+ features: each iteration takes the eigendecomposition of the
smaller Gram matrix (``n x n`` when there are fewer samples than features)
instead of an SVD of the ``n x p`` data, so an iteration costs ``O(n^2 p)`` and
is exact (no randomized SVD). Nothing here forms a ``p x p`` matrix: the
model covariance ``W^T W + diag(psi)`` is only used through Woodbury identities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

#: Candidate numbers of factors tried by cross-validation (filtered by data size).
DEFAULT_GRID = (0, 1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24, 32, 40, 48, 64)

_PSI_FLOOR = 1e-6
# Gram products below this many multiply-adds per iteration run single-threaded
_SMALL_PROBLEM = 1e9
_LOG_2PI = np.log(2.0 * np.pi)


@dataclass
class FactorModel:
    """A fitted factor model ``x = mean + f W + e``, ``f ~ N(0, I)``, ``e ~ N(0, diag(psi))``.

    Attributes
    ----------
    components : ndarray of shape (n_components, n_features)
        ``W`` (rows are factors).
    noise_variance : ndarray of shape (n_features,)
        ``psi``.
    mean : ndarray of shape (n_features,)
    n_iter : int
    converged : bool
    loglike : float
        Training log-likelihood (total over samples) at the last iteration.
    """

    components: np.ndarray
    noise_variance: np.ndarray
    mean: np.ndarray
    n_iter: int
    converged: bool
    loglike: float

    @property
    def n_components(self) -> int:
        """Number of factors."""
        return int(self.components.shape[0])

    def woodbury(self) -> tuple[np.ndarray, np.ndarray]:
        """``W Psi^-1`` and the Cholesky factor of ``M = I + W Psi^-1 W^T``."""
        w_psi = self.components / self.noise_variance
        m = np.eye(self.n_components) + w_psi @ self.components.T
        return w_psi, np.linalg.cholesky(m)


def fit_factor_analysis(
    X: np.ndarray, n_components: int, *, tol: float = 1e-2, max_iter: int = 1000
) -> FactorModel:
    """Maximum-likelihood factor analysis of the rows of ``X`` (see :func:`_fit_fa`).

    Problems up to ~1e9 multiply-adds per iteration (e.g. 240 samples x
    17,000 features) run with a single BLAS thread: each iteration is a few
    short BLAS/LAPACK calls whose thread synchronisation costs more than it
    saves, and on a busy machine threaded calls stall (10x slower measured on
    a loaded 2-core machine).
    """
    X = np.asarray(X, dtype=np.float64)
    n, p = X.shape
    if min(n, p) ** 2 * max(n, p) < _SMALL_PROBLEM:
        with threadpool_limits(limits=1, user_api="blas"):
            return _fit_fa(X, n_components, tol=tol, max_iter=max_iter)
    return _fit_fa(X, n_components, tol=tol, max_iter=max_iter)


def _fit_fa(
    X: np.ndarray, n_components: int, *, tol: float = 1e-2, max_iter: int = 1000
) -> FactorModel:
    """Maximum-likelihood factor analysis of the rows of ``X``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_components : int
        Number of factors, ``0 <= n_components <= min(n_samples, n_features)``.
        Zero gives the independent (diagonal) model.
    tol : float
        Stop when one iteration raises the log-likelihood by less than ``tol``
        per sample (scikit-learn's ``tol`` is per data set; ours is per sample
        so that it means the same at every sample size).
    max_iter : int

    Returns
    -------
    FactorModel
        With the same parametrization as ``sklearn.decomposition.FactorAnalysis``
        (``components``, ``noise_variance``, ``mean``).
    """
    X = np.asarray(X, dtype=np.float64)
    n, p = X.shape
    k = int(n_components)
    if not 0 <= k <= min(n, p):
        raise ValueError(
            f"n_components must be in [0, min(n_samples, n_features)] = [0, {min(n, p)}], got {k}"
        )
    mean = X.mean(axis=0)
    Xc = X - mean
    var = np.maximum((Xc**2).mean(axis=0), _PSI_FLOOR)
    if k == 0:
        ll = -0.5 * n * (p * _LOG_2PI + np.sum(np.log(var)) + p)
        # the diagonal model is closed form: one iteration
        return FactorModel(np.zeros((0, p)), var, mean, 1, True, float(ll))
    psi = np.ones(p)
    old_ll = -np.inf
    ll = -np.inf
    converged = False
    wide = n <= p
    const = p * _LOG_2PI + k
    W = np.zeros((k, p))
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        sqrt_psi = np.sqrt(psi)
        Y = Xc / (sqrt_psi * np.sqrt(n))
        gram = Y @ Y.T if wide else Y.T @ Y
        evals, evecs = np.linalg.eigh(gram)
        evals, evecs = evals[::-1], evecs[:, ::-1]
        s2 = np.maximum(evals[:k], 1e-300)
        unexplained = float(np.sum(np.maximum(evals[k:], 0.0)))
        # top-k right singular vectors of Y (p x k)
        V = (Y.T @ evecs[:, :k]) / np.sqrt(s2) if wide else evecs[:, :k]
        W = (np.sqrt(np.maximum(s2 - 1.0, 0.0)) * V).T * sqrt_psi
        ll = -0.5 * n * (const + np.sum(np.log(s2)) + unexplained + np.sum(np.log(psi)))
        if ll - old_ll < tol * n:
            converged = True
            break
        old_ll = ll
        psi = np.maximum(var - np.sum(W**2, axis=0), _PSI_FLOOR)
    return FactorModel(W, psi, mean, n_iter, converged, float(ll))


def factor_loglikelihood(model: FactorModel, X: np.ndarray) -> float:
    """Mean log-likelihood per sample of ``X`` under ``model`` (Woodbury, no p x p matrix)."""
    X = np.asarray(X, dtype=np.float64) - model.mean
    psi = model.noise_variance
    p = X.shape[1]
    quad = np.sum(X**2 / psi, axis=1)
    logdet = np.sum(np.log(psi))
    if model.n_components:
        w_psi, chol = model.woodbury()
        proj = np.linalg.solve(chol, w_psi @ X.T)  # k x n
        quad -= np.sum(proj**2, axis=0)
        logdet += 2.0 * np.sum(np.log(np.diag(chol)))
    return float(np.mean(-0.5 * (p * _LOG_2PI + logdet + quad)))


def factor_scores(model: FactorModel, X: np.ndarray) -> np.ndarray:
    """Posterior mean of the factors given ``X`` (samples x n_components)."""
    X = np.asarray(X, dtype=np.float64) - model.mean
    if not model.n_components:
        return np.zeros((X.shape[0], 0))
    w_psi, chol = model.woodbury()
    return np.linalg.solve(chol.T, np.linalg.solve(chol, w_psi @ X.T)).T


def candidate_components(grid, n_train: int, n_features: int) -> list[int]:
    """Grid values a fold of ``n_train`` samples can fit (``k < n_train``, ``k <= p``)."""
    grid = DEFAULT_GRID if grid is None else grid
    return sorted({int(k) for k in grid if 0 <= int(k) < n_train and int(k) <= n_features})


def cross_validate_components(
    X: np.ndarray,
    candidates,
    *,
    cv: int = 3,
    patience: int = 2,
    tol: float = 1e-2,
    max_iter: int = 1000,
    random_state=0,
) -> tuple[int, dict[int, float]]:
    """Number of factors with the best mean held-out log-likelihood.

    Candidates are tried in increasing order; the search stops once
    ``patience`` consecutive candidates fail to improve on the best so far
    (held-out likelihood rises, peaks and falls as factors start fitting noise).

    Returns
    -------
    best : int
    scores : dict
        Candidate -> mean held-out log-likelihood per sample (tried candidates only).
    """
    folds = list(KFold(n_splits=cv, shuffle=True, random_state=random_state).split(X))
    scores: dict[int, float] = {}
    best, best_score, worse = None, -np.inf, 0
    for k in sorted(candidates):
        fold_scores = []
        for train, test in folds:
            model = fit_factor_analysis(X[train], k, tol=tol, max_iter=max_iter)
            fold_scores.append(factor_loglikelihood(model, X[test]))
        scores[k] = float(np.mean(fold_scores))
        if scores[k] > best_score:
            best, best_score, worse = k, scores[k], 0
        else:
            worse += 1
            if worse >= patience:
                break
    return int(best), scores
