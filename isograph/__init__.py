"""isograph: gene modules from isoform-resolved bulk RNA-seq."""

__version__ = "0.1.0"

from . import explain, plotting  # noqa: E402
from ._result import FitResult  # noqa: E402
from ._workflow import fit_dataset  # noqa: E402
from .data import IsoformData  # noqa: E402
from .models import (  # noqa: E402
    BaselineNetworkModel,
    GraphNetworkModel,
    LatentNetworkModel,
    VaeNetworkModel,
    WgcnaNetworkModel,
)

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
