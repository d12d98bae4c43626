"""Decoder attribution: what moving along a module's latent direction does to each feature."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from scipy import stats

from ..network import bh_adjust, feature_table
from ._direction import (
    LatentDirection,
    check_method,
    direction_from_inputs,
    double_module,
    posterior_mean,
    resolve_model,
    resolve_module,
    standardized_input,
)

#: Which features a decoder attribution table covers.
SCOPES = ("module", "all")
DRIVER_COLUMNS = ["module", "feature", "gene_id", "channel", "member", "decoded_change",
                  "relative_change", "correlation", "p_value", "q_value", "driver", "rank"]


@dataclass
class DecoderAttribution:
    """What :func:`decoder_attribution` returns.

    Attributes
    ----------
    table : DataFrame
        One row per feature, strongest decoded change first: ``module``,
        ``feature``, ``gene_id``, ``channel`` (``None`` for plain features),
        ``member`` (the feature is labelled with the module), ``decoded_change``,
        ``relative_change``, ``correlation``, ``p_value``, ``q_value``,
        ``driver``, ``rank``.
    direction : LatentDirection
        The latent direction that was decoded.
    fdr, min_change : float
        The driver rule that was applied.
    """

    table: pd.DataFrame
    direction: LatentDirection
    fdr: float
    min_change: float

    @property
    def drivers(self) -> pd.DataFrame:
        """The rows flagged as drivers."""
        return self.table[self.table["driver"]]


def _central_difference(decode, center: torch.Tensor, vector: torch.Tensor,
                        h: float) -> torch.Tensor:
    """``(decode(c + h v) - decode(c - h v)) / (2 h)``: the decoder's directional derivative."""
    with torch.no_grad():
        pair = decode(torch.stack([center + h * vector, center - h * vector]))
    return (pair[0] - pair[1]) / (2.0 * h)


def _association(Z: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlation of each column of ``Z`` with ``score`` and its two-sided p-value."""
    n = Z.shape[0]
    Zc = Z - Z.mean(axis=0)
    s = score - score.mean()
    denom = np.sqrt((Zc**2).sum(axis=0) * (s**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(denom > 0, Zc.T @ s / np.where(denom > 0, denom, 1.0), 0.0)
    r = np.clip(r, -1.0, 1.0)
    df = n - 2
    with np.errstate(divide="ignore"):
        t = r * np.sqrt(df / np.maximum(1.0 - r**2, 1e-300))
    return r, 2.0 * stats.t.sf(np.abs(t), df)


def _check_params(features, step, fdr, min_change) -> None:
    if features not in SCOPES:
        raise ValueError(f"features must be one of {list(SCOPES)}, got {features!r}")
    if not (isinstance(step, (int, float)) and np.isfinite(step) and step > 0):
        raise ValueError(f"step must be a positive number (latent standard deviations), "
                         f"got {step!r}")
    if not (isinstance(fdr, (int, float)) and 0 < fdr < 1):
        raise ValueError(f"fdr must be in (0, 1), got {fdr!r}")
    if not (isinstance(min_change, (int, float)) and 0 <= min_change <= 1):
        raise ValueError(f"min_change must be in [0, 1] (a share of the largest decoded "
                         f"change), got {min_change!r}")


def decoder_attribution(
    model,
    X,
    module,
    *,
    method: str = "regression",
    features: str = "module",
    step: float = 1.0,
    fdr: float = 0.05,
    min_change: float = 0.5,
) -> DecoderAttribution:
    """Rank features by how much the decoder moves them along a module's latent direction.

    The module's latent direction (see :func:`module_direction`) is decoded on
    both sides of the latent mean, ``step`` latent standard deviations away,
    and the central difference gives each feature's decoded change per
    standard deviation of the latent score, in standard deviations of the
    feature. Its sign follows the eigengene: positive means the feature rises
    with the module. ``relative_change`` is ``|decoded_change|`` over the
    largest one of any feature (so it does not depend on the decoder's scale).

    A feature is a *driver* when (1) its observed values correlate with the
    latent score at Benjamini–Hochberg level ``fdr`` (over the features of the
    table), (2) ``relative_change >= min_change`` and (3) the decoded change
    and the correlation have the same sign (the decoder and the data agree).

    Parameters
    ----------
    model : VaeNetworkModel or path
        A fitted model, or the path of its ``vae_checkpoint.pt`` (checked
        against ``X``'s column names).
    X : array-like or DataFrame of shape (n_samples, n_features)
        The samples, in the feature space of the fit (usually the fitted ones).
    module : str or int
        ``"M3"``, ``3`` or ``"3"``.
    method : {"regression", "dimension"}
        How the latent direction is chosen (see :func:`module_direction`).
    features : {"module", "all"}
        ``"module"``: every feature of the module's genes (both channels of a
        multiplex gene, labelled or not); ``"all"``: every feature.
    step : float
        Half-width of the central difference, in latent standard deviations.
    fdr : float in (0, 1)
        Benjamini–Hochberg level of the association test.
    min_change : float in [0, 1]
        Smallest ``relative_change`` of a driver (a share of the strongest
        decoded change).

    Returns
    -------
    DecoderAttribution

    See Also
    --------
    integrated_gradients : Attribution through the encoder instead.
    """
    check_method(method)
    _check_params(features, step, fdr, min_change)
    model = resolve_model(model, X)
    k = resolve_module(model, module)
    Z = standardized_input(model, X)
    module64 = double_module(model)
    direction = direction_from_inputs(model, module64, Z, k, method)
    if not direction.scale > 0:
        raise ValueError(f"the latent score of {direction.module} does not vary over these "
                         "samples, so there is nothing to decode")
    h = float(step) * direction.scale
    slope = _central_difference(module64.decode, torch.from_numpy(direction.center),
                                torch.from_numpy(direction.vector), h).numpy()
    change = slope * direction.scale
    largest = float(np.max(np.abs(change))) if change.size else 0.0
    relative = np.abs(change) / largest if largest > 0 else np.zeros_like(change)
    score = direction.score(posterior_mean(module64, Z))
    r, p = _association(Z, score)

    names = getattr(model, "feature_names_in_", None)
    if names is None:
        names = [f"x{i}" for i in range(Z.shape[1])]
    table = feature_table(names)
    labels = np.asarray(model.labels_)
    if features == "module":
        genes = model.modules_.loc[model.modules_["module_id"] == k, "gene_id"].astype(str)
        keep = table["gene_id"].isin(set(genes)).to_numpy() | (labels == k)
    else:
        keep = np.ones(len(table), dtype=bool)
    idx = np.flatnonzero(keep)
    q = bh_adjust(p[idx])
    out = pd.DataFrame({
        "module": direction.module,
        "feature": table["feature"].to_numpy()[idx],
        "gene_id": table["gene_id"].to_numpy()[idx],
        "channel": table["channel"].to_numpy()[idx],
        "member": labels[idx] == k,
        "decoded_change": change[idx],
        "relative_change": relative[idx],
        "correlation": r[idx],
        "p_value": p[idx],
        "q_value": q,
    })
    out["driver"] = ((out["q_value"] <= fdr) & (out["relative_change"] >= min_change)
                     & (np.sign(out["decoded_change"]) == np.sign(out["correlation"])))
    order = np.argsort(-np.abs(out["decoded_change"].to_numpy()), kind="stable")
    out = out.iloc[order].reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return DecoderAttribution(table=out[DRIVER_COLUMNS], direction=direction, fdr=float(fdr),
                              min_change=float(min_change))
