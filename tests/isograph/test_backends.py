"""Baseline, latent and graph backends: numerics, planted modules, sklearn contract."""

import json
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from isograph.models import BaselineNetworkModel, GraphNetworkModel, LatentNetworkModel


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


def test_zero_shrinkage_with_more_features_than_samples_raises():
    X = np.random.default_rng(3).normal(size=(10, 30))
    with pytest.raises(ValueError, match=r"shrinkage=0 leaves .* singular \(10 samples, 30"):
        BaselineNetworkModel(shrinkage=0.0).fit(X)


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


def _rule(cls, name: str, accepted: str) -> str:
    """sklearn's message for a parameter outside its declared constraint."""
    return rf"The '{name}' parameter of {cls.__name__} must be {accepted}"


@pytest.mark.parametrize("cls,params,match", [
    (BaselineNetworkModel, {"shrinkage": "oas"},
     _rule(BaselineNetworkModel, "shrinkage", r"a str among \{.*'ledoit_wolf'.*\} or a float")),
    (BaselineNetworkModel, {"shrinkage": 1.5},
     _rule(BaselineNetworkModel, "shrinkage", ".*range \\[0.0, 1.0\\]")),
    (BaselineNetworkModel, {"alpha": None, "fdr": None}, "alpha and fdr are both None"),
    (BaselineNetworkModel, {"fdr_scope": "genes"}, _rule(BaselineNetworkModel, "fdr_scope", "")),
    (LatentNetworkModel, {"n_components": -1},
     _rule(LatentNetworkModel, "n_components", r"a str among \{'auto'\} or an int")),
    (LatentNetworkModel, {"edge_weight": "cosine"}, _rule(LatentNetworkModel, "edge_weight", "")),
    (LatentNetworkModel, {"fdr": 1.0},
     _rule(LatentNetworkModel, "fdr", r"a float in the range \(0.0, 1.0\) or None")),
    (LatentNetworkModel, {"alpha": 0.0},
     _rule(LatentNetworkModel, "alpha", r"a float in the range \(0.0, 1.0\] or None")),
    (LatentNetworkModel, {"cv": 1}, _rule(LatentNetworkModel, "cv", r"an int in the range \[2")),
    (LatentNetworkModel, {"n_components_grid": [1.5]}, "n_components_grid must be"),
    (GraphNetworkModel, {"gamma": -1.0},
     _rule(GraphNetworkModel, "gamma", r"a float in the range \[0.0, inf\). Got -1.0")),
    (GraphNetworkModel, {"n_neighbors": 2.5}, _rule(GraphNetworkModel, "n_neighbors", "an int")),
    (GraphNetworkModel, {"graph_fdr": 0}, _rule(GraphNetworkModel, "graph_fdr", "a float in")),
])
def test_bad_parameters_raise_naming_the_parameter(cls, params, match):
    X, _ = factor_modules(sizes=(5,), n_background=3)
    with pytest.raises(ValueError, match=match):
        cls(**params).fit(X)
