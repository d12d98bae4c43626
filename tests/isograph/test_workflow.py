import json

import numpy as np
import pandas as pd
import pytest

import isograph
from isograph import FitResult, fit_dataset
from isograph.benchmark import make_isoform_dataset, metrics
from isograph.data import IsoformDataError
from isograph.models import BaseNetworkModel
from isograph.network import module_id_of, module_label
from tests.isograph.correlation_backend import CorrelationModel


@pytest.fixture(scope="module")
def sim():
    return make_isoform_dataset("small", random_state=0)


@pytest.fixture(scope="module")
def result(sim):
    return fit_dataset(sim.data, CorrelationModel(), covariates=["batch", "confounder"],
                       traits=["trait"])


def test_multiplex_fit_recovers_planted_modules(sim, result):
    truth = sim.genes["module_id"]
    pred = result.modules.set_index("gene_id")["module_id"].reindex(truth.index)
    scores = metrics.score_modules(truth, pred)
    assert scores["recovery"] > 0.85 and scores["adjusted_rand"] > 0.8
    assert set(result.modules.columns) >= {"gene_id", "module_id", "channel"}
    # the channel says through which channel a gene joined: none for unassigned
    # genes, and the planted role's channel for (nearly) every member
    mods = result.modules.set_index("gene_id")
    assigned = mods["module_id"] >= 0
    assert assigned.any() and mods.loc[~assigned, "channel"].isna().all()
    expected = sim.genes["role"].map({"abundance_only": "abundance", "switch_only": "switch",
                                      "coupled": "both", "discordant": "both"})
    members = mods[assigned]
    assert (members["channel"] == expected.reindex(members.index)).mean() >= 0.9
    assert result.eigengenes.shape == (sim.data.n_samples, result.model.n_modules_)
    assert list(result.eigengenes.index) == list(sim.data.sample_ids)


def test_traits_exclude_covariates_and_find_planted_trait(sim, result):
    assert not set(result.traits["trait"]) & {"batch", "confounder"}
    best = result.traits[result.traits.trait == "trait"].nsmallest(1, "p_value").iloc[0]
    # the trait was planted on module 0 of the truth
    members = sim.genes.index[sim.genes.module_id == sim.params["trait_module"]]
    found = result.modules.set_index("gene_id").loc[members, "module_id"].mode()[0]
    assert best["module"] == f"M{found}" and best["q_value"] < 1e-3


def test_residualization_removes_batch_from_features(sim, result):
    batch = sim.data.samples.loc[result.features.index, "batch"]
    means = result.features.groupby(batch.to_numpy()).mean()
    assert np.abs(means.to_numpy()).max() < 1e-8
    # the per-feature report says the same: nothing of the covariates is left, and what
    # went is the variance they explained (r2 of 0 to 1 before, 0 after)
    qc = result.residualizer_qc
    assert qc.index.equals(result.features.columns)
    assert qc["r2_after"].abs().max() < 1e-10 and qc["r2_before"].between(0, 1).all()
    assert qc["r2_before"].mean() > 0.05  # the planted batch and confounder effects
    np.testing.assert_allclose(qc["variance_after"],
                               qc["variance_before"] * (1 - qc["r2_before"]), rtol=1e-6)


def test_feature_scores_are_consistent(result):
    fs = result.feature_scores
    assert len(fs) == result.features.shape[1]
    assigned = fs[fs.module_id >= 0]
    assert (assigned["module_membership"].abs() > 0.3).mean() > 0.9
    assert fs.loc[fs.module_id < 0, "module_membership"].isna().all()
    assert fs["degree"].sum() == 2 * len(result.edges)


def test_save_writes_every_artifact_and_refuses_overwrite(result, tmp_path):
    out = tmp_path / "fit"
    result.save(out)
    names = {p.name for p in out.iterdir()}
    assert names == {"modules.parquet", "edges.parquet", "traits.parquet",
                     "feature_scores.parquet", "module_gene_roles.parquet",
                     "eigengenes.parquet", "calibration.json", "fit_config.json",
                     "residualizer_qc.parquet"}  # covariates were removed
    config = json.loads((out / "fit_config.json").read_text())
    assert config["covariates"] == ["batch", "confounder"] and config["traits"] == ["trait"]
    assert config["isograph_version"] == isograph.__version__
    assert config["backend_params"]["alpha"] == 0.45
    calibration = json.loads((out / "calibration.json").read_text())
    assert calibration["n_modules"] == result.model.n_modules_ > 0
    assert calibration["n_edges"] == len(result.edges)
    # read through FitResult.load: pandas 3's read_parquet alone gives its str dtype for text
    pd.testing.assert_frame_equal(FitResult.load(out).modules, result.modules)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        result.save(out)
    assert {p.name for p in out.iterdir()} == names
    result.save(out, overwrite=True)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_the_base_class_is_abstract():
    with pytest.raises(TypeError, match="abstract"):
        BaseNetworkModel()

    class NoEdges(BaseNetworkModel):
        pass

    with pytest.raises(TypeError, match="_fit_network"):
        NoEdges()


def test_load_reads_back_what_save_wrote(result, tmp_path):
    out = result.save(tmp_path / "fit")
    back = FitResult.load(out)
    for name in ("modules", "edges", "traits", "feature_scores", "eigengenes",
                 "module_gene_roles", "residualizer_qc"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(result, name),
                                      check_index_type=False, obj=name)
    assert back.config == json.loads(json.dumps(result.config, default=str))
    assert back.calibration == json.loads(json.dumps(result.calibration, default=str))
    assert back.directory == out and back.model is None and back.features is None
    assert back.n_modules == result.model.n_modules_ > 0
    assert not back.has_checkpoint  # not a VAE fit
    with pytest.raises(FileNotFoundError, match="vae backend"):
        back.load_model()


