"""isograph: gene modules from isoform-resolved bulk RNA-seq."""

from .data import IsoformData

__version__ = "0.1.0"

__all__ = ["IsoformData", "__version__"]
