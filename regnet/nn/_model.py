"""The composed RegNet module: SAGE -> global attention -> SAGE -> VAE -> directed decoder."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.utils import to_undirected

from ._attention import GlobalSelfAttention, attention_entropy
from ._decoder import DirectedEdgeDecoder
from ._sage import SAGEMLPConv
from ._vae import ExpressionDecoder, GaussianHead, kl_divergence, reparameterize

__all__ = ["RegNetLoss", "RegNetModule"]


@dataclass
class RegNetLoss:
    """Terms of the training objective (scalar tensors).

    ``total = link + beta * kl + reconstruction_weight * reconstruction
    + entropy_weight * attention_entropy``.
    """

    total: Tensor
    link: Tensor
    kl: Tensor
    reconstruction: Tensor
    attention_entropy: Tensor  # NaN when its weight is 0 (then it is not computed)

    def as_dict(self) -> dict[str, float]:
        """Plain floats, for logging."""
        return {
            "loss": float(self.total.detach()),
            "link": float(self.link.detach()),
            "kl": float(self.kl.detach()),
            "reconstruction": float(self.reconstruction.detach()),
            "attention_entropy": float(self.attention_entropy.detach()),
        }


class RegNetModule(nn.Module):
    r"""GraphSAGE + multi-head self-attention + VAE link predictor on a gene graph.

    ``x -> SAGEMLPConv -> ELU -> GlobalSelfAttention -> (+ SAGEMLPConv) ->
    GaussianHead -> z``; ``z`` feeds a :class:`DirectedEdgeDecoder` (edge
    logits) and an :class:`ExpressionDecoder` (the gene's expression profile).

    Message passing uses the known positive edges only, in both directions
    (a regulator hears its targets and a target its regulators); the decoder
    keeps the direction.

    Args:
        in_channels (int): Node input features (expression + structural).
        expression_channels (int): Length of the expression profile to
            reconstruct (number of cells).
        hidden_channels (int, optional): Width of the SAGE/attention layers.
            (default: :obj:`64`)
        latent_channels (int, optional): Size of the VAE code.
            (default: :obj:`32`)
        heads (int, optional): Attention heads, at least 2. (default: :obj:`4`)
        pair_channels (int, optional): Structural pair features given to the
            decoder; 0 for none. (default: :obj:`0`)
        dropout (float, optional): Dropout in every block. (default: :obj:`0.1`)

    Shapes:
        - **input:** node features :math:`(N, F_{in})`, positive edges
          :math:`(2, E)`, pair endpoints :math:`(P,)`
        - **output:** ``mu``/``logvar`` :math:`(N, F_{latent})`, edge logits
          :math:`(P,)`
    """

    def __init__(
        self,
        in_channels: int,
        expression_channels: int,
        *,
        hidden_channels: int = 64,
        latent_channels: int = 32,
        heads: int = 4,
        pair_channels: int = 0,
        dropout: float = 0.1,
    ):
        super().__init__()
        self.in_channels = in_channels
        self.expression_channels = expression_channels
        self.dropout = dropout
        self.sage1 = SAGEMLPConv(in_channels, hidden_channels, dropout=dropout)
        self.attention = GlobalSelfAttention(hidden_channels, heads=heads, dropout=dropout)
        self.sage2 = SAGEMLPConv(hidden_channels, hidden_channels, dropout=dropout)
        self.head = GaussianHead(hidden_channels, latent_channels)
        self.decoder = DirectedEdgeDecoder(latent_channels, pair_channels=pair_channels)
        self.expression_decoder = ExpressionDecoder(
            latent_channels, expression_channels, hidden_channels=hidden_channels
        )

    def reset_parameters(self) -> None:
        """Re-initialise every sub-module."""
        for module in (self.sage1, self.attention, self.sage2, self.head, self.decoder,
                       self.expression_decoder):
            module.reset_parameters()

    @staticmethod
    def message_edges(edge_index: Tensor, num_nodes: int) -> Tensor:
        """Known positive edges in both directions, without duplicates."""
        return to_undirected(edge_index, num_nodes=num_nodes)

    def encode(
        self, x: Tensor, edge_index: Tensor, *, return_attention: bool = False
    ) -> tuple[Tensor, Tensor, Tensor | None]:
        """Return ``mu``, ``logvar`` and the attention weights ``(heads, N, N)`` (or None).

        Without ``return_attention`` the weights are not materialised, which
        lets torch use its fused attention kernel.
        """
        if x.dim() != 2 or x.size(1) != self.in_channels:
            raise ValueError(f"x must have shape (N, {self.in_channels}); got {tuple(x.shape)}.")
        edges = self.message_edges(edge_index, x.size(0))
        x = F.dropout(x, p=self.dropout, training=self.training)
        h = F.elu(self.sage1(x, edges))
        h, weights = self.attention(h, return_weights=return_attention)
        h = h + F.elu(self.sage2(h, edges))
        mu, logvar = self.head(h)
        return mu, logvar, weights

    def first_layer(self, x: Tensor, edge_index: Tensor) -> dict[str, Tensor]:
        """Inputs and outputs of the first SAGE layer.

        Returns ``x``, its neighbour mean ``m``, the layer output
        ``h = sage1.combine(x, m)`` (before the activation) and the neighbour
        mean ``n`` of ``h``.
        """
        edges = self.message_edges(edge_index, x.size(0))
        m = self.sage1.neighbor_mean(x, edges)
        h = self.sage1.combine(x, m)
        n = self.sage1.neighbor_mean(h, edges)
        return {"x": x, "m": m, "h": h, "n": n}

    def decode(
        self, z: Tensor, src: Tensor, dst: Tensor, pair_features: Tensor | None = None
    ) -> Tensor:
        """Edge logits of the directed pairs ``src -> dst``."""
        return self.decoder(z, src, dst, pair_features)

    def forward(  # noqa: D102
        self, x: Tensor, edge_index: Tensor, src: Tensor, dst: Tensor,
        pair_features: Tensor | None = None,
    ) -> Tensor:
        mu, _, _ = self.encode(x, edge_index)
        return self.decode(mu, src, dst, pair_features)

    def loss(
        self,
        x: Tensor,
        edge_index: Tensor,
        src: Tensor,
        dst: Tensor,
        label: Tensor,
        expression: Tensor,
        pair_features: Tensor | None = None,
        *,
        beta: float = 1e-3,
        reconstruction_weight: float = 0.1,
        entropy_weight: float = 0.0,
    ) -> RegNetLoss:
        """Training objective on the labelled pairs ``src -> dst``.

        Parameters
        ----------
        x : torch.Tensor
            Node features ``(N, in_channels)``.
        edge_index : torch.Tensor
            Positive edges that carry messages ``(2, E)``.
        src, dst, label : torch.Tensor
            Supervised pairs and their 0/1 labels ``(P,)``.
        expression : torch.Tensor
            Expression profiles to reconstruct ``(N, expression_channels)``.
        pair_features : torch.Tensor, optional
            ``(P, pair_channels)``.
        beta, reconstruction_weight, entropy_weight : float
            Weights of the KL, reconstruction and attention-entropy terms.

        Returns
        -------
        RegNetLoss
        """
        mu, logvar, weights = self.encode(x, edge_index, return_attention=bool(entropy_weight))
        z = reparameterize(mu, logvar, sample=self.training)
        logits = self.decode(z, src, dst, pair_features)
        link = F.binary_cross_entropy_with_logits(logits, label.float())
        kl = kl_divergence(mu, logvar)
        reconstruction = F.mse_loss(self.expression_decoder(z), expression)
        total = link + beta * kl + reconstruction_weight * reconstruction
        if entropy_weight:
            entropy = attention_entropy(weights)
            total = total + entropy_weight * entropy
        else:  # not computed: materialising (heads, N, N) weights costs more than the rest
            entropy = torch.full((), float("nan"), device=total.device)
        return RegNetLoss(total, link, kl, reconstruction, entropy)

