"""regnet.visualization."""
