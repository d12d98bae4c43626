"""Factor-model edge weights and the choice of the number of factors (pure array code)."""

from __future__ import annotations

import numpy as np

from ._edges import ABUNDANCE, SWITCH, low_rank_precision_blocks, scaled_gram_block
from ._factor import FactorModel, candidate_components, cross_validate_components


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
