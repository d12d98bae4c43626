"""Tests for isograph.features: switch / abundance channels and covariate removal."""

from __future__ import annotations

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from isograph.features import (
    ABUNDANCE_CHANNEL,
    SWITCH_CHANNEL,
    CovariateResidualizer,
    CovariateWarning,
    GeneAbundance,
    MultiplexFeatures,
    SwitchCoordinates,
    join_feature_name,
    split_feature_name,
)

# ----------------------------------------------------------------------------- data

#: isoforms per gene; "SW" and "SW3" carry a planted usage shift between groups.
GENE_SIZES = {"SW": 2, "SW3": 3, "N1": 2, "N2": 3, "N3": 4, "N4": 2, "S1": 1, "S2": 1}
USAGE = {
    "SW": ([0.8, 0.2], [0.2, 0.8]),
    "SW3": ([0.6, 0.3, 0.1], [0.6, 0.1, 0.3]),
}


def make_counts(rng, *, n_per_group=40, depth=None, dispersion=0.02, mean=300.0):
    """Transcript counts (samples x transcripts), transcript->gene Series, group labels."""
    n = 2 * n_per_group
    group = np.repeat([0, 1], n_per_group)
    depth = rng.uniform(0.8, 1.25, size=n) if depth is None else np.asarray(depth, float)
    columns, genes, mu = [], [], []
    for gene, k in GENE_SIZES.items():
        if gene in USAGE:
            usage = np.where(group[:, None] == 0, USAGE[gene][0], USAGE[gene][1])
        else:
            usage = np.tile(rng.dirichlet(np.full(k, 3.0)), (n, 1))
        level = mean * rng.uniform(0.5, 2.0)
        for j in range(k):
            columns.append(f"{gene}-t{j + 1}")
            genes.append(gene)
            mu.append(depth * level * usage[:, j])
    mu = np.column_stack(mu)
    noise = rng.gamma(1.0 / dispersion, dispersion, size=mu.shape)
    counts = rng.poisson(mu * noise).astype(float)
    index = pd.Index([f"s{i}" for i in range(n)], name="sample_id")
    t2g = pd.Series(genes, index=columns, name="gene_id")
    return pd.DataFrame(counts, index=index, columns=columns), t2g, group


@pytest.fixture
def data():
    return make_counts(np.random.default_rng(0))


def _pair_gene(name):
    """Callable transcript->gene map for estimator checks: columns 2i and 2i+1 share a gene."""
    return f"g{int(re.sub(r'[^0-9]', '', name)) // 2}"


# ------------------------------------------------------------------ estimator checks


def _expected_failed_checks(estimator):
    if isinstance(estimator, CovariateResidualizer) and estimator.covariates is not None:
        return {
            "check_estimators_nan_inf": (
                "NaN in a covariate column is a missing value, mean-imputed by design; "
                "NaN/inf in the feature columns and inf in covariates are rejected."
            )
        }
    return {}


