"""Shrinkage weights of a SAGE aggregator ``g(x, m)``: pure array functions.

Everything here works on plain arrays and an aggregator callable, so that it
applies equally to the trained first layer of a :class:`regnet.RegNet` and to
a hand-built layer with a known answer. The RegNet-facing wrapper is
:func:`regnet.interpret.shrinkage_weights`.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch

from ._projection import linear_response, response_projection_weights

__all__ = [
    "METHODS",
    "REFERENCES",
    "as_aggregator",
    "finite_difference_weights",
    "coordinate_projection_weights",
    "layer_shrinkage",
]

METHODS = ("projection", "coordinate_projection", "finite_difference")
REFERENCES = ("prior", "neighbors")

REASON_NO_CONTRAST = "x equals its neighbour mean (x - m = 0)"
REASON_FLAT = "aggregator output does not move along x - m"

Aggregator = Callable[[np.ndarray, np.ndarray], np.ndarray]


def as_aggregator(layer) -> Aggregator:
    """Wrap a layer as a float64 numpy function ``g(x, m) -> h``.

    Parameters
    ----------
    layer : torch.nn.Module with a ``combine(x, m)`` method, or callable
        A module such as :class:`regnet.nn.SAGEMLPConv` is copied, moved to
        the CPU in float64 and put in evaluation mode (the original is left
        untouched), so finite differences are not drowned by float32 rounding.
        Any other callable is called with float64 arrays.

    Returns
    -------
    callable
        ``g(x, m)`` on arrays of shape ``(n, F_in)`` returning ``(n, H)``.
    """
    if hasattr(layer, "combine") and isinstance(layer, torch.nn.Module):
        module = copy.deepcopy(layer).to(device="cpu", dtype=torch.float64).eval()

        def aggregate(x, m):
            with torch.no_grad():
                out = module.combine(torch.as_tensor(x, dtype=torch.float64),
                                     torch.as_tensor(m, dtype=torch.float64))
            return out.numpy()

        return aggregate
    if not callable(layer):
        raise TypeError(
            "aggregate must be a torch module with a combine(x, m) method or a callable "
            f"g(x, m); got {type(layer).__name__}."
        )
    return layer


def _call(aggregate: Aggregator, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    out = np.asarray(aggregate(x, m), dtype=np.float64)
    if out.ndim != 2 or out.shape[0] != x.shape[0]:
        raise ValueError(
            f"aggregate must return an array of shape ({x.shape[0]}, H), one row per input "
            f"row; got {out.shape}."
        )
    return out


def _contrast(x: np.ndarray, m: np.ndarray, n_features: int) -> np.ndarray:
    """``x - m`` on the first ``n_features`` columns, zero on the rest."""
    delta = np.zeros_like(x)
    delta[:, :n_features] = x[:, :n_features] - m[:, :n_features]
    return delta


def coordinate_projection_weights(x, m, h, n, *,
                                  n_features: int | None = None) -> dict[str, np.ndarray]:
    """Weight of the own input read off by projecting ``h - n`` on ``x - m`` coordinate-wise.

    Kept for the record: it assumes hidden unit ``k`` means input ``k``, which
    holds for an identity-like layer and not for a trained MLP (there it is
    near 0 for every gene). :func:`response_projection_weights` is the
    basis-free projection.

    ``delta = (x - m)[:, :F]`` and ``Delta = h - n``; ``Delta`` is cut to its
    first ``F`` columns, or zero-padded to ``F`` when the hidden size is
    smaller. The weight is ``clip(<Delta, delta> / ||delta||^2, 0, 1)``.

    Parameters
    ----------
    x, m : array-like of shape (n_genes, F_in)
        Layer inputs and their neighbour means.
    h, n : array-like of shape (n_genes, H)
        Layer outputs and the hidden-space reference they are compared with.
    n_features : int, optional
        ``F``: the leading input columns that define the contrast; defaults to
        all of them.

    Returns
    -------
    dict of numpy.ndarray
        ``weight`` (NaN where ``delta = 0``), ``raw_weight`` (before clipping),
        ``input_contrast_norm`` ``||delta||`` and ``output_contrast_norm``
        (``||Delta||`` over the compared columns).
    """
    x, m, h, n = (np.asarray(a, dtype=np.float64) for a in (x, m, h, n))
    if x.shape != m.shape or h.shape != n.shape or x.ndim != 2 or h.shape[0] != x.shape[0]:
        raise ValueError(
            "x, m must share a shape (n_genes, F_in) and h, n a shape (n_genes, H); got "
            f"x {x.shape}, m {m.shape}, h {h.shape}, n {n.shape}."
        )
    width = _check_n_features(n_features, x.shape[1])
    delta = x[:, :width] - m[:, :width]
    shared = min(width, h.shape[1])  # zero padding adds nothing beyond the hidden size
    hidden = h[:, :shared] - n[:, :shared]
    squared = np.einsum("ij,ij->i", delta, delta)
    dot = np.einsum("ij,ij->i", hidden, delta[:, :shared])
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(squared > 0, dot / squared, np.nan)
    return {
        "weight": np.clip(raw, 0.0, 1.0),
        "raw_weight": raw,
        "input_contrast_norm": np.sqrt(squared),
        "output_contrast_norm": np.sqrt(np.einsum("ij,ij->i", hidden, hidden)),
    }


def finite_difference_weights(
    aggregate, x, m, *, eps: float = 1e-2, n_features: int | None = None
) -> dict[str, np.ndarray]:
    """Weight of the own input from the aggregator's sensitivities along ``x - m``.

    With the unit direction ``d = delta / ||delta||`` (``delta = x - m`` on the
    first ``F`` columns, zero elsewhere), ``S_x = ||g(x + eps d, m) - g(x, m)|| / eps``
    and ``S_m = ||g(x, m + eps d) - g(x, m)|| / eps``; the weight is
    ``S_x / (S_x + S_m)``. All genes go through ``g`` in one batched call.

    Parameters
    ----------
    aggregate : callable or torch.nn.Module
        ``g(x, m)``; see :func:`as_aggregator`.
    x, m : array-like of shape (n_genes, F_in)
        Layer inputs and their neighbour means.
    eps : float, default=1e-2
        Step length along ``d``.
    n_features : int, optional
        ``F``: the leading input columns that define the direction.

    Returns
    -------
    dict of numpy.ndarray
        ``weight`` (NaN where ``delta = 0`` or ``S_x + S_m = 0``),
        ``input_contrast_norm`` ``||delta||``, ``sensitivity_self`` ``S_x``
        and ``sensitivity_neighbors`` ``S_m``.
    """
    if not isinstance(eps, numbers.Real) or not np.isfinite(eps) or eps <= 0:
        raise ValueError(f"eps must be a positive finite number; got {eps!r}.")
    g = as_aggregator(aggregate)
    x, m = (np.asarray(a, dtype=np.float64) for a in (x, m))
    if x.shape != m.shape or x.ndim != 2:
        raise ValueError(f"x and m must share a shape (n_genes, F_in); got {x.shape}, {m.shape}.")
    width = _check_n_features(n_features, x.shape[1])
    delta = _contrast(x, m, width)
    norm = np.linalg.norm(delta, axis=1)
    direction = np.divide(delta, norm[:, None], out=np.zeros_like(delta), where=norm[:, None] > 0)
    step = eps * direction
    k = len(x)
    out = _call(g, np.concatenate([x, x + step, x]), np.concatenate([m, m, m + step]))
    base = out[:k]
    s_self = np.linalg.norm(out[k:2 * k] - base, axis=1) / eps
    s_neigh = np.linalg.norm(out[2 * k:] - base, axis=1) / eps
    total = s_self + s_neigh
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where((norm > 0) & (total > 0), s_self / total, np.nan)
    return {
        "weight": weight,
        "input_contrast_norm": norm,
        "sensitivity_self": s_self,
        "sensitivity_neighbors": s_neigh,
    }


def _check_n_features(n_features, width: int) -> int:
    if n_features is None:
        return width
    if not isinstance(n_features, numbers.Integral) or not 1 <= n_features <= width:
        raise ValueError(f"n_features must be an integer in [1, {width}]; got {n_features!r}.")
    return int(n_features)


def _check_choice(name: str, value, options) -> None:
    if value not in options:
        raise ValueError(f"{name} must be one of {list(options)}; got {value!r}.")


def layer_shrinkage(
    x,
    m,
    *,
    h=None,
    n=None,
    aggregate=None,
    method: str = "projection",
    eps: float = 1e-2,
    reference: str = "prior",
    n_features: int | None = None,
) -> pd.DataFrame:
    """Per-gene shrinkage weights of one SAGE layer from its inputs and outputs.

    Parameters
    ----------
    x, m : pandas.DataFrame or array-like of shape (n_genes, F_in)
        Inputs and neighbour means; the result is indexed like ``x``.
    h, n : pandas.DataFrame or array-like of shape (n_genes, H), optional
        Layer output and its neighbour mean over the message graph; needed by
        ``reference="neighbors"`` only.
    aggregate : callable or torch.nn.Module, optional
        ``g(x, m)``; needed by every method except the coordinate projection
        with ``reference="neighbors"``.
    method : {"projection", "coordinate_projection", "finite_difference"}, default="projection"
        ``"projection"``: basis-free, ``||delta J_x|| / (||delta J_x|| + ||delta J_m||)``
        with the layer's Jacobians at the mean input
        (:func:`response_projection_weights`); ``"coordinate_projection"``:
        ``<Delta, delta> / ||delta||^2`` coordinate by coordinate
        (:func:`coordinate_projection_weights`); ``"finite_difference"``:
        :func:`finite_difference_weights`.
    eps : float, default=1e-2
        Finite-difference step.
    reference : {"prior", "neighbors"}, default="prior"
        Hidden-space point that ``h`` is contrasted with in the coordinate
        projection (ignored by the other methods).
        ``"prior"``: ``g(x - delta, m)``, the output for the same gene with its
        contrasted inputs replaced by the neighbour mean (``g(m, m)`` when the
        contrast covers every input); for a linear aggregator
        ``h = w x + (1 - w) m`` this gives exactly ``w``. ``"neighbors"``:
        ``n``, the mean of ``h`` over the neighbours; for the same linear
        aggregator it gives ``w + (1 - w) <A delta, delta> / ||delta||^2``
        (``A`` the neighbour-mean operator), i.e. ``w`` plus a graph term.
    n_features : int, optional
        Leading input columns that form the contrast ``x - m`` (e.g. the cells,
        leaving structural inputs out); defaults to all.

    Returns
    -------
    pandas.DataFrame
        ``weight`` in [0, 1] (NaN with a ``reason`` where it is undefined),
        the norms behind it and ``reason`` (missing where the weight is defined).
    """
    _check_choice("method", method, METHODS)
    _check_choice("reference", reference, REFERENCES)
    index = x.index if isinstance(x, pd.DataFrame) else None
    x_arr, m_arr = (np.asarray(a, dtype=np.float64) for a in (x, m))
    if x_arr.ndim != 2 or x_arr.shape != m_arr.shape:
        raise ValueError(
            f"x and m must share a shape (n_genes, F_in); got {x_arr.shape}, {m_arr.shape}."
        )
    if _needs_aggregate(method, reference):
        if aggregate is None:
            raise ValueError(
                f"method={method!r} with reference={reference!r} needs aggregate= (g(x, m))."
            )
    if method == "finite_difference":
        parts = finite_difference_weights(aggregate, x_arr, m_arr, eps=eps, n_features=n_features)
    elif method == "projection":
        width = _check_n_features(n_features, x_arr.shape[1])
        response = linear_response(aggregate, x_arr, m_arr, n_features=width)
        parts = response_projection_weights(x_arr, m_arr, response)
    elif reference == "prior":
        g = as_aggregator(aggregate)
        width = _check_n_features(n_features, x_arr.shape[1])
        k = len(x_arr)
        inputs = np.concatenate([x_arr, x_arr - _contrast(x_arr, m_arr, width)])
        out = _call(g, inputs, np.concatenate([m_arr, m_arr]))
        parts = coordinate_projection_weights(x_arr, m_arr, out[:k], out[k:], n_features=width)
    else:
        if h is None or n is None:
            raise ValueError("reference='neighbors' needs h= and n= (layer output and its "
                             "neighbour mean).")
        parts = coordinate_projection_weights(x_arr, m_arr, h, n, n_features=n_features)
    frame = pd.DataFrame(parts, index=index)
    reason = pd.Series(None, index=frame.index, dtype=object)
    reason[frame["input_contrast_norm"].to_numpy() == 0] = REASON_NO_CONTRAST
    reason[frame["weight"].isna().to_numpy() & reason.isna().to_numpy()] = REASON_FLAT
    frame["reason"] = reason
    return frame


def _needs_aggregate(method: str, reference: str) -> bool:
    return method != "coordinate_projection" or reference == "prior"
