"""Interpretation of a fitted RegNet: shrinkage weights of the first SAGE layer.

The first layer mixes a gene's own expression ``x_i`` with the mean ``m_i`` of
its neighbours. :func:`shrinkage_weights` reads the effective weight of
``x_i`` off the trained layer (a basis-free projection through the layer's
linear response, or finite differences),
:func:`empirical_bayes_weights` computes the Normal-Normal weights from the
data, and the ``plot_*`` functions draw them (each returns its Axes).
"""

from ._bayes import compare_weights, empirical_bayes_weights, nearest_cell_noise_variance
from ._encoder import encoder_directional_weights
from ._graph import MessageGraph, message_graph, neighbor_mean
from ._latent_plots import embed_2d, plot_latent_umap
from ._plots import (
    plot_shrinkage_hist,
    plot_shrinkage_vs_bayes,
    plot_shrinkage_vs_degree,
    plot_shrinkage_vs_expression,
)
from ._projection import LinearResponse, linear_response, response_projection_weights
from ._shrinkage import (
    as_aggregator,
    coordinate_projection_weights,
    finite_difference_weights,
    layer_shrinkage,
)
from ._stability import seed_stability
from ._weights import encoder_weights, shrinkage_weights

__all__ = [
    "LinearResponse",
    "MessageGraph",
    "as_aggregator",
    "compare_weights",
    "coordinate_projection_weights",
    "embed_2d",
    "empirical_bayes_weights",
    "encoder_directional_weights",
    "encoder_weights",
    "finite_difference_weights",
    "layer_shrinkage",
    "linear_response",
    "message_graph",
    "nearest_cell_noise_variance",
    "neighbor_mean",
    "plot_latent_umap",
    "plot_shrinkage_hist",
    "plot_shrinkage_vs_bayes",
    "plot_shrinkage_vs_degree",
    "plot_shrinkage_vs_expression",
    "response_projection_weights",
    "seed_stability",
    "shrinkage_weights",
]
