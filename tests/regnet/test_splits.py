import os

import numpy as np
import pandas as pd
import pytest

from regnet.data import (
    BeelineData,
    Split,
    SplitWarning,
    degree_neutral_test,
    genelink_split,
    load_example,
)
from regnet.metrics import auroc

DEGREES = {"T0": 1, "T1": 2, "T2": 3, "T3": 5, "T4": 8, "T5": 13, "T6": 21, "T7": 0}


def _toy(n_genes=60, seed=0):
    """TFs T0..T7 with the degrees above, targets drawn among n_genes genes."""
    rng = np.random.default_rng(seed)
    genes = list(DEGREES) + [f"G{i}" for i in range(n_genes - len(DEGREES))]
    rows = []
    for tf, deg in DEGREES.items():
        others = [g for g in genes if g != tf]
        rows += [(tf, g) for g in rng.choice(others, size=deg, replace=False)]
    edges = pd.DataFrame(rows, columns=["TF", "Target"])
    expr = pd.DataFrame(rng.random((n_genes, 3)), index=genes)
    return BeelineData(expr, edges, list(DEGREES), name="toy")


@pytest.fixture(scope="module")
def toy():
    return _toy()


@pytest.fixture(scope="module")
def mdc():
    return load_example("mDC", network="STRING")


def _pairs(frame, label=None):
    if label is not None:
        frame = frame[frame["Label"] == label]
    return set(zip(frame["TF"], frame["Target"]))


def _per_tf(frame, label):
    return frame[frame["Label"] == label]["TF"].value_counts()


def _check_split(split, data):
    parts = [split.train, split.validation, split.test]
    sets = [_pairs(p) for p in parts]
    assert sum(len(s) for s in sets) == len(set.union(*sets))  # no pair in two splits
    for p in parts:
        assert list(p.columns) == ["TF", "Target", "Label"]
        assert p["Label"].dtype == np.int64
        assert not (p["TF"] == p["Target"]).any()
        assert set(p["TF"]) <= set(data.tfs) and set(p["Target"]) <= set(data.genes)
    positives = set().union(*(_pairs(p, 1) for p in parts))
    assert positives == _pairs(data.edges)
    negatives = set().union(*(_pairs(p, 0) for p in parts))
    assert not negatives & _pairs(data.edges)


