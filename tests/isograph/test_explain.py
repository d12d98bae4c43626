"""isograph.explain: decoder attribution, Integrated Gradients, fit folders, explain-module."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.image import imread
from scipy import stats

from isograph import fit_dataset
from isograph.benchmark import make_isoform_dataset
from isograph.cli import main
from isograph.data import write_dataset
from isograph.explain import (
    CompletenessWarning,
    decoder_attribution,
    integrated_gradients,
    module_direction,
    read_fit_inputs,
)
from isograph.network import bh_adjust

pytestmark = pytest.mark.usefixtures("one_torch_thread")

COVARIATES = ["batch", "confounder"]
VAE = dict(latent_dim=8, max_epochs=60, kl_warmup=5, n_iter_no_change=10, min_module_size=8,
           n_threads=1, random_state=0)


@pytest.fixture(scope="module")
def synthetic():
    return make_isoform_dataset("small", random_state=0)


@pytest.fixture(scope="module")
def result(synthetic):
    """One small VAE fit for the whole module (about 4 s on one thread)."""
    return fit_dataset(synthetic.data, "vae", covariates=COVARIATES, traits=["trait"], **VAE)


@pytest.fixture(scope="module")
def saved(result, synthetic, tmp_path_factory):
    """A dataset folder and a fit folder that records it, as ``isograph fit`` writes them."""
    root = tmp_path_factory.mktemp("explain")
    write_dataset(synthetic.data, root / "data")
    result.config["cli"] = {"command": "fit", "dataset_path": str(root / "data")}
    result.save(root / "fit")
    return root


def planted_truth(synthetic, model, table, k):
    """Per row of ``table``: the feature carries the planted signal of module ``k``'s match."""
    genes = synthetic.genes
    members = model.modules_.loc[model.modules_["module_id"] == k, "gene_id"]
    planted = genes.loc[members, "module_id"].mode()[0]  # the planted module it recovers
    g = genes.loc[table["gene_id"].to_numpy()]
    loading = np.where(table["channel"].to_numpy() == "switch", g["switch_loading"],
                       g["abundance_loading"])
    return (g["module_id"].to_numpy() == planted) & (loading != 0)


# --------------------------------------------------------------- decoder
def test_decoder_top_drivers_are_planted_members(result, synthetic):
    model, X = result.model, result.features
    for k in range(model.n_modules_):
        for scope in ("module", "all"):
            table = decoder_attribution(model, X, k, features=scope).table
            truth = planted_truth(synthetic, model, table, k)
            assert truth[:10].mean() >= 0.8, (k, scope)
            flagged = table["driver"].to_numpy()
            assert flagged.sum() >= 5 and truth[flagged].mean() >= 0.8, (k, scope)


def test_decoder_table_layout_and_scope(result):
    model, X = result.model, result.features
    out = decoder_attribution(model, X, "M1")
    table = out.table
    assert list(table.columns) == ["module", "feature", "gene_id", "channel", "member",
                                   "decoded_change", "relative_change", "correlation",
                                   "p_value", "q_value", "driver", "rank"]
    genes = set(model.modules_.loc[model.modules_["module_id"] == 1, "gene_id"])
    assert set(table["gene_id"]) == genes  # every channel of every module gene
    of_genes = [c for c in X.columns if c.split("::")[0] in genes]
    assert sorted(table["feature"]) == sorted(of_genes) and len(of_genes) > len(genes)
    assert set(table["channel"]) == {"switch", "abundance"}
    assert (table["module"] == "M1").all()
    assert np.all(np.diff(table["decoded_change"].abs().to_numpy()) <= 0)
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    assert table.loc[table["member"], "feature"].isin(
        np.asarray(model.feature_names_in_)[model.labels_ == 1]).all()
    everything = decoder_attribution(model, X, 1, features="all").table
    assert len(everything) == X.shape[1]
    assert out.drivers.equals(table[table["driver"]])


