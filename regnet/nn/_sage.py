"""GraphSAGE layer whose aggregator is an MLP over ``concat[x_i, m_i]``."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.nn import MessagePassing

__all__ = ["SAGEMLPConv"]


class SAGEMLPConv(MessagePassing):
    r"""GraphSAGE layer with an MLP aggregator.

    .. math::
        \mathbf{m}_i = \mathrm{mean}_{j \in \mathcal{N}(i)} \mathbf{x}_j, \qquad
        \mathbf{h}_i = g(\mathbf{x}_i, \mathbf{m}_i)
        = \mathbf{W}_2\,\sigma(\mathbf{W}_1 [\mathbf{x}_i \,\|\, \mathbf{m}_i] + \mathbf{b}_1)
        + \mathbf{b}_2

    A node without neighbours gets :math:`\mathbf{m}_i = 0`. Messages flow
    along ``edge_index`` only (source ``edge_index[0]`` to target
    ``edge_index[1]``); callers pass the known positive edges and nothing else,
    so a non-edge never carries a message.

    The two halves are exposed separately so that they can be studied on their
    own: :meth:`neighbor_mean` computes :math:`\mathbf{m}` and :meth:`combine`
    is the aggregator :math:`g(\mathbf{x}, \mathbf{m})`, a pure function of its
    two arguments (deterministic in ``eval`` mode).

    Args:
        in_channels (int): Size of each input node feature vector.
        out_channels (int): Size of each output node feature vector.
        hidden_channels (int, optional): Width of the aggregator's hidden
            layer. (default: :obj:`out_channels`)
        dropout (float, optional): Dropout on the hidden layer of the
            aggregator. (default: :obj:`0.0`)

    Shapes:
        - **input:** node features :math:`(|\mathcal{V}|, F_{in})`,
          edge indices :math:`(2, |\mathcal{E}|)`
        - **output:** node features :math:`(|\mathcal{V}|, F_{out})`
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        hidden_channels: int | None = None,
        dropout: float = 0.0,
    ):
        super().__init__(aggr="mean")
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got {value!r}.")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1); got {dropout!r}.")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.hidden_channels = hidden_channels or out_channels
        self.dropout = dropout
        self.lin1 = nn.Linear(2 * in_channels, self.hidden_channels)
        self.lin2 = nn.Linear(self.hidden_channels, out_channels)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialise the aggregator's weights."""
        super().reset_parameters()
        self.lin1.reset_parameters()
        self.lin2.reset_parameters()

    def neighbor_mean(self, x: Tensor, edge_index: Tensor) -> Tensor:
        """Mean of the neighbours' features ``m`` (zeros for a node without neighbours)."""
        return self.propagate(edge_index, x=x, size=(x.size(0), x.size(0)))

    def message(self, x_j: Tensor) -> Tensor:  # noqa: D102
        return x_j

    def combine(self, x: Tensor, m: Tensor) -> Tensor:
        """The aggregator ``g(x, m)``, applied row by row."""
        if x.shape != m.shape:
            raise ValueError(f"x and m must have the same shape; got {tuple(x.shape)} and "
                             f"{tuple(m.shape)}.")
        hidden = F.elu(self.lin1(torch.cat([x, m], dim=-1)))
        hidden = F.dropout(hidden, p=self.dropout, training=self.training)
        return self.lin2(hidden)

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:  # noqa: D102
        return self.combine(x, self.neighbor_mean(x, edge_index))

    def __repr__(self) -> str:
        return (
            f"{self.__class__.__name__}({self.in_channels}, {self.out_channels}, "
            f"hidden_channels={self.hidden_channels}, aggr=mlp(concat[x, mean]))"
        )
