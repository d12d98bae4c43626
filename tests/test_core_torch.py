"""Torch helpers both packages share: device, threads, seeding (tiny, CPU only)."""

import numpy as np
import pytest
import torch

from isograph import VaeNetworkModel
from isograph._core._torch import resolve_device, torch_seeded, torch_threads
from regnet import RegNet


def test_resolve_device_knows_cpu_cuda_and_mps_and_names_the_parameter():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match=r"my_device must be 'auto', .*'mps', got 'gpu'"):
        resolve_device("gpu", param="my_device")
    if not torch.backends.mps.is_available():
        with pytest.raises(ValueError, match=r"device='mps' was requested but MPS"):
            resolve_device("mps")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda:0")


@pytest.mark.skipif(torch.backends.mps.is_available(), reason="this machine has MPS")
def test_both_packages_accept_mps_as_a_device_name():
    # "mps" is a known device: refused only because this machine has none
    X = np.random.default_rng(0).normal(size=(20, 6))
    with pytest.raises(ValueError, match="MPS"):
        VaeNetworkModel(device="mps").fit(X)
    with pytest.raises(ValueError, match="MPS"):
        RegNet(device="mps")._resolve_device()


def test_torch_threads_sets_and_restores_the_thread_count():
    before = torch.get_num_threads()
    wanted = 1 if before != 1 else 2
    with torch_threads(wanted):
        assert torch.get_num_threads() == wanted
    assert torch.get_num_threads() == before
    with torch_threads(None):
        assert torch.get_num_threads() == before


def test_torch_seeded_repeats_draws_and_leaves_the_global_stream_alone():
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    with torch_seeded(5):
        first = torch.rand(3)
    after = torch.rand(3)
    with torch_seeded(5):
        again = torch.rand(3)
    assert torch.equal(first, again)
    assert torch.equal(after, expected_next)  # the caller's stream did not move