def test_decoded_change_is_the_central_difference_of_the_decoder(result):
    model, X = result.model, result.features
    step = 0.7
    out = decoder_attribution(model, X, 2, step=step, method="dimension")
    d = out.direction
    center = torch.tensor(model.encode(X).mean(axis=0), dtype=torch.float32)
    move = torch.zeros_like(center)
    move[d.dimension] = float(d.vector[d.dimension]) * step * d.scale
    with torch.no_grad():
        up, down = model.module_.decode(torch.stack([center + move, center - move])).numpy()
    expected = pd.Series((up - down) / (2 * step), index=model.feature_names_in_)
    got = out.table.set_index("feature")["decoded_change"]
    np.testing.assert_allclose(got.to_numpy(), expected[got.index].to_numpy(), atol=1e-3)
    relative = got.abs() / np.abs(expected).max()
    np.testing.assert_allclose(out.table["relative_change"], relative.to_numpy(), atol=1e-3)


def test_association_is_pearson_with_bh_q_values(result):
    model, X = result.model, result.features
    out = decoder_attribution(model, X, 0, fdr=0.01, min_change=0.3)
    d = out.direction
    score = (model.encode(X) - d.center) @ d.vector
    table = out.table
    for feature, r, p in table[["feature", "correlation", "p_value"]].head(5).to_numpy():
        r_ref, p_ref = stats.pearsonr(X[feature], score)
        assert r == pytest.approx(r_ref, abs=1e-4)
        assert p == pytest.approx(p_ref, rel=1e-2, abs=1e-300)
    np.testing.assert_allclose(table["q_value"], bh_adjust(table["p_value"].to_numpy()))
    expected = ((table["q_value"] <= 0.01) & (table["relative_change"] >= 0.3)
                & (np.sign(table["decoded_change"]) == np.sign(table["correlation"])))
    assert table["driver"].equals(expected)


def test_direction_methods(result):
    model, X = result.model, result.features
    mu = model.encode(X)
    E = model.transform(X)
    for k in range(model.n_modules_):
        r = np.array([np.corrcoef(mu[:, j], E[:, k])[0, 1] for j in range(mu.shape[1])])
        best = int(np.argmax(np.abs(r)))
        dim = module_direction(model, X, f"M{k}", method="dimension")
        assert dim.dimension == best
        expected = np.zeros(mu.shape[1])
        expected[best] = np.sign(r[best])
        np.testing.assert_array_equal(dim.vector, expected)
        assert dim.correlation == pytest.approx(abs(r[best]), abs=1e-4)
        reg = module_direction(model, X, k)  # least squares: at least as good as any axis
        assert reg.method == "regression" and reg.dimension == best
        assert np.linalg.norm(reg.vector) == pytest.approx(1.0)
        assert reg.correlation >= dim.correlation - 1e-9
        assert np.corrcoef(reg.score(mu), E[:, k])[0, 1] == pytest.approx(reg.correlation,
                                                                           abs=1e-4)


def test_plain_features_without_names():
    """Two planted blocks of ten plain columns, then noise: each module's drivers are its block."""
    from isograph import VaeNetworkModel

    rng = np.random.default_rng(0)
    z = rng.normal(size=(100, 2))
    X = np.hstack([z[:, [0]] + 0.5 * rng.normal(size=(100, 10)),
                   z[:, [1]] + 0.5 * rng.normal(size=(100, 10)), rng.normal(size=(100, 10))])
    model = VaeNetworkModel(4, hidden_layer_sizes=(32,), max_epochs=80, min_module_size=5,
                            n_threads=1, random_state=0).fit(X)
    assert model.n_modules_ == 2
    for k in range(2):
        block = {f"x{i}" for i in np.flatnonzero(model.labels_ == k)}
        table = decoder_attribution(model, X, k, features="all").table
        assert table["channel"].isna().all() and (table["feature"] == table["gene_id"]).all()
        assert set(table.loc[table["driver"], "feature"]) == block
        ig = integrated_gradients(model, X, k)
        assert len(set(ig.table["feature"].head(10)) & block) >= 8, ig.table.head(12)
        assert ig.attributions.index.equals(pd.RangeIndex(100))


