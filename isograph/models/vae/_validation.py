"""The parameter rules of :class:`VaeNetworkModel` and the limits small data sets on them."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ..._core._torch import resolve_device
from .._constraints import check_integer_sequence
from .._warnings import warn_small
from ._training import TrainingConfig

#: Latent sizes above this share of the training samples let the decoder memorize them.
MAX_LATENT_SHARE = 0.25
#: Fewer validation samples than this make early stopping and the grid choice follow noise.
MIN_VALIDATION = 3


#: The VAE's own parameter rules (merged with the shared ones in ``VaeNetworkModel``).
VAE_CONSTRAINTS = {
    "latent_dim": [Interval(Integral, 1, None, closed="left"), "array-like"],
    "hidden_layer_sizes": ["array-like"],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "beta": [Interval(Real, 0, None, closed="neither")],
    "kl_warmup": [Interval(Integral, 0, None, closed="left")],
    "max_epochs": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "early_stopping": ["boolean"],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "collapse_threshold": [Interval(Real, 0, None, closed="left")],
    "signal_fdr": [Interval(Real, 0, 1, closed="neither"), None],
    "alpha": [Interval(Real, 0, 1, closed="right")],
    "alpha_switch": [Interval(Real, 0, 1, closed="right"), None],
    "alpha_abundance": [Interval(Real, 0, 1, closed="right"), None],
    "allow_abundance_abundance": ["boolean"],
    "alpha_abundance_grid": ["array-like", None],
    "activity_threshold": [Interval(Real, 0, 1, closed="both")],
    "discordance_threshold": [Interval(Real, 0, 1, closed="both")],
    "device": [str],
    "n_threads": [Interval(Integral, 1, None, closed="left"), None],
    "verbose": ["verbose"],
}


def check_vae_params(est) -> None:
    """The rules :data:`VAE_CONSTRAINTS` cannot state (sequences, ties, the device)."""
    if not isinstance(est.latent_dim, Integral):
        check_integer_sequence("latent_dim", est.latent_dim, 1)
    check_integer_sequence("hidden_layer_sizes", est.hidden_layer_sizes, 1)
    grid = est.alpha_abundance_grid
    if grid is not None:
        values = np.asarray(grid, dtype=object).ravel()
        if not values.size or not all(isinstance(v, Real) and not isinstance(v, bool)
                                      and 0.0 < v <= 1.0 for v in values):
            raise ValueError("alpha_abundance_grid must be None or a non-empty sequence of "
                             f"numbers in (0, 1], got {grid!r}")
        if est.alpha_abundance is not None:
            raise ValueError(
                f"alpha_abundance={est.alpha_abundance!r} and alpha_abundance_grid={grid!r} "
                "were both given; set one of them (the grid chooses alpha_abundance)"
            )
        if not est.allow_abundance_abundance:
            raise ValueError(
                f"alpha_abundance_grid={grid!r} calibrates abundance–abundance edges, which "
                "allow_abundance_abundance=False forbids; set one of them"
            )
    resolve_device(est.device)


def validation_size(n_samples: int, fraction: float) -> int:
    """Samples held out for validation; warns when there are too few to judge by."""
    if fraction <= 0:
        return 0
    n_val = min(int(np.ceil(fraction * n_samples)), n_samples - 2)
    if n_val < MIN_VALIDATION:
        warn_small(
            f"VAE: validation_fraction={fraction} of {n_samples} samples holds out {n_val} "
            f"(fewer than {MIN_VALIDATION}): early stopping and the latent_dim choice follow "
            "noise. Raise validation_fraction, or set validation_fraction=0 to watch the "
            "training loss")
    return max(n_val, 0)


def capped_latent_grid(grid: list[int], n_train: int) -> list[int]:
    """Latent sizes at most ``MAX_LATENT_SHARE`` of the training samples (see the Notes)."""
    cap = max(1, int(MAX_LATENT_SHARE * n_train))
    kept = [d for d in grid if d <= cap]
    if len(kept) < len(grid):
        dropped = [d for d in grid if d > cap]
        kept = kept or [cap]
        warn_small(
            f"VAE: latent_dim {dropped} exceed{'s' if len(dropped) == 1 else ''} a quarter of "
            f"the {n_train} training samples ({cap}); a decoder that large reproduces "
            f"shuffled data too and the signal test loses its power, so the grid is {kept}")
    return kept


def latent_grid(est) -> list[int]:
    """``est.latent_dim`` as a sorted list of distinct sizes (one size: a list of one)."""
    if isinstance(est.latent_dim, Integral):
        return [int(est.latent_dim)]
    return sorted({int(d) for d in est.latent_dim})


def training_config(est) -> TrainingConfig:
    """The optimisation settings of ``est`` as a :class:`TrainingConfig`."""
    return TrainingConfig(
        max_epochs=int(est.max_epochs), batch_size=int(est.batch_size),
        learning_rate=float(est.learning_rate), weight_decay=float(est.weight_decay),
        beta=float(est.beta), kl_warmup=int(est.kl_warmup),
        early_stopping=bool(est.early_stopping),
        n_iter_no_change=int(est.n_iter_no_change), tol=float(est.tol))
