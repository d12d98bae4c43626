"""WGCNA's parameters: their checks, the R script's inputs, the fit's diagnostics."""

from __future__ import annotations

import numbers
import os

import numpy as np

from .._core import int_seed
from ._base import MIN_SAMPLES
from ._wgcna_r import WgcnaRun

NETWORK_TYPES = ("signed", "unsigned", "signed hybrid")
TOM_TYPES = ("signed", "unsigned", "signed Nowick", "unsigned 2", "signed 2", "signed Nowick 2")
#: scale-free R^2 a soft-thresholding power must reach (WGCNA's default cut)
R_SQUARED_CUT = 0.85
#: power used when no candidate reaches R_SQUARED_CUT (WGCNA FAQ, >= 40 samples)
FALLBACK_POWER = {"signed": 12, "unsigned": 6, "signed hybrid": 6}
#: WGCNA's goodSamplesGenes refuses fewer samples or genes than this (its
#: ..minNSamples / ..minNGenes); checked here so the error is sklearn's, not R's.
WGCNA_MIN_SAMPLES = max(MIN_SAMPLES, 4)
WGCNA_MIN_FEATURES = 4


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)


def check_wgcna_params(est) -> None:
    """Raise ``ValueError`` naming the first WGCNA parameter out of its range."""
    checks = [
        ("power", est.power is None or (_is_int(est.power) and est.power >= 1),
         "None or an integer >= 1"),
        ("network_type", est.network_type in NETWORK_TYPES, f"one of {NETWORK_TYPES}"),
        ("tom_type", est.tom_type in TOM_TYPES, f"one of {TOM_TYPES}"),
        ("min_module_size", _is_int(est.min_module_size) and est.min_module_size >= 2,
         "an integer >= 2"),
        ("merge_cut_height",
         _is_real(est.merge_cut_height) and 0 <= est.merge_cut_height <= 2,
         "a number in [0, 2]"),
        ("deep_split", _is_int(est.deep_split) and 0 <= est.deep_split <= 4,
         "an integer in 0..4"),
        ("max_block_size", _is_int(est.max_block_size) and est.max_block_size >= 2,
         "an integer >= 2"),
        ("edge_threshold", _is_real(est.edge_threshold) and 0 <= est.edge_threshold <= 1,
         "a number in [0, 1]"),
        ("max_edges_per_gene",
         _is_int(est.max_edges_per_gene) and est.max_edges_per_gene >= 0,
         "an integer >= 0"),
        ("n_threads", _is_int(est.n_threads) and (est.n_threads >= 1 or est.n_threads == -1),
         "an integer >= 1 or -1"),
        ("timeout_seconds", est.timeout_seconds is None
         or (_is_real(est.timeout_seconds) and est.timeout_seconds > 0),
         "None or a number > 0"),
    ]
    for name, ok, expected in checks:
        if not ok:
            raise ValueError(f"{name} must be {expected}, got {getattr(est, name)!r}")


def r_params(est) -> dict:
    """The JSON parameters ``wgcna.R`` reads, from the estimator's."""
    seed = int_seed(est.random_state)
    threads = (os.cpu_count() or 1) if est.n_threads == -1 else est.n_threads
    return {
        "power": None if est.power is None else int(est.power),
        "network_type": est.network_type,
        "tom_type": est.tom_type,
        "min_module_size": int(est.min_module_size),
        "merge_cut_height": float(est.merge_cut_height),
        "deep_split": int(est.deep_split),
        "max_block_size": int(est.max_block_size),
        "edge_threshold": float(est.edge_threshold),
        "max_edges_per_gene": int(est.max_edges_per_gene),
        "n_threads": int(threads),
        "random_seed": seed,
        "r_squared_cut": R_SQUARED_CUT,
        "fallback_power": FALLBACK_POWER[est.network_type],
    }


def wgcna_calibration(est, run: WgcnaRun, params: dict, n_moved: int) -> dict:
    """``calibration_`` of a WGCNA fit: R's power choice, blocks and versions."""
    info = run.info
    calibration = {
        "power": info["power"],
        "power_source": info["power_source"],
        "power_estimate_wgcna": info["power_estimate_wgcna"],
        "fit_r2": info["fit_r2"],
        "fit_slope": info["fit_slope"],
        "mean_connectivity": info["mean_connectivity"],
        "r_squared_cut": R_SQUARED_CUT,
        "soft_threshold_table": run.soft_threshold.to_dict(orient="list"),
        "network_type": est.network_type,
        "tom_type": est.tom_type,
        "n_blocks": int(info["n_blocks"]),
        "block_sizes": [int(b) for b in info["block_sizes"]],
        "blockwise": int(info["n_blocks"]) > 1,
        "n_excluded_features": int(info["n_excluded_features"]),
        "n_channel_conflicts": n_moved,
        "edge_threshold": float(est.edge_threshold),
        "max_edges_per_gene": int(est.max_edges_per_gene),
        "random_seed": params["random_seed"],
        "r_version": info["r_version"],
        "wgcna_version": info["wgcna_version"],
        # R's warnings of a successful run (e.g. a merge step it skipped)
        "r_messages": run.stderr.strip()[-2000:],
    }
    if run.edges is None:
        calibration["edges_note"] = (
            f"edges_ is empty: WGCNA ran blockwise ({info['n_blocks']} blocks, "
            f"max_block_size={est.max_block_size}); the TOM over all features is never "
            "formed. Raise max_block_size above the number of features to get edges."
        )
    return calibration
