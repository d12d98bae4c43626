import gzip
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

from regnet.data import (
    BeelineData,
    BeelineDataWarning,
    list_examples,
    load_beeline,
    load_example,
    read_expression,
)

# the raw files load_example reads, where the installed package ships them
EXAMPLES = files("regnet.data") / "examples"


@pytest.fixture(scope="module")
def mdc():
    return {net: load_example("mDC", network=net) for net in list_examples()["mDC"]}


def _pairs(edges):
    return set(zip(edges["TF"], edges["Target"]))


def _write_folder(path, genes, network, tfs=None, cells=4, extra=None):
    path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    expr = pd.DataFrame(
        rng.random((len(genes), cells)), index=genes, columns=[f"c{i}" for i in range(cells)]
    )
    expr.to_csv(path / "BL--ExpressionData.csv")
    pd.DataFrame(network, columns=["Gene1", "Gene2"]).to_csv(path / "BL--network.csv", index=False)
    if tfs is not None:
        pd.DataFrame({"TF": tfs, "index": [genes.index(t) for t in tfs]}).to_csv(path / "TF.csv")
    for name, frame in (extra or {}).items():
        frame.to_csv(path / name)
    return expr


def test_list_examples():
    assert list_examples() == {"mDC": ("STRING", "Non-Specific", "Specific"),
                               "mESC": ("Lofgof",), "GSD": ("GroundTruth",)}


def test_mdc_shapes_and_counts(mdc):
    expected = {"STRING": (4815, 321), "Non-Specific": (3067, 321), "Specific": (756, 323)}
    for net, data in mdc.items():
        assert isinstance(data, BeelineData)
        assert data.expression.shape == (821, 383)
        assert data.expression.index.is_unique
        assert data.expression.dtypes.eq(np.float64).all()
        assert 0 <= data.expression.to_numpy().min() and data.expression.to_numpy().max() < 12
        assert (len(data.edges), len(data.tfs)) == expected[net]
        assert list(data.edges.columns) == ["TF", "Target"]
        assert set(data.edges["TF"]) <= set(data.tfs) <= set(data.genes)
        assert set(data.edges["Target"]) <= set(data.genes)
        assert not (data.edges["TF"] == data.edges["Target"]).any()
        assert data.density == pytest.approx(expected[net][0] / (expected[net][1] * 821))
        assert data.name == f"mDC/{net}"


def test_mdc_networks_share_expression_but_differ(mdc):
    string, nonspec, spec = mdc["STRING"], mdc["Non-Specific"], mdc["Specific"]
    # one shipped matrix, reordered to each network's Target.csv
    assert list(string.genes) != list(nonspec.genes)
    pd.testing.assert_frame_equal(nonspec.expression.loc[string.genes], string.expression)
    pd.testing.assert_frame_equal(spec.expression.loc[string.genes], string.expression)
    sets = [_pairs(d.edges) for d in (string, nonspec, spec)]
    assert sets[0] != sets[1] and sets[0] != sets[2] and sets[1] != sets[2]
    assert string.edges.iloc[0].tolist() == ["KLF6", "JUN"]


def test_mdc_expression_rows_follow_target_csv(mdc):
    for net, data in mdc.items():
        target = pd.read_csv(EXAMPLES / "mDC" / net / "Target.csv.gz", keep_default_na=False)
        assert data.genes == list(target.sort_values("index")["Gene"])


def test_mesc_sample():
    data = load_example("mESC")
    assert data.expression.shape == (50, 421)
    assert len(data.edges) == 19
    assert data.edges["TF"].value_counts().to_dict() == {"NRIP1": 15, "TCF7L2": 4}
    sample_tfs = pd.read_csv(EXAMPLES / "mESC" / "Lofgof" / "TF_downsampled_50.csv.gz")
    assert data.tfs == list(sample_tfs["TF"])
    assert load_example("mESC", network="Lofgof").edges.equals(data.edges)


