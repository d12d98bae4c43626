"""VaeNetworkModel: the torch module, the loop, the estimator, edge policy, checkpoints."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from isograph.models import (
    PosteriorCollapseWarning,
    VaeNetworkModel,
    load_checkpoint,
    save_checkpoint,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FAST = dict(latent_dim=4, hidden_layer_sizes=(32,), max_epochs=150, kl_warmup=5,
            n_iter_no_change=15, batch_size=32, learning_rate=3e-3, min_module_size=5,
            random_state=0)
ROLE_PLAN = ["coupled"] * 4 + ["discordant"] * 2 + ["switch_only"] * 2 + ["abundance_only"] * 2


def multiplex(seed=0, n=120, n_modules=3, n_background=20, shared_abundance=0.0):
    """Planted multiplex data: modules of 10 genes with every role, then background genes.

    ``shared_abundance`` adds one factor to the abundance of every module gene
    (and no switch), so abundance–abundance edges alone would join the modules.
    """
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, n_modules))
    common = rng.normal(size=n)
    cols, truth, roles = {}, {}, {}

    def noise():
        return 0.6 * rng.normal(size=n)

    for m in range(n_modules):
        for g, role in enumerate(ROLE_PLAN):
            gene = f"m{m}g{g}"
            s = {"coupled": z[:, m], "discordant": -z[:, m], "switch_only": z[:, m],
                 "abundance_only": 0 * z[:, m]}[role]
            a = 0 * z[:, m] if role == "switch_only" else z[:, m]
            cols[f"{gene}::switch"] = 0.8 * s + noise()
            cols[f"{gene}::abundance"] = 0.8 * a + shared_abundance * common + noise()
            truth[gene], roles[gene] = m, role
    for b in range(n_background):
        gene = f"bg{b}"
        cols[f"{gene}::switch"] = rng.normal(size=n)
        cols[f"{gene}::abundance"] = rng.normal(size=n)
        truth[gene], roles[gene] = -1, "background"
    X = pd.DataFrame(cols, index=[f"s{i}" for i in range(n)])
    return X, pd.Series(truth), pd.Series(roles)


@pytest.fixture(scope="module")
def data():
    return multiplex()


@pytest.fixture(scope="module")
def fitted(data):
    X, _, _ = data
    return VaeNetworkModel(**FAST).fit(X)


# ----------------------------------------------------------------- estimator
def test_recovers_planted_multiplex_modules(fitted, data):
    X, truth, _ = data
    genes = fitted.modules_.set_index("gene_id")["module_id"].reindex(truth.index)
    assert fitted.n_modules_ == 3
    assert adjusted_rand_score(truth, genes) > 0.9
    assert (genes[truth < 0] == -1).mean() >= 0.9  # background stays unassigned
    assert set(fitted.modules_.columns) >= {"gene_id", "module_id", "channel"}
    Y = fitted.transform(X)
    assert Y.shape == (X.shape[0], 3)
    assert list(fitted.get_feature_names_out()) == ["M0", "M1", "M2"]
    assert len(fitted.history_) == fitted.calibration_["epochs_trained"]


def test_module_gene_roles_follow_the_planted_roles(fitted, data):
    _, truth, roles = data
    table = fitted.module_gene_roles_.set_index("gene_id")
    assert set(table["role"]) <= {"coupled", "discordant", "switch_only", "abundance_only",
                                  "inactive"}
    agree = (table["role"] == roles.reindex(table.index)).mean()
    assert agree >= 0.8
    # discordant genes: the channels are anti-correlated
    disc = table.index[roles.reindex(table.index) == "discordant"]
    assert (table.loc[disc, "r_switch_abundance"] < 0).all()


def test_role_thresholds_are_parameters(fitted, data):
    X, _, _ = data
    strict = clone(fitted).set_params(activity_threshold=0.999).fit(X)
    assert (strict.module_gene_roles_["role"] == "inactive").all()


def test_calibration_reports_training_and_thresholds(fitted):
    cal = fitted.calibration_
    for key in ("elbo", "reconstruction", "kl", "best_epoch", "early_stopped", "epochs_trained",
                "kl_per_dim", "collapsed_dims", "latent_dim", "latent_grid", "thresholds",
                "n_signal_features"):
        assert key in cal
    assert cal["elbo"] == pytest.approx(-(cal["reconstruction"] + cal["kl"]))
    assert len(cal["kl_per_dim"]) == cal["latent_dim"] == fitted.latent_dim_
    assert cal["thresholds"]["switch_abundance"] == pytest.approx(0.7)
    assert 1 <= cal["best_epoch"] <= cal["epochs_trained"]


def test_latent_grid_selects_the_best_validation_elbo(data):
    X, _, _ = data
    model = VaeNetworkModel(**{**FAST, "latent_dim": (2, 6)}).fit(X)
    grid = model.calibration_["latent_grid"]
    assert [g["latent_dim"] for g in grid] == [2, 6]
    best = min(grid, key=lambda g: g["validation_neg_elbo"])
    assert model.latent_dim_ == best["latent_dim"] == model.module_.n_latent


def test_permuted_data_gives_no_modules(data):
    X, _, _ = data
    rng = np.random.default_rng(1)
    Xp = X.apply(lambda column: rng.permutation(column.to_numpy()))  # each column on its own
    model = VaeNetworkModel(**FAST).fit(Xp)
    assert model.n_modules_ == 0
    assert model.calibration_["n_signal_features"] <= 2


def test_deterministic_under_random_state(data):
    X, _, _ = data
    a = VaeNetworkModel(**FAST).fit(X)
    b = VaeNetworkModel(**FAST).fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_array_equal(a.reconstruct(X), b.reconstruct(X))
    pd.testing.assert_frame_equal(a.history_, b.history_)
    c = VaeNetworkModel(**{**FAST, "random_state": 1}).fit(X)
    assert not np.array_equal(a.reconstruct(X), c.reconstruct(X))


def test_collapse_warning_fires_when_half_the_dimensions_collapse(data):
    X, _, _ = data
    with pytest.warns(PosteriorCollapseWarning, match="latent dimensions"):
        model = VaeNetworkModel(**{**FAST, "latent_dim": 6, "beta": 500.0}).fit(X)
    assert 2 * len(model.calibration_["collapsed_dims"]) >= 6


def test_no_collapse_warning_on_a_healthy_fit(data):
    X, _, _ = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", PosteriorCollapseWarning)
        model = VaeNetworkModel(**{**FAST, "latent_dim": 3}).fit(X)
    assert 2 * len(model.calibration_["collapsed_dims"]) < 3


# ----------------------------------------------------------------- edge policy
def test_no_abundance_abundance_edges_when_forbidden(data):
    X, _, _ = data
    model = VaeNetworkModel(**{**FAST, "allow_abundance_abundance": False}).fit(X)
    e = model.edges_
    assert len(e) > 0
    assert not ((e["source_channel"] == "abundance") & (e["target_channel"] == "abundance")).any()
    assert model.calibration_["thresholds"]["abundance_abundance"] is None
    default_edges = VaeNetworkModel(**FAST).fit(X).edges_
    assert ((default_edges["source_channel"] == "abundance")
            & (default_edges["target_channel"] == "abundance")).any()


def _channel_edges(edges, source, target):
    e = edges[(edges["source_channel"] == source) & (edges["target_channel"] == target)]
    return set(zip(e["source"], e["target"])), e


def test_alpha_switch_cuts_only_switch_switch_edges(fitted, data):
    # The same seed trains the same decoder, so only the switch-switch cut moves:
    # a stricter alpha_switch keeps a strict subset of those edges, each at or
    # above the new cut, and leaves every other channel pair as it was.
    X, _, _ = data
    strict = VaeNetworkModel(**{**FAST, "alpha_switch": 0.97}).fit(X)
    assert strict.calibration_["thresholds"]["switch_switch"] == 0.97
    loose_ss, _ = _channel_edges(fitted.edges_, "switch", "switch")
    strict_ss, strict_rows = _channel_edges(strict.edges_, "switch", "switch")
    assert strict_ss and strict_ss < loose_ss
    assert (strict_rows["weight"].abs() >= 0.97).all()
    for pair in [("switch", "abundance"), ("abundance", "abundance")]:
        assert _channel_edges(strict.edges_, *pair)[0] == _channel_edges(fitted.edges_, *pair)[0]


def test_abundance_grid_picks_the_smallest_value_that_merges_nothing():
    X, truth, _ = multiplex(seed=3, shared_abundance=2.0)
    grid = (0.3, 0.6, 0.9, 0.99)
    model = VaeNetworkModel(**{**FAST, "alpha_abundance_grid": grid}).fit(X)
    scores = model.calibration_["alpha_abundance_grid"]
    assert [s["alpha_abundance"] for s in scores] == list(grid)
    chosen = model.calibration_["alpha_abundance_selected"]
    assert chosen == min(s["alpha_abundance"] for s in scores if s["merged_pairs"] == 0)
    assert scores[0]["merged_pairs"] > 0 and chosen > grid[0]  # a loose cut merges modules
    assert model.calibration_["thresholds"]["abundance_abundance"] == chosen
    e = model.edges_
    aa = (e["source_channel"] == "abundance") & (e["target_channel"] == "abundance")
    assert (e.loc[aa, "weight"].abs() >= chosen).all()
    genes = model.modules_.set_index("gene_id")["module_id"].reindex(truth.index)
    assert adjusted_rand_score(truth, genes) > 0.9


def test_checkpoint_round_trip_gives_identical_results(fitted, data, tmp_path):
    X, _, _ = data
    path = save_checkpoint(fitted, tmp_path / "vae_checkpoint.pt")
    assert path.exists() and not list(tmp_path.glob(".*"))
    loaded = load_checkpoint(path, feature_names=X.columns)
    np.testing.assert_array_equal(loaded.transform(X), fitted.transform(X))
    np.testing.assert_array_equal(loaded.reconstruct(X), fitted.reconstruct(X))
    np.testing.assert_array_equal(loaded.labels_, fitted.labels_)
    for name in ("modules_", "module_gene_roles_", "history_", "feature_signal_"):
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(fitted, name),
                                      check_dtype=False)
    # model state, not results: the edge table lives in the fit folder's edges.parquet
    assert not hasattr(loaded, "edges_")
    assert loaded.get_params() == fitted.get_params()
    assert loaded.calibration_ == fitted.calibration_
    # the method pair the workflow layer calls
    fitted.save_checkpoint(tmp_path / "again.pt")
    again = VaeNetworkModel.load_checkpoint(tmp_path / "again.pt")
    np.testing.assert_array_equal(again.transform(X), fitted.transform(X))


def test_checkpoint_refuses_mismatched_features_naming_them(fitted, data, tmp_path):
    X, _, _ = data
    path = save_checkpoint(fitted, tmp_path / "vae_checkpoint.pt")
    other = list(X.columns[:-1]) + ["new_gene::switch"]
    with pytest.raises(ValueError, match=r"bg19::abundance.*new_gene::switch"):
        load_checkpoint(path, feature_names=other)
    with pytest.raises(ValueError, match="another order"):
        load_checkpoint(path, feature_names=list(X.columns[::-1]))
    with pytest.raises(ValueError, match="not an isograph VAE checkpoint"):
        torch.save({"format": "something else"}, tmp_path / "bad.pt")
        load_checkpoint(tmp_path / "bad.pt")


# ----------------------------------------------------------------- sklearn
def test_verbose_zero_prints_nothing_and_verbose_shows_progress(data, capsys):
    X, _, _ = data
    small = {**FAST, "max_epochs": 8, "n_iter_no_change": 3, "signal_fdr": None}
    VaeNetworkModel(**small).fit(X)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    VaeNetworkModel(**{**small, "verbose": 1}).fit(X)
    captured = capsys.readouterr()
    assert "d=4" in captured.err and captured.out == ""


def test_clone_and_pickle(fitted, data):
    X, _, _ = data
    fresh = clone(fitted)
    assert fresh.get_params() == fitted.get_params() and not hasattr(fresh, "module_")
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.transform(X), fitted.transform(X))
    np.testing.assert_array_equal(restored.encode(X), fitted.encode(X))


@pytest.mark.parametrize(("params", "match"), [
    ({"latent_dim": 0}, "latent_dim"),
    ({"latent_dim": [4, "a"]}, "latent_dim"),
    ({"hidden_layer_sizes": 16}, "hidden_layer_sizes"),
    ({"dropout": 1.0}, "dropout"),
    ({"device": "tpu"}, "device"),
    ({"signal_fdr": 0.0}, "signal_fdr"),
    ({"alpha": 1.5}, "alpha"),
    ({"alpha_abundance": 0.5, "alpha_abundance_grid": (0.5, 0.7)}, "both given"),
    ({"allow_abundance_abundance": False, "alpha_abundance_grid": (0.5,)}, "forbids"),
    ({"min_module_size": 1}, "min_module_size"),
    ({"n_threads": 0}, "n_threads"),
])
def test_bad_parameters_raise_naming_the_parameter(data, params, match):
    X, _, _ = data
    with pytest.raises(ValueError, match=match):
        VaeNetworkModel(**{**FAST, **params}).fit(X)


def test_n_threads_applies_during_fit_only(data, monkeypatch):
    # Record torch's thread count at every forward pass of the training loop.
    seen = []
    forward = torch.nn.Linear.forward  # every layer of the VAE's encoder and decoder

    def spy(self, *args, **kwargs):
        seen.append(torch.get_num_threads())
        return forward(self, *args, **kwargs)

    monkeypatch.setattr(torch.nn.Linear, "forward", spy)
    X, _, _ = data
    torch.set_num_threads(2)
    try:
        VaeNetworkModel(**{**FAST, "n_threads": 1, "max_epochs": 6, "signal_fdr": None}).fit(X)
        assert seen and set(seen) == {1}
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(1)


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available here")
def test_cuda_without_a_gpu_is_refused(data):
    X, _, _ = data
    with pytest.raises(ValueError, match="CUDA is not available"):
        VaeNetworkModel(**{**FAST, "device": "cuda"}).fit(X)


@pytest.mark.filterwarnings("ignore::isograph.models.PosteriorCollapseWarning")
@parametrize_with_checks(
    [VaeNetworkModel(latent_dim=2, hidden_layer_sizes=(8,), max_epochs=6, kl_warmup=1,
                     n_iter_no_change=2, min_module_size=2, random_state=0)],
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_recovers_the_small_synthetic_preset_through_the_feature_pipeline():
    from isograph.benchmark import make_isoform_dataset
    from isograph.benchmark.metrics import score_modules
    from isograph.features import CovariateResidualizer, MultiplexFeatures

    ds = make_isoform_dataset("small", random_state=0)
    feats = MultiplexFeatures(ds.data.transcript_to_gene).set_output(transform="pandas")
    X = feats.fit_transform(ds.data.transcript_counts)
    covs = ["batch", "confounder"]
    X = CovariateResidualizer(covs).set_output(transform="pandas").fit_transform(
        X, covariates=ds.data.samples[covs])
    model = VaeNetworkModel(latent_dim=8, min_module_size=8, n_threads=1, random_state=0).fit(X)
    scores = score_modules(ds.genes["module_id"], model.modules_.set_index("gene_id")["module_id"])
    assert scores["recovery"] >= 0.85 and scores["adjusted_rand"] >= 0.85
