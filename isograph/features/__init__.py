"""Feature transformers: isoform-switch and abundance channels, covariate removal.

All are scikit-learn transformers (rows are samples) that work inside a
:class:`sklearn.pipeline.Pipeline` and support ``set_output(transform="pandas")``.
"""

from ._abundance import GeneAbundance, log_cpm
from ._covariates import CovariateWarning
from ._filter import ExpressedGeneFilter, ExpressionFilterWarning
from ._multiplex import (
    ABUNDANCE_CHANNEL,
    CHANNEL_SEPARATOR,
    CHANNELS,
    SWITCH_CHANNEL,
    MultiplexFeatures,
    join_feature_name,
    split_feature_name,
)
from ._qc import SampleQC, SampleQCWarning, TraitWarning
from ._residualize import CovariateResidualizer
from ._switch import SwitchCoordinates

__all__ = [
    "ABUNDANCE_CHANNEL",
    "CHANNELS",
    "CHANNEL_SEPARATOR",
    "SWITCH_CHANNEL",
    "CovariateResidualizer",
    "CovariateWarning",
    "ExpressedGeneFilter",
    "ExpressionFilterWarning",
    "GeneAbundance",
    "MultiplexFeatures",
    "SampleQC",
    "SampleQCWarning",
    "SwitchCoordinates",
    "TraitWarning",
    "join_feature_name",
    "log_cpm",
    "split_feature_name",
]
