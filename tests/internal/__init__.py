"""Unit tests of private machinery, kept on purpose.

Everything else under ``tests/`` goes through public names; the modules here
import private ones because the behaviour they pin has no public entry point
that would show it (kill points, numerics against a dense reference, the torch
module). They may be rewritten whenever those internals change.
"""
