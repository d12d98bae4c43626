"""Graph backend: smooth features over a sparse gene-graph prior, then the latent backend."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.utils._param_validation import Interval

from ..network import standardize
from ..network._gene_graph import (
    channel_link_graph,
    knn_correlation_graph,
    signed_laplacian,
    smooth_features,
    user_graph,
)
from ._docstrings import share_docs
from ._latent import LatentNetworkModel


@share_docs
class GraphNetworkModel(LatentNetworkModel):
    """Gene modules from graph-smoothed features and a factor-analysis model.

    The standardized features are smoothed along a sparse graph over the
    features, ``X_s^T = (I + gamma L)^-1 X^T`` with ``L`` the signed Laplacian
    (``diag(sum |a_ij|) - A``) of the union of

    * a k-nearest-neighbour correlation graph (each feature's ``n_neighbors``
      strongest correlations among those its own Benjamini–Hochberg test at
      ``graph_fdr`` selects, so features without significant partners stay
      untouched and permuted data is not smoothed into spurious modules),
    * the two channels of each gene when ``link_channels`` (weighted by their
      correlation), and
    * a user ``adjacency``.

    The system is solved with sparse conjugate gradients (never a dense
    inverse); the smoothed features are re-standardized and passed to
    :class:`LatentNetworkModel`. ``gamma=0`` skips the smoothing and gives
    exactly the latent backend. Eigengenes (``transform``) use the
    unsmoothed features, as in every backend.

    Parameters
    ----------
    gamma : float, default=0.25
        Smoothing strength (>= 0).
    n_neighbors : int, default=5
        Neighbours per feature in the correlation graph (0: no kNN graph).
    graph_fdr : float, default=0.01
        Level of the per-feature test that admits kNN neighbours.
    link_channels : bool, default=True
        Link ``<gene>::switch`` with ``<gene>::abundance``.
    adjacency : sparse matrix, ndarray or DataFrame, optional
        Extra prior edges: ``p x p`` over the columns of ``X``, or a DataFrame
        with ``source``, ``target`` (feature names) and optional ``weight``.
    n_components, edge_weight, alpha, fdr, fdr_scope, n_components_grid, cv, tol, max_iter
        As in :class:`LatentNetworkModel`.
    {community_parameters}
    random_state : int or None, default=None
        Seed of the community detection; ``None`` draws a fresh seed per fit
        (as in scikit-learn), an int repeats the fit.

    Attributes
    ----------
    graph_ : scipy.sparse.csr_matrix of shape (n_features, n_features)
        The prior graph used for smoothing (symmetric, signed weights).
    components_, noise_variance_, n_components_
        The factor model of the smoothed features.
    labels_, modules_, edges_, n_modules_, loadings_, module_gene_roles_
        See :class:`~isograph.models._base.BaseNetworkModel`.
    calibration_ : dict
        The latent backend's entries plus ``gamma``, ``graph_nodes``,
        ``graph_edges``, ``graph_mean_degree``, ``knn_edges``,
        ``channel_edges``, ``user_edges``, ``smoothing_rmse`` (standardized
        features vs their smoothed values) and ``smoothing_iterations``.

    See Also
    --------
    LatentNetworkModel : The same model without smoothing.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(80, 1))
    >>> X = np.hstack([z + 0.5 * rng.normal(size=(80, 6)), rng.normal(size=(80, 6))])
    >>> model = GraphNetworkModel(min_module_size=3).fit(X)
    >>> model.labels_
    array([ 0,  0,  0,  0,  0,  0, -1, -1, -1, -1, -1, -1])
    """

    # The factor model describes graph-smoothed features, not X: no `score`.
    _scores_inputs = False

    _parameter_constraints: dict = {
        **LatentNetworkModel._parameter_constraints,
        "gamma": [Interval(Real, 0, None, closed="left")],
        "n_neighbors": [Interval(Integral, 0, None, closed="left")],
        "graph_fdr": [Interval(Real, 0, 1, closed="neither")],
        "link_channels": ["boolean"],
        "adjacency": ["array-like", "sparse matrix", None],
    }

    def __init__(
        self,
        gamma=0.25,
        *,
        n_neighbors=5,
        graph_fdr=0.01,
        link_channels=True,
        adjacency=None,
        n_components="auto",
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
        self.gamma = gamma
        self.n_neighbors = n_neighbors
        self.graph_fdr = graph_fdr
        self.link_channels = link_channels
        self.adjacency = adjacency
        super().__init__(
            n_components, edge_weight=edge_weight, alpha=alpha, fdr=fdr, fdr_scope=fdr_scope,
            n_components_grid=n_components_grid, cv=cv, tol=tol, max_iter=max_iter,
            min_module_size=min_module_size, community=community, resolution=resolution,
            max_edges_per_feature=max_edges_per_feature, max_edges=max_edges,
            merge_threshold=merge_threshold, random_state=random_state,
        )

    def _fit_network(self, Z: np.ndarray, features: pd.DataFrame):
        p = Z.shape[1]
        parts = {"knn_edges": sparse.csr_matrix((p, p)),
                 "channel_edges": sparse.csr_matrix((p, p)),
                 "user_edges": sparse.csr_matrix((p, p))}
        if self.n_neighbors > 0:
            parts["knn_edges"] = knn_correlation_graph(Z, self.n_neighbors, fdr=self.graph_fdr)
        if self.link_channels:
            parts["channel_edges"] = channel_link_graph(Z, features)
        if self.adjacency is not None:
            parts["user_edges"] = user_graph(self.adjacency, features["feature"])
        graph = sum(parts.values(), sparse.csr_matrix((p, p))).tocsr()
        graph.eliminate_zeros()
        self.graph_ = graph
        n_edges = graph.nnz // 2
        self.calibration_.update(
            gamma=float(self.gamma), graph_nodes=int(p), graph_edges=int(n_edges),
            graph_mean_degree=float(2.0 * n_edges / p) if p else 0.0,
            **{name: int(part.nnz // 2) for name, part in parts.items()},
        )
        if self.gamma == 0 or n_edges == 0:
            self.calibration_.update(smoothing_rmse=0.0, smoothing_iterations=0)
            return self._fit_latent(Z, features)
        smoothed, n_iter = smooth_features(Z, signed_laplacian(graph), float(self.gamma))
        self.calibration_.update(
            smoothing_rmse=float(np.sqrt(np.mean((smoothed - Z) ** 2))),
            smoothing_iterations=int(n_iter),
        )
        Zs, _, _ = standardize(smoothed)
        return self._fit_latent(Zs, features)
