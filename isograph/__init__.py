"""isograph: gene modules from isoform-resolved bulk RNA-seq."""

from importlib.metadata import PackageNotFoundError, version

from ._extras import lazy_module_getattr
from ._result import FitResult
from ._workflow import fit_dataset
from .data import IsoformData

try:
    # One place for the version: the installed distribution's metadata (pyproject.toml).
    __version__ = version("isograph")
except PackageNotFoundError:  # a source tree on sys.path without an install
    __version__ = "0+unknown"

# The backends, the explainers and the plots load on first access (PEP 562), so
# `import isograph` needs neither torch nor matplotlib; the VAE backend and
# `isograph.explain` need the `vae` extra and say so when it is missing.
_LAZY = {
    "BaselineNetworkModel": (".models._baseline", "BaselineNetworkModel"),
    "GraphNetworkModel": (".models._graph", "GraphNetworkModel"),
    "LatentNetworkModel": (".models._latent", "LatentNetworkModel"),
    "VaeNetworkModel": (".models.vae", "VaeNetworkModel"),
    "WgcnaNetworkModel": (".models._wgcna", "WgcnaNetworkModel"),
    "explain": (".explain", None),
    "plotting": (".plotting", None),
}
__getattr__ = lazy_module_getattr(__name__, _LAZY)

__all__ = [
    "BaselineNetworkModel",
    "FitResult",
    "GraphNetworkModel",
    "IsoformData",
    "LatentNetworkModel",
    "VaeNetworkModel",
    "WgcnaNetworkModel",
    "__version__",
    "explain",
    "fit_dataset",
    "plotting",
]


def __dir__():
    return sorted(set(globals()) | set(__all__))
