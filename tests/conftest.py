import pytest


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny torch models on a shared 2-core machine: extra intra-op threads only add
    synchronisation (10-100x slower here). Restores the setting after the module."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
