"""RegNet where scanpy users work: AnnData in (cells x genes), results back with gene names."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.metrics import roc_auc_score

from regnet import DroppedPairsWarning, RegNet, SmallNetworkWarning

from .test_model import SMALL, planted

anndata = pytest.importorskip("anndata")
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def data():
    return planted()


def to_adata(X: pd.DataFrame, **kwargs):
    """Cells x genes AnnData from RegNet's genes x cells frame."""
    return anndata.AnnData(X.T.to_numpy(copy=True), obs=pd.DataFrame(index=X.columns),
                           var=pd.DataFrame(index=X.index), **kwargs)


def test_scanpy_user_two_lines_from_highly_variable_genes(data):
    sc = pytest.importorskip("scanpy")
    X, train, test, tfs = data
    adata = to_adata(X.clip(lower=0) * 20)  # count-like, as scanpy's recipe expects
    sc.pp.normalize_total(adata)
    sc.pp.log1p(adata)
    # 48, not 45: four genes tie at dispersions_norm -1/sqrt(2) (two-gene bins) in places
    # 45-48, so a cutoff inside the tie kept whichever rounding favoured (scanpy 1.10 dropped
    # the hub TF G00, leaving 10 scored pairs); a cutoff clear of ties keeps the same genes
    sc.pp.highly_variable_genes(adata, n_top_genes=48)
    dispersion = adata.var["dispersions_norm"].dropna().sort_values(ascending=False)
    assert dispersion.iloc[47] - dispersion.iloc[48] > 1e-3
    hvg = set(adata.var_names[adata.var["highly_variable"]])
    outside = ~(train["TF"].isin(hvg) & train["Target"].isin(hvg))
    assert 0 < outside.sum() < len(train)  # the filter did remove edge genes
    with pytest.warns(DroppedPairsWarning, match=f"{outside.sum()} of {len(train)} edges"):
        # the two lines
        model = RegNet(**SMALL, random_state=0).fit(adata, train, errors="drop")
        network = model.predict_proba()
    assert list(network.columns) == ["TF", "Target", "probability"]
    assert set(network["TF"]) | set(network["Target"]) <= hvg
    assert network["probability"].is_monotonic_decreasing
    assert len(network) == len(model.tfs_) * (len(hvg) - 1)
    # held-out pairs among the kept genes are ranked above chance
    scored = test.merge(network, on=["TF", "Target"])
    assert scored["Label"].nunique() == 2
    assert roc_auc_score(scored["Label"], scored["probability"]) > 0.7


def test_anndata_equals_dataframe_dense_sparse_and_layer(data):
    X, train, test, tfs = data
    reference = RegNet(**SMALL, random_state=0).fit(X, train, tfs=tfs).predict_proba(test)
    dense = to_adata(X)
    sparse = to_adata(X)
    sparse.X = sp.csr_matrix(sparse.X)
    layered = to_adata(X, layers={"logged": X.T.to_numpy()})
    layered.X = np.zeros_like(layered.X)
    for adata, layer in ((dense, None), (sparse, None), (layered, "logged")):
        model = RegNet(**SMALL, random_state=0).fit(adata, train, tfs=tfs, layer=layer)
        np.testing.assert_allclose(model.predict_proba(test), reference, rtol=1e-5)
    with pytest.raises(ValueError, match=r"layer='counts' is not a layer of X; .*\['logged'\]"):
        RegNet(**SMALL).fit(layered, train, layer="counts")


def test_transform_writes_varm_with_gene_names(data):
    X, train, _, tfs = data
    adata = to_adata(X)
    adata.var["highly_variable"] = True
    adata.var.loc[adata.var_names[-5:], "highly_variable"] = False
    model = RegNet(**SMALL, random_state=0).fit(
        adata, train, tfs=tfs, use_highly_variable=False)
    emb = model.transform(adata, key_added="X_regnet")  # all genes by default: column present
    assert emb.shape == (len(X) - 5, SMALL["latent_channels"])
    assert list(emb.index) == list(X.index[:-5])
    varm = adata.varm["X_regnet"]
    assert varm.shape == (len(X), SMALL["latent_channels"])
    assert np.isnan(varm[-5:]).all()
    np.testing.assert_allclose(varm[:-5], emb.to_numpy())
    full = model.transform(adata, use_highly_variable=False)
    assert len(full) == len(X)
    with pytest.raises(ValueError, match="key_added='X_regnet' writes to an AnnData"):
        model.transform(X, key_added="X_regnet")


