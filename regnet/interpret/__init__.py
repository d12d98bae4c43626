"""Interpretation of a fitted RegNet: shrinkage weights of the first SAGE layer.

The first layer mixes a gene's own expression ``x_i`` with the mean ``m_i`` of
its neighbours. :func:`shrinkage_weights` reads the effective weight of
``x_i`` off the trained layer (projection or finite differences),
:func:`empirical_bayes_weights` computes the Normal-Normal weights from the
data, and the ``plot_*`` functions draw them (each returns its Axes).
"""

from ._bayes import compare_weights, empirical_bayes_weights, nearest_cell_noise_variance
from ._graph import MessageGraph, message_graph, neighbor_mean
from ._plots import (
    embed_2d,
    plot_latent_umap,
    plot_shrinkage_hist,
    plot_shrinkage_vs_bayes,
    plot_shrinkage_vs_degree,
    plot_shrinkage_vs_expression,
)
from ._shrinkage import (
    as_aggregator,
    finite_difference_weights,
    layer_shrinkage,
    projection_weights,
)
from ._weights import shrinkage_weights

__all__ = [
    "MessageGraph",
    "as_aggregator",
    "compare_weights",
    "embed_2d",
    "empirical_bayes_weights",
    "finite_difference_weights",
    "layer_shrinkage",
    "message_graph",
    "nearest_cell_noise_variance",
    "neighbor_mean",
    "plot_latent_umap",
    "plot_shrinkage_hist",
    "plot_shrinkage_vs_bayes",
    "plot_shrinkage_vs_degree",
    "plot_shrinkage_vs_expression",
    "projection_weights",
    "shrinkage_weights",
]
