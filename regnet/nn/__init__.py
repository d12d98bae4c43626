"""Torch modules of regnet: SAGE layer, global attention, VAE head, directed decoder.

The modules take tensors and return tensors (or a :class:`RegNetLoss`); the
estimator :class:`regnet.RegNet` adds gene names, data handling and training.
"""

from ._attention import GlobalSelfAttention, attention_entropy
from ._decoder import DirectedEdgeDecoder
from ._model import RegNetLoss, RegNetModule
from ._sage import SAGEMLPConv
from ._structure import (
    CORRELATION_FEATURE_NAMES,
    NODE_FEATURE_NAMES,
    PAIR_FEATURE_NAMES,
    GraphFeatures,
    node_structure_features,
    pair_correlation_features,
    pair_features_from,
    pair_structure_features,
    structure_matrices,
)
from ._vae import ExpressionDecoder, GaussianHead, kl_divergence, reparameterize

__all__ = [
    "CORRELATION_FEATURE_NAMES",
    "NODE_FEATURE_NAMES",
    "PAIR_FEATURE_NAMES",
    "DirectedEdgeDecoder",
    "GraphFeatures",
    "ExpressionDecoder",
    "GaussianHead",
    "GlobalSelfAttention",
    "RegNetLoss",
    "RegNetModule",
    "SAGEMLPConv",
    "attention_entropy",
    "kl_divergence",
    "node_structure_features",
    "pair_correlation_features",
    "pair_features_from",
    "pair_structure_features",
    "reparameterize",
    "structure_matrices",
]
