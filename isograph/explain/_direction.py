"""The latent direction of a module: which way in the VAE's code space the module moves."""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from ..network import module_id_of, module_label

#: How a module's latent direction is chosen (see :func:`module_direction`).
DIRECTION_METHODS = ("dimension", "regression")


@dataclass(frozen=True)
class LatentDirection:
    """A unit direction in latent space that follows one module's eigengene.

    Attributes
    ----------
    module : str
        The module's eigengene name (``"M3"``).
    method : {"dimension", "regression"}
        How the direction was chosen.
    vector : ndarray of shape (latent_dim,)
        Unit vector, oriented so that the latent score ``(mu - center) @ vector``
        correlates positively with the module eigengene.
    dimension : int
        The latent dimension most correlated with the eigengene (the direction
        itself when ``method="dimension"``).
    dimension_correlation : float
        That dimension's absolute correlation with the eigengene.
    correlation : float
        Pearson correlation of the latent score with the eigengene (>= 0).
    scale : float
        Standard deviation of the latent score over the samples: one unit of
        ``decoded_change`` is a move of this size along ``vector``.
    center : ndarray of shape (latent_dim,)
        Mean posterior mean over the samples (where the decoder is differentiated).
    """

    module: str
    method: str
    vector: np.ndarray
    dimension: int
    dimension_correlation: float
    correlation: float
    scale: float
    center: np.ndarray

    def score(self, mu: np.ndarray) -> np.ndarray:
        """The latent score ``(mu - center) @ vector`` of posterior means ``mu``."""
        return (np.asarray(mu, dtype=np.float64) - self.center) @ self.vector

    def to_dict(self) -> dict:
        """Plain values (JSON-ready)."""
        return {"module": self.module, "method": self.method,
                "vector": [float(v) for v in self.vector],
                "dimension": int(self.dimension),
                "dimension_correlation": float(self.dimension_correlation),
                "correlation": float(self.correlation),
                "scale": float(self.scale), "center": [float(v) for v in self.center]}


