import json
import pickle

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import log_loss, roc_auc_score

from regnet import RegNet, SmallNetworkWarning
from regnet.cli import main as cli_main

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def planted(seed=0, n_genes=60, n_tfs=8, n_cells=50):
    """Expression driven by a planted network with hub TFs; held-out pairs to score."""
    rng = np.random.default_rng(seed)
    genes = [f"G{i:02d}" for i in range(n_genes)]
    tfs = genes[:n_tfs]
    activity = np.linspace(3.0, 0.5, n_tfs)  # TF hubness
    expression = rng.normal(size=(n_genes, n_cells))
    edges = []
    for j in range(n_tfs, n_genes):
        k = 1 + (rng.random() < 0.5)
        for t in rng.choice(n_tfs, size=k, replace=False, p=activity / activity.sum()):
            edges.append((tfs[t], genes[j]))
            expression[j] += 1.5 * expression[t]
    edges = pd.DataFrame(edges, columns=["TF", "Target"]).drop_duplicates()
    X = pd.DataFrame(expression + 5.0, index=genes, columns=[f"c{i}" for i in range(n_cells)])
    held = rng.random(len(edges)) < 0.25
    train, test_pos = edges.loc[~held], edges.loc[held]
    known = set(zip(edges["TF"], edges["Target"]))
    negatives = [(t, g) for t in tfs for g in genes if t != g and (t, g) not in known]
    pick = rng.choice(len(negatives), size=4 * len(test_pos), replace=False)
    test = pd.concat([
        test_pos.assign(Label=1),
        pd.DataFrame([negatives[i] for i in pick], columns=["TF", "Target"]).assign(Label=0),
    ], ignore_index=True)
    return X, train.reset_index(drop=True), test, tfs


SMALL = dict(hidden_channels=16, latent_channels=8, heads=2, max_epochs=40, patience=15)


@pytest.fixture(scope="module")
def data():
    return planted()


@pytest.fixture(scope="module")
def fitted(data):
    X, train, _, tfs = data
    return RegNet(**SMALL, random_state=0).fit(X, train, tfs=tfs)


def test_recovers_held_out_edges(data, fitted):
    _, _, test, _ = data
    proba = fitted.predict_proba(test)
    assert proba.index.equals(test.index)
    assert ((proba > 0) & (proba < 1)).all()
    assert roc_auc_score(test["Label"], proba) > 0.8


def test_fitted_attributes(data, fitted):
    X, train, _, tfs = data
    assert list(fitted.genes_) == list(X.index)
    assert fitted.tfs_ == tfs
    assert fitted.n_features_in_ == X.shape[1]
    hist = fitted.history_
    assert {"loss", "link", "kl", "reconstruction", "validation_auprc"} <= set(hist.columns)
    assert fitted.validation_score_ == hist["validation_auprc"].max()
    assert hist["validation_auprc"].iloc[fitted.best_epoch_] == fitted.validation_score_
    # internal validation held some training positives out of the message graph
    assert 0 < len(train) - len(fitted.edges_) < len(train)
    Z = fitted.transform(X)
    assert Z.shape == (len(X), 8) and list(Z.columns) == list(fitted.get_feature_names_out())


def test_calibration_reduces_ece_on_validation(fitted):
    cal = fitted.calibration_
    assert cal["temperature"] > 0
    assert cal["log_loss_after"] <= cal["log_loss_before"]
    assert cal["ece_after"] < cal["ece_before"]


def test_deterministic_under_random_state(data, fitted):
    X, train, test, tfs = data
    again = RegNet(**SMALL, random_state=0).fit(X, train, tfs=tfs)
    assert np.array_equal(again.predict_proba(test), fitted.predict_proba(test))
    other = RegNet(**SMALL, random_state=1).fit(X, train, tfs=tfs)
    assert not np.array_equal(other.predict_proba(test), fitted.predict_proba(test))


def test_save_load_round_trip(tmp_path, data, fitted):
    X, _, test, _ = data
    fitted.save(tmp_path / "model")
    loaded = RegNet.load(tmp_path / "model")
    assert loaded.get_params() == fitted.get_params()
    assert np.array_equal(loaded.predict_proba(test), fitted.predict_proba(test))
    pd.testing.assert_frame_equal(loaded.transform(X), fitted.transform(X))
    assert loaded.calibration_ == pytest.approx(fitted.calibration_)
    assert loaded.validation_strategy_ == fitted.validation_strategy_ == "internal"
    with pytest.raises(FileNotFoundError, match="config.json"):
        RegNet.load(tmp_path)


