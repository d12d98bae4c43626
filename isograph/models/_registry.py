"""Backends by name, so configuration files and the CLI can pick one."""

from __future__ import annotations

from .._extras import import_optional

#: name -> (private module, class name); the first is the default.
_BACKENDS = {
    "vae": (".vae", "VaeNetworkModel"),
    "baseline": ("._baseline", "BaselineNetworkModel"),
    "latent": ("._latent", "LatentNetworkModel"),
    "graph": ("._graph", "GraphNetworkModel"),
    "wgcna": ("._wgcna", "WgcnaNetworkModel"),
}
BACKEND_NAMES = tuple(_BACKENDS)
DEFAULT_BACKEND = "vae"


def get_backend_class(name: str) -> type:
    """The estimator class registered under ``name``.

    Raises
    ------
    ValueError
        When ``name`` is not a backend; the message lists the valid names.
    ImportError
        When the backend's optional dependencies are missing (the VAE needs
        ``pip install "isograph[vae]"``).
    """
    if name not in _BACKENDS:
        raise ValueError(f"backend must be one of {list(BACKEND_NAMES)}, got {name!r}")
    module, cls = _BACKENDS[name]
    # import_optional turns a missing torch into "pip install isograph[vae]".
    return getattr(import_optional(__package__ + module, purpose=f"backend {name!r}"), cls)


def make_backend(backend, **params):
    """An estimator from a name and parameters, or an estimator given as is.

    Parameters
    ----------
    backend : str or estimator
        A name from :data:`BACKEND_NAMES`, or an unfitted estimator instance
        (then ``params`` are applied with ``set_params``).
    **params
        Constructor parameters; unknown ones raise ``ValueError`` naming the
        valid parameters.
    """
    if isinstance(backend, str):
        cls = get_backend_class(backend)
        valid = set(cls().get_params())
        unknown = sorted(set(params) - valid)
        if unknown:
            raise ValueError(
                f"unknown parameters {unknown} for backend {backend!r}; valid: {sorted(valid)}"
            )
        return cls(**params)
    if not hasattr(backend, "fit") or not hasattr(backend, "get_params"):
        raise TypeError(f"backend must be a name or an estimator, got {type(backend).__name__}")
    from sklearn.base import clone

    return clone(backend).set_params(**params) if params else clone(backend)


def backend_name(model) -> str:
    """Registry name of a fitted or unfitted backend instance (class name if unknown)."""
    for name, (_, cls) in _BACKENDS.items():
        if type(model).__name__ == cls:
            return name
    return type(model).__name__
