"""Node and pair features for the decoder: degrees, path counts, expression correlation.

Pure tensor functions. ``edge_index`` is always the directed graph of known
positive edges (regulator -> target); non-edges never enter these features.
"""

from __future__ import annotations

import warnings

import torch
from torch import Tensor

__all__ = [
    "CORRELATION_FEATURE_NAMES",
    "GraphFeatures",
    "NODE_FEATURE_NAMES",
    "PAIR_FEATURE_NAMES",
    "node_structure_features",
    "pair_correlation_features",
    "pair_features_from",
    "pair_structure_features",
    "structure_matrices",
]

NODE_FEATURE_NAMES = ("log_out_degree", "log_in_degree", "is_tf")
PAIR_FEATURE_NAMES = (
    "reverse_edge",  # j -> i is known
    "log_out_degree_source",
    "log_in_degree_target",
    "log_in_degree_source",
    "log_out_degree_target",
    "log_paths_forward",  # i -> k -> j
    "log_paths_backward",  # j -> k -> i
    "log_shared_targets",  # i -> k <- j
    "log_shared_regulators",  # i <- k -> j
    "log_co_regulator_targets",  # i -> k <- l -> j  (TFs sharing targets with i regulate j)
    "log_co_regulator_sources",  # j -> k <- l -> i
)


CORRELATION_FEATURE_NAMES = ("pearson", "abs_pearson")


def pair_correlation_features(expression: Tensor, src: Tensor, dst: Tensor) -> Tensor:
    """Pearson correlation of the two genes' expression profiles, and its absolute value.

    Parameters
    ----------
    expression : torch.Tensor
        Genes x cells, each row standardised (zero mean, unit variance).
    src, dst : torch.Tensor
        Pair endpoints, shape ``(P,)``.

    Returns
    -------
    torch.Tensor
        Shape ``(P, 2)``, columns :data:`CORRELATION_FEATURE_NAMES`.
    """
    r = (expression[src.long()] * expression[dst.long()]).mean(dim=1)
    return torch.stack([r, r.abs()], dim=1)


def _adjacency(edge_index: Tensor, num_nodes: int) -> Tensor:
    values = torch.ones(edge_index.size(1), dtype=torch.float32, device=edge_index.device)
    adj = torch.sparse_coo_tensor(
        edge_index, values, (num_nodes, num_nodes), check_invariants=False
    ).coalesce()
    # duplicates collapse to one edge
    return torch.sparse_coo_tensor(
        adj.indices(), torch.ones_like(adj.values()), adj.shape, check_invariants=False
    ).coalesce()


def _spmm(a: Tensor, b: Tensor) -> Tensor:
    with warnings.catch_warnings():
        # torch routes sparse @ sparse through CSR and says so in a UserWarning
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support", category=UserWarning)
        return torch.sparse.mm(a, b).coalesce()


def _lookup(matrix: Tensor, rows: Tensor, cols: Tensor) -> Tensor:
    """Entries ``matrix[rows, cols]`` of a coalesced sparse COO matrix (0 where absent)."""
    n_cols = matrix.size(1)
    if matrix._nnz() == 0:
        return torch.zeros(rows.numel(), dtype=torch.float32, device=rows.device)
    idx = matrix.indices()
    keys = idx[0] * n_cols + idx[1]  # sorted: coalesced COO is row-major
    query = rows * n_cols + cols
    pos = torch.searchsorted(keys, query).clamp_max(keys.numel() - 1)
    found = keys[pos] == query
    return torch.where(found, matrix.values()[pos], torch.zeros((), device=rows.device))


def node_structure_features(
    edge_index: Tensor, num_nodes: int, is_tf: Tensor, *, scale: float = 1.0
) -> Tensor:
    """Per-node ``log1p(out_degree * scale)``, ``log1p(in_degree * scale)`` and the TF flag.

    Parameters
    ----------
    edge_index : torch.Tensor
        Known positive edges, shape ``(2, E)``, regulator first.
    num_nodes : int
        Number of genes.
    is_tf : torch.Tensor
        Shape ``(num_nodes,)``, 1 for candidate regulators.
    scale : float, default=1.0
        Multiplies the counts; ``1 / keep_fraction`` when edges were dropped, so
        that degrees of a thinned graph are on the scale of the full graph.

    Returns
    -------
    torch.Tensor
        Shape ``(num_nodes, 3)``, columns :data:`NODE_FEATURE_NAMES`.
    """
    ones = torch.ones(edge_index.size(1), device=edge_index.device)
    out_deg = torch.zeros(num_nodes, device=edge_index.device).index_add_(0, edge_index[0], ones)
    in_deg = torch.zeros(num_nodes, device=edge_index.device).index_add_(0, edge_index[1], ones)
    return torch.stack(
        [torch.log1p(out_deg * scale), torch.log1p(in_deg * scale), is_tf.float()], dim=1
    )


