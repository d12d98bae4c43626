"""WGCNA's parameters: their rules, the R script's inputs, the fit's diagnostics."""

from __future__ import annotations

import os
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, Options, StrOptions

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


#: WGCNA's parameter rules (merged with the base's in ``WgcnaNetworkModel``).
WGCNA_CONSTRAINTS = {
    "power": [Interval(Integral, 1, None, closed="left"), None],
    "network_type": [StrOptions(set(NETWORK_TYPES))],
    "tom_type": [StrOptions(set(TOM_TYPES))],
    "merge_cut_height": [Interval(Real, 0, 2, closed="both")],
    "deep_split": [Interval(Integral, 0, 4, closed="both")],
    "max_block_size": [Interval(Integral, 2, None, closed="left")],
    "edge_threshold": [Interval(Real, 0, 1, closed="both")],
    "max_edges_per_gene": [Interval(Integral, 0, None, closed="left")],
    "n_threads": [Interval(Integral, 1, None, closed="left"), Options(Integral, {-1})],
    "timeout_seconds": [Interval(Real, 0, None, closed="neither"), None],
    "rscript": [str, os.PathLike, None],
}


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
