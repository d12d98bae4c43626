"""The simplest backend, for tests of the workflow and its filters (not of a backend)."""

from isograph.models import BaseNetworkModel
from isograph.network import correlation_block, threshold_edges


class CorrelationModel(BaseNetworkModel):
    """Thresholded correlation through the public extension hook ``_fit_network``.

    ``absolute=False`` keeps positive correlations only, so a signal and its
    mirror image make two modules (for ``merge_threshold`` to join).
    """

    def __init__(self, alpha=0.45, *, absolute=True, merge_threshold=None, min_module_size=5,
                 community="leiden", resolution=1.0, random_state=0):
        self.alpha = alpha
        self.absolute = absolute
        self.merge_threshold = merge_threshold
        self.min_module_size = min_module_size
        self.community = community
        self.resolution = resolution
        self.random_state = random_state

    def _fit_network(self, Z, features):
        self.calibration_["alpha"] = self.alpha
        return threshold_edges(correlation_block(Z), Z.shape[1], self.alpha,
                               absolute=self.absolute)
