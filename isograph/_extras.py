"""Optional dependencies: load them on first use and name the extra that installs them.

``pip install isograph`` installs what the linear backends need (numpy, scipy,
scikit-learn, pandas, pyarrow, matplotlib, igraph/leidenalg). The VAE backend
and its explainers, RegNet and the Hydra-based CLI live behind extras, so that
``import isograph`` stays light and works without torch. Packages use
:func:`lazy_module_getattr` for PEP 562 attributes; code that needs an optional
module imports it with :func:`import_optional`.
"""

from __future__ import annotations

from importlib import import_module

__all__ = ["EXTRAS", "MissingExtraError", "import_optional", "lazy_module_getattr"]

#: top-level module -> the extra of the ``isograph`` distribution that installs it.
EXTRAS = {
    "torch": "vae",
    "captum": "vae",
    "torch_geometric": "regnet",
    "umap": "regnet",
    "numba": "regnet",
    "hydra": "cli",
    "omegaconf": "cli",
    "anndata": "anndata",
    "dask": "dask",
    "distributed": "dask",
}


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


def _missing(exc: ModuleNotFoundError, purpose: str, extra: str | None = None) -> MissingExtraError:
    top = (exc.name or "").split(".")[0]
    extra = extra or EXTRAS[top]
    return MissingExtraError(
        f"{purpose} needs the optional dependency {top!r}, which is not installed; "
        f'install it with: pip install "isograph[{extra}]"'
    )


def import_optional(module: str, *, purpose: str | None = None, extra: str | None = None):
    """Import ``module``; when an optional dependency is missing, say which extra installs it.

    Parameters
    ----------
    module : str
        Absolute module name, e.g. ``"torch"`` or ``"hydra.errors"``.
    purpose : str, optional
        What needs the module, for the message (default: the module name).
    extra : str, optional
        The extra to name (default: the one that installs the missing module,
        from :data:`EXTRAS`); RegNet names ``regnet`` even when torch is missing.

    Returns
    -------
    module
        The imported module.

    Raises
    ------
    MissingExtraError
        When the module, or an optional module it imports, is not installed.
    """
    try:
        return import_module(module)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in EXTRAS:
            raise
        raise _missing(exc, purpose or module, extra) from exc


def lazy_module_getattr(package: str, attributes: dict[str, tuple[str, str | None]]):
    """A PEP 562 ``__getattr__`` that imports each attribute's module on first access.

    Parameters
    ----------
    package : str
        The package's ``__name__`` (relative module names resolve against it).
    attributes : dict
        Attribute name -> ``(module, name)``; ``name=None`` returns the module itself.

    Returns
    -------
    callable
        The ``__getattr__`` to assign in the package's namespace.
    """

    def __getattr__(name: str):
        if name not in attributes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attr = attributes[name]
        try:
            loaded = import_module(module, package)
        except ModuleNotFoundError as exc:
            if (exc.name or "").split(".")[0] not in EXTRAS:
                raise
            raise _missing(exc, f"{package}.{name}") from exc
        return loaded if attr is None else getattr(loaded, attr)

    return __getattr__
