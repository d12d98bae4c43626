"""Whole-encoder shrinkage weights: own versus neighbours' expression in the latent mean.

The first-layer weights (:func:`regnet.interpret.shrinkage_weights`) ignore
everything after the first SAGE layer. Here the question is asked of the whole
encoder ``mu = encode(X)`` (SAGE -> attention -> SAGE -> VAE head): with
``d_i`` the unit direction of gene ``i``'s contrast ``x_i - m_i`` over the
cells, how fast does ``mu_i`` move when gene ``i``'s own expression moves
along ``d_i`` (``S_self``), and when every neighbour's expression moves along
``d_i`` (``S_neighbors``; that moves ``m_i`` by exactly ``d_i``)? The weight
is ``S_self / (S_self + S_neighbors)``, the first-layer finite-difference
weight's definition carried through every layer. The directional derivatives
are exact Jacobian-vector products (:func:`torch.func.jvp`), batched over
genes with :func:`torch.func.vmap`.
"""

from __future__ import annotations

import copy
import numbers

import numpy as np
import torch
from scipy import sparse

from ._shrinkage import _check_n_features

__all__ = ["encoder_directional_weights"]


class _NoAttentionFastPath:
    """Turn off torch's fused attention kernel, which has no forward-mode derivative."""

    def __enter__(self):
        self._before = torch.backends.mha.get_fastpath_enabled()
        torch.backends.mha.set_fastpath_enabled(False)

    def __exit__(self, *exc):
        torch.backends.mha.set_fastpath_enabled(self._before)


def encoder_directional_weights(
    module, x, edge_index, adjacency, *, rows=None, n_features: int | None = None,
    batch_size: int = 4,
) -> dict[str, np.ndarray]:
    """Own and neighbour sensitivities of each gene's latent mean, by batched JVPs.

    Parameters
    ----------
    module : regnet.nn.RegNetModule
        Any module with ``encode(x, edge_index, return_attention=...)`` whose
        first output is the latent mean; it is copied and put in eval mode.
    x : torch.Tensor of shape (N, F_in)
        Node inputs.
    edge_index : torch.Tensor of shape (2, E)
        Message edges as the module takes them.
    adjacency : scipy.sparse matrix of shape (N, N)
        ``adjacency[i, j] != 0`` when ``j`` sends a message to ``i``; defines
        ``m_i`` (mean of the neighbours' inputs) and the neighbours moved.
    rows : array-like of int, optional
        Genes to compute (default: every gene with a neighbour).
    n_features : int, optional
        Leading input columns that form the contrast (the cells).
    batch_size : int, default=4
        Genes per batched call; each gene takes two JVPs, and attention
        tangents of size ``heads x N x N`` are kept per JVP.

    Returns
    -------
    dict of numpy.ndarray
        Arrays over ``rows``: ``rows``, ``weight`` (NaN without contrast or
        when ``mu_i`` does not move), ``input_contrast_norm``,
        ``sensitivity_self`` and ``sensitivity_neighbors``.
    """
    if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}.")
    module = copy.deepcopy(module).cpu().eval()
    dtype = next(module.parameters()).dtype
    x = torch.as_tensor(x).detach().to(dtype=dtype, device="cpu")
    edge_index = torch.as_tensor(edge_index).cpu()
    adjacency = sparse.csr_matrix(adjacency)
    n_nodes, width = x.shape
    n_features = _check_n_features(n_features, width)
    degree = np.diff(adjacency.indptr)
    rows = np.flatnonzero(degree > 0) if rows is None else np.asarray(rows, dtype=np.int64)
    x_np = x.double().numpy()
    mean = sparse.diags(1.0 / np.maximum(degree, 1)) @ (adjacency @ x_np)
    delta = x_np[rows, :n_features] - mean[rows, :n_features]
    norm = np.linalg.norm(delta, axis=1)
    direction = np.divide(delta, norm[:, None], out=np.zeros_like(delta),
                          where=norm[:, None] > 0)

    def latent_mean(inputs):
        return module.encode(inputs, edge_index, return_attention=True)[0]

    def tangent_response(tangent):
        return torch.func.jvp(latent_mean, (x,), (tangent,))[1]

    batched = torch.func.vmap(tangent_response)
    s_self = np.zeros(len(rows))
    s_neigh = np.zeros(len(rows))
    with torch.no_grad(), _NoAttentionFastPath():
        for start in range(0, len(rows), batch_size):
            chunk = np.arange(start, min(start + batch_size, len(rows)))
            k = len(chunk)
            tangents = torch.zeros((2 * k, n_nodes, width), dtype=dtype)
            for slot, pos in enumerate(chunk):
                d = torch.as_tensor(direction[pos], dtype=dtype)
                gene = rows[pos]
                tangents[slot, gene, :n_features] = d
                neighbours = adjacency.indices[adjacency.indptr[gene]:adjacency.indptr[gene + 1]]
                tangents[k + slot, torch.as_tensor(neighbours), :n_features] = d
            out = batched(tangents)
            genes = torch.as_tensor(rows[chunk])
            picked = torch.cat([out[torch.arange(k), genes], out[k + torch.arange(k), genes]])
            norms = torch.linalg.vector_norm(picked.double(), dim=1).numpy()
            s_self[chunk], s_neigh[chunk] = norms[:k], norms[k:]
    total = s_self + s_neigh
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where((norm > 0) & (total > 0) & (degree[rows] > 0), s_self / total, np.nan)
    return {"rows": rows, "weight": weight, "input_contrast_norm": norm,
            "sensitivity_self": s_self, "sensitivity_neighbors": s_neigh}