def test_transposed_inputs_are_named(data):
    X, train, _, tfs = data
    with pytest.raises(ValueError, match=r"X looks transposed: 0 of the .* in its index .* "
                                         r"columns; pass X\.T"):
        RegNet(**SMALL).fit(X.T, train)
    cells_as_vars = anndata.AnnData(X.to_numpy(), obs=pd.DataFrame(index=X.index),
                                    var=pd.DataFrame(index=X.columns))
    with pytest.raises(ValueError, match=r"looks transposed.*obs_names; pass adata\.T"):
        RegNet(**SMALL).fit(cells_as_vars, train)
    model = RegNet(**SMALL, random_state=0).fit(X, train, tfs=tfs)
    with pytest.raises(ValueError, match="X looks transposed"):
        model.transform(X.T)
    with pytest.raises(TypeError, match=r"got ndarray.*pd\.DataFrame\(values, index=gene_names"):
        RegNet(**SMALL).fit(X.to_numpy(), train)
    with pytest.raises(ValueError, match="None of the 2 genes named by the pairs"):
        RegNet(**SMALL).fit(X, pd.DataFrame({"TF": ["P"], "Target": ["Q"]}))


def test_errors_raise_names_and_drop_counts(data):
    X, train, test, tfs = data
    sub = X.drop(index=["G59", "G58"])
    lost = train["Target"].isin(["G59", "G58"]).sum()
    assert lost > 0
    with pytest.raises(ValueError, match=r"edges names genes absent from X: \['G58', 'G59'\].*"
                                         r"errors='drop'"):
        RegNet(**SMALL).fit(sub, train, tfs=tfs)
    loops = pd.concat([train, pd.DataFrame({"TF": ["G00"], "Target": ["G00"]})])
    with pytest.raises(ValueError, match="1 self loops"):
        RegNet(**SMALL).fit(X, loops)
    with pytest.raises(ValueError, match=r"tfs names genes absent from X: \['NOPE'\]"):
        RegNet(**SMALL).fit(X, train, tfs=[*tfs, "NOPE"])
    with pytest.warns(DroppedPairsWarning) as record:
        model = RegNet(**SMALL, random_state=0).fit(
            sub, pd.concat([loops, train.iloc[:1]]), tfs=[*tfs, "NOPE"], errors="drop")
    message = str(record[0].message)
    assert record[0].filename == __file__  # the user's line, not regnet's
    assert f"{lost} of {len(loops) + 1} edges pairs" in message
    assert "1 edges self loops" in message and "1 of 9 tfs not in X" in message
    assert model.tfs_ == tfs and set(model.genes_) == set(sub.index)


def test_validation_with_one_label_falls_back_to_internal_split(data):
    X, train, test, tfs = data
    only_negatives = test.loc[test["Label"] == 0]
    with pytest.warns(SmallNetworkWarning, match="needs both labels.*internal split"):
        model = RegNet(**SMALL, random_state=0).fit(X, train, validation=only_negatives)
    assert model.validation_strategy_ == "internal"
    assert model.calibration_["n_validation"] > 0


def test_tiny_networks_fall_back_never_crash(data):
    X, _, _, _ = data
    # every TF has one positive: the per-TF split holds none out, the pooled one does
    one_each = pd.DataFrame({"TF": ["G00", "G01", "G02"], "Target": ["G10", "G11", "G12"]})
    with pytest.warns(SmallNetworkWarning, match="No TF has two positives") as record:
        model = RegNet(**SMALL, random_state=0).fit(X, one_each)
    assert {r.filename for r in record} == {__file__}
    assert model.validation_strategy_ == "internal_pooled"
    assert len(model.edges_) == 2 and np.isfinite(model.validation_score_)
    # one positive: nothing to validate on; training loss, temperature 1
    single = one_each.iloc[:1]
    with pytest.warns(SmallNetworkWarning, match="too small for a validation set"):
        model = RegNet(**SMALL, random_state=0).fit(X, single)
    assert model.validation_strategy_ == "training_loss"
    assert model.calibration_["temperature"] == 1.0 and np.isnan(model.validation_score_)
    assert model.history_["validation_auprc"].isna().all()
    assert 0 <= model.best_epoch_ < SMALL["max_epochs"]
    proba = model.predict_proba(pd.DataFrame({"TF": ["G00", "G00"], "Target": ["G10", "G30"]}))
    assert proba.between(0, 1).all()
    with warnings.catch_warnings():  # a normal network gives no fallback warning
        warnings.simplefilter("error", SmallNetworkWarning)
        RegNet(**{**SMALL, "max_epochs": 2}, random_state=0).fit(*data[:2])