def test_save_load_keeps_the_small_network_fallback(tmp_path, data):
    X = data[0]
    single = pd.DataFrame({"TF": ["G00"], "Target": ["G10"]})
    with pytest.warns(SmallNetworkWarning, match="too small for a validation set"):
        model = RegNet(**{**SMALL, "max_epochs": 3}, random_state=0).fit(X, single)
    model.save(tmp_path / "model")
    assert RegNet.load(tmp_path / "model").validation_strategy_ == "training_loss"
    # a folder saved before the strategy was recorded still loads, the strategy unknown
    config = tmp_path / "model" / "config.json"
    old = {k: v for k, v in json.loads(config.read_text()).items() if k != "validation_strategy"}
    config.write_text(json.dumps(old))
    loaded = RegNet.load(tmp_path / "model")
    assert loaded.validation_strategy_ is None
    assert loaded.calibration_["temperature"] == 1.0

def test_save_takes_numpy_parameters(tmp_path, data):
    X, train, _, tfs = data
    small = {**SMALL, "hidden_channels": np.int64(16), "max_epochs": 2}
    model = RegNet(**small, random_state=np.int64(0)).fit(X, train, tfs=tfs)
    model.save(tmp_path / "model")
    params = RegNet.load(tmp_path / "model").get_params()
    assert params["hidden_channels"] == 16 and params["random_state"] == 0



def test_clone_get_params_pickle(data, fitted):
    _, _, test, _ = data
    params = fitted.get_params()
    fresh = clone(fitted)
    assert fresh.get_params() == params and not hasattr(fresh, "module_")
    fresh.set_params(heads=4, max_epochs=3)
    assert fresh.heads == 4 and fresh.max_epochs == 3
    restored = pickle.loads(pickle.dumps(fitted))
    assert np.array_equal(restored.predict_proba(test), fitted.predict_proba(test))


def test_first_layer_uses_training_positives_only(data):
    X, train, _, tfs = data
    known = set(zip(train["TF"], train["Target"]))
    non_edges = [(t, g) for t in tfs for g in X.index if t != g and (t, g) not in known]
    validation = pd.concat([
        train.iloc[:10].assign(Label=1),
        pd.DataFrame(non_edges[1:6], columns=["TF", "Target"]).assign(Label=0),
    ], ignore_index=True)
    rest = train.iloc[10:]
    labelled_negative = pd.DataFrame([non_edges[0]], columns=["TF", "Target"]).assign(Label=0)
    edges = pd.concat([rest.assign(Label=1), labelled_negative], ignore_index=True)
    model = RegNet(**{**SMALL, "max_epochs": 2}, random_state=0).fit(
        X, edges, tfs=tfs, validation=validation)
    states = model.first_layer_states()
    x, m = states["x"], states["m"]
    assert list(x.columns) == list(X.columns) + ["log_out_degree", "log_in_degree", "is_tf"]
    neighbours = {g: set() for g in X.index}
    for a, b in zip(rest["TF"], rest["Target"]):
        neighbours[a].add(b)
        neighbours[b].add(a)
    for gene in (tfs[0], non_edges[0][1], train["Target"].iloc[0], X.index[-1]):
        expected = x.loc[sorted(neighbours[gene])].mean() if neighbours[gene] else 0.0 * x.iloc[0]
        np.testing.assert_allclose(m.loc[gene], expected, rtol=1e-4, atol=1e-5)
    h = model.first_layer_aggregate(x, m)
    np.testing.assert_allclose(h, states["h"], rtol=1e-5, atol=1e-6)
    assert list(states["n"].index) == list(X.index)


