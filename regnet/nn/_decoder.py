"""Directed edge decoder: a gene's regulator role differs from its target role."""

from __future__ import annotations

import math

from torch import Tensor, nn

__all__ = ["DirectedEdgeDecoder"]


class DirectedEdgeDecoder(nn.Module):
    r"""Score directed pairs :math:`i \to j` from node codes and pair features.

    .. math::
        s_{ij} = \frac{\langle \mathbf{W}_r \mathbf{z}_i,\, \mathbf{W}_t \mathbf{z}_j \rangle}
        {\sqrt{d}} + b_r(\mathbf{z}_i) + b_t(\mathbf{z}_j)
        + \mathrm{MLP}(\boldsymbol{\phi}_{ij})

    :math:`\mathbf{W}_r` (regulator role) and :math:`\mathbf{W}_t` (target role)
    are separate, so :math:`s_{ij} \ne s_{ji}` in general; :math:`b_r, b_t` are
    linear per-role biases (a TF's propensity to regulate, a gene's to be
    regulated); :math:`\boldsymbol{\phi}_{ij}` are optional structural pair
    features (see :func:`regnet.nn.pair_structure_features`).

    Args:
        in_channels (int): Size of the node codes :math:`\mathbf{z}`.
        pair_channels (int, optional): Size of :math:`\boldsymbol{\phi}`; 0
            disables the pair term. (default: :obj:`0`)
        hidden_channels (int, optional): Width of the pair MLP.
            (default: :obj:`32`)

    Shapes:
        - **input:** codes :math:`(N, F)`, sources and targets :math:`(P,)`,
          pair features :math:`(P, F_{pair})`
        - **output:** logits :math:`(P,)`
    """

    def __init__(self, in_channels: int, *, pair_channels: int = 0, hidden_channels: int = 32):
        super().__init__()
        self.in_channels = in_channels
        self.pair_channels = pair_channels
        self.regulator = nn.Linear(in_channels, in_channels, bias=False)
        self.target = nn.Linear(in_channels, in_channels, bias=False)
        self.regulator_bias = nn.Linear(in_channels, 1)
        self.target_bias = nn.Linear(in_channels, 1, bias=False)
        self.pair_mlp = (
            nn.Sequential(
                nn.Linear(pair_channels, hidden_channels),
                nn.ELU(),
                nn.Linear(hidden_channels, 1),
            )
            if pair_channels
            else None
        )

    def reset_parameters(self) -> None:
        """Re-initialise all weights."""
        for module in (self.regulator, self.target, self.regulator_bias, self.target_bias):
            module.reset_parameters()
        if self.pair_mlp is not None:
            self.pair_mlp[0].reset_parameters()
            self.pair_mlp[2].reset_parameters()

    def forward(  # noqa: D102
        self, z: Tensor, src: Tensor, dst: Tensor, pair_features: Tensor | None = None
    ) -> Tensor:
        z_src, z_dst = z[src], z[dst]
        logits = (self.regulator(z_src) * self.target(z_dst)).sum(-1) / math.sqrt(
            self.in_channels
        )
        logits = logits + self.regulator_bias(z_src).squeeze(-1)
        logits = logits + self.target_bias(z_dst).squeeze(-1)
        if self.pair_mlp is not None:
            if pair_features is None or pair_features.shape != (src.numel(), self.pair_channels):
                got = None if pair_features is None else tuple(pair_features.shape)
                raise ValueError(
                    f"pair_features must have shape ({src.numel()}, {self.pair_channels}); "
                    f"got {got}."
                )
            logits = logits + self.pair_mlp(pair_features).squeeze(-1)
        return logits

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}({self.in_channels}, "
            f"pair_channels={self.pair_channels})"
        )

