"""Network backends: estimators that turn samples x features into gene modules."""

from ._base import BaseNetworkModel
from ._baseline import BaselineNetworkModel
from ._checkpoint import load_checkpoint, save_checkpoint
from ._graph import GraphNetworkModel
from ._latent import LatentNetworkModel
from ._registry import BACKEND_NAMES, DEFAULT_BACKEND, get_backend_class, make_backend
from ._vae import VaeNetworkModel
from ._vae_training import PosteriorCollapseWarning
from ._wgcna import WgcnaNetworkModel
from ._wgcna_r import WgcnaError, WgcnaTimeoutError, WgcnaUnavailableError

__all__ = [
    "BACKEND_NAMES",
    "BaseNetworkModel",
    "BaselineNetworkModel",
    "DEFAULT_BACKEND",
    "GraphNetworkModel",
    "LatentNetworkModel",
    "PosteriorCollapseWarning",
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
