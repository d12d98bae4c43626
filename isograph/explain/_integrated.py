"""Integrated Gradients (Captum) through the VAE encoder to a module's latent score."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from .._core._warn import warn
from ..network import feature_table
from ._direction import (
    LatentDirection,
    check_method,
    direction_from_inputs,
    double_module,
    resolve_model,
    resolve_module,
    standardized_input,
)

BASELINES = ("zero", "mean")
#: Completeness tolerance: summed |delta| over summed |output difference|.
COMPLETENESS_TOLERANCE = 0.1
IG_COLUMNS = ["module", "feature", "gene_id", "channel", "module_id", "mean_attribution",
              "mean_abs_attribution", "rank", "gene_score", "gene_rank"]


class CompletenessWarning(UserWarning):
    """Integrated Gradients attributions do not sum to the output difference (raise n_steps)."""


@dataclass
class IntegratedGradientsResult:
    """What :func:`integrated_gradients` returns.

    Attributes
    ----------
    attributions : DataFrame
        Samples x features: each feature's share of the sample's latent score
        difference from the baseline.
    output_difference : Series
        Per sample, ``F(x) - F(baseline)`` where ``F`` is the latent score.
    convergence_delta : Series
        Per sample, Captum's ``sum(attributions) - (F(x) - F(baseline))``.
    relative_delta : float
        ``sum |delta| / sum |F(x) - F(baseline)|`` over the samples: the
        completeness error (0 is exact).
    table : DataFrame
        Per feature, most attributed first: ``module``, ``feature``,
        ``gene_id``, ``channel``, ``module_id`` (the feature's own module
        label), ``mean_attribution``, ``mean_abs_attribution``, ``rank``, and
        the gene's ``gene_score`` (sum of ``mean_abs_attribution`` over the
        gene's features) and ``gene_rank``.
    genes : DataFrame
        Per gene, highest score first: ``gene_id``, ``module_id`` (the gene's
        module), ``gene_score``, ``gene_rank``.
    direction : LatentDirection
    baseline : str
        ``"zero"``, ``"mean"`` or ``"custom"``.
    n_steps : int
    """

    attributions: pd.DataFrame
    output_difference: pd.Series
    convergence_delta: pd.Series
    relative_delta: float
    table: pd.DataFrame
    genes: pd.DataFrame
    direction: LatentDirection
    baseline: str
    n_steps: int

    def summary(self) -> dict:
        """Plain values for a report (JSON-ready)."""
        diff = np.abs(self.output_difference.to_numpy())
        delta = np.abs(self.convergence_delta.to_numpy())
        return {"baseline": self.baseline, "n_steps": int(self.n_steps),
                "relative_delta": float(self.relative_delta),
                "max_abs_delta": float(delta.max()) if delta.size else 0.0,
                "mean_abs_output_difference": float(diff.mean()) if diff.size else 0.0}


class _LatentScore(torch.nn.Module):
    """``x -> encode(x).mu @ vector``: the scalar Captum differentiates."""

    def __init__(self, vae: torch.nn.Module, vector: torch.Tensor) -> None:
        super().__init__()
        self.vae = vae
        self.register_buffer("vector", vector)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mu, _ = self.vae.encode(x)
        return mu @ self.vector


def _integrated_gradients(score: torch.nn.Module, Z: np.ndarray, base: np.ndarray,
                          n_steps: int, internal_batch_size: int | None):
    """Pure part: ``(attributions, delta, output_difference)`` as float64 arrays."""
    from captum.attr import IntegratedGradients

    x = torch.from_numpy(np.ascontiguousarray(Z, dtype=np.float64))
    b = torch.from_numpy(np.ascontiguousarray(np.broadcast_to(base, Z.shape),
                                              dtype=np.float64))
    ig = IntegratedGradients(score)
    attr, delta = ig.attribute(x, baselines=b, n_steps=n_steps, method="gausslegendre",
                               internal_batch_size=internal_batch_size,
                               return_convergence_delta=True)
    with torch.no_grad():
        diff = score(x) - score(b)
    return attr.detach().numpy(), delta.detach().numpy(), diff.numpy()


def _baseline(model, baseline, Z: np.ndarray) -> tuple[np.ndarray, str]:
    """The baseline in standardized units and its name."""
    if isinstance(baseline, str):
        if baseline == "zero":  # zero in the units of X
            return (0.0 - model.mean_) / model.scale_, "zero"
        if baseline == "mean":
            return Z.mean(axis=0), "mean"
        raise ValueError(f"baseline must be one of {list(BASELINES)} or an array of "
                         f"{Z.shape[1]} feature values, got {baseline!r}")
    values = np.asarray(baseline, dtype=np.float64)
    if values.shape != (Z.shape[1],) or not np.isfinite(values).all():
        raise ValueError(f"baseline must be one of {list(BASELINES)} or a finite array of "
                         f"shape ({Z.shape[1]},), got shape {values.shape}")
    return (values - model.mean_) / model.scale_, "custom"


def integrated_gradients(
    model,
    X,
    module,
    *,
    method: str = "regression",
    baseline="zero",
    n_steps: int = 64,
    internal_batch_size: int | None = None,
) -> IntegratedGradientsResult:
    """Integrated Gradients of a module's latent score with respect to the input features.

    The attributed output is the encoder's posterior mean projected on the
    module's latent direction (see :func:`module_direction`), so a positive
    attribution pushes the sample towards a higher module eigengene. Paths run
    from ``baseline`` to each observed sample (Gauss–Legendre quadrature,
    Captum's :class:`~captum.attr.IntegratedGradients`, in float64). By
    completeness the attributions of a sample sum to its output difference;
    the quadrature error is reported as the convergence delta, and a
    :class:`CompletenessWarning` is raised when ``relative_delta`` exceeds 10%.

    Parameters
    ----------
    model : VaeNetworkModel or path
        A fitted model, or the path of its ``vae_checkpoint.pt``.
    X : array-like or DataFrame of shape (n_samples, n_features)
        The samples to explain, in the feature space of the fit.
    module : str or int
        ``"M3"``, ``3`` or ``"3"``.
    method : {"regression", "dimension"}
        How the latent direction is chosen (see :func:`module_direction`).
    baseline : {"zero", "mean"} or array-like of shape (n_features,)
        ``"zero"``: every feature 0 in the units of ``X``; ``"mean"``: the mean
        of ``X``; or explicit feature values. (For standardized, residualized
        features the first two nearly coincide.)
    n_steps : int
        Quadrature points per path.
    internal_batch_size : int, optional
        Captum's batch size for the path points (bounds memory).

    Returns
    -------
    IntegratedGradientsResult

    See Also
    --------
    decoder_attribution : Attribution through the decoder instead.
    """
    check_method(method)
    if not isinstance(n_steps, numbers.Integral) or isinstance(n_steps, bool) or n_steps < 2:
        raise ValueError(f"n_steps must be an integer >= 2, got {n_steps!r}")
    if internal_batch_size is not None and (
            not isinstance(internal_batch_size, numbers.Integral) or internal_batch_size < 1):
        raise ValueError(f"internal_batch_size must be a positive integer or None, "
                         f"got {internal_batch_size!r}")
    model = resolve_model(model, X)
    k = resolve_module(model, module)
    Z = standardized_input(model, X)
    base, base_name = _baseline(model, baseline, Z)
    module64 = double_module(model)
    direction = direction_from_inputs(model, module64, Z, k, method)
    score = _LatentScore(module64, torch.from_numpy(direction.vector)).eval()
    attr, delta, diff = _integrated_gradients(score, Z, base, int(n_steps), internal_batch_size)
    total = np.abs(diff).sum()
    relative = float(np.abs(delta).sum() / total) if total > 0 else 0.0
    if relative > COMPLETENESS_TOLERANCE:
        warn(f"Integrated Gradients attributions of {direction.module} miss the output "
             f"difference by {relative:.1%} (more than "
             f"{COMPLETENESS_TOLERANCE:.0%}); raise n_steps (now {n_steps})",
             CompletenessWarning)

    names = getattr(model, "feature_names_in_", None)
    if names is None:
        names = [f"x{i}" for i in range(Z.shape[1])]
    names = [str(n) for n in names]
    index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(Z.shape[0])
    attributions = pd.DataFrame(attr, index=index, columns=names)
    features = feature_table(names)
    table = pd.DataFrame({
        "module": direction.module,
        "feature": features["feature"].to_numpy(),
        "gene_id": features["gene_id"].to_numpy(),
        "channel": features["channel"].to_numpy(),
        "module_id": np.asarray(model.labels_),
        "mean_attribution": attr.mean(axis=0),
        "mean_abs_attribution": np.abs(attr).mean(axis=0),
    })
    table = table.sort_values("mean_abs_attribution", ascending=False, kind="stable")
    table["rank"] = np.arange(1, len(table) + 1)
    gene_modules = model.modules_.set_index(model.modules_["gene_id"].astype(str))["module_id"]
    genes = (table.groupby("gene_id", sort=False)["mean_abs_attribution"].sum()
             .rename("gene_score").sort_values(ascending=False, kind="stable").reset_index())
    genes.insert(1, "module_id", gene_modules.reindex(genes["gene_id"]).fillna(-1)
                 .astype(int).to_numpy())
    genes["gene_rank"] = np.arange(1, len(genes) + 1)
    table = table.merge(genes[["gene_id", "gene_score", "gene_rank"]], on="gene_id",
                        how="left").reset_index(drop=True)
    return IntegratedGradientsResult(
        attributions=attributions,
        output_difference=pd.Series(diff, index=index, name="output_difference"),
        convergence_delta=pd.Series(delta, index=index, name="convergence_delta"),
        relative_delta=relative, table=table[IG_COLUMNS], genes=genes, direction=direction,
        baseline=base_name, n_steps=int(n_steps))
