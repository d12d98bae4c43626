"""Basis-free projection: the contrast pushed through the layer's own linear response.

The coordinate projection (:func:`regnet.interpret.coordinate_projection_weights`)
compares hidden unit ``k`` with input ``k``, which means nothing for a trained
MLP. Here the hidden space is reached through the layer itself: the Jacobians
``J_x = dg/dx`` and ``J_m = dg/dm`` at the typical gene (the mean input) map
the input contrast ``delta = x - m`` to the hidden response it would cause when
the gene carries it (``delta J_x``) and when its neighbours do (``delta J_m``);
the weight compares the two responses' sizes. Norms in hidden space do not
depend on how its units are ordered or rotated, so no coordinate of the hidden
space is matched to a coordinate of the input space.

For the linear aggregator ``g = w x + (1 - w) m`` (any output basis ``Q``)
the weight is exactly ``w``. The Jacobians are computed once per layer; each
gene then costs one row of a small matrix product, which is what makes the
projection much cheaper than per-gene finite differences.
"""

from __future__ import annotations

import copy
import numbers
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["LinearResponse", "linear_response", "response_projection_weights"]


@dataclass(frozen=True)
class LinearResponse:
    """The layer's linear response at one input point, truncated to its leading directions.

    Attributes
    ----------
    self_map : numpy.ndarray of shape (F, r_x)
        ``U S`` of the thin SVD of ``J_x`` restricted to the first ``F``
        inputs, so that ``||delta @ self_map|| = ||delta J_x||`` up to the
        truncation.
    neighbor_map : numpy.ndarray of shape (F, r_m)
        The same for ``J_m``.
    n_features : int
        ``F``: the leading inputs that form the contrast.
    kept_energy : float
        Smallest fraction of the squared Frobenius norm kept by either map.
    stacked : numpy.ndarray of shape (F, r_x + r_m)
        Both maps side by side in float32, the operand of the per-gene product.
    """

    self_map: np.ndarray
    neighbor_map: np.ndarray
    n_features: int
    kept_energy: float
    stacked: np.ndarray