# ------------------------------------------------------ integrated gradients
@pytest.mark.parametrize("baseline", ["zero", "mean", "first_sample"])
def test_integrated_gradients_completeness(result, baseline):
    model, X = result.model, result.features
    base = X.iloc[0].to_numpy() if baseline == "first_sample" else baseline
    out = integrated_gradients(model, X, 3, baseline=base, n_steps=32)
    assert out.relative_delta <= 0.1
    # the output difference, recomputed through the public model
    d = out.direction
    b = np.zeros(X.shape[1]) if baseline == "zero" else (
        X.mean().to_numpy() if baseline == "mean" else base)
    diff = (model.encode(X) - model.encode(pd.DataFrame([b], columns=X.columns))) @ d.vector
    np.testing.assert_allclose(out.output_difference, diff, atol=1e-4)
    # completeness, checked without Captum's delta: attributions sum to the difference
    total = out.attributions.sum(axis=1).to_numpy()
    assert np.abs(total - diff).sum() <= 0.1 * np.abs(diff).sum()
    large = np.abs(diff) >= np.median(np.abs(diff))
    assert np.all(np.abs(total - diff)[large] <= 0.1 * np.abs(diff)[large])
    np.testing.assert_allclose(out.convergence_delta, total - out.output_difference,
                               atol=1e-8)
    assert out.attributions.shape == X.shape and out.attributions.index.equals(X.index)


def test_integrated_gradients_tables_and_planted_drivers(result, synthetic):
    model, X = result.model, result.features
    for k in (0, 2):
        out = integrated_gradients(model, X, k)
        table = out.table
        assert len(table) == X.shape[1]
        np.testing.assert_allclose(
            table.set_index("feature")["mean_abs_attribution"],
            out.attributions.abs().mean()[table["feature"]].to_numpy())
        assert np.all(np.diff(table["mean_abs_attribution"].to_numpy()) <= 0)
        assert planted_truth(synthetic, model, table, k)[:10].mean() >= 0.8
        genes = out.genes
        by_gene = table.groupby("gene_id")["mean_abs_attribution"].sum()
        np.testing.assert_allclose(genes.set_index("gene_id")["gene_score"],
                                   by_gene[genes["gene_id"]].to_numpy())
        found = model.modules_.set_index("gene_id")["module_id"]
        assert (found[genes["gene_id"].head(10)] == k).mean() >= 0.8


def test_too_few_steps_warn_about_completeness(result):
    with pytest.warns(CompletenessWarning, match="n_steps"):
        out = integrated_gradients(result.model, result.features, 0, n_steps=2)
    assert out.relative_delta > 0.1


# ------------------------------------------------------------- checkpoints
def test_checkpoint_path_gives_the_same_tables(result, tmp_path):
    model, X = result.model, result.features
    path = model.save_checkpoint(tmp_path / "vae_checkpoint.pt")
    for method in ("regression", "dimension"):
        a = decoder_attribution(model, X, "M4", method=method)
        b = decoder_attribution(str(path), X, "M4", method=method)
        pd.testing.assert_frame_equal(a.table, b.table)
        ig_a = integrated_gradients(model, X, "M4", method=method, n_steps=16)
        ig_b = integrated_gradients(path, X, "M4", method=method, n_steps=16)
        pd.testing.assert_frame_equal(ig_a.table, ig_b.table)
        pd.testing.assert_frame_equal(ig_a.attributions, ig_b.attributions)


def test_read_fit_inputs_recomputes_the_features(result, saved, synthetic):
    inputs = read_fit_inputs(saved / "fit")  # the dataset path recorded in fit_config.json
    pd.testing.assert_frame_equal(inputs.features, result.features)
    assert inputs.dataset_path == saved / "data"
    direct = read_fit_inputs(saved / "fit", data=synthetic.data)
    pd.testing.assert_frame_equal(direct.features, result.features)
    # same samples and transcripts, counts of other samples: the features no longer match
    counts = synthetic.data.transcript_counts
    shuffled = counts.iloc[np.random.default_rng(0).permutation(len(counts))]
    other = dataclasses.replace(synthetic.data,
                                transcript_counts=shuffled.set_axis(counts.index, axis=0))
    with pytest.raises(ValueError, match="eigengenes.parquet"):
        read_fit_inputs(saved / "fit", data=other)


