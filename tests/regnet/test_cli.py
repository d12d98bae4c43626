"""``regnet train``: flags shared with isograph, one-line errors, checks before training."""

import json

import pandas as pd
import pytest

from regnet.cli import main

from .test_layouts import write_beeline_layout
from .test_model import planted, write_beeline

pytestmark = pytest.mark.usefixtures("one_torch_thread")
FAST = ["--max-epochs", "3", "--hidden-channels", "8", "--latent-channels", "4", "--heads", "2",
        "--quiet", "--seed", "0"]


def one_error_line(capsys, *needles):
    err = capsys.readouterr().err.strip().splitlines()
    err = [line for line in err if "deprecated" not in line]
    assert len(err) == 1, err
    assert err[0].startswith("regnet train: error: ")
    for needle in needles:
        assert needle in err[0], err[0]
    return err[0]


def test_gsd_in_beeline_layout_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "gsd"
    assert main(["train", "--example", "GSD", "--output-dir", str(out), *FAST]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_genes"] == 19 and metrics["n_edges"] == 76
    assert 0 <= metrics["test_degree_neutral"]["auroc"] <= 1


def test_self_loops_stop_with_one_line_until_errors_drop(tmp_path, capsys):
    genes = [f"G{i}" for i in range(12)]
    pairs = [(genes[j % 3], genes[j]) for j in range(3, 12)] + [("G0", "G0")]
    write_beeline_layout(tmp_path / "net", genes, pairs)
    args = ["train", "--data", str(tmp_path / "net"), *FAST]
    assert main([*args, "--output-dir", str(tmp_path / "a")]) == 1
    one_error_line(capsys, "1 self loops", "--errors drop")
    assert not (tmp_path / "a").exists()
    assert main([*args, "--errors", "drop", "--layout", "beeline",
                 "--output-dir", str(tmp_path / "a")]) == 0
    assert json.loads((tmp_path / "a" / "metrics.json").read_text())["n_edges"] == 9


def test_a_network_without_test_negatives_is_trained_and_says_so(tmp_path, capsys):
    genes = [f"G{i}" for i in range(8)]
    write_beeline_layout(tmp_path / "dense", genes, [(t, g) for t in genes[:2] for g in genes
                                                     if t != g])
    assert main(["train", "--data", str(tmp_path / "dense"), "--output-dir",
                 str(tmp_path / "o"), *FAST]) == 0
    assert "test_density not measured: the test pairs hold only label 1" in (
        capsys.readouterr().err)
    metrics = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert "skipped" in metrics["test_density"]


def test_network_too_small_for_a_validation_split_trains_with_a_warning(tmp_path, capsys):
    X, _, _, _ = planted()
    edges = pd.DataFrame({"TF": ["G00", "G01"], "Target": ["G10", "G11"]})
    write_beeline(tmp_path / "tiny", X, edges, ["G00", "G01"])
    with pytest.warns(UserWarning, match="too small|No TF has two"):
        assert main(["train", "--data", str(tmp_path / "tiny"), "--split", "none",
                     "--output-dir", str(tmp_path / "o"), *FAST]) == 0
    assert (tmp_path / "o" / "model.pt").is_file()


def test_bad_parameters_fail_before_loading_or_training(tmp_path, capsys):
    args = ["train", "--example", "mESC", "--output-dir", str(tmp_path / "o"), "--quiet"]
    assert main([*args, "--hidden-channels", "10", "--heads", "4"]) == 1
    one_error_line(capsys, "multiple of heads", "--hidden-channels")
    assert main([*args, "--patience", "0"]) == 1
    one_error_line(capsys, "patience", "--patience")
    assert main(["train", "--example", "mDC/Nope", "--output-dir", str(tmp_path / "o")]) == 1
    one_error_line(capsys, "network must be one of", "--example")
    assert not (tmp_path / "o").exists()


def test_out_is_a_deprecated_alias_of_output_dir(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["train", "--example", "GSD", "--out", str(out), *FAST]) == 0
    assert "--out is deprecated; use --output-dir" in capsys.readouterr().err
    assert (out / "metrics.json").is_file()
    assert main(["train", "--example", "GSD", *FAST]) == 1
    one_error_line(capsys, "pass --output-dir")


def test_traceback_flag_shows_the_exception(tmp_path):
    with pytest.raises(Exception, match="not a directory") as info:
        main(["--traceback", "train", "--data", str(tmp_path / "none"),
              "--output-dir", str(tmp_path / "o")])
    assert isinstance(info.value.__cause__, FileNotFoundError)
