"""Parameter checks of :class:`VaeNetworkModel` (each error names the parameter)."""

from __future__ import annotations

import numbers

import numpy as np

from ..._core._torch import resolve_device
from .._warnings import warn_small
from ._training import TrainingConfig

#: Latent sizes above this share of the training samples let the decoder memorize them.
MAX_LATENT_SHARE = 0.25
#: Fewer validation samples than this make early stopping and the grid choice follow noise.
MIN_VALIDATION = 3


def _fail(name: str, value, expected: str):
    raise ValueError(f"{name} must be {expected}, got {value!r}")


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and bool(np.isfinite(value)))


def _check_int(est, name: str, minimum: int) -> None:
    value = getattr(est, name)
    if not _is_int(value) or value < minimum:
        _fail(name, value, f"an integer >= {minimum}")


def _check_real(est, name: str, low: float, high: float, *, low_open: bool = False,
                high_open: bool = False, allow_none: bool = False) -> None:
    value = getattr(est, name)
    if value is None and allow_none:
        return
    ok = _is_real(value) and (value > low if low_open else value >= low) and (
        value < high if high_open else value <= high)
    if not ok:
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        _fail(name, value, f"a number in {interval}" + (" or None" if allow_none else ""))


def _int_sequence(value) -> bool:
    try:
        items = list(value)
    except TypeError:
        return False
    return bool(items) and all(_is_int(v) and v >= 1 for v in items)


def validate_vae_params(est) -> None:
    """Raise ``ValueError`` naming the first invalid parameter of ``est``."""
    d = est.latent_dim
    if not ((_is_int(d) and d >= 1) or (not isinstance(d, str) and _int_sequence(d))):
        _fail("latent_dim", d, "an integer >= 1 or a non-empty sequence of them")
    h = est.hidden_layer_sizes
    if isinstance(h, str) or not _int_sequence(h):
        _fail("hidden_layer_sizes", h, "a non-empty sequence of integers >= 1")
    _check_real(est, "dropout", 0.0, 1.0, high_open=True)
    _check_real(est, "beta", 0.0, np.inf, low_open=True, high_open=True)
    _check_int(est, "kl_warmup", 0)
    _check_int(est, "max_epochs", 1)
    _check_int(est, "batch_size", 1)
    _check_real(est, "learning_rate", 0.0, np.inf, low_open=True, high_open=True)
    _check_real(est, "weight_decay", 0.0, np.inf, high_open=True)
    _check_real(est, "validation_fraction", 0.0, 1.0, high_open=True)
    if not isinstance(est.early_stopping, (bool, np.bool_)):
        _fail("early_stopping", est.early_stopping, "True or False")
    _check_int(est, "n_iter_no_change", 1)
    _check_real(est, "tol", 0.0, np.inf, high_open=True)
    _check_real(est, "collapse_threshold", 0.0, np.inf, high_open=True)
    _check_real(est, "signal_fdr", 0.0, 1.0, low_open=True, high_open=True, allow_none=True)
    _check_real(est, "alpha", 0.0, 1.0, low_open=True)
    _check_real(est, "alpha_switch", 0.0, 1.0, low_open=True, allow_none=True)
    _check_real(est, "alpha_abundance", 0.0, 1.0, low_open=True, allow_none=True)
    if not isinstance(est.allow_abundance_abundance, (bool, np.bool_)):
        _fail("allow_abundance_abundance", est.allow_abundance_abundance, "True or False")
    grid = est.alpha_abundance_grid
    if grid is not None:
        try:
            values = [float(v) for v in grid] if not isinstance(grid, str) else []
        except (TypeError, ValueError):
            values = []
        if not values or not all(0.0 < v <= 1.0 for v in values):
            _fail("alpha_abundance_grid", grid, "None or a non-empty sequence of numbers in (0, 1]")
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
    _check_real(est, "activity_threshold", 0.0, 1.0)
    _check_real(est, "discordance_threshold", 0.0, 1.0)
    _check_int(est, "verbose", 0)
    if est.n_threads is not None:
        _check_int(est, "n_threads", 1)
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
    if isinstance(est.latent_dim, numbers.Integral):
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