def test_bad_input_errors(data, fitted):
    X, train, test, tfs = data
    with pytest.raises(TypeError, match="X must be a pandas DataFrame"):
        RegNet().fit(X.to_numpy(), train)
    with pytest.raises(ValueError, match="edges names genes absent from X.*'NOPE'"):
        RegNet().fit(X, pd.DataFrame({"TF": ["NOPE"], "Target": [X.index[0]]}))
    with pytest.raises(ValueError, match="edges must have columns TF, Target"):
        RegNet().fit(X, train.rename(columns={"TF": "Regulator"}))
    with pytest.raises(ValueError, match=r"edges\['Label'\] must hold 0 or 1"):
        RegNet().fit(X, train.assign(Label=2))
    with pytest.raises(ValueError, match="validation shares 3 pairs with edges"):
        RegNet().fit(X, train, validation=pd.concat(
            [train.iloc[:3].assign(Label=1), test.iloc[-2:]]))
    with pytest.raises(ValueError, match="label 1 pairs both 1 and 0"):
        RegNet().fit(X, pd.concat([train.assign(Label=1), train.iloc[:1].assign(Label=0)]))
    with pytest.raises(ValueError, match="heads"):
        RegNet(heads=1).fit(X, train)
    with pytest.raises(ValueError, match="multiple of heads"):
        RegNet(hidden_channels=10, heads=4).fit(X, train)
    with pytest.raises(ValueError, match="NaN or infinite"):
        RegNet().fit(X.mask(X.index.to_series() == X.index[0], axis=0), train)
    with pytest.raises(ValueError, match="regulators that are not in tfs"):
        RegNet().fit(X, train, tfs=tfs[:1])
    with pytest.raises(NotFittedError):
        RegNet().predict_proba(test)
    with pytest.raises(ValueError, match="pairs names genes absent"):
        fitted.predict_proba(pd.DataFrame({"TF": ["NOPE"], "Target": ["G10"]}))
    with pytest.raises(ValueError, match="X lacks"):
        fitted.transform(X.iloc[:, :5])
    with pytest.raises(ValueError, match="x and m must both have shape"):
        fitted.first_layer_aggregate(np.zeros((3, 2)), np.zeros((3, 2)))


def write_beeline(folder, X, edges, tfs):
    folder.mkdir(parents=True)
    X.to_csv(folder / "BL--ExpressionData.csv")
    edges.rename(columns={"TF": "Gene1", "Target": "Gene2"}).to_csv(
        folder / "BL--network.csv", index=False)
    pd.DataFrame({"TF": tfs}).to_csv(folder / "TF.csv")


def test_cli_train_writes_pretrain_directory(tmp_path, data, capsys):
    X, train, test, tfs = data
    edges = pd.concat([train, test.loc[test["Label"] == 1, ["TF", "Target"]]])
    write_beeline(tmp_path / "beeline", X, edges, tfs)
    out = tmp_path / "pretrain"
    args = ["train", "--data", str(tmp_path / "beeline"), "--out", str(out), "--seed", "0",
            "--max-epochs", "3", "--hidden-channels", "16", "--latent-channels", "8",
            "--heads", "2", "--quiet"]
    assert cli_main(args) == 0
    assert "wrote" in capsys.readouterr().out
    names = {p.name for p in out.iterdir()}
    assert {"config.json", "model.pt", "genes.txt", "tfs.txt", "embeddings.parquet",
            "first_layer_x.parquet", "first_layer_m.parquet", "first_layer_h.parquet",
            "first_layer_n.parquet", "predictions.parquet", "pairs.parquet", "history.csv",
            "metrics.json", "calibration.json"} <= names
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0 <= metrics["test_density"]["auroc"] <= 1
    assert metrics["epochs"] == 3
    predictions = pd.read_parquet(out / "predictions.parquet")
    assert len(predictions) == len(tfs) * (len(X) - 1)
    assert {"TF", "Target", "probability", "part", "Label"} <= set(predictions.columns)
    assert set(predictions["part"]) >= {"train", "test", "unlabeled"}
    embeddings = pd.read_parquet(out / "embeddings.parquet")
    assert list(embeddings.index) == list(X.index) and embeddings.shape[1] == 8
    model = RegNet.load(out)
    probe = predictions.iloc[:50]
    np.testing.assert_allclose(model.predict_proba(probe), probe["probability"])
    assert (out / "tfs.txt").read_text().split() == tfs
    # a non-empty --out is refused (one line naming --overwrite) and left untouched
    assert cli_main(args) == 1
    err = capsys.readouterr().err
    assert "not empty" in err and "--overwrite" in err
    assert {p.name for p in out.iterdir()} == names


def test_early_stopping_keeps_the_best_epoch(data):
    X, train, _, tfs = data
    model = RegNet(**{**SMALL, "patience": 3}, random_state=0).fit(X, train, tfs=tfs)
    scores = model.history_["validation_auprc"]
    # patience ran out: three epochs after the best one, none strictly better
    assert len(scores) == model.best_epoch_ + 3 + 1 < SMALL["max_epochs"]
    assert model.best_epoch_ == scores.idxmax() and model.validation_score_ == scores.max()
    # the kept parameters are the best epoch's, not the last one's: they score as it did
    assert scores.iloc[-1] != pytest.approx(model.validation_score_)
    assert model.calibration_["validation_auprc"] == pytest.approx(model.validation_score_)


def _ece(y, p, n_bins=15):
    """Expected calibration error over equal-width bins, written out bin by bin."""
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    return sum(abs(y[bins == b].sum() - p[bins == b].sum()) for b in range(n_bins)) / len(y)


