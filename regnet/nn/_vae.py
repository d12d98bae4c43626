"""Gaussian VAE head: mean and log-variance, reparameterisation, KL term, expression decoder."""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["ExpressionDecoder", "GaussianHead", "kl_divergence", "reparameterize"]

_LOGVAR_RANGE = (-10.0, 10.0)


class GaussianHead(nn.Module):
    r"""Map node states to the mean and log-variance of a diagonal Gaussian.

    Args:
        in_channels (int): Size of the input node states.
        latent_channels (int): Size of the latent space.

    Shapes:
        - **input:** :math:`(N, F_{in})`
        - **output:** ``mu`` and ``logvar``, each :math:`(N, F_{latent})`;
          ``logvar`` is clamped to ``[-10, 10]``.
    """

    def __init__(self, in_channels: int, latent_channels: int):
        super().__init__()
        self.in_channels = in_channels
        self.latent_channels = latent_channels
        self.mu = nn.Linear(in_channels, latent_channels)
        self.logvar = nn.Linear(in_channels, latent_channels)

    def reset_parameters(self) -> None:
        """Re-initialise the two projections."""
        self.mu.reset_parameters()
        self.logvar.reset_parameters()

    def forward(self, h: Tensor) -> tuple[Tensor, Tensor]:  # noqa: D102
        return self.mu(h), self.logvar(h).clamp(*_LOGVAR_RANGE)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.in_channels}, {self.latent_channels})"


def reparameterize(mu: Tensor, logvar: Tensor, *, sample: bool = True) -> Tensor:
    """Draw ``z = mu + exp(logvar / 2) * eps`` with ``eps ~ N(0, I)``, or return ``mu``.

    Parameters
    ----------
    mu, logvar : torch.Tensor
        Mean and log-variance, same shape.
    sample : bool, default=True
        If False return ``mu`` (evaluation).

    Returns
    -------
    torch.Tensor
    """
    if not sample:
        return mu
    return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)


def kl_divergence(mu: Tensor, logvar: Tensor) -> Tensor:
    r"""KL divergence from :math:`\mathcal{N}(\mu, \sigma^2)` to :math:`\mathcal{N}(0, I)`.

    Summed over latent dimensions and averaged over nodes; never negative.

    Parameters
    ----------
    mu, logvar : torch.Tensor
        Shape ``(N, F_latent)``.

    Returns
    -------
    torch.Tensor
        Scalar.
    """
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(-1)
    return kl.mean()


class ExpressionDecoder(nn.Module):
    r"""Reconstruct a gene's (standardised) expression profile from its latent code.

    Args:
        latent_channels (int): Size of the latent code.
        out_channels (int): Number of cells (the expression profile length).
        hidden_channels (int, optional): Width of the hidden layer.
            (default: :obj:`64`)

    Shapes:
        - **input:** :math:`(N, F_{latent})`
        - **output:** :math:`(N, F_{out})`
    """

    def __init__(self, latent_channels: int, out_channels: int, *, hidden_channels: int = 64):
        super().__init__()
        self.latent_channels = latent_channels
        self.out_channels = out_channels
        self.net = nn.Sequential(
            nn.Linear(latent_channels, hidden_channels),
            nn.ELU(),
            nn.Linear(hidden_channels, out_channels),
        )

    def reset_parameters(self) -> None:
        """Re-initialise both layers."""
        self.net[0].reset_parameters()
        self.net[2].reset_parameters()

    def forward(self, z: Tensor) -> Tensor:  # noqa: D102
        return self.net(z)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.latent_channels}, {self.out_channels})"
