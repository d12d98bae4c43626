"""Hydra configuration: compose a packaged config with overrides, one-line errors."""

from __future__ import annotations

import re
from importlib import resources

CONFIG_MODULE = "isograph.cli.conf"


class CliError(Exception):
    """A problem with the command line, its configuration or its inputs (one line)."""


def _conf_root():
    return resources.files(CONFIG_MODULE)


def available_configs() -> list[str]:
    """Names of the primary configs shipped with the package (``fit``, ``benchmark``, ...)."""
    return sorted(p.name[:-5] for p in _conf_root().iterdir()
                  if p.is_file() and p.name.endswith(".yaml"))


def group_options(group: str) -> list[str]:
    """Options of a config group (e.g. ``vae`` -> ``["default", "quick"]``)."""
    folder = _conf_root().joinpath(group)
    if not folder.is_dir():
        return []
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def config_groups() -> list[str]:
    """Names of the config groups (one per backend)."""
    return sorted(p.name for p in _conf_root().iterdir()
                  if p.is_dir() and not p.name.startswith("_"))


def _valid_keys(node) -> list[str]:
    return sorted(str(k) for k in node if str(k) != "hydra")


def _struct_error(exc) -> str | None:
    """One line for an override of a key that the config does not have."""
    cause = exc.__cause__
    full_key = getattr(cause, "full_key", None)
    parent = getattr(cause, "parent_node", None)
    if full_key is None or parent is None:
        return None
    where = full_key.rsplit(".", 1)[0] if "." in full_key else None
    scope = f" under {where!r}" if where else ""
    keys = _valid_keys(parent)
    listing = ", ".join(keys) if keys else "none"
    return f"unknown configuration key {full_key!r}; valid keys{scope}: {listing}"


def _missing_option(message: str) -> str | None:
    match = re.search(r"Could not find '([^'/]+)/([^']+)'", message)
    if not match:
        return None
    group, option = match.groups()
    return (f"unknown option {option!r} for config group {group!r}; "
            f"available: {', '.join(group_options(group))}")


def one_line(message: str) -> str:
    """Join a multi-line message into one line."""
    parts = [re.sub(r"^-\s+", "", line.strip()) for line in str(message).splitlines()]
    return "; ".join(p for p in parts if p).replace(":;", ":")


def _check_added_keys(cfg, base, path="") -> None:
    """Refuse keys that overrides added (``+key=value``) to the packaged config."""
    from omegaconf import DictConfig

    for key in cfg:
        full = f"{path}.{key}" if path else str(key)
        if key not in base:
            scope = f" under {path!r}" if path else ""
            raise CliError(f"unknown configuration key {full!r}; valid keys{scope}: "
                           f"{', '.join(_valid_keys(base))}")
        child, ref = cfg[key], base[key]
        if isinstance(child, DictConfig) and isinstance(ref, DictConfig):
            _check_added_keys(child, ref, full)


def load_config(config_name: str, overrides=()) -> dict:
    """Compose a packaged config with Hydra overrides, as plain Python containers.

    Parameters
    ----------
    config_name : str
        A primary config of :data:`CONFIG_MODULE` (see :func:`available_configs`).
    overrides : sequence of str
        Hydra overrides (``key=value``, ``group=option``); ``null`` sets ``None``.

    Returns
    -------
    dict
        The resolved configuration.

    Raises
    ------
    CliError
        One line naming an unknown config, key (with the valid keys) or group
        option (with the available ones), or an unparsable override.
    """
    from .._extras import import_optional

    # Hydra is the `cli` extra; without it say which extra to install.
    import_optional("hydra", purpose="isograph's configuration (Hydra)")
    from hydra import compose, initialize_config_module
    from hydra.errors import ConfigCompositionException, HydraException, MissingConfigException
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    if config_name not in available_configs():
        raise CliError(f"unknown config name {config_name!r}; available: "
                       f"{', '.join(available_configs())}")
    from ._aliases import AliasError, apply_layer_aliases, translate_overrides

    try:  # IsoGraph's names (vae.hidden_dim, vae.n_epochs ...) -> ours
        overrides, layers = translate_overrides([str(o) for o in overrides])
    except AliasError as exc:
        raise CliError(str(exc)) from None
    try:
        with initialize_config_module(config_module=CONFIG_MODULE, version_base=None):
            cfg = compose(config_name=config_name, overrides=overrides)
            base = compose(config_name=config_name) if overrides else cfg
    except MissingConfigException as exc:
        raise CliError(_missing_option(str(exc)) or one_line(exc)) from None
    except ConfigCompositionException as exc:
        raise CliError(_struct_error(exc) or _missing_option(str(exc))
                       or one_line(exc)) from None
    except (HydraException, OmegaConfBaseException, ValueError) as exc:
        raise CliError(f"invalid override: {one_line(exc)}") from None
    _check_added_keys(cfg, base)
    try:
        return apply_layer_aliases(OmegaConf.to_container(cfg, resolve=True), layers)
    except OmegaConfBaseException as exc:
        raise CliError(f"invalid configuration: {one_line(exc)}") from None


def backend_params(cfg: dict, backend: str) -> dict:
    """The parameters of ``backend`` in a composed config (its group)."""
    from ..models._registry import BACKEND_NAMES

    if backend not in BACKEND_NAMES:
        raise CliError(f"unknown backend {backend!r}; valid backends: {', '.join(BACKEND_NAMES)}")
    return dict(cfg.get(backend) or {})


def as_list(value, name: str) -> list:
    """A config value that may be one item or a list of items, as a list."""
    if value is None:
        raise CliError(f"{name} must be a name or a list of names, got null")
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",") if v.strip()]
    elif isinstance(value, int):
        items = [value]
    else:
        items = list(value)
    if not items:
        raise CliError(f"{name} must name at least one item, got an empty list")
    return items


def column_list(value, name: str) -> list[str] | None:
    """A list-of-columns option (``covariates``, ``traits``) as a list, or ``None``.

    Hydra reads ``covariates=batch`` (no brackets) as the string ``"batch"``,
    which would otherwise be taken as the columns ``b, a, t, c, h``: a plain
    name is one column. Anything but names is refused with the right form.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise CliError(f"{name} must name sample-table columns, e.g. {name}=[batch] or "
                   f"{name}=[batch,age]; got {value!r}")
