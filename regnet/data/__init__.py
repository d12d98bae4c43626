"""BEELINE-format data, shipped examples and leakage-free link-prediction splits."""

from ._beeline import BeelineData, BeelineDataWarning, load_beeline, read_expression
from ._examples import list_examples, load_example
from ._genelink import degree_neutral_test, genelink_split
from ._split import Split, SplitWarning

__all__ = [
    "BeelineData",
    "BeelineDataWarning",
    "Split",
    "SplitWarning",
    "degree_neutral_test",
    "genelink_split",
    "list_examples",
    "load_beeline",
    "load_example",
    "read_expression",
]
