"""BEELINE's own folder layout next to GENELink's, detected or chosen, and the GSD example."""

import warnings

import numpy as np
import pandas as pd
import pytest

from regnet.data import BeelineDataWarning, load_beeline, load_example


def write_beeline_layout(root, genes, pairs, *, run="ex1", network="GroundTruthNetwork"):
    """BEELINE's layout: <root>/<network>.csv and <root>/<run>/ExpressionData.csv."""
    rng = np.random.default_rng(0)
    folder = root / run if run else root
    folder.mkdir(parents=True, exist_ok=True)
    expr = pd.DataFrame(rng.random((len(genes), 6)), index=genes,
                        columns=[f"E{i}" for i in range(6)])
    expr.to_csv(folder / "ExpressionData.csv")
    pd.DataFrame(pairs, columns=["Gene1", "Gene2"]).assign(Type="+").to_csv(
        root / f"{network}.csv", index=False)
    return expr


def test_beeline_layout_detected_from_dataset_or_run_folder(tmp_path):
    expr = write_beeline_layout(tmp_path, ["A", "B", "C"], [("A", "B"), ("B", "C"), ("A", "C")])
    for folder in (tmp_path, tmp_path / "ex1"):  # the run folder finds the network one up
        data = load_beeline(folder)
        assert data.tfs == ["A", "B"]
        assert list(map(tuple, data.edges.to_numpy())) == [("A", "B"), ("B", "C"), ("A", "C")]
        # names and values: the loader's index is object, a frame built here has str in pandas 3
        pd.testing.assert_frame_equal(data.expression, expr, check_index_type=False)


def test_beeline_layout_ref_network_in_same_folder(tmp_path):
    write_beeline_layout(tmp_path, ["A", "B", "C"], [("C", "A")], run=None, network="refNetwork")
    data = load_beeline(tmp_path, layout="beeline")
    assert data.tfs == ["C"] and len(data.edges) == 1


def test_beeline_layout_self_loops_and_duplicates_raise_or_drop(tmp_path):
    write_beeline_layout(tmp_path, ["A", "B", "C"], [("A", "B"), ("A", "A"), ("A", "B")])
    with pytest.raises(ValueError, match=r"1 self loops.*errors='drop'"):
        load_beeline(tmp_path)
    with pytest.warns(BeelineDataWarning, match=r"Dropped 1\..*duplicate edges.*Dropped 1\."):
        data = load_beeline(tmp_path, errors="drop")
    assert list(map(tuple, data.edges.to_numpy())) == [("A", "B")]


def test_layout_errors_name_what_was_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match="ExpressionData.csv with refNetwork.csv"):
        load_beeline(tmp_path)
    with pytest.raises(ValueError, match="layout must be one of"):
        load_beeline(tmp_path, layout="scanpy")
    write_beeline_layout(tmp_path, ["A", "B"], [("A", "B")])
    write_beeline_layout(tmp_path, ["A", "B"], [("A", "B")], run="ex2")
    with pytest.raises(ValueError, match=r"2 runs with an ExpressionData.csv \['ex1', 'ex2'\]"):
        load_beeline(tmp_path)
    assert len(load_beeline(tmp_path / "ex2").edges) == 1
    # GENELink's layout asked for on a BEELINE folder: its file is named
    with pytest.raises(FileNotFoundError, match="BL--ExpressionData"):
        load_beeline(tmp_path, layout="genelink")


def test_gsd_example_bundled_in_beeline_layout():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = load_example("GSD")
    assert data.expression.shape == (19, 2000)
    assert (len(data.edges), len(data.tfs)) == (76, 18)
    assert not data.edges.duplicated().any()
    assert not (data.edges["TF"] == data.edges["Target"]).any()
    assert data.density == pytest.approx(76 / (18 * 19))