def _column_correlations(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of every column of ``A`` with ``b`` (NaN for constant columns)."""
    A = A - A.mean(axis=0)
    b = b - b.mean()
    denom = np.sqrt((A**2).sum(axis=0) * (b**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, A.T @ b / np.where(denom > 0, denom, 1.0), np.nan)


def _latent_direction(mu: np.ndarray, eigengene: np.ndarray, method: str):
    """Pure part of :func:`module_direction`.

    Returns ``(vector, dimension, dimension_correlation, correlation)``.

    ``"dimension"`` takes the coordinate axis most correlated with the eigengene
    (in absolute value), signed to correlate positively; ``"regression"`` the
    least-squares direction ``argmin_w |(mu - mean) w - (e - mean)|``, normalized.
    """
    mu = np.asarray(mu, dtype=np.float64)
    e = np.asarray(eigengene, dtype=np.float64)
    if np.std(e) == 0:
        raise ValueError("the module eigengene is constant over these samples, so no "
                         "latent direction follows it")
    r = _column_correlations(mu, e)
    if not np.isfinite(r).any():
        raise ValueError("no latent dimension varies over these samples (all posterior "
                         "means are equal), so no latent direction follows the module")
    j = int(np.nanargmax(np.abs(r)))
    if method == "dimension":
        vector = np.zeros(mu.shape[1])
        vector[j] = 1.0 if r[j] >= 0 else -1.0
        return vector, j, float(abs(r[j])), float(abs(r[j]))
    centered = mu - mu.mean(axis=0)
    w = np.linalg.lstsq(centered, e - e.mean(), rcond=None)[0]
    norm = np.linalg.norm(w)
    if norm == 0:
        raise ValueError("the posterior means do not predict the module eigengene at all")
    vector = w / norm
    corr = float(_column_correlations((centered @ vector)[:, None], e)[0])
    return vector, j, float(abs(r[j])), corr


def resolve_model(model, X):
    """A fitted :class:`~isograph.VaeNetworkModel` from a model or a checkpoint path.

    A path is loaded with :func:`isograph.models.load_checkpoint`, checked
    against ``X``'s column names when ``X`` is a DataFrame.
    """
    from ..models.vae import VaeNetworkModel

    if isinstance(model, (str, os.PathLike)):
        from ..models.vae import load_checkpoint

        if not os.path.isfile(model):
            raise FileNotFoundError(f"model: checkpoint file {os.fspath(model)!r} does not exist")
        names = [str(c) for c in X.columns] if isinstance(X, pd.DataFrame) else None
        return load_checkpoint(model, feature_names=names)
    if not isinstance(model, VaeNetworkModel):
        raise TypeError("model must be a fitted VaeNetworkModel or the path of a "
                        f"vae_checkpoint.pt, got {type(model).__name__}")
    check_is_fitted(model, "module_")
    return model


def resolve_module(model, module) -> int:
    """Index of ``module`` (``"M3"``, ``3`` or ``"3"``) among the model's modules."""
    n = int(model.n_modules_)
    if n == 0:
        raise ValueError("the model found no modules, so there is no module to explain")
    try:
        k = module_id_of(module)
    except ValueError:
        k = None
    if k is None or not 0 <= k < n:
        names = [module_label(i) for i in range(n)]
        shown = ", ".join(names) if n <= 12 else f"{names[0]}, ..., {names[-1]}"
        raise ValueError(f"module must name one of the model's {n} modules ({shown}), "
                         f"got {module!r}")
    return k


def standardized_input(model, X) -> np.ndarray:
    """``X`` checked against the model's features and standardized as in ``fit`` (float64)."""
    return model._standardized_input(X)


def double_module(model) -> torch.nn.Module:
    """A float64 copy of the model's VAE in evaluation mode (the model is left untouched)."""
    return copy.deepcopy(model.module_).cpu().double().eval()


def posterior_mean(module: torch.nn.Module, Z: np.ndarray) -> np.ndarray:
    """Posterior means ``mu`` of standardized inputs (float64)."""
    with torch.no_grad():
        mu, _ = module.encode(torch.from_numpy(np.ascontiguousarray(Z, dtype=np.float64)))
    return mu.numpy()


def check_method(method) -> str:
    """Refuse an unknown direction method, naming the valid ones."""
    if method not in DIRECTION_METHODS:
        raise ValueError(f"method must be one of {list(DIRECTION_METHODS)}, got {method!r}")
    return method


def direction_from_inputs(model, module64, Z: np.ndarray, k: int, method: str):
    """:class:`LatentDirection` of module ``k`` from standardized inputs ``Z``."""
    mu = posterior_mean(module64, Z)
    eigengene = Z @ model.loadings_[:, k]
    vector, dimension, dim_corr, corr = _latent_direction(mu, eigengene, method)
    center = mu.mean(axis=0)
    scale = float(np.std((mu - center) @ vector))
    return LatentDirection(module=module_label(k), method=method, vector=vector,
                           dimension=dimension, dimension_correlation=dim_corr,
                           correlation=corr, scale=scale, center=center)


def module_direction(model, X, module, *, method: str = "regression") -> LatentDirection:
    """The latent direction that follows a module's eigengene.

    Parameters
    ----------
    model : VaeNetworkModel or path
        A fitted model, or the path of its ``vae_checkpoint.pt``.
    X : array-like or DataFrame of shape (n_samples, n_features)
        Samples in the feature space the model was fitted on (usually the
        fitted samples themselves).
    module : str or int
        ``"M3"``, ``3`` or ``"3"``.
    method : {"regression", "dimension"}
        ``"dimension"``: the latent dimension whose posterior mean correlates
        most with the eigengene (signed to correlate positively).
        ``"regression"`` (default): the direction of the least-squares fit of
        the eigengene on the posterior means. A VAE spreads modules over its
        dimensions, so one dimension often carries several modules; the
        regression direction isolates the module, which matters most for
        :func:`integrated_gradients` (the encoder mixes modules more than the
        decoder).

    Returns
    -------
    LatentDirection

    Notes
    -----
    The direction is a unit vector ``v``; the latent score of a sample is
    ``(mu - center) @ v`` with ``mu`` its posterior mean and ``center`` the
    mean of ``mu`` over ``X``. ``dimension`` and ``dimension_correlation``
    always name the best single dimension, whichever method is used.
    """
    check_method(method)
    model = resolve_model(model, X)
    k = resolve_module(model, module)
    Z = standardized_input(model, X)
    return direction_from_inputs(model, double_module(model), Z, k, method)
