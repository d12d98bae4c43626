"""What a fitted VAE answers: latent codes, decoded signal, held-out ELBO, its checkpoint."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from ._training import decoded_signal, evaluate, latent_mean


def standardized_input(est, X) -> torch.Tensor:
    """``X`` checked against the fitted ``est`` and scaled with its training mean and scale."""
    check_is_fitted(est, "module_")
    return torch.from_numpy(est._standardized_input(X).astype(np.float32))


class FittedVae:
    """The methods of :class:`VaeNetworkModel` that read a fitted model.

    Kept apart from the estimator's parameters and ``fit``; they need
    ``module_``, ``mean_`` and ``scale_`` only.
    """

    def encode(self, X) -> np.ndarray:
        """Posterior mean of the latent code, shape ``(n_samples, latent_dim_)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray
        """
        return latent_mean(self.module_, standardized_input(self, X))

    def reconstruct(self, X) -> np.ndarray:
        """The decoded signal of ``X`` in the units of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        D = decoded_signal(self.module_, standardized_input(self, X)).astype(np.float64)
        return D * self.scale_ + self.mean_

    def score(self, X, y=None) -> float:
        """Mean evidence lower bound (ELBO) per sample of ``X`` (higher is better).

        The ELBO of the fitted VAE on ``X`` standardized with the training mean
        and scale (latent means decoded, as in validation), plus the
        log-Jacobian of that scaling, so that it bounds the log-likelihood of
        ``X`` itself. On held-out samples it is what ``GridSearchCV`` needs to
        compare settings without a custom scorer.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        float
        """
        with torch.no_grad():
            terms = evaluate(self.module_, standardized_input(self, X))
        return float(terms.elbo) - float(np.sum(np.log(self.scale_)))

    def save_checkpoint(self, path):
        """Write ``vae_checkpoint.pt`` (see :func:`isograph.models.save_checkpoint`).

        Parameters
        ----------
        path : str or Path

        Returns
        -------
        Path
        """
        from ._checkpoint import save_checkpoint

        return save_checkpoint(self, path)

    @classmethod
    def load_checkpoint(cls, path, *, feature_names=None):
        """A fitted model from a checkpoint (see :func:`isograph.models.load_checkpoint`).

        Parameters
        ----------
        path : str or Path
        feature_names : sequence of str, optional
            Refuse a checkpoint whose features differ from these.

        Returns
        -------
        VaeNetworkModel
        """
        from ._checkpoint import load_checkpoint

        return load_checkpoint(path, feature_names=feature_names)
