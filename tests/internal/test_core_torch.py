"""Torch helpers both packages share: device, threads, seeding, the loop (tiny, CPU only).

Internal on purpose: these tests import ``isograph._core._torch`` and
``_training`` (no public name) to pin what the VAE and RegNet rely on; rewrite
them when that machinery changes.
"""

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


def _scripted_loop(scores, **kwargs):
    """The shared loop on a one-weight module whose weight is set to the epoch number."""
    from isograph._core._training import fit_loop

    module = torch.nn.Linear(1, 1, bias=False)

    def train_epoch(epoch):
        with torch.no_grad():
            module.weight.fill_(float(epoch))
        return {"trained": float(epoch)}

    result = fit_loop(module, train_epoch, lambda epoch, row: {"score": scores[epoch]},
                      monitor="score", max_epochs=len(scores), **kwargs)
    return result, module.weight.item()


def test_shared_loop_stops_on_patience_and_restores_the_best_state():
    result, weight = _scripted_loop([0.1, 0.5, 0.4, 0.3, 0.2, 1.0], patience=3,
                                    higher_is_better=True)
    assert result.stopped_early and result.epochs_trained == 4
    assert result.best_epoch == 1 and result.best_score == 0.5 and weight == 1.0
    assert [row["epoch"] for row in result.history] == [0, 1, 2, 3, 4]
    assert list(result.history[0]) == ["epoch", "trained", "score"]


def test_shared_loop_follows_the_direction_and_min_delta():
    losses = [3.0, 2.0, 1.99, 1.0, 5.0]
    result, weight = _scripted_loop(losses, patience=None, higher_is_better=False)
    assert (result.best_epoch, weight, result.stopped_early) == (3, 3.0, False)
    # 1.99 is not 0.1 below 2.0, so it does not improve; 1.0 does
    result, _ = _scripted_loop(losses, patience=1, higher_is_better=False, min_delta=0.1)
    assert result.stopped_early and result.best_epoch == 1 and len(result.history) == 3
    # relative: the margin is 0.1 * |best|, so 2.0 (3.0 - 1.0) improves on 3.0 but 1.99 does not
    result, _ = _scripted_loop(losses, patience=None, higher_is_better=False, min_delta=0.1,
                               relative_delta=True)
    assert result.best_epoch == 3


def test_shared_loop_ignores_warm_up_epochs_and_keeps_the_last_state_without_a_best():
    result, weight = _scripted_loop([0.0, 9.0, 1.0, 2.0], patience=None, higher_is_better=False,
                                    first_epoch=0, monitor_from=2)
    assert result.best_epoch == 2 and weight == 2.0  # epoch 0's lower loss did not count
    result, weight = _scripted_loop([1.0, 2.0], patience=None, higher_is_better=True,
                                    monitor_from=5)
    assert result.best_epoch is None and weight == 1.0 and not result.stopped_early


def test_shared_loop_does_not_load_torch_at_import():
    import subprocess
    import sys

    code = "import sys, isograph._core._training; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
