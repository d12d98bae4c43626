"""Edge budget, per-feature edge cap, and the warnings for too-small data or empty results."""

import numpy as np
import pandas as pd
import pytest

from isograph import fit_dataset
from isograph.benchmark import make_isoform_dataset
from isograph.models import (
    EmptyResultWarning,
    LatentNetworkModel,
    SmallDataWarning,
    VaeNetworkModel,
)
from isograph.network import EdgeBudgetError, correlation_block, standardize, threshold_edges
from tests.isograph.correlation_backend import CorrelationModel


def _blocks(n=60, p=600, k=3, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, k))
    X = np.repeat(z, p // k, axis=1) + 0.5 * rng.normal(size=(n, p))
    Z, _, _ = standardize(X)
    return Z


def test_per_feature_cap_keeps_each_features_strongest_passing_edges():
    Z = _blocks()
    p = Z.shape[1]
    full = threshold_edges(correlation_block(Z), p, 0.3, max_edges=None)
    r, c, w = threshold_edges(correlation_block(Z), p, 0.3, max_edges_per_feature=5)
    assert np.all(r < c) and len(r) <= 5 * p and len(r) < len(full[0])
    # a subset of the uncapped edges, with the same weights
    kept = dict(zip(zip(full[0], full[1]), full[2]))
    assert all(np.isclose(kept[(a, b)], x) for a, b, x in zip(r, c, w))
    # every feature keeps (at least) its own 5 strongest partners
    C = np.abs(Z.T @ Z / Z.shape[0])
    np.fill_diagonal(C, -1)
    pairs = set(zip(r.tolist(), c.tolist()))
    for i in (0, 250, 599):
        for j in np.argsort(-C[i])[:5]:
            assert (min(i, j), max(i, j)) in pairs


def test_over_budget_stops_early_with_plain_numbers_and_the_remedy():
    Z = _blocks()
    calls = []

    def block(start, stop):
        calls.append(stop - start)
        return correlation_block(Z)(start, stop)

    with pytest.raises(EdgeBudgetError) as err:
        threshold_edges(block, Z.shape[1], 0.3, max_edges=1000)
    message = str(err.value)
    assert "max_edges=1,000" in message and "max_edges_per_feature" in message
    assert "array(" not in message
    assert max(calls) == 1  # only the sample rows of the estimate were computed
    with pytest.raises(EdgeBudgetError, match="lower max_edges_per_feature"):
        threshold_edges(block, Z.shape[1], 0.3, max_edges=100, max_edges_per_feature=5)
    with pytest.raises(ValueError, match="max_edges_per_feature must be None or an integer"):
        threshold_edges(block, Z.shape[1], 0.3, max_edges_per_feature=0)


def test_backends_expose_the_budget():
    X = _blocks(seed=1)
    with pytest.raises(EdgeBudgetError, match="max_edges=500"):
        LatentNetworkModel(n_components=3, max_edges=500, max_edges_per_feature=None,
                           random_state=0).fit(X)
    model = LatentNetworkModel(max_edges_per_feature=4, random_state=0).fit(X)
    assert len(model.edges_) <= 4 * X.shape[1]
    assert model.calibration_["max_edges_per_feature"] == 4
    assert model.n_modules_ == 3


def test_zero_factors_and_no_module_are_reported():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 40))  # noise: cross-validation picks no factor
    with pytest.warns(EmptyResultWarning, match="chose 0 factors"):
        model = LatentNetworkModel(random_state=0).fit(X)
    assert model.n_modules_ == 0


def test_vae_warns_on_a_tiny_validation_split_and_caps_the_latent_size():
    X = _blocks(n=8, p=30)
    with pytest.warns(SmallDataWarning) as record:
        model = VaeNetworkModel(latent_dim=(2, 8), hidden_layer_sizes=(8,), max_epochs=5,
                                n_threads=1, random_state=0).fit(X)
    text = " ".join(str(w.message) for w in record)
    assert "holds out 1" in text and "latent_dim [2, 8] exceed" in text
    assert model.latent_dim_ == 1  # a quarter of the 7 training samples


def test_default_vae_finds_the_three_planted_toy_modules():
    # the CLI's `isograph simulate --preset toy` + `isograph fit` (default backend)
    sim = make_isoform_dataset("toy", random_state=0)
    result = fit_dataset(sim.data, n_threads=1, random_state=0)
    truth = sim.genes["module_id"]
    found = result.modules.set_index("gene_id")["module_id"].reindex(truth.index)
    table = pd.crosstab(truth, found)
    for planted in range(3):
        row = table.loc[planted].drop(-1, errors="ignore")
        # most of each planted module sits in one found module, whose planted genes
        # come from that module (background genes with the batch effect may join it)
        assert row.max() >= 0.7 * (truth == planted).sum()
        assert table[row.idxmax()].drop(-1, errors="ignore").idxmax() == planted


def test_modules_of_one_signal_are_merged_and_others_kept():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(40, 2))
    X = np.hstack([z[:, [0]] + 0.3 * rng.normal(size=(40, 10)),   # module 0
                   -z[:, [0]] + 0.3 * rng.normal(size=(40, 10)),  # module 1: same signal, sign
                   z[:, [1]] + 0.3 * rng.normal(size=(40, 10))])  # module 2: another signal
    # positive correlations only: modules 0 and 1 share no edge
    kept = CorrelationModel(absolute=False).fit(X)
    np.testing.assert_array_equal(kept.labels_, np.repeat([0, 1, 2], 10))
    assert kept.calibration_["n_merged_modules"] == 0
    merged = CorrelationModel(absolute=False, merge_threshold=0.85).fit(X)
    labels = merged.labels_
    assert merged.calibration_["n_merged_modules"] == 1 and merged.n_modules_ == 2
    assert len(set(labels[:20])) == 1 and labels[20] != labels[0]
    assert labels[0] == 0  # renumbered by size: the merged module first
    assert merged.transform(X).shape == (40, 2)  # one eigengene per module left
    with pytest.raises(ValueError, match=r"merge_threshold.* 1\.5"):  # names the value
        LatentNetworkModel(merge_threshold=1.5).fit(X)


def test_an_empty_fit_says_why_once():
    import warnings

    data = make_isoform_dataset("toy", random_state=0).data
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fit_dataset(data, "baseline", shrinkage=0.999, min_module_size=30)
    assert result.model.n_modules_ == 0 and result.eigengenes.shape[1] == 0
    empty = [str(w.message) for w in caught if issubclass(w.category, EmptyResultWarning)]
    assert len(empty) == 1  # the fit's reason, not also the transform's NoModulesWarning
    # the graph connects more genes than min_module_size: the split is community detection's
    assert "community detection split them" in empty[0] and "resolution" in empty[0]
    with pytest.warns(EmptyResultWarning, match="fewer than min_module_size=300"):
        fit_dataset(data, "baseline", shrinkage=0.999, min_module_size=300)