def test_errors_name_the_problem(result, saved, tmp_path):
    model, X = result.model, result.features
    with pytest.raises(ValueError, match=r"module must name one of .*M0.*got 'M9'"):
        decoder_attribution(model, X, "M9")
    with pytest.raises(ValueError, match="module must name"):
        integrated_gradients(model, X, -1)
    with pytest.raises(TypeError, match="VaeNetworkModel"):
        decoder_attribution(object(), X, 0)
    for kwargs, name in [({"method": "pca"}, "method"), ({"features": "genes"}, "features"),
                         ({"fdr": 1.5}, "fdr"), ({"min_change": 2.0}, "min_change"),
                         ({"step": 0}, "step")]:
        with pytest.raises(ValueError, match=name):
            decoder_attribution(model, X, 0, **kwargs)
    with pytest.raises(ValueError, match="n_steps"):
        integrated_gradients(model, X, 0, n_steps=1)
    with pytest.raises(ValueError, match="baseline"):
        integrated_gradients(model, X, 0, baseline="median")
    with pytest.raises(ValueError, match="baseline"):
        integrated_gradients(model, X, 0, baseline=np.zeros(3))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        decoder_attribution(tmp_path / "missing.pt", X, 0)
    with pytest.raises(ValueError, match="missing from the data"):
        decoder_attribution(saved / "fit" / "vae_checkpoint.pt", X.iloc[:, 1:], 0)
    no_checkpoint = tmp_path / "fit"
    shutil.copytree(saved / "fit", no_checkpoint)
    (no_checkpoint / "vae_checkpoint.pt").unlink()
    with pytest.raises(FileNotFoundError, match="vae_checkpoint.pt.*vae backend"):
        read_fit_inputs(no_checkpoint)


# --------------------------------------------------------------------- CLI
def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_explain_module_writes_tables_and_figure(result, saved, capsys):
    fit = saved / "fit"
    code, out, err = run(capsys, "explain-module", "--fit-dir", fit, "--module", "M2",
                         "--dataset-path", saved / "data", "--n-steps", "32")
    assert code == 0, err
    assert "M2" in out and "drivers" in out
    folder = fit / "explain" / "M2"
    drivers = pd.read_parquet(folder / "vae_drivers.parquet")
    expected = decoder_attribution(result.model, result.features, "M2").table
    pd.testing.assert_frame_equal(drivers, expected)
    ig = pd.read_parquet(folder / "ig_attributions.parquet")
    pd.testing.assert_frame_equal(
        ig, integrated_gradients(result.model, result.features, "M2", n_steps=32).table)
    image = imread(folder / "vae_drivers.png")
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    report = json.loads((folder / "explain.json").read_text())
    assert report["module"] == "M2" and report["integrated_gradients"]["relative_delta"] <= 0.1
    assert report["decoder"]["n_drivers"] == int(drivers["driver"].sum())
    # a second run refuses to replace it without --overwrite
    code, _, err = run(capsys, "explain-module", "--fit-dir", fit, "--module", "2")
    assert code == 1 and "--overwrite" in err and err.count("\n") == 1
    # report picks up the explained module
    code, out, err = run(capsys, "report", "--fit-dir", fit)
    assert code == 0, err
    assert imread(fit / "module_drivers_M2.png").ndim == 3
    assert imread(fit / "module_trait_heatmap.png").ndim == 3


def test_cli_explain_module_errors_are_one_line(saved, tmp_path, capsys):
    fit = saved / "fit"
    code, _, err = run(capsys, "explain-module", "--fit-dir", fit, "--module", "M42")
    assert code == 1 and err.count("\n") == 1 and "M42" in err and "M0" in err
    assert not (fit / "explain" / "M42").exists()
    bare = tmp_path / "bare"
    shutil.copytree(fit, bare, ignore=shutil.ignore_patterns("vae_checkpoint.pt", "explain"))
    code, _, err = run(capsys, "explain-module", "--fit-dir", bare, "--module", "M0")
    assert code == 1 and err.count("\n") == 1 and "vae_checkpoint.pt" in err
    assert not (bare / "explain").exists()
    code, _, err = run(capsys, "explain-module", "--fit-dir", tmp_path / "nowhere",
                       "--module", "M0")
    assert code == 1 and err.count("\n") == 1 and "nowhere" in err
    config = json.loads((bare / "fit_config.json").read_text())
    del config["cli"]
    unrecorded = tmp_path / "unrecorded"
    shutil.copytree(fit, unrecorded, ignore=shutil.ignore_patterns("explain"))
    (unrecorded / "fit_config.json").write_text(json.dumps(config))
    code, _, err = run(capsys, "explain-module", "--fit-dir", unrecorded, "--module", "M0")
    assert code == 1 and err.count("\n") == 1 and "--dataset-path" in err
    code, _, err = run(capsys, "explain-module", "--fit-dir", fit, "--module", "M0", "--",
                       "vae.max_epochs=3")
    assert code == 1 and "overrides" in err
