"""Named sizes for the synthetic benchmark datasets."""

from __future__ import annotations

import copy

#: Generator parameters used when neither a preset nor the caller sets them.
#: ``make_isoform_dataset()`` with no arguments therefore matches ``"small"``.
DEFAULTS: dict = {
    "n_genes": 300,
    "n_samples": 80,
    "n_modules": 6,
    "module_fraction": 0.5,
    "min_module_size": 8,
    "role_fractions": {
        "abundance_only": 0.4,
        "switch_only": 0.25,
        "coupled": 0.2,
        "discordant": 0.15,
    },
    "nonlinear": False,
    "n_batches": 2,
    "batch_effect": 0.4,
    "confounder_effect": 0.3,
    "covariate_gene_fraction": 0.5,
    "covariate_usage_fraction": 0.1,
    "abundance_effect": (0.25, 0.65),
    "switch_effect": (0.45, 1.0),
    "dispersion": 0.1,
    "mean_gene_count": 400.0,
    "library_size_sd": 0.3,
    "trait_correlation": 0.7,
}

#: Named presets: each entry overrides :data:`DEFAULTS`. Ordered from smallest to largest.
PRESETS: dict[str, dict] = {
    "toy": {
        "n_genes": 40,
        "n_samples": 60,
        "n_modules": 3,
        "module_fraction": 0.6,
        "min_module_size": 5,
    },
    "small": {
        "n_genes": 300,
        "n_samples": 80,
        "n_modules": 6,
        "module_fraction": 0.5,
        "min_module_size": 8,
    },
    "medium": {
        "n_genes": 2000,
        "n_samples": 120,
        "n_modules": 12,
        "module_fraction": 0.4,
        "min_module_size": 10,
        "n_batches": 3,
    },
    "large": {
        "n_genes": 6000,
        "n_samples": 240,
        "n_modules": 20,
        "module_fraction": 0.35,
        "min_module_size": 10,
        "n_batches": 3,
    },
    "xlarge": {
        "n_genes": 12000,
        "n_samples": 240,
        "n_modules": 30,
        "module_fraction": 0.3,
        "min_module_size": 10,
        "n_batches": 3,
    },
}


def list_presets() -> list[str]:
    """Names of the synthetic dataset presets, smallest first.

    Returns
    -------
    list of str
        Keys of :data:`PRESETS`, e.g. ``["toy", "small", "medium", "large", "xlarge"]``.

    See Also
    --------
    make_isoform_dataset : Generate a dataset from a preset.
    """
    return list(PRESETS)


def resolve_parameters(preset: str | None, overrides: dict) -> dict:
    """Merge :data:`DEFAULTS`, a preset and explicit keyword arguments.

    Parameters
    ----------
    preset : str or None
        Name of a preset, or ``None`` for :data:`DEFAULTS` only.
    overrides : dict
        Keyword arguments given explicitly; entries that are ``None`` are ignored.

    Returns
    -------
    dict
        A fresh dict of every generator parameter.

    Raises
    ------
    ValueError
        If ``preset`` is not a known preset name.
    """
    params = copy.deepcopy(DEFAULTS)
    if preset is not None:
        if not isinstance(preset, str) or preset not in PRESETS:
            raise ValueError(
                f"preset must be one of {list_presets()} or None; got {preset!r}."
            )
        params.update(copy.deepcopy(PRESETS[preset]))
    for key, value in overrides.items():
        if key not in params:
            raise TypeError(f"unknown generator parameter {key!r}.")
        if value is not None:
            params[key] = copy.deepcopy(value)
    return params
