import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score

from isograph.benchmark import metrics


def _singletons(labels):
    """The documented reading of -1 (unassigned): every such gene a cluster of its own."""
    out = np.asarray(labels).copy()
    free = out == -1
    out[free] = out.max() + 1 + np.arange(free.sum())
    return out


def _planted(sizes=(40, 30, 20, 10), n_background=100, seed=0):
    labels = np.concatenate([np.repeat(np.arange(len(sizes)), sizes),
                             np.full(n_background, -1)])
    rng = np.random.default_rng(seed)
    return rng.permutation(labels)


def test_perfect_partition_scores_one_even_with_renamed_labels():
    true = _planted()
    pred = np.where(true >= 0, np.array(["m_c", "m_a", "m_d", "m_b"], dtype=object)[true], -1)
    pred = np.asarray(pred, dtype=object)
    scores = metrics.score_modules(true, pred)
    for key in ("recovery", "relevance", "adjusted_rand", "adjusted_mutual_info",
                "over_segmentation"):
        assert scores[key] == pytest.approx(1.0), key
    assert scores["n_true_modules"] == scores["n_predicted_modules"] == 4


def test_splitting_every_module_in_two():
    true = _planted()
    pred = true.copy()
    for m in range(4):
        members = np.flatnonzero(true == m)
        pred[members[: members.size // 2]] = 10 + m
    assert metrics.over_segmentation(true, pred) == pytest.approx(2.0)
    assert metrics.recovery(true, pred) == pytest.approx(0.5)
    assert metrics.relevance(true, pred) == pytest.approx(0.5)
    assert 0.0 < metrics.adjusted_rand(true, pred) < 1.0


def test_merging_halves_over_segmentation():
    true = _planted()
    pred = np.where(true >= 0, true // 2, -1)
    assert metrics.over_segmentation(true, pred) == pytest.approx(0.5)
    assert metrics.relevance(true, pred) < 1.0


def test_hand_computed_jaccard_example():
    # true A0={0,1,2,3}, A1={4,5}; pred B5={0,1}, B7={2,3,4,5}, B9={7}
    true = np.array([0, 0, 0, 0, 1, 1, -1, -1])
    pred = np.array([5, 5, 7, 7, 7, 7, -1, 9])
    # J(A0,B5)=2/4, J(A0,B7)=2/6, J(A1,B7)=2/4, J(A1,B5)=0, J(., B9)=0
    assert metrics.recovery(true, pred) == pytest.approx((0.5 + 0.5) / 2)
    assert metrics.relevance(true, pred) == pytest.approx((0.5 + 0.5 + 0.0) / 3)
    assert metrics.over_segmentation(true, pred) == pytest.approx(1.5)
    roles = ["a", "a", "b", "b", "a", "b", "background", "background"]
    recall = metrics.role_recall(true, pred, roles)
    # A0 matches B5 (0.5 > 1/3): genes 0,1 kept, 2,3 lost; A1 matches B7: 4,5 kept
    assert recall.to_dict() == pytest.approx({"a": 1.0, "b": 1 / 3})


def test_ari_ami_equal_sklearn_on_singleton_expanded_labels():
    rng = np.random.default_rng(3)
    true = rng.integers(-1, 5, size=300)
    pred = np.where(rng.random(300) < 0.7, true, rng.integers(-1, 7, size=300))
    te, pe = _singletons(true), _singletons(pred)
    assert metrics.adjusted_rand(true, pred) == pytest.approx(adjusted_rand_score(te, pe))
    assert metrics.adjusted_mutual_info(true, pred) == pytest.approx(
        adjusted_mutual_info_score(te, pe), rel=1e-7)
    # unassigned genes are singletons, not one shared "-1" cluster
    assert metrics.adjusted_rand(true, pred) != pytest.approx(adjusted_rand_score(true, pred))


def test_random_labels_score_near_chance_and_are_not_significant():
    true = _planted(sizes=(400, 300, 200, 100), n_background=1000)
    rng = np.random.default_rng(5)
    pred = rng.integers(-1, 8, size=true.size)
    assert abs(metrics.adjusted_rand(true, pred)) < 0.02
    assert abs(metrics.adjusted_mutual_info(true, pred)) < 0.02
    res = metrics.permutation_null("adjusted_rand", true, pred, n_permutations=50,
                                   random_state=0)
    assert res.p_value > 0.05
    assert abs(res.z) < 3


def test_permutation_null_flags_a_good_partition():
    true = _planted()
    pred = true.copy()
    flip = np.random.default_rng(1).choice(true.size, 20, replace=False)
    pred[flip] = -1
    res = metrics.permutation_null(metrics.recovery, true, pred, n_permutations=30,
                                   random_state=2)
    assert res.observed == pytest.approx(metrics.recovery(true, pred))
    assert res.p_value == pytest.approx(1 / 31)
    assert res.z > 5
    assert res.null.shape == (30,)
    assert res.null_mean < 0.3
    again = metrics.permutation_null(metrics.recovery, true, pred, n_permutations=30,
                                     random_state=2)
    np.testing.assert_array_equal(res.null, again.null)


def test_series_are_aligned_by_index_and_missing_pred_genes_are_unassigned():
    genes = [f"G{i}" for i in range(8)]
    true = pd.Series([0, 0, 0, 1, 1, 1, -1, -1], index=genes)
    pred = pd.Series([1, 1, 1, 0, 0, 0], index=genes[:6])
    shuffled = pred.sample(frac=1.0, random_state=0)
    assert metrics.recovery(true, shuffled) == pytest.approx(1.0)
    assert metrics.adjusted_rand(true, shuffled) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="absent from true"):
        metrics.recovery(true, pd.Series([0], index=["other"]))


def test_bad_inputs_raise_naming_the_problem():
    with pytest.raises(ValueError, match="pred must label the same 3 genes"):
        metrics.recovery([0, 0, 1], [0, 1])
    with pytest.raises(ValueError, match="true has no modules"):
        metrics.recovery([-1, -1], [0, 0])
    with pytest.raises(ValueError, match="metric must be one of"):
        metrics.permutation_null("nope", [0, 1], [0, 1])
    with pytest.raises(ValueError, match="n_permutations"):
        metrics.permutation_null("recovery", [0, 1], [0, 1], n_permutations=0)


def test_empty_prediction():
    true = _planted()
    pred = np.full(true.size, -1)
    assert metrics.recovery(true, pred) == 0.0
    assert np.isnan(metrics.relevance(true, pred))
    assert metrics.over_segmentation(true, pred) == 0.0
    assert metrics.adjusted_rand(true, pred) == pytest.approx(0.0)
