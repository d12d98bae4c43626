"""Expressed-gene filter, sample QC and trait checks, alone and inside fit_dataset."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from isograph import fit_dataset
from isograph.benchmark import make_isoform_dataset
from isograph.features import (
    ExpressedGeneFilter,
    ExpressionFilterWarning,
    GeneAbundance,
    SampleQC,
    SampleQCWarning,
    TraitWarning,
)
from tests.isograph.correlation_backend import CorrelationModel


def _counts():
    # gene A: expressed everywhere; gene B: only in group "b" (3 of 6 samples);
    # gene C: a trickle everywhere
    rng = np.random.default_rng(0)
    a = rng.poisson(500, size=(6, 2))
    b = np.r_[np.zeros(3), rng.poisson(300, size=3)][:, None] * np.ones((1, 3))
    c = rng.poisson(0.3, size=(6, 1))
    X = pd.DataFrame(np.hstack([a, b, c]).astype(float), index=[f"s{i}" for i in range(6)],
                     columns=["a1", "a2", "b1", "b2", "b3", "c1"])
    t2g = {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "b3": "B", "c1": "C"}
    return X, t2g, np.array(list("aaabbb"))


def test_filter_keeps_whole_genes_and_uses_the_smallest_group():
    X, t2g, groups = _counts()
    one = ExpressedGeneFilter(t2g).fit(X)
    assert list(one.genes_) == ["A"] and one.min_samples_ == 6
    by_group = ExpressedGeneFilter(t2g).fit(X, groups)
    # B is expressed in its own group of 3: kept, with all three transcripts
    assert list(by_group.genes_) == ["A", "B"] and by_group.min_samples_ == 3
    assert list(by_group.get_feature_names_out()) == ["a1", "a2", "b1", "b2", "b3"]
    assert by_group.transcript_to_gene_.to_dict() == {k: v for k, v in t2g.items() if v != "C"}
    out = by_group.set_output(transform="pandas").transform(X)
    assert list(out.columns) == ["a1", "a2", "b1", "b2", "b3"]


def test_filter_cutoff_scales_with_library_size():
    X, t2g, groups = _counts()
    f = ExpressedGeneFilter(t2g, min_count=10).fit(X, groups)
    assert f.cpm_cutoff_ == pytest.approx(10 / np.median(X.sum(axis=1)) * 1e6)
    # ten times deeper libraries: the same genes pass
    deep = ExpressedGeneFilter(t2g, min_count=10).fit(X * 10, groups)
    assert list(deep.genes_) == list(f.genes_)


def test_filter_warns_when_nothing_passes_and_checks_groups():
    X, t2g, _ = _counts()
    with pytest.warns(ExpressionFilterWarning, match="kept none"):
        ExpressedGeneFilter(t2g, min_count=1e9).fit(X)
    with pytest.raises(ValueError, match="one group label per sample"):
        ExpressedGeneFilter(t2g).fit(X, ["a", "b"])


def test_filter_works_in_a_pipeline_and_clones():
    X, t2g, groups = _counts()
    pipe = make_pipeline(SampleQC(), ExpressedGeneFilter(t2g),
                         GeneAbundance(t2g)).set_output(transform="pandas")
    Z = pipe.fit_transform(X, groups)
    assert list(Z.columns) == ["A", "B"]
    assert clone(pipe).get_params()["expressedgenefilter__min_count"] == 10
    assert list(pickle.loads(pickle.dumps(pipe)).transform(X).columns) == ["A", "B"]


def test_sample_qc_flags_a_shallow_and_a_zero_heavy_sample():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.poisson(200, size=(20, 50)).astype(float),
                     index=[f"s{i}" for i in range(20)])
    X.iloc[0] = np.round(X.iloc[0] / 600)  # 600x shallower
    X.iloc[1, :30] = 0  # zero-heavy, normal depth otherwise
    X.iloc[1, 30:] *= 2.5
    with pytest.warns(SampleQCWarning, match="2 of 20 samples") as record:
        qc = SampleQC().fit(X)
    assert "s0" in str(record[0].message) and "x the median" in str(record[0].message)
    assert qc.flagged_samples_ == ["s0", "s1"]
    assert bool(qc.qc_.set_index("sample").loc["s0", "low_depth"])
    assert bool(qc.qc_.set_index("sample").loc["s1", "zero_heavy"])
    assert np.array_equal(qc.transform(X), X.to_numpy())


@pytest.fixture(scope="module")
def toy():
    return make_isoform_dataset("toy", random_state=0)


def test_fit_dataset_checks_traits_before_any_work(toy):
    with pytest.raises(ValueError, match=r"traits \['nope'\].*available columns: \['batch'"):
        fit_dataset(toy.data, CorrelationModel(), traits=["nope"])


def test_fit_dataset_tests_only_named_traits_and_reports_constant_ones(toy):
    data = toy.data
    data = type(data)(data.transcript_counts, data.transcripts,
                      data.samples.assign(constant=1.0))
    with pytest.warns(TraitWarning, match="constant: a single value"):
        res = fit_dataset(data, CorrelationModel(), traits=["trait", "constant"])
    assert set(res.traits["trait"]) == {"trait"}
    assert "constant" in res.calibration["qc"]["untested_traits"]
    assert fit_dataset(data, CorrelationModel()).traits.empty  # nothing named, nothing tested


def test_fit_dataset_filters_and_flags_by_default(toy):
    data = toy.data
    counts = data.transcript_counts.copy()
    counts.iloc[0] = np.round(counts.iloc[0] / 600)
    counts["silent"] = 0.0
    transcripts = pd.concat([data.transcripts, pd.DataFrame(
        {"transcript_id": ["silent"], "gene_id": ["G_silent"]})], ignore_index=True)
    shallow = type(data)(counts, transcripts, data.samples)
    with pytest.warns(SampleQCWarning, match=str(counts.index[0])):
        res = fit_dataset(shallow, CorrelationModel())
    qc = res.calibration["qc"]
    assert qc["flagged_samples"] == [str(counts.index[0])]
    assert "G_silent" not in set(res.modules["gene_id"])
    assert qc["expression_filter"]["n_genes_kept"] < qc["expression_filter"]["n_genes_in"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SampleQCWarning)
        kept = fit_dataset(shallow, CorrelationModel(), expression_filter=False, sample_qc=False)
    assert "G_silent" in set(kept.modules["gene_id"]) and "qc" in kept.calibration


def test_modules_carry_gene_names_when_the_annotation_has_them(toy):
    data = toy.data
    transcripts = data.transcripts.assign(gene_name="name_" + data.transcripts["gene_id"])
    named = type(data)(data.transcript_counts, transcripts, data.samples)
    res = fit_dataset(named, CorrelationModel())
    assert list(res.modules.columns[:2]) == ["gene_id", "gene_name"]
    assert (res.modules["gene_name"] == "name_" + res.modules["gene_id"]).all()
    assert "gene_name" in res.feature_scores
    assert "gene_name" not in fit_dataset(data, CorrelationModel()).modules
