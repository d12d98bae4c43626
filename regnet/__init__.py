"""regnet: gene regulatory networks with GraphSAGE, self-attention and a VAE."""

__version__ = "0.1.0"

__all__ = ["__version__"]
