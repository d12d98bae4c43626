"""Network backends: estimators that turn samples x features into gene modules."""

from .._extras import lazy_module_getattr
from ._registry import BACKEND_NAMES, DEFAULT_BACKEND, get_backend_class, make_backend

# Each backend loads on first access (PEP 562): the VAE pulls in torch (the
# `vae` extra), the others only numpy/scipy/scikit-learn.
_LAZY = {
    "BaseNetworkModel": ("._base", "BaseNetworkModel"),
    "NoModulesWarning": ("._warnings", "NoModulesWarning"),
    "BaselineNetworkModel": ("._baseline", "BaselineNetworkModel"),
    "GraphNetworkModel": ("._graph", "GraphNetworkModel"),
    "LatentNetworkModel": ("._latent", "LatentNetworkModel"),
    "VaeNetworkModel": (".vae", "VaeNetworkModel"),
    "PosteriorCollapseWarning": (".vae", "PosteriorCollapseWarning"),
    "EmptyResultWarning": ("._warnings", "EmptyResultWarning"),
    "SmallDataWarning": ("._warnings", "SmallDataWarning"),
    "load_checkpoint": (".vae", "load_checkpoint"),
    "save_checkpoint": (".vae", "save_checkpoint"),
    "WgcnaNetworkModel": ("._wgcna", "WgcnaNetworkModel"),
    "WgcnaError": ("._wgcna_r", "WgcnaError"),
    "WgcnaTimeoutError": ("._wgcna_r", "WgcnaTimeoutError"),
    "WgcnaUnavailableError": ("._wgcna_r", "WgcnaUnavailableError"),
}
__getattr__ = lazy_module_getattr(__name__, _LAZY)

__all__ = [
    "BACKEND_NAMES",
    "BaseNetworkModel",
    "BaselineNetworkModel",
    "DEFAULT_BACKEND",
    "EmptyResultWarning",
    "GraphNetworkModel",
    "LatentNetworkModel",
    "NoModulesWarning",
    "PosteriorCollapseWarning",
    "SmallDataWarning",
    "VaeNetworkModel",
    "WgcnaError",
    "WgcnaNetworkModel",
    "WgcnaTimeoutError",
    "WgcnaUnavailableError",
    "get_backend_class",
    "load_checkpoint",
    "make_backend",
    "save_checkpoint",
]


def __dir__():
    return sorted(set(globals()) | set(__all__))
