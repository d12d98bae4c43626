"""The VAE backend, laid out as ``regnet/nn``: torch module, training loop, estimator, checkpoint.

``_module``: the ``nn.Module`` (tensors in, tensors and a loss out); ``_training``:
the early-stopping loop; ``_validation``: parameter checks and data-size rules;
``_estimator``: :class:`VaeNetworkModel`, a thin ``fit`` over these and the pure
decoded-signal edge rules of :mod:`isograph.network`; ``_checkpoint``: the
weights-only file a fit folder keeps. Importing this package imports torch;
``isograph.models`` loads it on first use only.
"""

from ._checkpoint import load_checkpoint, save_checkpoint
from ._estimator import VaeNetworkModel
from ._training import PosteriorCollapseWarning

__all__ = ["PosteriorCollapseWarning", "VaeNetworkModel", "load_checkpoint", "save_checkpoint"]
