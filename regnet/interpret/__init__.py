"""regnet.interpret."""
