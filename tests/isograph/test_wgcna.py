"""WgcnaNetworkModel: real R WGCNA through Rscript, checked against a direct R call."""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import tempfile

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from isograph import fit_dataset
from isograph.benchmark import make_isoform_dataset
from isograph.models import (
    WgcnaNetworkModel,
    WgcnaTimeoutError,
    WgcnaUnavailableError,
    get_backend_class,
)

#: The documented environment variable naming the Rscript executable.
RSCRIPT_ENV = "ISOGRAPH_RSCRIPT"


def _wgcna_installed() -> bool:
    """Rscript on PATH with the WGCNA and jsonlite packages installed."""
    exe = shutil.which("Rscript")
    if exe is None:
        return False
    probe = ("quit(status = if (all(nzchar(c(system.file(package = 'WGCNA'), "
             "system.file(package = 'jsonlite'))))) 0 else 1)")
    try:
        return subprocess.run([exe, "-e", probe], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


requires_r = pytest.mark.skipif(
    not _wgcna_installed(),
    reason="needs Rscript with the WGCNA and jsonlite R packages "
           "(apt-get install r-base-core r-cran-wgcna)",
)


def planted(seed=0, n=40, sizes=(60, 45, 35, 25), n_noise=60, strength=1.5):
    """Samples x features with modules driven by one factor each, then noise."""
    rng = np.random.default_rng(seed)
    blocks, truth = [], []
    for k, size in enumerate(sizes):
        factor = rng.normal(size=(n, 1))
        blocks.append(strength * factor + rng.normal(size=(n, size)))
        truth += [k] * size
    blocks.append(rng.normal(size=(n, n_noise)))
    truth += [-1] * n_noise
    return np.hstack(blocks), np.asarray(truth)


@pytest.fixture
def scratch_tmp(tmp_path, monkeypatch):
    """A private temp root, to check that runs leave nothing behind."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    monkeypatch.setenv("TMPDIR", str(root))  # R's own session directory would land here
    return root


PARAMS = dict(power=12, network_type="signed", tom_type="signed", min_module_size=20,
              merge_cut_height=0.15, deep_split=2, max_block_size=5000, random_state=7)


@pytest.fixture(scope="module")
def fitted():
    X, truth = planted()
    frame = pd.DataFrame(X, columns=[f"gene{i}" for i in range(X.shape[1])],
                         index=[f"s{i}" for i in range(X.shape[0])])
    model = WgcnaNetworkModel(**PARAMS)
    assert model.fit(frame) is model
    return model, frame, truth


# ------------------------------------------------------------- no R needed
@pytest.mark.parametrize("name, value", [
    ("power", 0), ("power", 2.5), ("network_type", "hybrid"), ("tom_type", "none"),
    ("min_module_size", 1), ("merge_cut_height", -0.1), ("deep_split", 5),
    ("max_block_size", 1), ("edge_threshold", 1.5), ("max_edges_per_gene", -1),
    ("n_threads", 0), ("timeout_seconds", 0), ("deep_split", 2.5),
])
def test_invalid_parameter_names_itself(name, value):
    match = rf"^The '{name}' parameter of WgcnaNetworkModel must be .*Got {re.escape(repr(value))}"
    with pytest.raises(ValueError, match=match):
        WgcnaNetworkModel(**{name: value}).fit(np.ones((5, 4)))


def test_missing_rscript_explains_install(scratch_tmp, monkeypatch):
    X, _ = planted(n_noise=0, sizes=(10,))
    with pytest.raises(WgcnaUnavailableError, match="apt-get install r-base-core r-cran-wgcna"):
        WgcnaNetworkModel(rscript=str(scratch_tmp / "no" / "Rscript")).fit(X)
    monkeypatch.setenv("PATH", str(scratch_tmp))  # a PATH without Rscript
    monkeypatch.delenv(RSCRIPT_ENV, raising=False)
    with pytest.raises(WgcnaUnavailableError, match="PATH lookup of 'Rscript'"):
        WgcnaNetworkModel().fit(X)
    monkeypatch.setenv(RSCRIPT_ENV, "/nonexistent/Rscript")
    with pytest.raises(WgcnaUnavailableError, match=r"\$ISOGRAPH_RSCRIPT"):
        WgcnaNetworkModel().fit(X)
    assert list(scratch_tmp.iterdir()) == []


def test_unfitted_and_registry_and_param_checks():
    with pytest.raises(NotFittedError):
        WgcnaNetworkModel().transform(np.ones((3, 3)))
    assert get_backend_class("wgcna") is WgcnaNetworkModel
    est = WgcnaNetworkModel(power=8, n_threads=2)
    name = type(est).__name__
    check_no_attributes_set_in_init(name, est)
    check_parameters_default_constructible(name, est)
    check_get_params_invariance(name, est)
    check_set_params(name, est)
    assert clone(est).get_params() == est.get_params()


# --------------------------------------------------------------- real R
DIRECT_R = """
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages(library(WGCNA))
X <- as.matrix(read.csv(args[[1]], header = FALSE))
net <- blockwiseModules(X, power = 12, networkType = "signed", TOMType = "signed",
                        minModuleSize = 20, mergeCutHeight = 0.15, deepSplit = 2,
                        maxBlockSize = 5000, randomSeed = 7, numericLabels = TRUE,
                        saveTOMs = FALSE, verbose = 0)
write.csv(data.frame(label = net$colors), args[[2]], row.names = FALSE)
write.csv(net$MEs, args[[3]], row.names = FALSE)
"""


@pytest.mark.r
@pytest.mark.slow
@requires_r
def test_agrees_with_direct_blockwise_modules_call(fitted, tmp_path):
    model, frame, truth = fitted
    np.savetxt(tmp_path / "X.csv", frame.to_numpy(), delimiter=",", fmt="%.17g")
    (tmp_path / "direct.R").write_text(DIRECT_R)
    subprocess.run(["Rscript", str(tmp_path / "direct.R"), str(tmp_path / "X.csv"),
                    str(tmp_path / "labels.csv"), str(tmp_path / "mes.csv")],
                   check=True, capture_output=True, timeout=600)
    direct = pd.read_csv(tmp_path / "labels.csv")["label"].to_numpy()
    mes = pd.read_csv(tmp_path / "mes.csv")
    assert adjusted_rand_score(direct, model.labels_) >= 0.99
    planted_ = truth >= 0  # the planted modules are found; most noise stays grey
    assert adjusted_rand_score(truth[planted_], model.labels_[planted_]) >= 0.9
    assert (model.labels_[~planted_] == -1).mean() >= 0.5
    assert model.n_modules_ == len(set(direct) - {0}) >= 3
    scores = model.transform(frame)
    for k in range(model.n_modules_):
        members = direct[model.labels_ == k]
        label = np.bincount(members).argmax()
        assert np.corrcoef(scores[:, k], mes[f"ME{label}"])[0, 1] >= 0.99


@pytest.mark.r
@pytest.mark.slow
@requires_r
def test_fitted_contract(fitted):
    model, frame, truth = fitted
    p = frame.shape[1]
    assert model.n_features_in_ == p
    assert list(model.feature_names_in_) == list(frame.columns)
    E = model.eigengenes(frame)
    assert E.shape == (frame.shape[0], model.n_modules_)
    assert list(E.index) == list(frame.index)
    assert list(model.get_feature_names_out()) == [f"M{k}" for k in range(model.n_modules_)]
    # transform reproduces WGCNA's own eigengenes
    for k in range(model.n_modules_):
        assert np.corrcoef(E[f"M{k}"], model.wgcna_eigengenes_[f"M{k}"])[0, 1] >= 0.99
    assert model.transform(frame.iloc[:5]).shape == (5, model.n_modules_)
    with pytest.raises(ValueError, match="missing:\n- gene224"):
        model.transform(frame.iloc[:, :-1])
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(again.transform(frame), E.to_numpy())
    # modules_: one row per gene, consistent with labels_
    np.testing.assert_array_equal(model.modules_["module_id"], model.labels_)
    assert list(model.modules_["gene_id"]) == list(frame.columns)
    # edges_: thresholded TOM, capped per feature, mostly inside planted modules
    edges = model.edges_
    assert 0 < len(edges) <= model.max_edges_per_gene * p
    assert (edges["weight"].abs() >= model.edge_threshold).all()
    assert not edges.duplicated(["source", "target"]).any()
    src = frame.columns.get_indexer(edges["source"])
    dst = frame.columns.get_indexer(edges["target"])
    assert (src < dst).all()
    both_planted = (truth[src] >= 0) & (truth[dst] >= 0)
    assert (truth[src] == truth[dst])[both_planted].mean() >= 0.99
    assert set(np.flatnonzero(truth >= 0)) <= set(src) | set(dst)
    strong = edges["weight"].abs().to_numpy() >= np.median(edges["weight"].abs())
    assert both_planted[strong].all()  # noise only reaches weak ties
    cal = model.calibration_
    json.dumps(cal)  # serializable
    assert cal["power"] == 12 and cal["power_source"] == "fixed"
    assert cal["n_blocks"] == 1 and not cal["blockwise"] and "edges_note" not in cal
    assert cal["n_modules"] == model.n_modules_
    assert cal["n_unassigned_genes"] == int((model.labels_ == -1).sum())
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?", cal["r_version"])
    assert re.fullmatch(r"\d+\.\d+(\.\d+)*", cal["wgcna_version"])
    table = pd.DataFrame(cal["soft_threshold_table"])
    assert table["Power"].tolist() == [12]
    assert cal["fit_r2"] == pytest.approx(-np.sign(table["slope"][0]) * table["SFT.R.sq"][0])


@pytest.mark.r
@pytest.mark.slow
@requires_r
def test_fit_network_hook_returns_the_tom_edges(fitted):
    model, frame, _ = fitted
    Z = (frame - frame.mean()) / frame.std(ddof=0)
    rows, cols, weights = clone(model)._fit_network(Z.to_numpy(), None)
    names = frame.columns.to_numpy()
    hook = set(zip(names[rows], names[cols]))
    fitted_pairs = set(zip(model.edges_["source"], model.edges_["target"]))
    assert len(hook ^ fitted_pairs) <= 0.01 * len(fitted_pairs)  # same TOM, up to rounding
    assert np.all(np.abs(weights) >= model.edge_threshold)


@pytest.mark.r
@pytest.mark.slow
@requires_r
def test_power_falls_back_when_no_scale_free_fit(scratch_tmp):
    X = np.random.default_rng(3).normal(size=(20, 120))  # noise: no scale-free topology
    model = WgcnaNetworkModel(network_type="unsigned", tom_type="unsigned").fit(X)
    cal = model.calibration_
    table = pd.DataFrame(cal["soft_threshold_table"])
    signed_r2 = -np.sign(table["slope"]) * table["SFT.R.sq"]
    assert table["Power"].tolist() == [*range(1, 11), *range(12, 31, 2)]
    assert (signed_r2 < 0.85).all()
    assert cal["power_source"] == "fallback" and cal["power"] == 6
    assert model.transform(X).shape == (20, model.n_modules_)
    assert list(scratch_tmp.iterdir()) == []


@pytest.mark.r
@pytest.mark.slow
@requires_r
def test_multiplex_channels_are_features_and_modules_are_per_gene(scratch_tmp):
    rng = np.random.default_rng(4)
    n, g = 40, 90
    S, A = rng.normal(size=(n, g)), rng.normal(size=(n, g))
    for k in range(3):
        factor = rng.normal(size=(n, 1))
        S[:, 30 * k:30 * (k + 1)] += 1.5 * factor
        A[:, 30 * k:30 * (k + 1)] += 1.5 * factor
    cols = [f"g{i}::switch" for i in range(g)] + [f"g{i}::abundance" for i in range(g)]
    X = pd.DataFrame(np.hstack([S, A]), columns=cols)
    model = WgcnaNetworkModel(min_module_size=10).fit(X)
    mods = model.modules_.set_index("gene_id")
    assert list(mods.index) == [f"g{i}" for i in range(g)]
    truth = np.repeat(np.arange(3), 30)
    assert adjusted_rand_score(truth, mods["module_id"]) >= 0.9
    assert set(mods["channel"].dropna()) <= {"switch", "abundance", "both"}
    assert (mods["channel"] == "both").sum() >= 80
    gene_of = np.array([c.split("::")[0] for c in cols])
    lab = model.labels_
    assert ((lab == -1) | (lab == mods.loc[gene_of, "module_id"].to_numpy())).all()
    assert model.calibration_["multiplex"]
    assert {"source_channel", "target_channel"} <= set(model.edges_.columns)
    assert set(model.module_gene_roles_["gene_id"]) == set(mods.index[mods["module_id"] >= 0])
    assert list(scratch_tmp.iterdir()) == []


@pytest.mark.r
@pytest.mark.slow
@requires_r
def test_blockwise_mode_above_max_block_size():
    rng = np.random.default_rng(5)
    n, p, size = 16, 5100, 300
    X = rng.normal(size=(n, p))
    truth = np.full(p, -1)
    for k in range(8):
        X[:, k * size:(k + 1) * size] += 2.0 * rng.normal(size=(n, 1))
        truth[k * size:(k + 1) * size] = k
    model = WgcnaNetworkModel(power=12, max_block_size=1000).fit(X)
    cal = model.calibration_
    assert cal["blockwise"] and cal["n_blocks"] >= 6 and sum(cal["block_sizes"]) == p
    assert max(cal["block_sizes"]) <= 1000
    assert len(model.edges_) == 0 and "blockwise" in cal["edges_note"]
    planted_ = truth >= 0
    assert adjusted_rand_score(truth[planted_], model.labels_[planted_]) >= 0.9
    E = model.transform(X)
    for k in range(model.n_modules_):
        assert np.corrcoef(E[:, k], model.wgcna_eigengenes_[f"M{k}"])[0, 1] >= 0.99


@pytest.mark.r
@requires_r
def test_timeout_kills_r_and_cleans_up(scratch_tmp):
    X, _ = planted()
    with pytest.raises(WgcnaTimeoutError, match="timeout_seconds=0.3") as info:
        WgcnaNetworkModel(timeout_seconds=0.3).fit(X)
    assert info.value.returncode == -signal.SIGKILL  # killed, not finished
    with pytest.raises(ProcessLookupError):
        os.kill(info.value.pid, 0)
    assert list(scratch_tmp.iterdir()) == []


@pytest.mark.r
@requires_r
def test_missing_r_package_explains_install(scratch_tmp, monkeypatch):
    empty = scratch_tmp.parent / "empty-lib"
    empty.mkdir()
    for var in ("R_LIBS", "R_LIBS_USER", "R_LIBS_SITE"):
        monkeypatch.setenv(var, str(empty))
    with pytest.raises(WgcnaUnavailableError, match="not installed.*r-cran-wgcna"):
        WgcnaNetworkModel().fit(planted()[0])
    assert list(scratch_tmp.iterdir()) == []


@pytest.mark.r
@pytest.mark.slow
@requires_r
def test_fit_dataset_with_wgcna_backend(tmp_path):
    sim = make_isoform_dataset("small", random_state=0)
    result = fit_dataset(sim.data, backend="wgcna", covariates=["batch", "confounder"],
                         min_module_size=10)
    model = result.model
    assert isinstance(model, WgcnaNetworkModel) and model.calibration_["multiplex"]
    truth = sim.genes["module_id"]
    pred = result.modules.set_index("gene_id")["module_id"].reindex(truth.index)
    assert adjusted_rand_score(truth, pred) >= 0.75
    result.save(tmp_path / "out")
    saved = json.loads((tmp_path / "out" / "calibration.json").read_text())
    assert saved["power"] == model.calibration_["power"]
    assert saved["wgcna_version"] == model.calibration_["wgcna_version"]
    assert pd.read_parquet(tmp_path / "out" / "modules.parquet").shape[0] == len(truth)