def test_genelink_ratios_per_tf(toy):
    split = genelink_split(toy, random_state=0)
    _check_split(split, toy)
    for tf, n in DEGREES.items():
        n_tr = int(_per_tf(split.train, 1).get(tf, 0))
        n_va = int(_per_tf(split.validation, 1).get(tf, 0))
        n_te = int(_per_tf(split.test, 1).get(tf, 0))
        assert n_tr + n_va + n_te == n
        if n >= 2:
            assert n_tr + n_va == (2 * n) // 3
            assert n_va == ((2 * n) // 3) // 5
        # train / validation negatives are drawn 1:1 per TF
        assert int(_per_tf(split.train, 0).get(tf, 0)) == n_tr
        assert int(_per_tf(split.validation, 0).get(tf, 0)) == n_va
    assert int(_per_tf(split.validation, 1)["T6"]) == 2  # 21 -> 14 train+val -> 2 val


def test_single_positive_goes_to_train_or_test(toy):
    where = set()
    for seed in range(12):
        split = genelink_split(toy, random_state=seed)
        in_train = "T0" in set(split.train.loc[split.train["Label"] == 1, "TF"])
        in_test = "T0" in set(split.test.loc[split.test["Label"] == 1, "TF"])
        assert in_train != in_test
        assert "T0" not in set(split.validation["TF"])
        where.add(in_train)
    assert where == {True, False}


def test_test_positive_rate_equals_density(mdc):
    split = genelink_split(mdc, random_state=1)
    _check_split(split, mdc)
    n_pos = int(split.test["Label"].sum())
    n_neg = int((split.test["Label"] == 0).sum())
    d = mdc.density
    assert n_neg == round(n_pos * (1 - d) / d)  # the count nearest to the density
    assert split.test["Label"].mean() == pytest.approx(d, rel=1e-3)
    # test negatives are spread over all TFs, including TFs without any edge
    silent = set(mdc.tfs) - set(mdc.edges["TF"])
    assert set(split.test.loc[split.test["Label"] == 0, "TF"]) & silent


def test_custom_density(toy):
    split = genelink_split(toy, density=0.1, random_state=0)
    assert split.test["Label"].mean() == pytest.approx(0.1, abs=0.01)
    with pytest.raises(ValueError, match=r"density must be a number in \(0, 1\); got 1.5"):
        genelink_split(toy, density=1.5)


def test_hard_variant_holds_all_remaining_non_edges(toy):
    split = genelink_split(toy, hard=True, random_state=3)
    _check_split(split, toy)
    everything = {(t, g) for t in toy.tfs for g in toy.genes if g != t}
    expected = everything - _pairs(toy.edges) - _pairs(split.train) - _pairs(split.validation)
    assert _pairs(split.test, 0) == expected
    # same positives as the default variant with the same seed
    default = genelink_split(toy, random_state=3)
    assert _pairs(default.test, 1) == _pairs(split.test, 1)
    assert default.train.equals(split.train)


def test_determinism(toy):
    a = genelink_split(toy, random_state=7)
    b = genelink_split(toy, random_state=7)
    c = genelink_split(toy, random_state=8)
    for part in ("train", "validation", "test"):
        pd.testing.assert_frame_equal(getattr(a, part), getattr(b, part))
    assert not a.test.equals(c.test)


def test_edge_dataframe_input(toy):
    labelled = pd.concat(
        [toy.edges.assign(Label=1), pd.DataFrame({"TF": ["T7"], "Target": ["G1"], "Label": [0]})]
    )
    a = genelink_split(labelled, toy.genes, toy.tfs, random_state=0)
    b = genelink_split(toy, random_state=0)
    pd.testing.assert_frame_equal(a.test, b.test)
    with pytest.raises(ValueError, match="genes is required"):
        genelink_split(toy.edges)
    loops = pd.DataFrame({"TF": ["T1"], "Target": ["T1"]})
    with pytest.raises(ValueError, match="self loops"):
        genelink_split(loops, toy.genes)
    with pytest.raises(ValueError, match=r"not in genes: \['NOPE'\]"):
        genelink_split(pd.DataFrame({"TF": ["T1"], "Target": ["NOPE"]}), toy.genes)
    with pytest.raises(TypeError, match="got list"):
        genelink_split([("T1", "G1")], toy.genes)


def test_too_few_negatives_warns():
    genes = ["A", "B", "C", "D", "E"]
    # A regulates B, C, D: its only negative is E, but its 2 train+val positives need 2
    edges = pd.DataFrame({"TF": ["A"] * 3, "Target": ["B", "C", "D"]})
    with pytest.warns(SplitWarning) as record:
        genelink_split(edges, genes, random_state=0)
    messages = [str(w.message) for w in record]
    assert any("TF 'A': asked for 2 negative pairs but only 1 are available" in m for m in messages)


def test_csv_round_trip(toy, tmp_path):
    split = genelink_split(toy, random_state=0)
    out = split.to_csv(tmp_path / "s")
    assert sorted(os.listdir(out)) == ["test.csv", "train.csv", "validation.csv"]
    back = Split.from_csv(out)
    for part in ("train", "validation", "test"):
        pd.testing.assert_frame_equal(getattr(back, part), getattr(split, part))
    assert "positive" in repr(back)
    with pytest.raises(FileNotFoundError, match="No train.csv"):
        Split.from_csv(tmp_path)


def test_failed_write_leaves_nothing(toy, tmp_path, monkeypatch):
    split = genelink_split(toy, random_state=0)
    original = pd.DataFrame.to_csv
    calls = []

    def flaky(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", flaky)
    with pytest.raises(OSError, match="disk full"):
        split.to_csv(tmp_path)
    assert os.listdir(tmp_path) == []


def test_split_rejects_overlap_and_bad_labels():
    a = pd.DataFrame({"TF": ["A"], "Target": ["B"], "Label": [1]})
    b = pd.DataFrame({"TF": ["A"], "Target": ["C"], "Label": [0]})
    with pytest.raises(ValueError, match=r"\('A', 'B'\) is in both train and test"):
        Split(a, b, a)
    with pytest.raises(ValueError, match="duplicate"):
        Split(pd.concat([a, a]), b, b.assign(Target="D"))
    with pytest.raises(ValueError, match=r"Label'\] must hold 0 or 1"):
        Split(a.assign(Label=2), b, b.assign(Target="D"))
    with pytest.raises(ValueError, match="missing"):
        Split(a.drop(columns="Label"), b, b)


def test_degree_neutral_balance(mdc):
    split = genelink_split(mdc, random_state=0)
    neutral = degree_neutral_test(split, mdc, random_state=0)
    assert list(neutral.columns) == ["TF", "Target", "Label"]
    assert _pairs(neutral, 1) == _pairs(split.test, 1)
    pos, neg = _per_tf(neutral, 1), _per_tf(neutral, 0)
    pd.testing.assert_series_equal(pos.sort_index(), neg.sort_index(), check_names=False)
    negatives = _pairs(neutral, 0)
    assert not negatives & _pairs(mdc.edges)
    assert not negatives & (_pairs(split.train) | _pairs(split.validation))
    assert not (neutral["TF"] == neutral["Target"]).any()
    # a score that only knows TF out-degree: informative on the GENELink test set,
    # worthless (exactly 0.5) on the degree-neutral one
    degree = mdc.edges["TF"].value_counts()
    assert auroc(split.test["Label"], split.test["TF"].map(degree).fillna(0)) > 0.7
    assert auroc(neutral["Label"], neutral["TF"].map(degree)) == pytest.approx(0.5)
    again = degree_neutral_test(split, mdc.edges, mdc.genes, random_state=0)
    pd.testing.assert_frame_equal(neutral, again)


def test_degree_neutral_errors(toy):
    split = genelink_split(toy, random_state=0)
    with pytest.raises(ValueError, match="genes is required"):
        degree_neutral_test(split, toy.edges)
    with pytest.raises(TypeError, match="split must be a Split"):
        degree_neutral_test(split.test, toy)


def test_mesc_sample_split():
    data = load_example("mESC")
    split = genelink_split(data, random_state=0)
    _check_split(split, data)
    assert split.validation["Label"].sum() == 2  # NRIP1: 15 -> 10 train+val -> 2 val
