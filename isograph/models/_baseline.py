"""Baseline backend: shrinkage correlation -> partial correlations -> edges -> modules."""

from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, StrOptions

from ..network import low_rank_precision_blocks
from ..network._edge_rules import select_edges
from ..network._shrinkage import SHRINKAGE_METHODS, shrinkage_intensity, shrunk_precision_factors
from ._base import BaseNetworkModel
from ._constraints import COMMUNITIES, EDGE_RULE, check_edge_rule
from ._docstrings import share_docs


def shrinkage_partial_correlations(Z: np.ndarray, shrinkage="ledoit_wolf"):
    """Row blocks of the partial correlations of a shrinkage correlation estimate.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        Standardized columns.
    shrinkage : {"ledoit_wolf", "schafer_strimmer"} or float in [0, 1]

    Returns
    -------
    block : callable
        ``block(start, stop)`` -> partial correlations of rows ``start:stop``
        (diagonal 1); the ``p x p`` matrix is never formed.
    intensity : float
        The shrinkage intensity used.
    method : str
        ``"ledoit_wolf"``, ``"schafer_strimmer"`` or ``"fixed"``.
    """
    lam, method = shrinkage_intensity(Z, shrinkage)
    d, U = shrunk_precision_factors(Z, lam)
    block, _ = low_rank_precision_blocks(d, U)
    return block, lam, method


@share_docs
class BaselineNetworkModel(BaseNetworkModel):
    """Gene modules from the partial correlations of a shrinkage correlation estimate.

    The correlation matrix of the standardized features is shrunk towards the
    identity (``Sigma = lam I + (1 - lam) R``), which is positive definite for
    any ``lam > 0`` however many more features than samples there are; its
    inverse is a diagonal minus a rank-``min(n, p)`` term (Woodbury), so the
    partial correlations ``-P_ij / sqrt(P_ii P_jj)`` are computed one block of
    rows at a time and thresholded into a sparse graph, whose communities are
    the modules.

    Parameters
    ----------
    shrinkage : {"ledoit_wolf", "schafer_strimmer"} or float, default="ledoit_wolf"
        Shrinkage intensity ``lam``: estimated (Ledoit & Wolf 2004;
        Schäfer & Strimmer 2005) or fixed in [0, 1]. Larger values move the
        partial correlations towards (scaled) marginal correlations.
    alpha : float, optional
        Keep pairs with ``|partial correlation| >= alpha``. Takes precedence
        over ``fdr``.
    fdr : float, default=0.05
        Otherwise keep the pairs that pass Benjamini–Hochberg at this level
        (see ``fdr_scope``). P-values: Fisher's z with an *empirical null*: the
        effective sample size is ``1 / s^2 + 3``, where ``s`` is the robust
        spread (``median |atanh(w)| / 0.6745``) of the weights of 256 rows,
        most of whose pairs are null. Shrinkage partial correlations are
        correlations scaled by a data-dependent factor, so a theoretical
        degrees-of-freedom count does not apply.
    fdr_scope : {"feature", "pairs"}, default="feature"
        ``"feature"``: each feature's ``p - 1`` pairs are tested separately and
        an edge is kept when it passes for both of its features (the AND rule
        of neighbourhood selection). ``"pairs"``: one Benjamini–Hochberg over
        all ``p (p - 1) / 2`` pairs; it admits false edges in proportion to the
        true ones, which can join background genes into one spurious module.
    {community_parameters}
    random_state : int or None, default=None
        Seed of the community detection; ``None`` draws a fresh seed per fit
        (as in scikit-learn), an int repeats the fit.

    Attributes
    ----------
    labels_, modules_, edges_, n_modules_, loadings_, module_gene_roles_
        See :class:`~isograph.models._base.BaseNetworkModel`.
    calibration_ : dict
        ``shrinkage_method``, ``shrinkage`` (the intensity), ``precision_rank``,
        ``edge_rule``, ``edge_threshold``, ``n_effective``, ``fdr`` and the
        graph summary (``n_edges``, ``n_modules``, ...).

    See Also
    --------
    LatentNetworkModel : Factor-analysis backend.

    Notes
    -----
    Partial correlations measure *direct* association. In a module driven by
    one shared factor, the partial correlation of two members given all the
    others is about ``1 / module size``, so with few samples large modules are
    found only with strong shrinkage (which makes the estimate closer to a
    marginal correlation). The latent backend models the factors explicitly.

    References
    ----------
    Ledoit & Wolf (2004), J. Multivariate Analysis 88, 365-411.
    Schäfer & Strimmer (2005), Stat. Appl. Genet. Mol. Biol. 4, 32.
    Efron (2004), JASA 99, 96-104 (empirical null).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(80, 1))
    >>> X = np.hstack([z + 0.5 * rng.normal(size=(80, 6)), rng.normal(size=(80, 6))])
    >>> # one shared factor: strong shrinkage keeps the module visible (see Notes)
    >>> model = BaselineNetworkModel(shrinkage=0.9, min_module_size=3).fit(X)
    >>> model.labels_
    array([ 0,  0,  0,  0,  0,  0, -1, -1, -1, -1, -1, -1])
    """

    _parameter_constraints: dict = {
        **BaseNetworkModel._parameter_constraints, **COMMUNITIES, **EDGE_RULE,
        "shrinkage": [StrOptions(set(SHRINKAGE_METHODS)), Interval(Real, 0, 1, closed="both")],
    }

    def __init__(
        self,
        shrinkage="ledoit_wolf",
        *,
        alpha=None,
        fdr=0.05,
        fdr_scope="feature",
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
        self.shrinkage = shrinkage
        self.alpha = alpha
        self.fdr = fdr
        self.fdr_scope = fdr_scope
        self.min_module_size = min_module_size
        self.community = community
        self.resolution = resolution
        self.random_state = random_state

    def _check_params(self) -> None:
        check_edge_rule(self)

    def _fit_network(self, Z: np.ndarray, features: pd.DataFrame):
        n, p = Z.shape
        block, lam, method = shrinkage_partial_correlations(Z, self.shrinkage)
        self.calibration_.update(
            shrinkage_method=method, shrinkage=float(lam), precision_rank=int(min(n, p))
        )
        return select_edges(
            block, p, alpha=self.alpha, fdr=self.fdr, n_effective=None,
            calibration=self.calibration_, scope=self.fdr_scope,
            max_edges=self.max_edges, max_edges_per_feature=self.max_edges_per_feature,
        )
