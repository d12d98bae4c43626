"""Why a VAE module is what it is: decoder attribution and Integrated Gradients.

Both explainers take a fitted :class:`~isograph.VaeNetworkModel` (or the path
of its ``vae_checkpoint.pt``), the samples x features matrix and a module, and
work along the module's latent direction (:func:`module_direction`).
"""

from ._decoder import DecoderAttribution, decoder_attribution
from ._direction import DIRECTION_METHODS, LatentDirection, module_direction
from ._inputs import FitInputs, read_fit_inputs, recompute_features
from ._integrated import CompletenessWarning, IntegratedGradientsResult, integrated_gradients

__all__ = [
    "DIRECTION_METHODS",
    "CompletenessWarning",
    "DecoderAttribution",
    "FitInputs",
    "IntegratedGradientsResult",
    "LatentDirection",
    "decoder_attribution",
    "integrated_gradients",
    "module_direction",
    "read_fit_inputs",
    "recompute_features",
]
