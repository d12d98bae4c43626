"""Multi-head self-attention over all genes with residual connections and LayerNorm."""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["GlobalSelfAttention", "attention_entropy"]


class GlobalSelfAttention(nn.Module):
    r"""Global multi-head self-attention block (GPS-style, post-norm).

    Every node attends to every node:

    .. math::
        \mathbf{H}' = \mathrm{LN}(\mathbf{H} + \mathrm{MHA}(\mathbf{H})), \qquad
        \mathbf{H}'' = \mathrm{LN}(\mathbf{H}' + \mathrm{FFN}(\mathbf{H}'))

    Args:
        channels (int): Node feature size; divisible by ``heads``.
        heads (int, optional): Number of attention heads, at least 2.
            (default: :obj:`4`)
        dropout (float, optional): Dropout on the feed-forward hidden layer
            (attention weights are not dropped). (default: :obj:`0.0`)
        ffn_ratio (int, optional): Width of the feed-forward layer relative to
            ``channels``. (default: :obj:`2`)

    Shapes:
        - **input:** node features :math:`(N, C)`
        - **output:** node features :math:`(N, C)` and, with
          ``return_weights=True``, attention weights
          :math:`(\text{heads}, N, N)` (each row sums to one), else :obj:`None`
    """

    def __init__(self, channels: int, *, heads: int = 4, dropout: float = 0.0, ffn_ratio: int = 2):
        super().__init__()
        if not isinstance(heads, int) or heads < 2:
            raise ValueError(f"heads must be an integer >= 2; got {heads!r}.")
        if not isinstance(channels, int) or channels < 1 or channels % heads:
            raise ValueError(
                f"channels must be a positive multiple of heads={heads}; got {channels!r}."
            )
        self.channels = channels
        self.heads = heads
        self.dropout = dropout
        self.attn = nn.MultiheadAttention(channels, heads, batch_first=True)
        self.norm1 = nn.LayerNorm(channels)
        self.ffn = nn.Sequential(
            nn.Linear(channels, ffn_ratio * channels),
            nn.ELU(),
            nn.Dropout(dropout),
            nn.Linear(ffn_ratio * channels, channels),
        )
        self.norm2 = nn.LayerNorm(channels)

    def reset_parameters(self) -> None:
        """Re-initialise all weights."""
        self.attn._reset_parameters()
        for module in (self.norm1, self.norm2, self.ffn[0], self.ffn[3]):
            module.reset_parameters()

    def forward(self, x: Tensor, *, return_weights: bool = True) -> tuple[Tensor, Tensor | None]:
        """Attend over all rows of ``x``; skipping the weights allows the fused kernel."""
        if x.dim() != 2 or x.size(1) != self.channels:
            raise ValueError(f"x must have shape (N, {self.channels}); got {tuple(x.shape)}.")
        seq = x.unsqueeze(0)
        out, weights = self.attn(
            seq, seq, seq, need_weights=return_weights, average_attn_weights=False
        )
        h = self.norm1(x + out.squeeze(0))
        h = self.norm2(h + self.ffn(h))
        return h, None if weights is None else weights.squeeze(0)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.channels}, heads={self.heads})"


def attention_entropy(weights: Tensor, eps: float = 1e-12) -> Tensor:
    """Mean Shannon entropy (nats) of the attention rows.

    Parameters
    ----------
    weights : torch.Tensor
        Attention weights of shape ``(heads, N, N)`` whose rows sum to one.
    eps : float, default=1e-12
        Floor inside the logarithm.

    Returns
    -------
    torch.Tensor
        Scalar in ``[0, log N]``; small when each gene attends to few genes.
    """
    return -(weights * torch.log(weights.clamp_min(eps))).sum(-1).mean()