def test_probabilities_are_temperature_scaled_on_the_validation_pairs(data):
    X, train, test, tfs = data
    model = RegNet(**SMALL, validation_negatives="given", random_state=0).fit(
        X, train, tfs=tfs, validation=test)
    y = test["Label"].to_numpy()
    logits = model.decision_function(test).to_numpy()
    cal = model.calibration_
    t = cal["temperature"]
    np.testing.assert_allclose(model.predict_proba(test), expit(logits / t))
    assert cal["n_validation"] == len(test) and t != pytest.approx(1.0)

    def log_loss_at(temperature):
        return log_loss(y, expit(logits / temperature))

    # the temperature minimises the validation log-loss
    assert cal["log_loss_before"] == pytest.approx(log_loss_at(1.0))
    assert cal["log_loss_after"] == pytest.approx(log_loss_at(t))
    assert log_loss_at(t) < min(log_loss_at(0.9 * t), log_loss_at(1.1 * t))
    assert cal["ece_before"] == pytest.approx(_ece(y, expit(logits)))
    assert cal["ece_after"] == pytest.approx(_ece(y, expit(logits / t)))
    assert _ece(np.array([0, 1]), np.array([0.0, 1.0])) == 0.0  # the reference itself
    assert _ece(np.array([0, 0, 1, 1]), np.full(4, 0.9)) == pytest.approx(0.4)


def test_validation_gets_background_negatives_at_the_network_density(data):
    X, train, test, tfs = data
    positives = test.loc[test["Label"] == 1]
    model = RegNet(**{**SMALL, "max_epochs": 2}, random_state=0).fit(
        X, train, tfs=tfs, validation=positives)
    density = (len(train) + len(positives)) / (len(tfs) * (len(X) - 1))
    n_negatives = round(len(positives) * (1 - density) / density)
    assert model.validation_strategy_ == "given"
    assert model.calibration_["n_validation"] == len(positives) + n_negatives


def test_internal_validation_holds_out_a_fraction_of_each_tfs_positives(data, fitted):
    _, train, _, _ = data
    per_tf = train["TF"].value_counts()
    held = sum(min(round(0.2 * k), k - 1) for k in per_tf)  # validation_fraction=0.2
    assert fitted.validation_strategy_ == "internal"
    assert len(train) - len(fitted.edges_) == held > 0


def test_background_negatives_avoid_known_pairs():
    # the drawn validation pairs are not exposed by RegNet: a unit test of the sampler
    from regnet._inputs import add_background_negatives

    rng = np.random.default_rng(0)
    n_genes, tf_idx = 50, np.arange(5)
    src, dst = np.repeat(tf_idx, 6), (np.arange(30) * 7 + 3) % 45 + 5
    v_src, v_dst, v_lab = add_background_negatives(
        rng, np.array([0, 1]), np.array([40, 41]), np.array([1, 0]), src, dst, tf_idx, n_genes)
    density = (len(src) + 1) / (5 * 50 - 5)
    assert v_lab.mean() == pytest.approx(density, rel=0.1)
    codes = set((v_src[2:] * n_genes + v_dst[2:]).tolist())
    assert len(codes) == len(v_src) - 2
    assert not codes & set((src * n_genes + dst).tolist()) and 0 * 50 + 40 not in codes
    assert (v_src[2:] != v_dst[2:]).all() and np.isin(v_src, tf_idx).all()


@pytest.mark.parametrize("check", [
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
])
def test_sklearn_parameter_checks(check):
    # RegNet.fit takes (X genes x cells, edges) rather than (X, y), so the
    # scikit-learn checks that call fit(X, y) do not apply; these do.
    from sklearn.utils import estimator_checks

    getattr(estimator_checks, check)("RegNet", RegNet())


def test_cli_split_none_and_bad_folder(tmp_path, data):
    X, train, _, tfs = data
    write_beeline(tmp_path / "beeline", X, train, tfs)
    out = tmp_path / "all_edges"
    assert cli_main(["train", "--data", str(tmp_path / "beeline"), "--out", str(out),
                     "--split", "none", "--max-epochs", "2", "--hidden-channels", "8",
                     "--latent-channels", "4", "--heads", "2", "--quiet"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert "test_density" not in metrics and metrics["calibration"]["n_validation"] > 0
    pairs = pd.read_parquet(out / "pairs.parquet")
    assert set(pairs["part"]) == {"train"} and len(pairs) == len(train)
    missing = tmp_path / "nowhere"
    assert cli_main(["train", "--data", str(missing), "--output-dir",
                     str(tmp_path / "never")]) == 1
    assert not (tmp_path / "never").exists()
