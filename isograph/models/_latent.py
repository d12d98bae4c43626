"""Latent backend: factor-analysis denoising -> model correlations -> edges -> modules."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .._core import draw_seed
from ..network._edge_rules import select_edges
from ..network._factor import FactorModel, factor_loglikelihood
from ..network._factor_edges import (
    factor_correlation_block,
    factor_partial_block,
    fit_latent_factors,
)
from ._base import BaseNetworkModel
from ._constraints import (
    COMMUNITIES,
    EDGE_RULE,
    FACTOR_MODEL,
    check_edge_rule,
    check_integer_sequence,
)
from ._docstrings import share_docs
from ._warnings import explain_no_factors, warn_empty


@share_docs
class LatentNetworkModel(BaseNetworkModel):
    """Gene modules from a factor-analysis model of the features.

    A factor model ``x = f W + e`` (``k`` shared factors, independent noise of
    variance ``psi`` per feature) is fitted to the standardized features; its
    covariance ``W^T W + diag(psi)`` is used only through its
    low-rank-plus-diagonal structure, so nothing ``p x p`` is formed and
    6,000+ features fit in memory. Edges are pairs whose model-implied
    association passes ``alpha`` or an FDR rule; the modules are communities
    of that graph.

    Parameters
    ----------
    n_components : int or "auto", default="auto"
        Number of factors. ``"auto"`` picks it by ``cv``-fold cross-validated
        held-out log-likelihood over ``n_components_grid``; in multiplex runs
        each channel (switch, abundance) is cross-validated on its own and the
        joint model gets the sum of the two choices, enough for the union of
        the channels' factor spaces. Held-out likelihood on few samples tends to
        under-count the factors of small modules, while surplus factors leave
        the model correlations of module genes unchanged, so erring upwards is
        the safe side for module finding.
    edge_weight : {"correlation", "partial"}, default="correlation"
        ``"correlation"``: the correlation implied by the fitted model,
        ``(W^T W)_ij / sqrt(d_i d_j)``: the noise-free (denoised) co-variation.
        Genes loading on the same factor are strongly linked whatever the
        module size. ``"partial"``: partial correlations of the model
        covariance; within a one-factor module they shrink like
        ``1 / module size``, so they suit small modules and direct links.
        Their null distribution is a mixture (near zero for genes off every
        factor), so the empirical-null FDR rule tends to attach background
        genes; prefer ``alpha`` with this weight.
    alpha : float, optional
        Keep pairs with ``|weight| >= alpha`` (takes precedence over ``fdr``).
    fdr : float, default=0.05
        Otherwise Benjamini–Hochberg at this level, per feature (each feature's
        ``p - 1`` pairs; an edge needs both endpoints), with Fisher-z p-values:
        for ``"correlation"`` as for a sample correlation of ``n_samples``
        (conservative: the model correlation of two unrelated features varies
        less than their sample correlation); for ``"partial"`` with an
        empirical null (see :class:`BaselineNetworkModel`).
    fdr_scope : {"feature", "pairs"}, default="feature"
        ``"pairs"``: one Benjamini–Hochberg over all ``p (p - 1) / 2`` pairs.
        That admits false edges in proportion to the true ones, which can join
        the background genes into one large spurious module; ``"feature"``
        tests each feature's pairs separately and keeps an edge when both of
        its features select it (neighbourhood selection's AND rule).
    n_components_grid : sequence of int, optional
        Candidates for ``"auto"`` (default ``0, 1, 2, 3, 4, 6, 8, ..., 64``,
        limited to fewer than the training samples). Tried in increasing
        order, stopping after two candidates without improvement.
    cv : int, default=3
        Folds for ``"auto"`` and for the reported held-out log-likelihood.
    tol : float, default=1e-2
        Convergence: log-likelihood gain per sample per iteration.
    max_iter : int, default=1000
    {community_parameters}
    random_state : int or None, default=None
        Seed of the cross-validation folds and the community detection
        (``None`` draws a fresh seed per fit, as in scikit-learn; an int
        repeats the fit).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Loadings ``W`` of the fitted factor model (standardized features).
    noise_variance_ : ndarray of shape (n_features,)
    n_components_ : int
    n_iter_ : int
        Iterations of the final factor-analysis fit (1 for ``n_components_=0``,
        which is closed form).
    labels_, modules_, edges_, n_modules_, loadings_, module_gene_roles_
        See :class:`~isograph.models._base.BaseNetworkModel`.
    calibration_ : dict
        ``n_components``, ``n_components_selection`` (``"fixed"``/``"cv"``),
        ``n_components_per_channel``, ``cv_loglik`` (candidate -> held-out
        log-likelihood per sample, per channel), ``heldout_loglik`` (joint model),
        ``reconstruction_rmse`` (standardized features vs their posterior-mean
        reconstruction), ``mean_noise_variance``, ``n_iter``, ``converged``,
        the edge rule entries and the graph summary.

    See Also
    --------
    BaselineNetworkModel : Shrinkage partial correlations.
    GraphNetworkModel : Graph-smoothed features, then this model.

    Notes
    -----
    The fit is scikit-learn's SVD-based maximum-likelihood algorithm for
    factor analysis (same parametrization as
    :class:`sklearn.decomposition.FactorAnalysis`) with each iteration done on
    the ``n x n`` Gram matrix, ``O(n^2 p)``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(80, 1))
    >>> X = np.hstack([z + 0.5 * rng.normal(size=(80, 6)), rng.normal(size=(80, 6))])
    >>> model = LatentNetworkModel(min_module_size=3).fit(X)
    >>> model.labels_
    array([ 0,  0,  0,  0,  0,  0, -1, -1, -1, -1, -1, -1])
    """

    _parameter_constraints: dict = {
        **BaseNetworkModel._parameter_constraints, **COMMUNITIES, **EDGE_RULE, **FACTOR_MODEL,
    }

    def __init__(
        self,
        n_components="auto",
        *,
        edge_weight="correlation",
        alpha=None,
        fdr=0.05,
        fdr_scope="feature",
        n_components_grid=None,
        cv=3,
        tol=1e-2,
        max_iter=1000,
        min_module_size=5,
        community="leiden",
        resolution=1.0,
        max_edges_per_feature=30,
        max_edges=20_000_000,
        merge_threshold=0.85,
        random_state=None,
    ):
        self.max_edges_per_feature = max_edges_per_feature
        self.max_edges = max_edges
        self.merge_threshold = merge_threshold
        self.n_components = n_components
        self.edge_weight = edge_weight
        self.alpha = alpha
        self.fdr = fdr
        self.fdr_scope = fdr_scope
        self.n_components_grid = n_components_grid
        self.cv = cv
        self.tol = tol
        self.max_iter = max_iter
        self.min_module_size = min_module_size
        self.community = community
        self.resolution = resolution
        self.random_state = random_state

    #: Whether the factor model describes the inputs themselves (the graph
    #: backend models graph-smoothed features, so it has no ``score``).
    _scores_inputs = True

    # ------------------------------------------------------------ checks
    def _check_params(self) -> None:
        check_edge_rule(self)
        check_integer_sequence("n_components_grid", self.n_components_grid, 0, allow_none=True)

    # ------------------------------------------------------------- score
    @available_if(lambda est: est._scores_inputs)
    def score(self, X, y=None) -> float:
        """Mean log-likelihood per sample of ``X`` under the fitted factor model.

        As :meth:`sklearn.decomposition.FactorAnalysis.score`: higher is
        better, so ``GridSearchCV(LatentNetworkModel(), ...)`` selects by
        held-out likelihood without a custom scorer. ``X`` is standardized
        with the training mean and scale, and the log-Jacobian of that
        scaling is included, so the value is a density of ``X`` itself.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        float
        """
        check_is_fitted(self, "components_")
        Z = self._standardized_input(X)
        model = FactorModel(self.components_, self.noise_variance_, np.zeros(Z.shape[1]),
                            n_iter=0, converged=True, loglike=float("nan"))
        return factor_loglikelihood(model, Z) - float(np.sum(np.log(self.scale_)))

    # --------------------------------------------------------------- fit
    def _fit_network(self, Z: np.ndarray, features: pd.DataFrame):
        return self._fit_latent(Z, features)

    def _fit_latent(self, Z: np.ndarray, features: pd.DataFrame):
        """Factor model, edge weights and edges for standardized ``Z``."""
        Z = np.asarray(Z, dtype=np.float64)
        n, p = Z.shape
        seed = draw_seed(None) if self.random_state is None else self.random_state
        model, k, diagnostics = fit_latent_factors(
            Z, features["code"].to_numpy(), self.n_components, self.n_components_grid,
            cv=self.cv, tol=self.tol, max_iter=self.max_iter, seed=seed)
        self.components_ = model.components
        self.noise_variance_ = model.noise_variance
        self.n_components_ = model.n_components
        self.n_iter_ = int(model.n_iter)
        self.calibration_.update(diagnostics, edge_weight=self.edge_weight)
        empty = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
        if k == 0 or p < 2:
            self.calibration_.update(edge_rule="none: no factors", edge_threshold=None)
            if k == 0 and p >= 2:
                warn_empty(explain_no_factors(n, p))
            return empty
        if self.edge_weight == "correlation":
            block, n_effective = factor_correlation_block(model), float(n)
        else:
            block, n_effective = factor_partial_block(model), None
        return select_edges(
            block, p, alpha=self.alpha, fdr=self.fdr, n_effective=n_effective,
            calibration=self.calibration_, scope=self.fdr_scope,
            max_edges=self.max_edges, max_edges_per_feature=self.max_edges_per_feature,
        )