def test_one_module_id_rule_across_artifacts(result, tmp_path):
    back = FitResult.load(result.save(tmp_path / "fit"))
    k = back.n_modules
    assert list(back.eigengenes.columns) == [module_label(i) for i in range(k)]
    assert set(back.modules["module_id"]) <= set(range(-1, k))
    assert set(back.feature_scores["module_id"]) <= set(range(-1, k))
    assert set(back.module_gene_roles["module_id"]) <= set(range(k))
    traits = back.traits
    assert traits["module_id"].dtype == np.int64 and len(traits)
    assert (traits["module"] == traits["module_id"].map(module_label)).all()
    assert [module_id_of(label) for label in ("M3", 3, "3", "m3")] == [3, 3, 3, 3]
    with pytest.raises(ValueError, match="'cluster3' is not of the form"):
        module_id_of("cluster3")


def test_load_refuses_what_is_not_a_fit_folder(result, tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        FitResult.load(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="holds no fit_config.json"):
        FitResult.load(tmp_path / "empty")
    out = result.save(tmp_path / "fit")
    (out / "edges.parquet").unlink()
    with pytest.raises(FileNotFoundError, match="lacks edges.parquet"):
        FitResult.load(out)


def test_failed_save_leaves_nothing(result, tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(OSError, match="disk full"):
        result.save(tmp_path / "fit")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("channels", ["switch", "abundance"])
def test_single_channel_runs(sim, channels):
    res = fit_dataset(sim.data, CorrelationModel(alpha=0.5), channels=channels)
    assert "channel" not in res.modules.columns
    # one channel alone still finds the planted modules (each channel carries
    # part of them), every module at least min_module_size genes
    assert res.model.n_modules_ > 0
    sizes = res.modules.loc[res.modules["module_id"] >= 0, "module_id"].value_counts()
    assert len(sizes) == res.model.n_modules_ and sizes.min() >= 5
    truth = sim.genes["module_id"]
    pred = res.modules.set_index("gene_id")["module_id"].reindex(truth.index)
    assert metrics.score_modules(truth, pred)["recovery"] > 0.5
    assert res.module_gene_roles is None
    assert not any("::" in c for c in res.features.columns)


def test_bad_arguments_raise_clear_errors(sim):
    with pytest.raises(ValueError, match="channels must be one of"):
        fit_dataset(sim.data, CorrelationModel(), channels="isoform")
    with pytest.raises(ValueError, match=r"covariates \['nope'\]"):
        fit_dataset(sim.data, CorrelationModel(), covariates=["nope"])
    with pytest.raises(ValueError, match="backend must be one of"):
        fit_dataset(sim.data, "magic")
    with pytest.raises(TypeError, match="IsoformData"):
        fit_dataset(sim.data.transcript_counts, CorrelationModel())


def test_invalid_data_is_rejected_before_fitting(sim):
    bad = sim.data.subset_samples(sim.data.sample_ids[:10])
    bad.transcript_counts.iloc[0, 0] = -1
    with pytest.raises(IsoformDataError, match="negative"):
        fit_dataset(bad, CorrelationModel())


def test_backend_parameters_are_checked_before_the_data(sim):
    # a parameter fit would refuse fails first, before the (slow) feature work
    bad = sim.data.subset_samples(sim.data.sample_ids[:10])
    bad.transcript_counts.iloc[0, 0] = -1
    with pytest.raises(ValueError, match="'alpha' parameter of LatentNetworkModel"):
        fit_dataset(bad, "latent", alpha=2.0)
    with pytest.raises(ValueError, match="alpha and fdr are both None"):
        fit_dataset(bad, "latent", alpha=None, fdr=None)
    with pytest.raises(ValueError, match="backend='auto' chose 'latent'.*'fdr' parameter"):
        fit_dataset(bad, fdr=1.5)


def test_anndata_export(sim, result):
    adata = result.to_anndata()
    assert adata.shape == (sim.data.n_samples, len(result.modules))
    labels = result.modules.set_index("gene_id")["module_id"]
    np.testing.assert_array_equal(adata.var["isograph_module"].to_numpy(),
                                  labels.loc[adata.var_names].to_numpy())
    adj = adata.varp["isograph_adjacency"]
    genes, expected = result.gene_adjacency()
    assert list(adata.var_names) == list(genes) and adj.nnz > 0
    assert (adj != adj.T).nnz == 0 and (adj != expected).nnz == 0
    np.testing.assert_array_equal(adata.obsm["isograph_eigengenes"], result.eigengenes)


def test_auto_backend_picks_latent_for_few_samples_and_the_vae_for_many():
    toy = make_isoform_dataset("toy", random_state=0).data  # 60 samples
    few = toy.subset_samples(toy.sample_ids[:30])
    small = fit_dataset(few, covariates=["batch"], random_state=0)
    assert small.config["backend"] == "latent"
    assert small.config["backend_choice"]["requested"] == "auto"
    assert "30 samples < 50" in small.config["backend_choice"]["reason"]
    pytest.importorskip("torch")
    many = fit_dataset(toy, covariates=["batch"], max_epochs=2, n_threads=1, random_state=0)
    assert many.config["backend"] == "vae"  # VAE-only parameters reach the chosen backend
    with pytest.raises(ValueError, match="backend='auto' chose 'latent'.*max_epochs"):
        fit_dataset(few, max_epochs=2)
