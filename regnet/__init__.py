"""regnet: gene regulatory networks with GraphSAGE, self-attention and a VAE."""

from importlib.metadata import PackageNotFoundError, version

try:
    # One place for the version: the `isograph` distribution (pyproject.toml) ships regnet too.
    __version__ = version("isograph")
except PackageNotFoundError:  # a source tree on sys.path without an install
    __version__ = "0+unknown"

from ._convert import DroppedPairsWarning, SmallNetworkWarning

__all__ = ["DroppedPairsWarning", "RegNet", "SmallNetworkWarning", "__version__"]


def __getattr__(name):
    # RegNet pulls in torch and torch-geometric; load them only when asked for,
    # so that ``regnet.data`` and ``regnet.metrics`` stay light.
    if name == "RegNet":
        from isograph._extras import import_optional

        # Without torch / torch-geometric: an ImportError naming the `regnet` extra.
        return import_optional("regnet._model", purpose="regnet.RegNet", extra="regnet").RegNet
    raise AttributeError(f"module 'regnet' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
