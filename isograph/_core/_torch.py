"""Torch helpers shared by isograph's VAE and RegNet: device, threads, seeding, checkpoints.

torch is imported inside each function, so importing :mod:`isograph._core`
never loads it.
"""

from __future__ import annotations

from contextlib import contextmanager

#: Device types a model can be placed on (``"auto"`` picks one of the first two).
DEVICE_TYPES = ("cpu", "cuda", "mps")


def resolve_device(device, *, param: str = "device"):
    """The ``torch.device`` that ``device`` names, checked to be usable here.

    Parameters
    ----------
    device : str or torch.device
        ``"auto"`` (CUDA when available, else the CPU; MPS is used only when
        asked for, as some operations still fall back to the CPU there),
        ``"cpu"``, ``"cuda"``, ``"cuda:<i>"`` or ``"mps"``.
    param : str
        The parameter's name in error messages.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        ``device`` names no such device, or one this machine lacks; the
        message names ``param``, the value and what to use instead.
    """
    import torch

    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        resolved = None
    if resolved is None or resolved.type not in DEVICE_TYPES:
        raise ValueError(f"{param} must be 'auto', 'cpu', 'cuda', 'cuda:<i>' or 'mps', "
                         f"got {device!r}")
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{param}={device!r} was requested but CUDA is not available; "
                         f"use {param}='auto' or 'cpu'")
    if resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"{param}={device!r} was requested but MPS (Apple GPU) is not "
                         f"available; use {param}='auto' or 'cpu'")
    return resolved


@contextmanager
def torch_threads(n_threads: int | None):
    """Let torch use ``n_threads`` CPU threads inside the block (``None``: unchanged)."""
    if n_threads is None:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextmanager
def torch_seeded(seed: int, device=None):
    """Seed torch's generators inside the block and restore them after it.

    The global state outside the block is left as it was (``fork_rng``), so
    a fit neither depends on nor disturbs the caller's random stream.

    Parameters
    ----------
    seed : int
    device : torch.device, optional
        A CUDA device whose generator is forked as well.
    """
    import torch

    cuda = [device.index or 0] if device is not None and device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)  # seeds the CUDA generators as well
        yield


def load_weights(path, *, map_location="cpu"):
    """``torch.load`` of a checkpoint with ``weights_only=True`` (no pickled code runs)."""
    import torch

    return torch.load(path, map_location=map_location, weights_only=True)
