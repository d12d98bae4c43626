"""Hydra configuration tree of the ``isograph`` command line (package data)."""