def structure_matrices(edge_index: Tensor, num_nodes: int) -> dict[str, Tensor]:
    """Sparse path-count matrices of the known-positive graph (for :func:`pair_features_from`).

    Parameters
    ----------
    edge_index : torch.Tensor
        Known positive edges, shape ``(2, E)``, regulator first.
    num_nodes : int
        Number of genes.

    Returns
    -------
    dict of torch.Tensor
        Coalesced sparse ``(num_nodes, num_nodes)`` matrices: ``adjacency``
        ``A``, ``paths`` ``A @ A``, ``shared_targets`` ``A @ A.T``,
        ``shared_regulators`` ``A.T @ A`` and ``co_regulated``
        ``A @ A.T @ A``; dense ``out_degree`` and ``in_degree`` vectors.
    """
    adj = _adjacency(edge_index, num_nodes)
    adj_t = adj.t().coalesce()
    shared_targets = _spmm(adj, adj_t)
    ones = torch.ones(adj._nnz(), device=adj.device)
    idx = adj.indices()
    return {
        "adjacency": adj,
        "paths": _spmm(adj, adj),
        "shared_targets": shared_targets,
        "shared_regulators": _spmm(adj_t, adj),
        "co_regulated": _spmm(shared_targets, adj),
        "out_degree": torch.zeros(num_nodes, device=adj.device).index_add_(0, idx[0], ones),
        "in_degree": torch.zeros(num_nodes, device=adj.device).index_add_(0, idx[1], ones),
    }


def pair_features_from(
    matrices: dict[str, Tensor], src: Tensor, dst: Tensor, *, scale: float = 1.0
) -> Tensor:
    """Pair features of ``src -> dst`` from :func:`structure_matrices` (see there)."""
    src = src.long()
    dst = dst.long()
    s2, s3 = scale**2, scale**3
    out_deg, in_deg = matrices["out_degree"] * scale, matrices["in_degree"] * scale
    paths, co_regulated = matrices["paths"], matrices["co_regulated"]
    cols = [
        _lookup(matrices["adjacency"], dst, src),
        torch.log1p(out_deg[src]),
        torch.log1p(in_deg[dst]),
        torch.log1p(in_deg[src]),
        torch.log1p(out_deg[dst]),
        torch.log1p(_lookup(paths, src, dst) * s2),
        torch.log1p(_lookup(paths, dst, src) * s2),
        torch.log1p(_lookup(matrices["shared_targets"], src, dst) * s2),
        torch.log1p(_lookup(matrices["shared_regulators"], src, dst) * s2),
        torch.log1p(_lookup(co_regulated, src, dst) * s3),
        torch.log1p(_lookup(co_regulated, dst, src) * s3),
    ]
    return torch.stack(cols, dim=1)


def pair_structure_features(
    edge_index: Tensor, src: Tensor, dst: Tensor, num_nodes: int, *, scale: float = 1.0
) -> Tensor:
    """Heuristic link features of directed pairs ``src -> dst`` in the known-positive graph.

    Parameters
    ----------
    edge_index : torch.Tensor
        Known positive edges, shape ``(2, E)``, regulator first.
    src, dst : torch.Tensor
        Pair endpoints (gene indices), shape ``(P,)``.
    num_nodes : int
        Number of genes.
    scale : float, default=1.0
        ``1 / keep_fraction`` when edges were dropped: a count over paths of
        ``k`` edges is multiplied by ``scale ** k``.

    Returns
    -------
    torch.Tensor
        Shape ``(P, 11)``, columns :data:`PAIR_FEATURE_NAMES`: whether the
        reverse edge is known, the four degrees of the endpoints, and
        ``log1p`` counts of 2- and 3-step paths (forward and backward paths,
        shared targets, shared regulators, and targets of regulators that share
        targets with the source).
    """
    return pair_features_from(structure_matrices(edge_index, num_nodes), src, dst, scale=scale)


class GraphFeatures:
    """Decoder and encoder inputs derived from one known-positive graph.

    Parameters
    ----------
    expression : torch.Tensor
        Genes x cells, rows standardised.
    edge_index : torch.Tensor
        Known positive edges ``(2, E)`` (the message graph).
    is_tf : torch.Tensor
        ``(N,)``, 1 for candidate regulators.
    use_structure : bool, default=True
        Add degree features to the node inputs and structural pair features
        to the correlation features.
    scale : float, default=1.0
        ``1 / keep_fraction`` for a thinned graph (see :func:`pair_features_from`).

    Attributes
    ----------
    x : torch.Tensor
        Node inputs: ``[expression, log_out_degree, log_in_degree, is_tf]``
        (``[expression, is_tf]`` without structure).
    matrices : dict or None
        :func:`structure_matrices` of ``edge_index``.
    """

    def __init__(self, expression: Tensor, edge_index: Tensor, is_tf: Tensor, *,
                 use_structure: bool = True, scale: float = 1.0):
        n = expression.size(0)
        self.expression = expression
        self.edge_index = edge_index
        self.use_structure = use_structure
        self.scale = scale
        if use_structure:
            nodes = node_structure_features(edge_index, n, is_tf, scale=scale)
            self.x = torch.cat([expression, nodes], dim=1)
            self.matrices = structure_matrices(edge_index, n)
        else:
            self.x = torch.cat([expression, is_tf.float()[:, None]], dim=1)
            self.matrices = None

    @staticmethod
    def node_feature_names(cells, use_structure: bool = True) -> list[str]:
        """Column names of :attr:`x` for the given cell names."""
        return list(cells) + (list(NODE_FEATURE_NAMES) if use_structure else ["is_tf"])

    @staticmethod
    def pair_channels(use_structure: bool = True) -> int:
        """Width of :meth:`pairs`."""
        return len(CORRELATION_FEATURE_NAMES) + (len(PAIR_FEATURE_NAMES) if use_structure else 0)

    def pairs(self, src: Tensor, dst: Tensor) -> Tensor:
        """Pair features ``(P, pair_channels)``: correlation, then structure."""
        corr = pair_correlation_features(self.expression, src, dst)
        if self.matrices is None:
            return corr
        return torch.cat([corr, pair_features_from(self.matrices, src, dst, scale=self.scale)], 1)
