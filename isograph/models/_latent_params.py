"""The parameter rules of the latent and graph backends (factor model + edge rule)."""

from __future__ import annotations

import numbers

import numpy as np

from ..network._edge_rules import check_edge_rule

EDGE_WEIGHTS = ("correlation", "partial")


def check_latent_params(est) -> None:
    """Validate the parameters shared by the latent and graph backends."""
    check_edge_rule(est.alpha, est.fdr)
    k = est.n_components
    if not (k == "auto" or (isinstance(k, numbers.Integral) and not isinstance(k, bool)
                            and k >= 0)):
        raise ValueError(f"n_components must be 'auto' or an integer >= 0, got {k!r}")
    if est.edge_weight not in EDGE_WEIGHTS:
        raise ValueError(f"edge_weight must be one of {list(EDGE_WEIGHTS)}, got "
                         f"{est.edge_weight!r}")
    if est.fdr_scope not in ("feature", "pairs"):
        raise ValueError(f"fdr_scope must be 'feature' or 'pairs', got {est.fdr_scope!r}")
    if est.n_components_grid is not None:
        grid = np.asarray(est.n_components_grid)
        if grid.ndim != 1 or grid.size == 0 or not np.issubdtype(grid.dtype, np.integer) \
                or np.any(grid < 0):
            raise ValueError("n_components_grid must be a non-empty sequence of integers >= 0, "
                             f"got {est.n_components_grid!r}")
    if isinstance(est.cv, bool) or not isinstance(est.cv, numbers.Integral) or est.cv < 2:
        raise ValueError(f"cv must be an integer >= 2, got {est.cv!r}")
    if isinstance(est.tol, bool) or not isinstance(est.tol, numbers.Real) or not est.tol > 0:
        raise ValueError(f"tol must be a positive number, got {est.tol!r}")
    if isinstance(est.max_iter, bool) or not isinstance(est.max_iter, numbers.Integral) \
            or est.max_iter < 1:
        raise ValueError(f"max_iter must be an integer >= 1, got {est.max_iter!r}")
