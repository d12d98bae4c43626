"""Dataset container, dataset folders, conversions and validation."""

from ._anndata import from_anndata, to_anndata
from ._annotation import read_transcript_to_gene
from ._container import SCHEMA_VERSION, IsoformData
from ._csv import from_csv
from ._examples import load_example
from ._io import read_dataset, write_dataset
from ._quant import UnmappedTranscriptsWarning, read_quantifications
from ._validation import IsoformDataError, validate_isoform_data

__all__ = [
    "SCHEMA_VERSION",
    "IsoformData",
    "IsoformDataError",
    "UnmappedTranscriptsWarning",
    "from_anndata",
    "from_csv",
    "load_example",
    "read_dataset",
    "read_quantifications",
    "read_transcript_to_gene",
    "to_anndata",
    "validate_isoform_data",
    "write_dataset",
]