def test_load_example_rejects_unknown_names():
    with pytest.raises(ValueError, match=r"name must be one of .*'hESC'"):
        load_example("hESC")
    with pytest.raises(ValueError, match=r"network must be one of .*'Lofgof'"):
        load_example("mDC", network="Lofgof")


def test_network_alone_is_enough(tmp_path):
    genes = ["A", "B", "C", "D", "NA"]
    expr = _write_folder(tmp_path, genes, [("B", "A"), ("A", "C"), ("B", "NA")])
    data = load_beeline(tmp_path, name="toy")
    assert data.tfs == ["B", "A"]  # unique Gene1 in order of appearance
    assert data.edges.values.tolist() == [["B", "A"], ["A", "C"], ["B", "NA"]]
    assert data.genes == genes  # a gene called "NA" stays a name
    np.testing.assert_allclose(data.expression.to_numpy(), expr.to_numpy())
    assert data.name == "toy"


def test_tf_file_lists_regulators_without_edges(tmp_path):
    genes = ["A", "B", "C", "D"]
    _write_folder(tmp_path, genes, [("A", "C")], tfs=["D", "A"])
    assert load_beeline(tmp_path).tfs == ["D", "A"]


def test_gzip_files_and_label_only_folder(tmp_path):
    genes = ["G0", "G1", "G2", "G3"]
    expr = pd.DataFrame(np.arange(8.0).reshape(4, 2), index=genes, columns=["x", "y"])
    with gzip.open(tmp_path / "BL--ExpressionData.csv.gz", "wt") as handle:
        expr.to_csv(handle)
    pd.DataFrame({"Gene": genes, "index": range(4)}).to_csv(tmp_path / "Target.csv")
    pd.DataFrame({"TF": ["G2"], "index": [2]}).to_csv(tmp_path / "TF.csv")
    pd.DataFrame({"TF": [2, 2], "Target": [0, 3]}).to_csv(tmp_path / "Label.csv")
    data = load_beeline(tmp_path)
    assert data.edges.values.tolist() == [["G2", "G0"], ["G2", "G3"]]
    assert data.tfs == ["G2"]
    # names and values: the loader's index is object, a frame built here has str in pandas 3
    pd.testing.assert_frame_equal(data.expression, expr, check_names=False,
                                  check_index_type=False)


def test_label_and_network_must_agree(tmp_path):
    genes = ["A", "B", "C"]
    extra = {
        "Target.csv": pd.DataFrame({"Gene": genes, "index": range(3)}),
        "Label.csv": pd.DataFrame({"TF": [0], "Target": [2]}),  # A -> C
    }
    _write_folder(tmp_path, genes, [("A", "B")], extra=extra)
    with pytest.raises(ValueError, match="different networks"):
        load_beeline(tmp_path)


def test_tf_indices_must_match_target_indices(tmp_path):
    genes = ["A", "B", "C"]
    extra = {"Target.csv": pd.DataFrame({"Gene": genes, "index": range(3)})}
    _write_folder(tmp_path, genes, [("A", "B")], extra=extra)
    pd.DataFrame({"TF": ["A"], "index": [1]}).to_csv(tmp_path / "TF.csv")
    with pytest.raises(ValueError, match=r"TF indices do not match Target.csv for \['A'\]"):
        load_beeline(tmp_path)


def test_missing_gene_raises_then_drops(tmp_path):
    _write_folder(tmp_path, ["A", "B", "C"], [("A", "B"), ("A", "ZZZ"), ("C", "B")])
    with pytest.raises(ValueError, match=r"not in the expression matrix: \['ZZZ'\]"):
        load_beeline(tmp_path)
    with pytest.warns(BeelineDataWarning, match="Dropped 1"):
        data = load_beeline(tmp_path, errors="drop")
    assert _pairs(data.edges) == {("A", "B"), ("C", "B")}


