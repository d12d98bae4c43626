"""Warnings the backends raise when the data are too small or a result is empty."""

from __future__ import annotations

from .._core._warn import warn


class SmallDataWarning(UserWarning):
    """The data are too small for part of a backend (a validation split, a latent size)."""


class EmptyResultWarning(UserWarning):
    """A backend step came out empty: no factor, no signal feature, no edge or no module."""


class NoModulesWarning(EmptyResultWarning):
    """``transform`` of a model that found no module returns zero columns.

    A cross-validation fold or a Pipeline step after the backend then gets an
    empty matrix; the fit's edge rule (``alpha`` / ``fdr``) or
    ``min_module_size`` is usually too strict for the data.
    """


def warn_small(message: str) -> None:
    """Raise :class:`SmallDataWarning` pointing at the caller of ``fit``."""
    warn(message, SmallDataWarning)


def warn_empty(message: str) -> None:
    """Raise :class:`EmptyResultWarning` pointing at the caller of ``fit``."""
    warn(message, EmptyResultWarning)


def explain_no_modules(n_genes: int, n_edges: int, largest: int, min_module_size: int) -> str:
    """Why a fit found no module, and what to change."""
    if n_edges == 0:
        return (f"no module: the edge rule kept no edge among {n_genes} genes; loosen "
                "alpha / fdr, or check that the features carry signal")
    if largest >= min_module_size:
        return (f"no module: the {n_edges} edges connect up to {largest} genes, but community "
                f"detection split them into communities smaller than "
                f"min_module_size={min_module_size}; lower min_module_size or resolution")
    return (f"no module: the {n_edges} edges link at most {largest} genes together, fewer "
            f"than min_module_size={min_module_size}; lower min_module_size or loosen the "
            "edge rule")


def explain_no_factors(n_samples: int, n_features: int) -> str:
    """Why the latent backend has no edge when cross-validation chose 0 factors."""
    return (f"latent: cross-validation chose 0 factors ({n_samples} samples, {n_features} "
            "features): no factor predicts held-out samples better than independent noise, so "
            "there are no edges. With few samples set n_components (e.g. 3), or try the "
            "baseline backend")
