"""Baseline, latent and graph backends: numerics, planted modules, sklearn contract."""

import json
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.covariance import ledoit_wolf_shrinkage
from sklearn.decomposition import FactorAnalysis
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from isograph.models import LatentNetworkModel
from isograph.models._baseline import BaselineNetworkModel, shrinkage_partial_correlations
from isograph.models._graph import GraphNetworkModel
from isograph.network import (
    bh_adjust,
    correlation_block,
    correlation_pvalue,
    feature_table,
    standardize,
)
from isograph.network._edge_rules import feature_fdr_cuts, select_edges
from isograph.network._factor import (
    cross_validate_components,
    factor_loglikelihood,
    fit_factor_analysis,
)
from isograph.network._factor_edges import factor_correlation_block, factor_partial_block
from isograph.network._gene_graph import (
    channel_link_graph,
    knn_correlation_graph,
    signed_laplacian,
    smooth_features,
    user_graph,
)
from isograph.network._shrinkage import (
    ledoit_wolf_intensity,
    schafer_strimmer_intensity,
    shrunk_precision_factors,
)


def factor_modules(n=100, sizes=(10, 8, 6), n_background=16, noise=0.7, seed=0,
                   multiplex=False):
    """One latent factor per module (random loading signs) plus independent background."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, len(sizes)))
    cols, names, truth = [], [], []
    channels = ("switch", "abundance") if multiplex else ("",)
    gene = 0
    for m, size in enumerate(sizes):
        for _ in range(size):
            sign = rng.choice([-1.0, 1.0])
            for ch in channels:
                cols.append(sign * z[:, m] + noise * rng.normal(size=n))
                names.append(f"g{gene}::{ch}" if ch else f"g{gene}")
            truth.append(m)
            gene += 1
    for _ in range(n_background):
        for ch in channels:
            cols.append(rng.normal(size=n))
            names.append(f"g{gene}::{ch}" if ch else f"g{gene}")
        truth.append(-1)
        gene += 1
    X = pd.DataFrame(np.column_stack(cols), columns=names)
    return X, pd.Series(truth, index=[f"g{i}" for i in range(gene)])


def ggm_modules(n=300, sizes=(5, 5, 5), n_background=15, rho=0.22, seed=0):
    """Gaussian graphical model: each module a clique of partial correlation ~rho."""
    rng = np.random.default_rng(seed)
    p = sum(sizes) + n_background
    omega, truth, start = np.eye(p), -np.ones(p, dtype=int), 0
    for m, k in enumerate(sizes):
        block = slice(start, start + k)
        omega[block, block] = -rho
        omega[range(start, start + k), range(start, start + k)] = 1.0
        truth[block] = m
        start += k
    X = rng.multivariate_normal(np.zeros(p), np.linalg.inv(omega), size=n)
    return X, truth


def permuted(X, seed=1):
    rng = np.random.default_rng(seed)
    values = np.asarray(X, dtype=float)
    out = np.column_stack([rng.permutation(c) for c in values.T])
    return pd.DataFrame(out, columns=X.columns) if isinstance(X, pd.DataFrame) else out


def gene_ari(model, truth):
    pred = model.modules_.set_index("gene_id")["module_id"].reindex(truth.index)
    return adjusted_rand_score(truth, pred)


def dense_partial(precision):
    d = np.sqrt(np.diag(precision))
    out = -precision / np.outer(d, d)
    np.fill_diagonal(out, 1.0)
    return out


# ------------------------------------------------------------------ shrinkage
@pytest.mark.parametrize("shape", [(30, 80), (80, 30)])
def test_ledoit_wolf_intensity_matches_sklearn(shape):
    Z, _, _ = standardize(np.random.default_rng(0).normal(size=shape))
    Z = Z.astype(np.float64)
    assert ledoit_wolf_intensity(Z) == pytest.approx(
        ledoit_wolf_shrinkage(Z, assume_centered=True), rel=1e-9)


def test_schafer_strimmer_intensity_matches_dense_formula():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(25, 12)) + rng.normal(size=(25, 1))
    n = X.shape[0]
    Xs = (X - X.mean(0)) / X.std(0, ddof=1)
    w = Xs[:, :, None] * Xs[:, None, :]
    wbar = w.mean(0)
    var_r = n / (n - 1) ** 3 * ((w - wbar) ** 2).sum(0)
    r = n / (n - 1) * wbar
    off = ~np.eye(12, dtype=bool)
    expected = np.clip(var_r[off].sum() / (r[off] ** 2).sum(), 0, 1)
    assert schafer_strimmer_intensity(X) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("shape,lam", [((20, 50), 0.3), ((50, 20), 0.3), ((50, 20), 0.0)])
def test_shrunk_precision_is_the_dense_inverse(shape, lam):
    Z, _, _ = standardize(np.random.default_rng(2).normal(size=shape))
    Z = Z.astype(np.float64)
    n, p = Z.shape
    d, U = shrunk_precision_factors(Z, lam)
    sigma = lam * np.eye(p) + (1 - lam) * Z.T @ Z / n
    np.testing.assert_allclose(np.diag(d) - U @ U.T, np.linalg.inv(sigma), atol=1e-8)


def test_zero_shrinkage_with_more_features_than_samples_raises():
    Z, _, _ = standardize(np.random.default_rng(3).normal(size=(10, 30)))
    with pytest.raises(ValueError, match="shrinkage=0"):
        shrunk_precision_factors(Z, 0.0)


def test_shrinkage_partial_correlation_blocks_match_dense():
    Z, _, _ = standardize(np.random.default_rng(4).normal(size=(15, 40)))
    block, lam, method = shrinkage_partial_correlations(Z, "ledoit_wolf")
    assert method == "ledoit_wolf" and 0 < lam < 1
    Zd = Z.astype(np.float64)
    sigma = lam * np.eye(40) + (1 - lam) * Zd.T @ Zd / 15
    expected = dense_partial(np.linalg.inv(sigma))
    got = np.vstack([block(0, 17), block(17, 40)])
    np.testing.assert_allclose(got, expected, atol=1e-5)


# ------------------------------------------------------------ factor analysis
def test_factor_analysis_matches_sklearn():
    X, _ = factor_modules(n=60, sizes=(6, 5), n_background=6)
    X = X.to_numpy()
    ours = fit_factor_analysis(X, 2, tol=1e-8 / len(X), max_iter=5000)  # our tol is per sample
    ref = FactorAnalysis(2, svd_method="lapack", tol=1e-8, max_iter=5000).fit(X)
    np.testing.assert_allclose(ours.components.T @ ours.components,
                               ref.components_.T @ ref.components_, atol=1e-6)
    np.testing.assert_allclose(ours.noise_variance, ref.noise_variance_, atol=1e-6)
    held = X[:20] + 0.1
    assert factor_loglikelihood(ours, held) == pytest.approx(ref.score(held), rel=1e-6)


def test_cross_validation_finds_the_planted_number_of_factors():
    X, _ = factor_modules(n=150, sizes=(8, 8), n_background=8, noise=0.6)
    best, scores = cross_validate_components(X.to_numpy(), [0, 1, 2, 3, 4, 6], cv=3)
    assert best == 2 and scores[2] > scores[1] > scores[0]
    best_null, _ = cross_validate_components(permuted(X.to_numpy()), [0, 1, 2, 3], cv=3)
    assert best_null == 0


def test_factor_weight_blocks_match_dense_model():
    X, _ = factor_modules(n=80, sizes=(6, 5), n_background=5)
    model = fit_factor_analysis(standardize(X.to_numpy())[0], 3)
    W, psi = model.components, model.noise_variance
    sigma = W.T @ W + np.diag(psi)
    d = np.sqrt(np.diag(sigma))
    expected = (W.T @ W) / np.outer(d, d)
    np.fill_diagonal(expected, 1.0)
    p = sigma.shape[0]
    np.testing.assert_allclose(factor_correlation_block(model)(0, p), expected, atol=1e-5)
    np.testing.assert_allclose(factor_partial_block(model)(0, p),
                               dense_partial(np.linalg.inv(sigma)), atol=1e-5)


# ------------------------------------------------------------------ edge rule
def test_edge_rule_alpha_takes_precedence_and_fdr_scopes_agree_on_clear_signal():
    X, truth = factor_modules(n=120, sizes=(8,), n_background=8, noise=0.5)
    Z, _, _ = standardize(X.to_numpy())
    block = correlation_block(Z)
    cal = {}
    rows, cols, _ = select_edges(block, Z.shape[1], alpha=0.99, fdr=0.05, n_effective=120,
                                 calibration=cal)
    assert cal["edge_rule"] == "alpha" and rows.size == 0
    members = set(range(8))
    for scope in ("feature", "pairs"):
        cal = {}
        rows, cols, w = select_edges(block, Z.shape[1], alpha=None, fdr=0.01, n_effective=120,
                                     calibration=cal, scope=scope)
        pairs = set(zip(rows.tolist(), cols.tolist()))
        assert {(i, j) for i in members for j in members if i < j} <= pairs
        assert all(i in members and j in members for i, j in pairs)
        assert np.all(rows < cols) and cal["fdr_scope"] == scope


@pytest.mark.parametrize("n_effective", [60.0, None])
def test_feature_fdr_cuts_are_per_row_benjamini_hochberg(n_effective):
    X, _ = factor_modules(n=60, sizes=(6, 4), n_background=10, noise=0.8)
    Z, _, _ = standardize(X.to_numpy())
    block = correlation_block(Z)
    W = block(0, Z.shape[1]).astype(np.float64)
    cuts, n_eff = feature_fdr_cuts(block, Z.shape[1], 0.1, n_effective)
    for i in range(W.shape[0]):
        w = np.abs(np.delete(W[i], i))
        if n_effective is None:  # the row's own robust spread
            assert n_eff[i] == pytest.approx(1 / (np.median(np.arctanh(w)) / 0.6745) ** 2 + 3,
                                             rel=1e-4)
        selected = bh_adjust(correlation_pvalue(w, n_eff[i])) <= 0.1
        expected = w[selected].min() if selected.any() else np.inf
        assert cuts[i] == pytest.approx(expected, rel=1e-6)
    assert np.isfinite(cuts).sum() >= 10


# --------------------------------------------------------------- the backends
@pytest.mark.parametrize("shrinkage", ["ledoit_wolf", "schafer_strimmer"])
def test_baseline_recovers_graphical_model_modules(shrinkage):
    X, truth = ggm_modules(seed=0)
    model = BaselineNetworkModel(shrinkage, min_module_size=3).fit(X)
    assert adjusted_rand_score(truth, model.labels_) == 1.0
    assert model.calibration_["shrinkage_method"] == shrinkage
    null = BaselineNetworkModel(shrinkage, min_module_size=3).fit(permuted(X))
    assert null.n_modules_ == 0
    json.dumps(null.calibration_, allow_nan=False)


def test_baseline_is_positive_definite_with_more_features_than_samples():
    X, truth = factor_modules(n=40, sizes=(30, 30), n_background=40, noise=0.4)
    model = BaselineNetworkModel(shrinkage=0.95, min_module_size=5).fit(X)
    assert 0 < model.calibration_["shrinkage"] < 1
    assert model.calibration_["precision_rank"] == 40
    assert gene_ari(model, truth) > 0.9


@pytest.mark.parametrize("cls", [LatentNetworkModel, GraphNetworkModel])
def test_latent_backends_recover_multiplex_modules_and_not_permuted_data(cls):
    X, truth = factor_modules(multiplex=True)
    model = cls(min_module_size=4, random_state=0).fit(X)
    assert gene_ari(model, truth) > 0.9
    cal = model.calibration_
    assert set(cal["n_components_per_channel"]) == {"switch", "abundance"}
    assert cal["n_components"] == sum(cal["n_components_per_channel"].values())
    assert cal["n_components_selection"] == "cv" and cal["converged"]
    for key in ("heldout_loglik", "reconstruction_rmse", "mean_noise_variance", "n_iter"):
        assert np.isfinite(cal[key])
    assert {"source_channel", "target_channel"} <= set(model.edges_.columns)
    null = cls(min_module_size=4, random_state=0).fit(permuted(X))
    assert null.n_modules_ == 0 and null.calibration_["n_components"] == 0
    for fitted in (model, null):  # calibration.json must be strict JSON
        json.dumps(fitted.calibration_, allow_nan=False)


def test_latent_fixed_components_and_partial_weights():
    X, truth = factor_modules(sizes=(6, 6, 6), noise=0.6)
    model = LatentNetworkModel(3, edge_weight="partial", min_module_size=4).fit(X)
    assert model.n_components_ == 3 and model.components_.shape == (3, X.shape[1])
    assert model.calibration_["n_components_selection"] == "fixed"
    # partial correlations of the factor model group each module's members
    # (background genes may attach: see the edge_weight documentation)
    pred = model.modules_.set_index("gene_id")["module_id"].reindex(truth.index)
    members = truth >= 0
    assert adjusted_rand_score(truth[members], pred[members]) == 1.0
    with pytest.raises(ValueError, match="n_components=500 exceeds"):
        LatentNetworkModel(500).fit(X)


def test_graph_with_gamma_zero_is_exactly_the_latent_backend():
    X, _ = factor_modules(multiplex=True, seed=3)
    latent = LatentNetworkModel(min_module_size=4, random_state=0).fit(X)
    graph = GraphNetworkModel(0.0, min_module_size=4, random_state=0).fit(X)
    np.testing.assert_array_equal(graph.labels_, latent.labels_)
    pd.testing.assert_frame_equal(graph.edges_, latent.edges_)
    np.testing.assert_array_equal(graph.components_, latent.components_)
    assert graph.calibration_["smoothing_rmse"] == 0.0
    smoothed = GraphNetworkModel(1.0, min_module_size=4, random_state=0).fit(X)
    cal = smoothed.calibration_
    assert cal["smoothing_rmse"] > 0 and cal["graph_edges"] == smoothed.graph_.nnz // 2
    assert cal["graph_mean_degree"] == pytest.approx(2 * cal["graph_edges"] / X.shape[1])


def test_graph_user_adjacency_and_errors():
    X, _ = factor_modules(sizes=(6,), n_background=4)
    names = list(X.columns)
    table = pd.DataFrame({"source": [names[0]], "target": [names[9]], "weight": [2.0]})
    model = GraphNetworkModel(0.5, n_neighbors=0, adjacency=table, min_module_size=3).fit(X)
    assert model.calibration_["user_edges"] == 1 and model.graph_[0, 9] == 2.0
    bad = pd.DataFrame({"source": ["nope"], "target": [names[0]]})
    with pytest.raises(ValueError, match="not in X: \\['nope'\\]"):
        GraphNetworkModel(adjacency=bad).fit(X)
    with pytest.raises(ValueError, match="adjacency must be a 10 x 10"):
        GraphNetworkModel(adjacency=np.eye(3)).fit(X)


# --------------------------------------------------------------- graph pieces
def test_smoothing_solves_the_laplacian_system():
    rng = np.random.default_rng(5)
    A = sparse.random(30, 30, density=0.15, random_state=5)
    A = (A + A.T).tocsr()
    A.data -= 0.5  # mixed signs
    L = signed_laplacian(A)
    assert np.linalg.eigvalsh(L.toarray()).min() > -1e-10
    Z = rng.normal(size=(7, 30))
    Xs, n_iter = smooth_features(Z, L, 0.8, tol=1e-10)
    expected = np.linalg.solve(np.eye(30) + 0.8 * L.toarray(), Z.T).T
    np.testing.assert_allclose(Xs, expected, atol=1e-7)
    assert n_iter > 0


def test_knn_graph_links_module_members_only():
    X, truth = factor_modules(n=120, sizes=(8,), n_background=12, noise=0.5)
    Z, _, _ = standardize(X.to_numpy())
    G = knn_correlation_graph(Z, 3, fdr=0.05).tocoo()
    assert G.nnz > 0 and (G != G.T).nnz == 0
    assert np.all((G.row < 8) & (G.col < 8))
    assert np.bincount(G.row, minlength=8)[:8].min() >= 3
    # without the per-feature test every feature would get 3 neighbours (>= 30 edges)
    assert knn_correlation_graph(permuted(Z), 3, fdr=0.05).nnz // 2 <= 3


def test_channel_links_and_user_graph_symmetry():
    X, _ = factor_modules(sizes=(4,), n_background=2, multiplex=True)
    features = feature_table(X.columns)
    Z, _, _ = standardize(X.to_numpy())
    G = channel_link_graph(Z, features)
    assert G.nnz == 2 * 6
    i, j = 0, 1  # g0::switch, g0::abundance
    assert G[i, j] == pytest.approx(np.mean(Z[:, i].astype(float) * Z[:, j]), rel=1e-5)
    U = user_graph(sparse.csr_matrix(([1.0], ([0], [2])), shape=(12, 12)), X.columns)
    assert U[0, 2] == U[2, 0] == 0.5


# ----------------------------------------------------------- sklearn contract
@parametrize_with_checks([BaselineNetworkModel(), LatentNetworkModel(), GraphNetworkModel()])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("cls", [BaselineNetworkModel, LatentNetworkModel, GraphNetworkModel])
def test_clone_pickle_pipeline_and_reproducibility(cls):
    X, _ = factor_modules(seed=7)
    model = cls(min_module_size=4, random_state=3).fit(X)
    again = clone(model).fit(X)
    np.testing.assert_array_equal(model.labels_, again.labels_)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(restored.transform(X), model.transform(X))
    pipe = make_pipeline(StandardScaler(), cls(min_module_size=4, random_state=3)).fit(X)
    assert pipe.transform(X).shape == (len(X), pipe[-1].n_modules_)


def test_grid_search_over_backend_parameters():
    X, _ = factor_modules(seed=8)

    def explained(estimator, X, y=None):
        return float(np.sum(estimator.variance_explained_))

    search = GridSearchCV(LatentNetworkModel(min_module_size=4),
                          {"n_components": [1, 3]}, scoring=explained, cv=2).fit(X)
    assert search.best_params_["n_components"] == 3


@pytest.mark.parametrize("cls,params,match", [
    (BaselineNetworkModel, {"shrinkage": "oas"}, "shrinkage must be one of"),
    (BaselineNetworkModel, {"shrinkage": 1.5}, "shrinkage must be one of"),
    (BaselineNetworkModel, {"alpha": None, "fdr": None}, "alpha and fdr are both None"),
    (BaselineNetworkModel, {"fdr_scope": "genes"}, "fdr_scope must be"),
    (LatentNetworkModel, {"n_components": -1}, "n_components must be 'auto'"),
    (LatentNetworkModel, {"edge_weight": "cosine"}, "edge_weight must be one of"),
    (LatentNetworkModel, {"fdr": 1.0}, "fdr must be None or a number in \\(0, 1\\)"),
    (LatentNetworkModel, {"alpha": 0.0}, "alpha must be None or a number in \\(0, 1\\]"),
    (LatentNetworkModel, {"cv": 1}, "cv must be an integer >= 2"),
    (LatentNetworkModel, {"n_components_grid": [1.5]}, "n_components_grid must be"),
    (GraphNetworkModel, {"gamma": -1.0}, "gamma must be a finite number >= 0, got -1.0"),
    (GraphNetworkModel, {"n_neighbors": 2.5}, "n_neighbors must be an integer"),
    (GraphNetworkModel, {"graph_fdr": 0}, "graph_fdr must be a number in"),
])
def test_bad_parameters_raise_naming_the_parameter(cls, params, match):
    X, _ = factor_modules(sizes=(5,), n_background=3)
    with pytest.raises(ValueError, match=match):
        cls(**params).fit(X)
