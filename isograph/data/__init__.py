"""Dataset container, dataset folders, conversions and validation."""

from ._container import SCHEMA_VERSION, IsoformData
from ._convert import from_anndata, from_csv, to_anndata
from ._io import read_dataset, write_dataset
from ._validation import IsoformDataError, validate_isoform_data

__all__ = [
    "SCHEMA_VERSION",
    "IsoformData",
    "IsoformDataError",
    "from_anndata",
    "from_csv",
    "read_dataset",
    "to_anndata",
    "validate_isoform_data",
    "write_dataset",
]
