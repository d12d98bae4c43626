"""Diagnostics of a covariate correction: variance kept and R-squared of the covariates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._covariates import CovariateSpec, block_slices


def _column_basis(design: np.ndarray) -> np.ndarray:
    """Orthonormal basis (n_samples, rank) of the centred design's column space."""
    centred = design - design.mean(axis=0)
    if centred.shape[1] == 0:
        return np.empty((centred.shape[0], 0))
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    tol = s.max(initial=0.0) * max(centred.shape) * np.finfo(np.float64).eps
    return u[:, s > tol]


def _r2(design: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """R-squared of an OLS (with intercept) of every column of ``Y`` on ``design``."""
    Yc = Y - Y.mean(axis=0)
    tss = (Yc**2).sum(axis=0)
    basis = _column_basis(design)
    explained = ((basis.T @ Yc) ** 2).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tss > 0, np.clip(explained / tss, 0.0, 1.0), np.nan)


def qc_tables(
    before: np.ndarray,
    after: np.ndarray,
    design: np.ndarray,
    specs: list[CovariateSpec],
    feature_names: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-feature and per-covariate QC of a correction (``qc_``, ``covariate_qc_``).

    ``before`` and ``after`` are the fit samples' features without and with the
    correction; ``design`` is the encoded covariates, in ``specs`` order.
    """
    var_before, var_after = before.var(axis=0), after.var(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        retained = np.where(var_before > 0, var_after / var_before, np.nan)
    qc = pd.DataFrame(
        {
            "variance_before": var_before,
            "variance_after": var_after,
            "variance_retained": retained,
            "r2_before": _r2(design, before),
            "r2_after": _r2(design, after),
        },
        index=pd.Index(feature_names, name="feature"),
    )
    rows = []
    for spec, block in zip(specs, block_slices(specs)):
        rows.append({
            "covariate": spec.name,
            "kind": spec.kind,
            "n_columns": block.stop - block.start,
            "n_missing": spec.n_missing,
            "mean_r2_before": float(np.nanmean(_r2(design[:, block], before))),
            "mean_r2_after": float(np.nanmean(_r2(design[:, block], after))),
        })
    columns = ["covariate", "kind", "n_columns", "n_missing", "mean_r2_before",
               "mean_r2_after"]
    return qc, pd.DataFrame(rows, columns=columns).set_index("covariate")
