"""Stability selection of backend edges over subsamples."""

import numpy as np
import pandas as pd
import pytest
from joblib import parallel_config
from sklearn.base import BaseEstimator

from isograph.models import LatentNetworkModel
from isograph.network import StabilityResult, stability_selection


def one_module(n=80, size=5, n_background=5, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 1))
    X = np.hstack([z + 0.5 * rng.normal(size=(n, size)), rng.normal(size=(n, n_background))])
    names = [f"m{i}" for i in range(size)] + [f"b{i}" for i in range(n_background)]
    return pd.DataFrame(X, columns=names)


def test_module_edges_are_stable_and_background_edges_are_not():
    X = one_module()
    result = stability_selection(LatentNetworkModel(n_components=1), X, n_subsamples=12,
                                 random_state=0)
    assert isinstance(result, StabilityResult)
    edges = result.edges
    assert list(edges.columns) == ["source", "target", "frequency", "count", "mean_weight",
                                   "sign_consistency"]
    inside = edges["source"].str.startswith("m") & edges["target"].str.startswith("m")
    assert inside.sum() == 10  # every pair of the 5 members
    assert edges.loc[inside, "frequency"].min() >= 0.75
    assert np.max(edges.loc[~inside, "frequency"].to_numpy(), initial=0.0) <= 0.25
    assert edges["frequency"].is_monotonic_decreasing
    np.testing.assert_allclose(edges["frequency"], edges["count"] / 12)
    selected = result.selected
    assert set(selected["source"]) | set(selected["target"]) == {f"m{i}" for i in range(5)}
    assert result.subsample_size == 40 and result.edges_per_subsample.shape == (12,)
    assert result.mean_selected == pytest.approx(result.edges_per_subsample.mean())


def test_same_seed_same_result_whatever_n_jobs():
    X = one_module(seed=1).to_numpy()
    est = LatentNetworkModel(n_components=1)
    serial = stability_selection(est, X, n_subsamples=6, random_state=4)
    with parallel_config(backend="threading"):  # process workers take seconds to start
        parallel = stability_selection(est, X, n_subsamples=6, random_state=4, n_jobs=2)
    pd.testing.assert_frame_equal(serial.edges, parallel.edges)
    assert serial.edges["source"].str.match(r"x\d+").all()


class Scripted(BaseEstimator):
    """Fit number k selects ``script[k]``: edges as (source, target) column names.

    The subsample fits run in order when ``n_jobs`` is None, so the selections
    (and with them every frequency) are known in advance.
    """

    fits: list = []

    def __init__(self, script=()):
        self.script = script

    def fit(self, X, y=None):
        pairs = self.script[len(Scripted.fits) % len(self.script)]
        Scripted.fits.append(pairs)
        self.edges_ = pd.DataFrame(pairs, columns=["source", "target"]).assign(weight=1.0)
        return self


def scripted_selection(script, n_features, **kwargs):
    Scripted.fits.clear()
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(20, n_features)),
                     columns=[f"f{i}" for i in range(n_features)])
    return stability_selection(Scripted(script), X, n_subsamples=len(script), **kwargs)


def test_meinshausen_buhlmann_bound_and_recommendation():
    # q = 10 edges per fit among m = 46 * 45 / 2 = 1035 pairs; the bound at a cut pi is
    # q^2 / ((2 pi - 1) m), so E[V] = 200 / 1035 is reached exactly at pi = 0.75
    edges = [("f0", f"f{j}") for j in range(1, 11)]
    target = 200 / 1035
    result = scripted_selection([edges] * 4, 46, expected_false_edges=target)
    assert (result.mean_selected, result.n_pairs) == (10, 1035)
    assert result.recommendation_rule == "meinshausen_buhlmann"
    assert result.recommended_threshold == result.threshold == pytest.approx(0.75)
    assert result.false_edge_bound == pytest.approx(target)
    assert len(result.selected) == 10  # selected in every fit: frequency 1
    # a cut at 1/2 bounds nothing
    assert scripted_selection([edges] * 4, 46, threshold=0.5).false_edge_bound == np.inf
    # q = 45: q^2 / m = 2025 / 1035 > 1 = E[V], so no cut achieves it and the consensus
    # rule takes over
    dense = [[(f"f{i}", f"f{j}") for i in range(10) for j in range(i + 1, 10)]] * 4
    assert scripted_selection(dense, 46).recommendation_rule == "consensus"


def test_dense_selections_fall_back_to_the_consensus_cut():
    # 4 fits: edges 0 and 1 always, edge 2 in two fits, edge 3 in one fit
    e = [("f0", "f1"), ("f0", "f2"), ("f0", "f3"), ("f1", "f2")]
    script = [[e[0], e[1], e[2]], [e[0], e[1], e[2]], [e[0], e[1], e[3]], [e[0], e[1]]]
    # cut 1/4 -> {0,1,2,3}; 2/4 -> {0,1,2}; 3/4 and 4/4 -> {0,1}
    # mean Jaccard: 0.6875, 0.7917, 0.75, 0.75 -> best cut 0.5
    result = scripted_selection(script, 4, expected_false_edges=0.01)
    assert result.recommendation_rule == "consensus"
    assert result.recommended_threshold == 0.5
    assert len(result.selected) == 3
    X = one_module(size=8, n_background=0)
    result = stability_selection(LatentNetworkModel(n_components=1), X, n_subsamples=4,
                                 expected_false_edges=0.01, random_state=0)
    assert result.recommendation_rule == "consensus"
    assert 0 < result.recommended_threshold <= 1


def test_explicit_threshold_is_used():
    X = one_module()
    result = stability_selection(LatentNetworkModel(n_components=1), X, n_subsamples=4,
                                 threshold=1.0, random_state=0)
    assert result.threshold == 1.0
    assert (result.selected["frequency"] == 1.0).all()


@pytest.mark.parametrize("kwargs,match", [
    ({"n_subsamples": 0}, "n_subsamples must be an integer >= 1, got 0"),
    ({"sample_fraction": 1.0}, "sample_fraction must be a number in \\(0, 1\\), got 1.0"),
    ({"sample_fraction": 0.01}, "leaves 0 per subsample"),
    ({"threshold": 0.0}, "threshold must be None or a number in \\(0, 1\\]"),
    ({"expected_false_edges": 0}, "expected_false_edges must be a positive number"),
])
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        stability_selection(LatentNetworkModel(), one_module(), **kwargs)


def test_estimator_must_be_an_estimator():
    with pytest.raises(TypeError, match="estimator must be a scikit-learn estimator"):
        stability_selection(object(), one_module())
