"""The VAE backend's fit on arrays: latent size by validation ELBO, signal test, edges.

Functions of the estimator (``est``) rather than methods, so the estimator file
holds parameters and the public methods only.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import torch

from ..._core import draw_seed
from ..._core._torch import resolve_device, torch_seeded
from ...network import ABUNDANCE, channel_thresholds
from ...network._decoded import (
    calibrate_abundance_threshold,
    channel_threshold_dict,
    decoded_correlation_edges,
    permute_columns,
    reconstruction_correlation,
    signal_test,
)
from ...network._tables import gene_index
from .._warnings import warn_empty
from ._module import VaeModule
from ._training import decoded_signal, evaluate, fit_loop, warn_if_collapsed
from ._validation import capped_latent_grid, latent_grid, training_config, validation_size


def train_module(est, X_train, X_val, n_latent, seed, device, *, max_epochs=None,
                 config=None, label="VAE"):
    """Build ``est``'s module under ``seed`` and train it; returns ``(module, result)``."""
    config = config or training_config(est)
    with torch_seeded(seed, device):
        module = VaeModule(X_train.shape[1], n_latent, tuple(est.hidden_layer_sizes),
                           float(est.dropout)).to(device)
        generator = torch.Generator().manual_seed(seed)
        result = fit_loop(module, X_train, X_val, config, generator=generator,
                          max_epochs=max_epochs, verbose=est.verbose,
                          description=f"{label} d={n_latent}")
    return module, result


def fit_vae_network(est, Z, features):
    """The edges of :class:`VaeNetworkModel`; sets its fitted VAE state on ``est``.

    1. one VAE per latent size, the best validation ELBO wins; 2. the decoded
    signal and its test against a VAE trained on column-shuffled data; 3. the
    decoded correlation under the channel edge policy. Returns ``rows, cols, weights``.
    """
    device = resolve_device(est.device)
    seed = draw_seed(est.random_state)
    rng = np.random.default_rng(seed)
    n = Z.shape[0]
    n_val = validation_size(n, float(est.validation_fraction))
    order = rng.permutation(n)
    train_idx, val_idx = np.sort(order[n_val:]), np.sort(order[:n_val])
    Z_all = torch.from_numpy(np.ascontiguousarray(Z, dtype=np.float32)).to(device)
    X_train = Z_all[torch.from_numpy(train_idx).to(device)]
    X_val = Z_all[torch.from_numpy(val_idx).to(device)] if n_val > 0 else None

    # 1. one VAE per latent dimension; the best validation ELBO wins
    grid_scores, best = [], None
    for d in capped_latent_grid(latent_grid(est), int(train_idx.size)):
        module, result = train_module(est, X_train, X_val, d, seed, device)
        held = evaluate(module, X_val if X_val is not None else X_train)
        score = -float(held.elbo)
        grid_scores.append({"latent_dim": d, "validation_neg_elbo": score,
                            "best_epoch": result.best_epoch})
        if best is None or score < best[0]:
            best = (score, d, module, result)
    _, d, module, result = best
    terms = evaluate(module, Z_all)
    kl_per_dim = terms.kl_per_dim.cpu().numpy().astype(np.float64)
    collapsed = warn_if_collapsed(kl_per_dim, float(est.collapse_threshold))

    # 2. decoded signal and the signal test against a permutation null
    D = decoded_signal(module, Z_all)
    r = reconstruction_correlation(Z, D)
    null_summary = None
    if est.signal_fdr is None:
        passed, q = np.ones(r.size, dtype=bool), np.full(r.size, np.nan)
    else:
        Zp = permute_columns(np.asarray(Z, dtype=np.float32), rng)
        Zp_t = torch.from_numpy(Zp).to(device)
        null_config = dataclasses.replace(training_config(est), early_stopping=False)
        null_module, _ = train_module(
            est, Zp_t[torch.from_numpy(train_idx).to(device)], None, d, seed + 1, device,
            max_epochs=max(result.best_epoch, 1), config=null_config, label="null")
        r_null = reconstruction_correlation(Zp, decoded_signal(null_module, Zp_t))
        passed, q = signal_test(r, r_null, float(est.signal_fdr))
        if not passed.any():
            warn_empty(
                f"VAE: no feature passed the signal test (FDR {est.signal_fdr}): the "
                f"decoder reproduces none of the {r.size} features better than it "
                f"reproduces column-shuffled data (null median r "
                f"{float(np.median(r_null)):.2f}); with {train_idx.size} training samples "
                "there may be too little signal. Try the latent backend, or signal_fdr=None "
                "for data known to be signal")
        null_summary = {"null_epochs": int(max(result.best_epoch, 1)),
                        "null_r_quantiles": {str(k): float(np.quantile(r_null, k))
                                             for k in (0.5, 0.9, 0.99, 1.0)},
                        "min_r_passed": float(r[passed].min()) if passed.any() else None}

    # 3. decoded correlation under the edge policy
    codes = features["code"].to_numpy()
    grid = est.alpha_abundance_grid
    alpha_aa = est.alpha_abundance
    table = channel_thresholds(
        est.alpha, alpha_switch=est.alpha_switch,
        alpha_abundance=min(grid) if grid is not None else alpha_aa,
        allow_abundance_abundance=bool(est.allow_abundance_abundance))
    rows, cols, weights = decoded_correlation_edges(
        D, passed, codes, table, max_edges=est.max_edges,
        max_edges_per_feature=est.max_edges_per_feature, reconstruction_r=r)
    aa_scores = None
    if grid is not None:
        genes, node_of = gene_index(features)
        alpha_aa, aa_scores = calibrate_abundance_threshold(
            rows, cols, weights, codes, node_of, genes.size, grid,
            min_module_size=int(est.min_module_size), community=est.community,
            resolution=float(est.resolution), random_state=est.random_state)
        aa = (codes[rows] == ABUNDANCE) & (codes[cols] == ABUNDANCE)
        keep = ~aa | (np.abs(weights) >= alpha_aa)
        rows, cols, weights = rows[keep], cols[keep], weights[keep]
        table[ABUNDANCE, ABUNDANCE] = alpha_aa

    # 4. fitted state
    est.module_ = module.cpu().eval()
    est.latent_dim_ = int(d)
    est.history_ = pd.DataFrame(result.history)
    est.feature_signal_ = pd.DataFrame({
        "feature": features["feature"].to_numpy(), "reconstruction_r": r,
        "q_value": q, "signal": passed})
    est.calibration_.update({
        "backend": "vae",
        "elbo": float(terms.elbo), "reconstruction": float(terms.reconstruction),
        "kl": float(terms.kl), "best_epoch": int(result.best_epoch),
        "early_stopped": bool(result.early_stopped),
        "epochs_trained": int(result.epochs_trained),
        "kl_per_dim": [float(v) for v in kl_per_dim],
        "collapsed_dims": [int(i) for i in collapsed],
        "latent_dim": int(d), "latent_grid": grid_scores,
        "device": str(device), "n_train": int(train_idx.size), "n_validation": int(n_val),
        "signal_fdr": None if est.signal_fdr is None else float(est.signal_fdr),
        "n_signal_features": int(passed.sum()), "signal_test": null_summary,
        "thresholds": channel_threshold_dict(table),
        "max_edges": est.max_edges, "max_edges_per_feature": est.max_edges_per_feature,
        "alpha_abundance_grid": aa_scores,
        # None: no grid, or every grid value merged modules (no such edges then)
        "alpha_abundance_selected": (float(alpha_aa) if grid is not None
                                     and np.isfinite(alpha_aa) else None),
    })
    return rows, cols, weights

