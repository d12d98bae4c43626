"""Network backends: estimators that turn samples x features into gene modules."""

from ._base import BaseNetworkModel
from ._registry import BACKEND_NAMES, DEFAULT_BACKEND, get_backend_class, make_backend
from ._wgcna import WgcnaNetworkModel
from ._wgcna_r import WgcnaError, WgcnaTimeoutError, WgcnaUnavailableError

__all__ = [
    "BACKEND_NAMES",
    "BaseNetworkModel",
    "DEFAULT_BACKEND",
    "WgcnaError",
    "WgcnaNetworkModel",
    "WgcnaTimeoutError",
    "WgcnaUnavailableError",
    "get_backend_class",
    "make_backend",
]
