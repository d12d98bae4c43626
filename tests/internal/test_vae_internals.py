"""The VAE backend's private pieces: the torch module, its loop, the decoded-signal rules.

Internal on purpose: ``VaeModule``, ``kl_divergence``, the training loop and
the decoded-signal test have no public name; the estimator built on them is
tested through ``VaeNetworkModel`` in ``tests/isograph/test_vae.py``. These pin
the loss terms against closed forms, the early-stopping state and the null
rules on hand-made inputs; rewrite them when those pieces change.
"""

import numpy as np
import pytest
import torch

from isograph.models.vae._module import VaeModule, kl_divergence
from isograph.models.vae._training import TrainingConfig, evaluate, fit_loop
from isograph.network._decoded import merged_pairs, signal_test

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_module_shapes_and_loss_terms_on_tiny_tensors():
    torch.manual_seed(0)
    module = VaeModule(7, 3, hidden=(5, 4), dropout=0.0)
    x = torch.randn(6, 7)
    out = module(x)
    assert out.mean.shape == (6, 7)
    assert out.mu.shape == out.logvar.shape == out.z.shape == (6, 3)
    terms = module.loss(x, out, beta=0.5)
    assert terms.kl_per_dim.shape == (3,)
    assert torch.all(terms.kl_per_dim >= 0)
    assert torch.isclose(terms.kl, terms.kl_per_dim.sum())
    assert torch.isclose(terms.loss, terms.reconstruction + 0.5 * terms.kl)
    terms.loss.backward()
    assert module.mean_head.weight.grad is not None
    module.eval()
    out = module(x)
    assert torch.equal(out.z, out.mu)  # evaluation decodes the posterior mean
    assert "n_latent=3" in repr(module)


def test_kl_divergence_is_zero_only_at_the_prior():
    mu = torch.tensor([[0.0, 1.0, 0.0]])
    logvar = torch.tensor([[0.0, 0.0, 1.0]])
    kl = kl_divergence(mu, logvar)
    assert kl[0, 0] == 0
    assert torch.isclose(kl[0, 1], torch.tensor(0.5))
    assert torch.isclose(kl[0, 2], torch.tensor(0.5 * (np.e - 2.0)), atol=1e-6)


def test_gaussian_reconstruction_matches_the_closed_form():
    module = VaeModule(4, 2, hidden=(3,), dropout=0.0).eval()
    x = torch.randn(5, 4)
    out = module(x)
    expected = 0.5 * ((x - out.mean) ** 2).sum(1).mean() + 4 * 0.5 * np.log(2 * np.pi)
    assert torch.isclose(module.loss(x, out).reconstruction, expected, rtol=1e-5)


def test_fit_loop_restores_the_best_epoch_and_stops_early():
    torch.manual_seed(0)
    X = torch.randn(40, 30)
    module = VaeModule(30, 4, hidden=(64,), dropout=0.0)
    config = TrainingConfig(max_epochs=400, kl_warmup=2, n_iter_no_change=5, batch_size=8,
                            learning_rate=1e-2)
    result = fit_loop(module, X[:30], X[30:], config, generator=torch.Generator().manual_seed(0))
    assert result.early_stopped and result.epochs_trained < 400
    assert result.epochs_trained - result.best_epoch == 5
    best_row = result.history[result.best_epoch - 1]
    assert best_row["val_loss"] == min(r["val_loss"] for r in result.history[1:])
    # the weights left in the module are the best epoch's
    assert float(evaluate(module, X[30:]).loss) == pytest.approx(best_row["val_loss"], rel=1e-5)


def test_signal_test_passes_only_features_above_the_null():
    rng = np.random.default_rng(0)
    null = rng.uniform(0.0, 0.5, size=1000)
    r = np.r_[rng.uniform(0.0, 0.5, size=900), np.full(100, 0.9)]
    passed, q = signal_test(r, null, 0.05)
    assert passed[900:].all() and passed[:900].sum() <= 5
    assert np.all((q >= 0) & (q <= 1))


def test_merged_pairs_counts_reference_modules_sharing_a_module():
    reference = np.array([0, 0, 0, 1, 1, 1, 2, 2, -1])
    assert merged_pairs(reference, np.array([5, 5, 5, 6, 6, 6, 7, 7, -1])) == 0
    assert merged_pairs(reference, np.array([5, 5, 5, 5, 5, 5, 7, 7, -1])) == 1
    assert merged_pairs(reference, np.array([5, 5, 5, 5, 5, 5, 5, 5, -1])) == 3


# ----------------------------------------------------------------- checkpoints
