"""Synthetic isoform datasets with planted modules, and scores against that truth."""

from . import metrics
from ._presets import PRESETS, list_presets
from ._runner import compare_backends, run_benchmark
from ._suites import permute_genes
from ._synthetic import SyntheticDataset, make_isoform_dataset

__all__ = [
    "PRESETS",
    "SyntheticDataset",
    "compare_backends",
    "list_presets",
    "make_isoform_dataset",
    "metrics",
    "permute_genes",
    "run_benchmark",
]
