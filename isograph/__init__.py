"""isograph: gene modules from isoform-resolved bulk RNA-seq."""

__version__ = "0.1.0"

from ._result import FitResult  # noqa: E402
from ._workflow import fit_dataset  # noqa: E402
from .data import IsoformData  # noqa: E402

__all__ = ["FitResult", "IsoformData", "__version__", "fit_dataset"]