@parametrize_with_checks(
    [
        SwitchCoordinates(_pair_gene, min_gene_count=0.0),
        SwitchCoordinates(_pair_gene, min_gene_count=0.0, standardize=True),
        GeneAbundance(),
        GeneAbundance(_pair_gene, standardize=False),
        MultiplexFeatures(_pair_gene, min_gene_count=0.0),
        CovariateResidualizer(),
        CovariateResidualizer(covariates=[0]),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# -------------------------------------------------------------------- SwitchCoordinates


def test_switch_tracks_planted_usage_shift(data):
    counts, t2g, group = data
    sc = SwitchCoordinates(t2g).set_output(transform="pandas")
    coords = sc.fit_transform(counts)
    assert list(coords.columns) == ["SW", "SW3", "N1", "N2", "N3", "N4"]
    assert list(coords.index) == list(counts.index)
    # SW: group 0 uses t1 more; the first transcript has the positive loading.
    sw = coords["SW"].to_numpy()
    assert sw[group == 0].min() > sw[group == 1].max()
    expected_gap = 2 * np.log(0.8 / 0.2) / np.sqrt(2)
    gap = sw[group == 0].mean() - sw[group == 1].mean()
    assert gap == pytest.approx(expected_gap, rel=0.1)
    # SW3: the swap of t2/t3 is the driver; t1 (unchanged usage) loads least.
    sw3 = sc.loadings_.set_index("transcript_id").loc[["SW3-t1", "SW3-t2", "SW3-t3"], "loading"]
    assert abs(sw3["SW3-t1"]) < 0.2 and abs(sw3["SW3-t2"]) > 0.6 and abs(sw3["SW3-t3"]) > 0.6
    assert sc.explained_variance_ratio_["SW3"] > 0.9
    assert sc.explained_variance_ratio_["SW"] == pytest.approx(1.0)
    # null genes do not separate the groups
    null = coords[["N1", "N2", "N3", "N4"]].to_numpy()
    pooled_sd = null.std(axis=0)
    null_gap = np.abs(null[group == 0].mean(0) - null[group == 1].mean(0)) / pooled_sd
    sw_gap = abs(gap) / sw.std()
    assert null_gap.max() < 0.8 < sw_gap


def test_switch_does_not_move_with_library_size():
    rng = np.random.default_rng(1)
    n_per_group = 40
    deep = rng.permutation(np.repeat([False, True], n_per_group))  # independent of group
    depth = np.where(deep, 8.0, 1.0)
    counts, t2g, group = make_counts(rng, n_per_group=n_per_group, depth=depth)
    coords = SwitchCoordinates(t2g).set_output(transform="pandas").fit_transform(counts)
    for gene in ["SW", "SW3", "N1", "N3"]:
        x = coords[gene].to_numpy()
        for g in (0, 1):
            a, b = x[(group == g) & deep], x[(group == g) & ~deep]
            shift = a.mean() - b.mean()
            se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
            assert abs(shift) < 0.25 and abs(shift) < 4 * se, (gene, g, shift, se)
    group_shift = coords["SW"][group == 0].mean() - coords["SW"][group == 1].mean()
    assert group_shift > 1.5
    # the same expected composition at 10x the depth lands on the same coordinate
    sc = SwitchCoordinates(t2g).fit(counts)
    scaled = sc.transform(counts * 10.0)
    assert np.abs(scaled - sc.transform(counts)).max() < 0.05


def test_switch_transform_consistent_with_fit_transform(data):
    counts, t2g, group = data
    train, new = counts.iloc[::2], counts.iloc[1::2]
    sc = SwitchCoordinates(t2g, standardize=True)
    fitted = sc.fit_transform(train)
    np.testing.assert_allclose(sc.transform(train), fitted, atol=1e-12)
    both = sc.transform(pd.concat([train, new]))
    np.testing.assert_allclose(both[: len(train)], fitted, atol=1e-12)
    one_by_one = np.vstack([sc.transform(new.iloc[[i]]) for i in range(len(new))])
    np.testing.assert_allclose(one_by_one, sc.transform(new), atol=1e-12)
    # new samples land on the side of their group, on the training scale
    z = sc.transform(new)[:, 0]
    g_new = group[1::2]
    assert z[g_new == 0].min() > 0 > z[g_new == 1].max()
    assert np.std(fitted, axis=0) == pytest.approx(np.ones(fitted.shape[1]))


def test_switch_zero_rule_and_deterministic_sign(data):
    counts, t2g, _ = data
    base = SwitchCoordinates(t2g).fit(counts)
    zeroed = counts.copy()
    zeroed.loc[["s0", "s5", "s9"], ["SW-t1", "SW-t2"]] = 0.0
    sc = SwitchCoordinates(t2g).set_output(transform="pandas")
    coords = sc.fit_transform(zeroed)
    assert (coords.loc[["s0", "s5", "s9"], "SW"] == 0.0).all()
    assert sc.n_zero_total_["SW"] == 3 and sc.n_zero_total_["N1"] == 0
    # the gene's axis is learned from expressed samples only
    observed = counts.drop(index=["s0", "s5", "s9"])
    ref = SwitchCoordinates(t2g).fit(observed).loadings_.query("gene_id == 'SW'")
    got = sc.loadings_.query("gene_id == 'SW'")
    np.testing.assert_allclose(got[["loading", "mean_clr"]], ref[["loading", "mean_clr"]])
    # the largest-|loading| transcript of every gene is positive, whatever the sample order
    shuffled = SwitchCoordinates(t2g).fit(counts.sample(frac=1.0, random_state=3))
    pd.testing.assert_frame_equal(shuffled.loadings_, base.loadings_, atol=1e-10)
    for _, rows in base.loadings_.groupby("gene_id"):
        magnitude = rows["loading"].abs()
        first_top = magnitude.index[magnitude >= magnitude.max() - 1e-9][0]  # ties: first
        assert rows.loc[first_top, "loading"] > 0
        assert rows["loading"].sum() == pytest.approx(0.0, abs=1e-10)  # clr axis
        assert (rows["loading"] ** 2).sum() == pytest.approx(1.0)


def test_switch_single_isoform_and_low_count_genes_have_no_feature(data):
    counts, t2g, _ = data
    low = counts.copy()
    low[["N4-t1", "N4-t2"]] = np.random.default_rng(5).poisson(1.0, size=(len(low), 2))
    sc = SwitchCoordinates(t2g, min_gene_count=10.0).fit(low)
    assert sc.dropped_genes_.to_dict() == {
        "N4": "low_count", "S1": "single_isoform", "S2": "single_isoform"
    }
    assert "S1" not in sc.genes_ and "S1" not in set(sc.loadings_["gene_id"])
    assert list(sc.get_feature_names_out()) == list(sc.genes_)
    assert set(sc.loadings_["transcript_id"]) == {t for t, g in t2g.items() if g in sc.genes_}


def test_switch_mapping_forms_agree(data):
    counts, t2g, _ = data
    ref = SwitchCoordinates(t2g).fit_transform(counts)
    as_dict = SwitchCoordinates(t2g.to_dict()).fit_transform(counts)
    as_call = SwitchCoordinates(lambda t: t.split("-")[0]).fit_transform(counts)
    as_seq = SwitchCoordinates(t2g.to_numpy()).fit(counts.to_numpy())
    np.testing.assert_array_equal(ref, as_dict)
    np.testing.assert_array_equal(ref, as_call)
    np.testing.assert_array_equal(ref, as_seq.transform(counts.to_numpy()))
    assert as_seq.loadings_["transcript_id"].iloc[0] == "x0"
    # a map keyed by transcript id, in a different order than the columns
    np.testing.assert_array_equal(ref, SwitchCoordinates(t2g[::-1]).fit_transform(counts))


def test_switch_input_errors(data):
    counts, t2g, _ = data
    with pytest.raises(ValueError, match=r"transcript_to_gene is required.*got None"):
        SwitchCoordinates().fit(counts)
    with pytest.raises(ValueError, match=r"no gene for 1 of the 18 columns.*'SW-t1'"):
        SwitchCoordinates(t2g.drop("SW-t1")).fit(counts)
    with pytest.raises(ValueError, match=r"one gene id per column of X \(18\); got shape \(3,\)"):
        SwitchCoordinates(["a", "b", "c"]).fit(counts)
    with pytest.raises(ValueError, match="Negative values in data passed to SwitchCoordinates"):
        SwitchCoordinates(t2g).fit(counts - 1000.0)
    with pytest.raises(ValueError, match=r"no gene with a switch coordinate.*single_isoform"):
        SwitchCoordinates(t2g).fit(counts[["S1-t1", "S2-t1"]])
    with pytest.raises(ValueError, match="pseudocount"):
        SwitchCoordinates(t2g, pseudocount=0.0).fit(counts)
    fitted = SwitchCoordinates(t2g).fit(counts)
    with pytest.raises(ValueError, match="feature names"):
        fitted.transform(counts[counts.columns[::-1]])


# ------------------------------------------------------------------------ GeneAbundance


def test_gene_abundance_log_cpm_and_sums(data):
    counts, t2g, _ = data
    gene_counts = counts.T.groupby(t2g, sort=False).sum().T
    raw = GeneAbundance(t2g, standardize=False).set_output(transform="pandas")
    logcpm = raw.fit_transform(counts)
    assert list(logcpm.columns) == list(GENE_SIZES)
    lib = counts.sum(axis=1)
    expected = np.log2((gene_counts["SW"] + 0.5) / (lib + 1.0) * 1e6)
    np.testing.assert_allclose(logcpm["SW"], expected)
    # gene counts given directly give the same values as summing transcripts
    np.testing.assert_allclose(GeneAbundance(standardize=False).fit_transform(gene_counts), logcpm)
    std = GeneAbundance(t2g).fit(counts)
    z = std.transform(counts)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(z.std(axis=0), 1.0)
    # depth cancels in log-CPM: 10x the counts changes little
    assert np.abs(raw.transform(counts * 10.0) - logcpm).to_numpy().max() < 0.01
    # new samples use the fit mean and spread
    np.testing.assert_allclose(
        std.transform(counts.iloc[:3]), (logcpm.iloc[:3] - std.mean_) / std.scale_
    )


# ------------------------------------------------------------------- MultiplexFeatures


def test_multiplex_columns_and_values(data):
    counts, t2g, _ = data
    mf = MultiplexFeatures(t2g).set_output(transform="pandas")
    out = mf.fit_transform(counts)
    switch_cols = [join_feature_name(g, SWITCH_CHANNEL) for g in mf.switch_.genes_]
    abundance_cols = [f"{g}::abundance" for g in GENE_SIZES]
    assert list(out.columns) == switch_cols + abundance_cols
    assert "S1::switch" not in out.columns and "S1::abundance" in out.columns
    np.testing.assert_allclose(
        out[switch_cols], SwitchCoordinates(t2g, standardize=True).fit_transform(counts)
    )
    np.testing.assert_allclose(out[abundance_cols], GeneAbundance(t2g).fit_transform(counts))
    table = mf.feature_table_
    assert table.loc["SW::switch", "gene_id"] == "SW"
    assert table.loc["SW::abundance", "channel"] == ABUNDANCE_CHANNEL
    only = MultiplexFeatures(t2g, channels="switch").fit(counts)
    assert list(only.get_feature_names_out()) == switch_cols and only.abundance_ is None
    with pytest.raises(ValueError, match="transcript_to_gene is required"):
        MultiplexFeatures().fit(counts)


def test_split_feature_name():
    assert split_feature_name("ENSG1::switch") == ("ENSG1", SWITCH_CHANNEL)
    assert split_feature_name("a::b::abundance") == ("a::b", ABUNDANCE_CHANNEL)
    for bad in ["ENSG1", "ENSG1::other", "::switch"]:
        with pytest.raises(ValueError, match="is not '<gene>::<channel>'"):
            split_feature_name(bad)
    with pytest.raises(ValueError, match="channel must be one of"):
        join_feature_name("g", "isoform")


# --------------------------------------------------------------- CovariateResidualizer


def make_batch_data(rng, n=90, n_features=12):
    batch = np.array(["b1", "b2", "b3"])[np.arange(n) % 3]
    age = rng.normal(50.0, 10.0, size=n)
    signal = rng.normal(size=(n, n_features))
    offsets = rng.normal(0.0, 3.0, size=(3, n_features))
    batch_effect = offsets[pd.factorize(batch, sort=True)[0]]
    X = 5.0 + signal + batch_effect + 0.05 * (age - 50.0)[:, None]
    index = pd.Index([f"s{i}" for i in range(n)])
    features = pd.DataFrame(X, index=index, columns=[f"f{j}" for j in range(n_features)])
    covs = pd.DataFrame({"batch": batch, "age": age}, index=index)
    return features, covs, signal


def test_residualizer_removes_planted_batch_effect():
    rng = np.random.default_rng(2)
    features, covs, signal = make_batch_data(rng)
    res = CovariateResidualizer(["batch", "age"]).set_output(transform="pandas")
    out = res.fit_transform(features.join(covs))
    assert list(out.columns) == list(features.columns)
    batch_means = out.groupby(covs["batch"].to_numpy()).mean()
    assert np.ptp(batch_means.to_numpy(), axis=0).max() < 1e-10
    before = features.groupby(covs["batch"].to_numpy()).mean()
    assert np.ptp(before.to_numpy(), axis=0).min() > 0.5
    # the biological signal is kept and feature means are preserved
    corr = [np.corrcoef(out.iloc[:, j], signal[:, j])[0, 1] for j in range(signal.shape[1])]
    assert min(corr) > 0.9
    np.testing.assert_allclose(out.mean(), features.mean())
    qc = res.qc_
    assert (qc["r2_before"] > 0.3).all() and (qc["r2_after"] < 1e-20).all()
    assert (qc["variance_retained"] < 0.9).all()
    assert res.design_columns_ == ["batch[b2]", "batch[b3]", "age"]
    assert res.covariate_qc_.loc["batch", "mean_r2_before"] > 0.3
    assert res.covariate_qc_.loc["age", "mean_r2_after"] < 1e-20
    # new samples from the same batches are corrected with the fitted coefficients
    new_features, new_covs, new_signal = make_batch_data(np.random.default_rng(2))
    fresh = res.transform(new_features.join(new_covs))
    np.testing.assert_allclose(fresh, out)  # same generator seed -> same samples
    shifted = res.transform((new_features + 1.0).join(new_covs))
    np.testing.assert_allclose(shifted, out + 1.0)


def test_residualizer_imputation_and_skipped_covariates():
    rng = np.random.default_rng(3)
    features, covs, _ = make_batch_data(rng, n=60)
    covs = covs.assign(
        age=covs["age"].where(np.arange(60) % 10 != 0),
        site=3,
        empty=np.nan,
        lane=np.arange(60) % 2 + 1,
    )
    covs.loc["s1", "batch"] = None
    with pytest.warns(CovariateWarning) as record:
        res = CovariateResidualizer(categorical=["lane"]).fit(features, covariates=covs)
    messages = " ".join(str(w.message) for w in record)
    assert "'site' is skipped: it is constant" in messages
    assert "'empty' is skipped: it is all missing" in messages
    assert res.skipped_covariates_ == {"site": "constant", "empty": "all_missing"}
    assert res.covariates_ == ["batch", "age", "lane"]
    assert res.design_columns_ == ["batch[b2]", "batch[b3]", "age", "lane[2]"]
    qc = res.covariate_qc_
    assert qc.loc["age", "n_missing"] == 6 and qc.loc["batch", "n_missing"] == 1
    # a missing age gets the fit mean: correcting it equals correcting the mean age
    row = covs.loc[["s0"]]
    filled = row.assign(age=covs["age"].mean())
    np.testing.assert_allclose(
        res.transform(features.loc[["s0"]], covariates=row),
        res.transform(features.loc[["s0"]], covariates=filled),
    )
    # an unseen batch warns and is treated like a missing level
    odd = row.assign(batch="b9")
    with pytest.warns(CovariateWarning, match="levels not seen in fit"):
        got = res.transform(features.loc[["s0"]], covariates=odd)
    np.testing.assert_allclose(
        got, res.transform(features.loc[["s0"]], covariates=row.assign(batch=None))
    )


def test_residualizer_input_errors():
    features, covs, _ = make_batch_data(np.random.default_rng(4), n=30)
    res = CovariateResidualizer().fit(features, covariates=covs)
    with pytest.raises(ValueError, match="so transform needs one too"):
        res.transform(features)
    with pytest.raises(ValueError, match=r"no row for 30 samples of X"):
        res.transform(features, covariates=covs.reset_index(drop=True))
    with pytest.raises(ValueError, match=r"'dose' is not a column of the X"):
        CovariateResidualizer(["dose"]).fit(features.join(covs))
    with pytest.raises(ValueError, match="every column of X is a covariate"):
        CovariateResidualizer(["batch", "age"]).fit(covs)
    with pytest.raises(ValueError, match="contains inf"):
        CovariateResidualizer("age").fit(features.join(covs[["age"]].assign(age=np.inf)))
    with pytest.raises(ValueError, match=r"feature columns \['batch'\] of X are not numeric"):
        CovariateResidualizer("age").fit(features.join(covs))
    # rows are matched by sample id, not position
    shuffled = covs.sample(frac=1.0, random_state=0)
    np.testing.assert_allclose(
        CovariateResidualizer().fit_transform(features, covariates=shuffled),
        res.transform(features, covariates=covs),
    )
    # no covariates: the identity
    np.testing.assert_array_equal(CovariateResidualizer().fit_transform(features), features)


# --------------------------------------------------------------------------- pipelines


def test_pipeline_with_covariate_columns(data):
    counts, t2g, group = data
    batch = pd.Series(np.where(np.arange(len(counts)) % 2 == 0, "b1", "b2"), index=counts.index)
    shifted = counts.copy()
    shifted.loc[batch == "b2", ["SW-t1"]] *= 3.0  # a batch-driven usage shift
    table = shifted.join(batch.rename("batch"))
    features = ColumnTransformer(
        [("switch", SwitchCoordinates(t2g), list(counts.columns)),
         ("covariates", "passthrough", ["batch"])],
        verbose_feature_names_out=False,
    )
    pipe = make_pipeline(features, CovariateResidualizer(["batch"]))
    pipe.set_output(transform="pandas")
    out = pipe.fit_transform(table)
    assert list(out.columns) == ["SW", "SW3", "N1", "N2", "N3", "N4"]
    raw = SwitchCoordinates(t2g).fit_transform(shifted)[:, 0]
    assert abs(np.corrcoef(raw, batch == "b2")[0, 1]) > 0.3
    assert abs(np.corrcoef(out["SW"], batch == "b2")[0, 1]) < 1e-8
    assert out["SW"][group == 0].min() > out["SW"][group == 1].max()
    np.testing.assert_allclose(pipe.transform(table), out)
    restored = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_allclose(restored.transform(table.iloc[:5]), out.iloc[:5])
    assert clone(pipe).get_params()["covariateresidualizer__covariates"] == ["batch"]


def test_pipeline_with_metadata_routing(data):
    counts, t2g, _ = data
    rng = np.random.default_rng(6)
    samples = pd.DataFrame({"batch": rng.choice(["b1", "b2", "b3"], len(counts))},
                           index=counts.index)
    train, test = counts.index[:60], counts.index[60:]
    with sklearn.config_context(enable_metadata_routing=True):
        res = (CovariateResidualizer()
               .set_fit_request(covariates=True)
               .set_transform_request(covariates=True))
        pipe = make_pipeline(MultiplexFeatures(t2g), res).set_output(transform="pandas")
        out = pipe.fit_transform(counts.loc[train], covariates=samples)
        again = pipe.transform(counts.loc[train], covariates=samples)
        new = pipe.transform(counts.loc[test], covariates=samples)
    assert out.columns[0] == "SW::switch" and out.columns[-1] == "S2::abundance"
    np.testing.assert_allclose(again, out, atol=1e-12)
    assert list(new.index) == list(test)
    fitted = pipe[-1]
    assert fitted.covariates_ == ["batch"]
    assert fitted.qc_["r2_after"].max() < 1e-20
    # the same correction applied by hand
    multiplexed = pipe[0].transform(counts.loc[test])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        manual = fitted.transform(multiplexed, covariates=samples.loc[test])
    np.testing.assert_allclose(new, manual)


def test_set_output_pandas_for_all(data):
    counts, t2g, _ = data
    for est in [SwitchCoordinates(t2g), GeneAbundance(t2g), MultiplexFeatures(t2g)]:
        out = est.set_output(transform="pandas").fit_transform(counts)
        assert isinstance(out, pd.DataFrame)
        assert list(out.columns) == list(est.get_feature_names_out())
        assert list(out.index) == list(counts.index)
