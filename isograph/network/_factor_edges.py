"""Factor-model edge weights and the choice of the number of factors (pure array code)."""

from __future__ import annotations

import numpy as np

from ._edges import ABUNDANCE, SWITCH
from ._factor import (
    FactorModel,
    candidate_components,
    cross_validate_components,
    factor_scores,
    fit_factor_analysis,
)
from ._row_blocks import low_rank_precision_blocks, scaled_gram_block


def factor_correlation_block(model: FactorModel):
    """Row blocks of the model correlation of the common part, ``W^T W / sqrt(d_i d_j)``.

    ``d = diag(W^T W) + psi`` is the model variance, so the entries are the
    correlations implied by the fitted factor model with the unique noise
    removed from the numerator (the "denoised" correlation).
    """
    d = np.sum(model.components**2, axis=0) + model.noise_variance
    return scaled_gram_block(model.components.T, 1.0 / np.sqrt(d))


def factor_partial_block(model: FactorModel):
    """Row blocks of the partial correlations of the factor model covariance.

    The precision is ``Psi^-1 - U U^T`` with ``U = Psi^-1 W^T L^-T``,
    ``L L^T = I + W Psi^-1 W^T`` (Woodbury).
    """
    w_psi, chol = model.woodbury()
    U = np.linalg.solve(chol, w_psi).T
    block, _ = low_rank_precision_blocks(1.0 / model.noise_variance, U)
    return block


def choose_n_factors(Z, codes, n_components, n_components_grid, *, cv, tol, max_iter, seed):
    """Number of factors ``k``, how it was chosen, the per-channel choices and CV scores.

    ``n_components="auto"`` cross-validates the held-out log-likelihood per
    channel (switch and abundance separately when both are present, ``codes``
    says which column is which) and adds the choices; an int is taken as is.

    Returns
    -------
    k : int
    selection : {"fixed", "cv"}
    per_channel : dict of str to int
    scores : dict of str to dict of int to float
        Mean held-out log-likelihood per sample, per channel and candidate.
    """
    n, p = Z.shape
    if n_components != "auto":
        k = int(n_components)
        if k > min(n, p):
            raise ValueError(
                f"n_components={k} exceeds min(n_samples, n_features) = {min(n, p)}"
            )
        return k, "fixed", {}, {}
    n_train = n - int(np.ceil(n / cv))
    groups = {"all": np.arange(p)}
    codes = np.asarray(codes)
    if np.any(codes == SWITCH) and np.any(codes == ABUNDANCE):
        groups = {"switch": np.flatnonzero(codes == SWITCH),
                  "abundance": np.flatnonzero(codes == ABUNDANCE)}
        rest = np.flatnonzero((codes != SWITCH) & (codes != ABUNDANCE))
        if rest.size:
            groups["other"] = rest
    per_channel, scores = {}, {}
    for name, cols in groups.items():
        grid = candidate_components(n_components_grid, n_train, cols.size)
        if len(grid) < 2 or n < 2 * cv:
            per_channel[name] = min(grid) if grid else 0
            continue
        best, sc = cross_validate_components(
            Z[:, cols], grid, cv=cv, tol=tol, max_iter=max_iter,
            random_state=seed,
        )
        per_channel[name], scores[name] = best, sc
    k = int(max(0, min(sum(per_channel.values()), n_train - 1, p)))
    if len(groups) > 1 and k not in scores.get("joint", {}):
        heldout = (heldout_loglik(Z, k, cv=cv, tol=tol, max_iter=max_iter, seed=seed)
                   if n >= 2 * cv else None)
        if heldout is not None:
            scores["joint"] = {k: heldout}
    return k, "cv", {c: int(v) for c, v in per_channel.items()}, scores


def heldout_loglik(Z, k, *, cv, tol, max_iter, seed) -> float | None:
    """Mean held-out log-likelihood per sample of a ``k``-factor model."""
    n_train = Z.shape[0] - int(np.ceil(Z.shape[0] / cv))
    if k >= n_train:
        return None
    _, sc = cross_validate_components(
        Z, [k], cv=cv, tol=tol, max_iter=max_iter, random_state=seed
    )
    return sc[k]


def factor_diagnostics(model: FactorModel, Z: np.ndarray, k: int, selection, per_channel,
                       cv_scores, heldout) -> dict:
    """The latent backend's ``calibration_`` entries for a fitted factor model of ``Z``."""
    recon = factor_scores(model, Z) @ model.components + model.mean
    return dict(
        n_components=int(k),
        n_components_selection=selection,
        n_components_per_channel=per_channel,
        cv_loglik={ch: {int(c): float(s) for c, s in sc.items()}
                   for ch, sc in cv_scores.items()},
        heldout_loglik=None if heldout is None else float(heldout),
        reconstruction_rmse=float(np.sqrt(np.mean((Z - recon) ** 2))),
        mean_noise_variance=float(np.mean(model.noise_variance)),
        n_iter=int(model.n_iter),
        converged=bool(model.converged),
    )


def fit_latent_factors(Z: np.ndarray, codes: np.ndarray, n_components, grid, *, cv: int,
                       tol: float, max_iter: int, seed) -> tuple[FactorModel, int, dict]:
    """Choose the number of factors, fit the factor model of ``Z``, and describe it.

    Returns the model, the chosen number of factors and the diagnostics of
    :func:`factor_diagnostics` (with the held-out log-likelihood of a
    cross-validation when the choice did not already measure it).
    """
    k, selection, per_channel, cv_scores = choose_n_factors(
        Z, codes, n_components, grid, cv=cv, tol=tol, max_iter=max_iter, seed=seed)
    model = fit_factor_analysis(Z, k, tol=tol, max_iter=max_iter)
    heldout = cv_scores.get("joint", cv_scores.get("all", {})).get(k)
    if heldout is None and Z.shape[0] >= 2 * cv:
        heldout = heldout_loglik(Z, k, cv=cv, tol=tol, max_iter=max_iter, seed=seed)
    return model, k, factor_diagnostics(model, Z, k, selection, per_channel, cv_scores, heldout)
