"""Which pairs pick RegNet's epoch and temperature, with fallbacks for small networks.

The order of preference (each fallback emits a :class:`SmallNetworkWarning`):

1. ``"given"``: the ``validation`` passed to ``fit``, when it holds both labels;
2. ``"internal"``: ``validation_fraction`` of each TF's positives (TFs with at
   least two), plus background non-edges at the network's density;
3. ``"internal_pooled"``: when no TF has two positives, the same fraction
   drawn over all positives (at least one; a TF may lose its only positive);
4. ``"training_loss"``: when no split can hold both labels (a single positive,
   or no candidate non-edge left), no validation: early stopping follows the
   training loss and probabilities are left uncalibrated (temperature 1).
"""

from __future__ import annotations

import numpy as np

from isograph._core._warn import warn

from ._convert import SmallNetworkWarning
from ._inputs import TrainingPairs, add_background_negatives, held_out_per_tf

__all__ = ["STRATEGIES", "choose_validation"]

STRATEGIES = ("given", "internal", "internal_pooled", "training_loss")


def _warn(message: str) -> None:
    warn(message, SmallNetworkWarning)


def choose_validation(rng, pairs: TrainingPairs, n_genes: int, fraction: float,
                      negatives: str):
    """Training positives and validation pairs for ``fit``.

    Parameters
    ----------
    rng : numpy.random.Generator
    pairs : TrainingPairs
        Checked ``fit`` inputs.
    n_genes : int
    fraction : float
        ``validation_fraction``.
    negatives : {"density", "given"}
        ``validation_negatives``: whether a given validation set gets
        background negatives up to the network density.

    Returns
    -------
    src, dst : numpy.ndarray
        Training positives (validation positives removed).
    validation : tuple of numpy.ndarray or None
        ``(src, dst, label)``; None under ``"training_loss"``.
    strategy : str
        One of :data:`STRATEGIES`.
    """
    src, dst, tf_idx = pairs.src, pairs.dst, pairs.tf_idx
    if pairs.validation is not None:
        v_src, v_dst, v_lab = pairs.validation
        if negatives == "density" and v_lab.sum() > 0:
            v_src, v_dst, v_lab = add_background_negatives(
                rng, v_src, v_dst, v_lab, src, dst, tf_idx, n_genes
            )
        if len(np.unique(v_lab)) == 2:
            return src, dst, (v_src, v_dst, v_lab), "given"
        _warn(
            f"validation holds {len(v_lab)} pairs, {int(v_lab.sum())} positive: it cannot "
            "score an epoch (it needs both labels). Falling back to an internal split of "
            f"edges (validation_fraction={fraction})."
        )
    strategy = "internal"
    held = held_out_per_tf(rng, src, fraction)
    if not held.any() and len(src) >= 2:
        k = min(max(1, int(round(fraction * len(src)))), len(src) - 1)
        held[rng.choice(len(src), size=k, replace=False)] = True
        strategy = "internal_pooled"
        _warn(
            f"No TF has two positives to hold one out; validation holds {k} of the "
            f"{len(src)} positives drawn over all TFs (a TF may lose its only training "
            "positive)."
        )
    if held.any():
        v_src, v_dst, v_lab = add_background_negatives(
            rng, src[held], dst[held], np.ones(held.sum(), np.int64),
            src[~held], dst[~held], tf_idx, n_genes,
        )
        if len(np.unique(v_lab)) == 2:
            return src[~held], dst[~held], (v_src, v_dst, v_lab), strategy
    _warn(
        f"The network ({len(src)} positives over {len(tf_idx)} TFs x {n_genes} genes) is too "
        "small for a validation set with both labels. Training without one: early stopping "
        "on the training loss, and predict_proba is not calibrated (temperature 1)."
    )
    return src, dst, None, "training_loss"