def _jacobians_torch(layer, x0: np.ndarray, m0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    module = copy.deepcopy(layer).to(device="cpu", dtype=torch.float64).eval()

    def g(a, b):
        return module.combine(a[None], b[None])[0]

    point = (torch.as_tensor(x0), torch.as_tensor(m0))
    jx, jm = torch.autograd.functional.jacobian(g, point, vectorize=True)
    return jx.detach().numpy().T, jm.detach().numpy().T


def _jacobians_callable(g, x0: np.ndarray, m0: np.ndarray, eps: float):
    # central differences along every input axis, all in one batched call
    width = x0.size
    steps = eps * np.eye(width)
    xs = np.concatenate([x0 + steps, x0 - steps, np.tile(x0, (2 * width, 1))])
    ms = np.concatenate([np.tile(m0, (2 * width, 1)), m0 + steps, m0 - steps])
    out = np.asarray(g(xs, ms), dtype=np.float64)
    if out.ndim != 2 or out.shape[0] != 4 * width:
        raise ValueError(
            f"aggregate must return an array of shape ({4 * width}, H), one row per input "
            f"row; got {out.shape}."
        )
    parts = out.reshape(4, width, -1)
    return (parts[0] - parts[1]) / (2 * eps), (parts[2] - parts[3]) / (2 * eps)


def _truncate(jac: np.ndarray, tol: float) -> tuple[np.ndarray, float]:
    # U S of the thin SVD from the small Gram matrix J^T J = V S^2 V^T (H x H): J V = U S.
    # Much cheaper than a full SVD of the tall J, and ||delta J V|| = ||delta J|| exactly
    # when every direction is kept.
    # torch's eigh: on a busy machine numpy's threaded LAPACK is ~70x slower for this size
    gram = torch.as_tensor(jac.T @ jac)
    energy, v = (t.numpy() for t in torch.linalg.eigh(gram))
    energy, v = np.clip(energy[::-1], 0.0, None), v[:, ::-1]
    total = energy.sum()
    if total == 0:
        return np.zeros((jac.shape[0], 1)), 1.0
    # smallest rank whose left-out energy is at most tol of the total
    tail = np.clip(total - np.cumsum(energy), 0.0, None)
    rank = int(np.argmax(tail <= tol * total)) + 1
    return jac @ v[:, :rank], float(1.0 - tail[rank - 1] / total)


def linear_response(aggregate, x, m, *, n_features: int | None = None, tol: float = 1e-4,
                    eps: float = 1e-3) -> LinearResponse:
    """Jacobians of the aggregator ``g(x, m)`` at the mean input, as reusable maps.

    Parameters
    ----------
    aggregate : torch.nn.Module with a ``combine(x, m)`` method, or callable
        The layer (differentiated exactly with :func:`torch.func.jacrev` on a
        float64 copy) or a numpy function ``g(x, m)`` (central differences).
    x, m : array-like of shape (n_genes, F_in)
        Inputs and neighbour means; the Jacobians are taken at their means.
    n_features : int, optional
        ``F``: leading input columns that form the contrast; defaults to all.
    tol : float, default=1e-4
        Fraction of each Jacobian's squared norm that its truncated SVD may
        leave out (0 keeps every direction). Trained layers have low
        effective rank, so this makes the per-gene product several times
        cheaper without changing the weights beyond ``sqrt(tol)``.
    eps : float, default=1e-3
        Central-difference step for a plain callable.

    Returns
    -------
    LinearResponse
    """
    x, m = (np.asarray(a, dtype=np.float64) for a in (x, m))
    if x.ndim != 2 or x.shape != m.shape or len(x) == 0:
        raise ValueError(f"x and m must share a shape (n_genes, F_in) with n_genes >= 1; got "
                         f"{x.shape}, {m.shape}.")
    if not isinstance(tol, numbers.Real) or not 0 <= tol < 1:
        raise ValueError(f"tol must be a number in [0, 1); got {tol!r}.")
    width = x.shape[1] if n_features is None else int(n_features)
    x0, m0 = x.mean(axis=0), m.mean(axis=0)
    if isinstance(aggregate, torch.nn.Module) and hasattr(aggregate, "combine"):
        jx, jm = _jacobians_torch(aggregate, x0, m0)
    elif callable(aggregate):
        jx, jm = _jacobians_callable(aggregate, x0, m0, eps)
    else:
        raise TypeError("aggregate must be a torch module with a combine(x, m) method or a "
                        f"callable g(x, m); got {type(aggregate).__name__}.")
    self_map, kept_x = _truncate(jx[:width], tol)
    neighbor_map, kept_m = _truncate(jm[:width], tol)
    stacked = np.hstack([self_map, neighbor_map]).astype(np.float32)
    return LinearResponse(self_map, neighbor_map, width, min(kept_x, kept_m), stacked)


def response_projection_weights(x, m, response: LinearResponse) -> dict[str, np.ndarray]:
    """Per-gene weights from the contrast projected through a :class:`LinearResponse`.

    ``S_x = ||delta J_x||`` and ``S_m = ||delta J_m||`` with
    ``delta = (x - m)[:, :F]``; the weight is ``S_x / (S_x + S_m)``. One
    float32 matrix product for all genes.

    Parameters
    ----------
    x, m : array-like of shape (n_genes, F_in)
        Inputs and neighbour means (e.g. ``first_layer_states()``).
    response : LinearResponse
        From :func:`linear_response` on the same layer.

    Returns
    -------
    dict of numpy.ndarray
        ``weight`` (NaN where ``delta = 0`` or neither response moves),
        ``input_contrast_norm`` ``||delta||``, ``response_self`` ``S_x`` and
        ``response_neighbors`` ``S_m``.
    """
    width = response.n_features
    x, m = (np.asarray(a) for a in (x, m))
    if x.ndim != 2 or x.shape != m.shape or x.shape[1] < width:
        raise ValueError(f"x and m must share a shape (n_genes, >= {width}); got {x.shape}, "
                         f"{m.shape}.")
    # float32 is enough: no difference of nearby outputs is taken, only norms
    delta = np.subtract(x[:, :width], m[:, :width], dtype=np.float32)
    rx = response.self_map.shape[1]
    moved = delta @ response.stacked
    a, b = moved[:, :rx], moved[:, rx:]
    s_self = np.sqrt(np.einsum("ij,ij->i", a, a)).astype(np.float64)
    s_neigh = np.sqrt(np.einsum("ij,ij->i", b, b)).astype(np.float64)
    norm = np.sqrt(np.einsum("ij,ij->i", delta, delta)).astype(np.float64)
    total = s_self + s_neigh
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where((norm > 0) & (total > 0), s_self / total, np.nan)
    return {"weight": weight, "input_contrast_norm": norm, "response_self": s_self,
            "response_neighbors": s_neigh}