def test_missing_tf_raises(tmp_path):
    _write_folder(tmp_path, ["A", "B", "C"], [("A", "B")])
    pd.DataFrame({"TF": ["A", "QQ"]}).to_csv(tmp_path / "TF.csv")
    with pytest.raises(ValueError, match=r"TFs are not in the expression matrix: \['QQ'\]"):
        load_beeline(tmp_path)
    with pytest.warns(BeelineDataWarning):
        assert load_beeline(tmp_path, errors="drop").tfs == ["A"]


def test_duplicate_edge_raises_then_drops(tmp_path):
    _write_folder(tmp_path, ["A", "B", "C"], [("A", "B"), ("A", "C"), ("A", "B")])
    with pytest.raises(ValueError, match=r"1 duplicate edges: \[\('A', 'B'\)\]"):
        load_beeline(tmp_path)
    with pytest.warns(BeelineDataWarning):
        data = load_beeline(tmp_path, errors="drop")
    assert data.edges.values.tolist() == [["A", "B"], ["A", "C"]]


def test_self_loop_raises_then_drops(tmp_path):
    _write_folder(tmp_path, ["A", "B", "C"], [("A", "B"), ("C", "C")])
    with pytest.raises(ValueError, match=r"1 self loops: \['C'\]"):
        load_beeline(tmp_path)
    with pytest.warns(BeelineDataWarning):
        data = load_beeline(tmp_path, errors="drop")
    assert _pairs(data.edges) == {("A", "B")}
    # without TF.csv the TFs are read from Gene1 before edges are dropped: C regulates
    assert data.tfs == ["A", "C"]


def test_regulator_missing_from_tf_file(tmp_path):
    _write_folder(tmp_path, ["A", "B", "C"], [("A", "B"), ("B", "C")], tfs=["A"])
    with pytest.raises(ValueError, match=r"regulator that is not in the TF list: \['B'\]"):
        load_beeline(tmp_path)


def test_bad_arguments_and_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a directory"):
        load_beeline(tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="BL--ExpressionData"):
        load_beeline(tmp_path)
    _write_folder(tmp_path, ["A", "B"], [("A", "B")])
    with pytest.raises(ValueError, match=r"errors must be one of .*'ignore'"):
        load_beeline(tmp_path, errors="ignore")
    (tmp_path / "BL--network.csv").unlink()
    with pytest.raises(FileNotFoundError, match="No network"):
        load_beeline(tmp_path)


def test_expression_argument_overrides_file(tmp_path):
    _write_folder(tmp_path, ["A", "B", "C"], [("A", "B")])
    other = pd.DataFrame(np.ones((2, 3)), index=["A", "B"], columns=["p", "q", "r"])
    data = load_beeline(tmp_path, expression=other)
    assert data.expression.shape == (2, 3)


def test_read_expression_errors(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(",c1,c2\nA,1,2\nA,3,4\n")
    with pytest.raises(ValueError, match=r"duplicate gene names .*\['A'\]"):
        read_expression(path)
    path.write_text(",c1,c2\nA,1,x\nB,3,4\n")
    with pytest.raises(ValueError, match=r"non-numeric values in cells \['c2'\]"):
        read_expression(path)
    path.write_text(",c1,c2\nA,1,\nB,3,4\n")
    with pytest.raises(ValueError, match="missing or infinite"):
        read_expression(path)


def test_beeline_data_validates():
    expr = pd.DataFrame(np.zeros((3, 2)), index=["A", "B", "C"])
    edges = pd.DataFrame({"TF": ["A"], "Target": ["D"]})
    with pytest.raises(ValueError, match=r"not in expression: \['D'\]"):
        BeelineData(expr, edges, ["A"])
    edges = pd.DataFrame({"TF": ["A"], "Target": ["B"]})
    with pytest.raises(ValueError, match=r"regulators that are not in tfs: \['A'\]"):
        BeelineData(expr, edges, ["B"])
    data = BeelineData(expr, edges, ["A"], name="x")
    assert repr(data) == "BeelineData(name='x', genes=3, cells=2, tfs=1, edges=1)"
