"""Numerics of the linear backends' private pieces against dense or sklearn references.

Internal on purpose: shrinkage intensities, the shrunk precision, factor
analysis and its cross-validation, the factor-model weight blocks, the edge
rule and its per-feature FDR cuts, and the gene-graph pieces have no public
name; their public face is the backends' fit, tested in
``tests/isograph/test_backends.py``. Here each piece is checked against a
closed form or scikit-learn, which a fit alone cannot show; rewrite these
tests when the pieces change.
"""

import numpy as np
import pytest
from scipy import sparse
from sklearn.covariance import ledoit_wolf_shrinkage
from sklearn.decomposition import FactorAnalysis

from isograph.models._baseline import shrinkage_partial_correlations
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
from tests.isograph.test_backends import factor_modules, permuted


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


def test_thin_row_blocks_run_on_one_blas_thread_wide_ones_on_the_default():
    from threadpoolctl import threadpool_info

    from isograph.network._row_blocks import THIN_RANK, blas_threads_for, scaled_gram_block

    def blas_threads():
        return {info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}

    default = blas_threads()
    rng = np.random.default_rng(0)
    for rank, expected in ((3, {1}), (THIN_RANK + 1, default)):
        block = scaled_gram_block(rng.normal(size=(50, rank)), np.ones(50))
        with blas_threads_for(block):
            assert blas_threads() == expected
    with blas_threads_for(lambda start, stop: None):  # a block that states no rank
        assert blas_threads() == default
    assert blas_threads() == default
