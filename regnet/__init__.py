"""regnet: gene regulatory networks with GraphSAGE, self-attention and a VAE."""

__version__ = "0.1.0"

__all__ = ["RegNet", "__version__"]


def __getattr__(name):
    # RegNet pulls in torch and torch-geometric; load them only when asked for,
    # so that ``regnet.data`` and ``regnet.metrics`` stay light.
    if name == "RegNet":
        from ._model import RegNet

        return RegNet
    raise AttributeError(f"module 'regnet' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
