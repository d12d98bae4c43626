"""The variational autoencoder itself: a pure torch module on samples x features tensors.

Observations are samples; their dimensions are the (standardized) features.
No data handling, no training loop: :mod:`._training` drives this module and
:class:`~isograph.models.VaeNetworkModel` adds feature labels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

_LOG_2PI = math.log(2.0 * math.pi)


@dataclass
class VaeOutput:
    """What one forward pass returns.

    Attributes
    ----------
    mean : Tensor of shape (batch, n_features)
        Decoded signal: the decoder's mean for each sample.
    mu, logvar : Tensor of shape (batch, n_latent)
        Gaussian posterior of the latent code.
    z : Tensor of shape (batch, n_latent)
        The latent code that was decoded (a posterior sample in training mode,
        ``mu`` in evaluation mode).
    """

    mean: torch.Tensor
    mu: torch.Tensor
    logvar: torch.Tensor
    z: torch.Tensor


@dataclass
class VaeLoss:
    """Per-sample averages of the loss terms (all scalar tensors except ``kl_per_dim``).

    Attributes
    ----------
    loss : Tensor
        ``reconstruction + beta * kl``: what the optimizer minimizes.
    reconstruction : Tensor
        Gaussian negative log-likelihood, summed over features.
    kl : Tensor
        KL divergence of the posterior from ``N(0, I)``, summed over latent dimensions.
    kl_per_dim : Tensor of shape (n_latent,)
        The KL divergence of each latent dimension.
    """

    loss: torch.Tensor
    reconstruction: torch.Tensor
    kl: torch.Tensor
    kl_per_dim: torch.Tensor

    @property
    def elbo(self) -> torch.Tensor:
        """Evidence lower bound per sample, ``-(reconstruction + kl)``."""
        return -(self.reconstruction + self.kl)


def _mlp(sizes: Sequence[int], dropout: float) -> nn.Sequential:
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.LayerNorm(n_out), nn.ELU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class VaeModule(nn.Module):
    """Beta-VAE with MLP encoder and decoder and a Gaussian likelihood.

    The decoder returns a mean per feature; each feature has its own learned
    observation variance, so features the latent code cannot explain are
    absorbed as noise instead of being forced through the code.

    Args:
        n_features: Dimensions of one observation (``p``).
        n_latent: Latent dimensions (``d``).
        hidden: Widths of the hidden layers of the encoder; the decoder mirrors them.
        dropout: Dropout after each hidden layer (encoder and decoder).

    Shapes:
        - input: ``(batch, n_features)``
        - output: :class:`VaeOutput` with ``mean`` ``(batch, n_features)`` and
          ``mu``, ``logvar``, ``z`` ``(batch, n_latent)``
    """

    def __init__(
        self, n_features: int, n_latent: int, hidden: Sequence[int] = (128,), dropout: float = 0.1
    ) -> None:
        super().__init__()
        if n_features < 1 or n_latent < 1:
            raise ValueError(
                f"n_features and n_latent must be >= 1, got {n_features} and {n_latent}"
            )
        self.n_features = int(n_features)
        self.n_latent = int(n_latent)
        self.hidden = tuple(int(h) for h in hidden)
        self.dropout = float(dropout)
        enc_sizes = (self.n_features, *self.hidden)
        self.encoder = _mlp(enc_sizes, self.dropout)
        last = enc_sizes[-1]
        self.mu_head = nn.Linear(last, self.n_latent)
        self.logvar_head = nn.Linear(last, self.n_latent)
        dec_sizes = (self.n_latent, *self.hidden[::-1])
        self.decoder = _mlp(dec_sizes, self.dropout)
        self.mean_head = nn.Linear(dec_sizes[-1], self.n_features)
        self.log_scale = nn.Parameter(torch.zeros(self.n_features))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialize every layer (the variance heads start near the prior)."""
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.LayerNorm)):
                module.reset_parameters()
        nn.init.zeros_(self.logvar_head.weight)
        nn.init.zeros_(self.logvar_head.bias)
        with torch.no_grad():
            self.log_scale.zero_()

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior ``mu, logvar`` of the latent code, each ``(batch, n_latent)``."""
        h = self.encoder(x)
        return self.mu_head(h), self.logvar_head(h).clamp(-12.0, 8.0)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Decoded mean ``(batch, n_features)`` of latent codes ``z``."""
        return self.mean_head(self.decoder(z))

    def forward(self, x: torch.Tensor) -> VaeOutput:
        mu, logvar = self.encode(x)
        if self.training:
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        else:
            z = mu
        return VaeOutput(mean=self.decode(z), mu=mu, logvar=logvar, z=z)

    def loss(self, x: torch.Tensor, out: VaeOutput, beta: float = 1.0) -> VaeLoss:
        """Loss terms of a batch, averaged over its samples.

        Args:
            x: The batch ``(batch, n_features)`` that produced ``out``.
            out: The forward pass of ``x``.
            beta: Weight of the KL term (``0`` during the start of a warm-up).
        """
        log_scale = self.log_scale.clamp(-7.0, 7.0)
        resid = (x - out.mean) * torch.exp(-log_scale)
        nll = 0.5 * resid.pow(2) + log_scale + 0.5 * _LOG_2PI
        reconstruction = nll.sum(dim=1).mean()
        kl_per_dim = kl_divergence(out.mu, out.logvar).mean(dim=0)
        kl = kl_per_dim.sum()
        return VaeLoss(reconstruction + beta * kl, reconstruction, kl, kl_per_dim)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(n_features={self.n_features}, "
                f"n_latent={self.n_latent}, hidden={self.hidden}, dropout={self.dropout})")


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Elementwise ``KL(N(mu, exp(logvar)) || N(0, 1))`` (non-negative)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)
