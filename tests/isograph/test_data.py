"""Tests for isograph.data: container, validation, dataset folders, conversions."""

import io
import json
import os
import pickle
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

import isograph.data as idata
from isograph.data import (
    SCHEMA_VERSION,
    IsoformData,
    IsoformDataError,
    from_anndata,
    from_csv,
    read_dataset,
    to_anndata,
    validate_isoform_data,
    write_dataset,
)

SAMPLES = ["s1", "s2", "s3", "s4"]
TRANSCRIPTS = ["t1", "t2", "t3", "t4", "t5"]
GENES = ["g1", "g1", "g2", "g2", "g3"]


def make_data(*, gene_counts=True, float_counts=False) -> IsoformData:
    rng = np.random.default_rng(0)
    values = rng.integers(1, 50, size=(len(SAMPLES), len(TRANSCRIPTS)))
    counts = pd.DataFrame(
        values.astype(np.float64) + 0.25 if float_counts else values,
        index=pd.Index(SAMPLES, name="sample_id"),
        columns=pd.Index(TRANSCRIPTS, name="transcript_id"),
    )
    transcripts = pd.DataFrame(
        {"transcript_id": TRANSCRIPTS, "gene_id": GENES, "length": [900, 1200, 300, 450, 2000]}
    )
    samples = pd.DataFrame(
        {
            "batch": pd.Categorical(["b", "a", "b", "a"], categories=["b", "a", "c"]),
            "tissue": pd.array(["liver", "lung", None, "liver"], dtype="string"),
            "donor": ["d1", "d2", "d3", "d4"],
            "age": [31.5, 40.0, np.nan, 55.0],
            "n_reads": pd.array([10, None, 30, 40], dtype="Int64"),
            "case": [True, False, True, False],
        },
        index=pd.Index(SAMPLES, name="sample_id"),
    )
    genes = None
    if gene_counts:
        genes = counts.T.groupby(GENES).sum().T * 2
        genes.columns.name = "gene_id"
    return IsoformData(
        counts,
        transcripts,
        samples,
        gene_counts=genes,
        metadata={"generator": "test", "seed": np.int64(3), "weights": np.array([0.5, 1.5])},
    )


def assert_same(a: IsoformData, b: IsoformData, *, check_dtype=True) -> None:
    pd.testing.assert_frame_equal(a.transcript_counts, b.transcript_counts, check_dtype=check_dtype)
    pd.testing.assert_frame_equal(a.transcripts, b.transcripts, check_dtype=check_dtype)
    pd.testing.assert_frame_equal(a.samples, b.samples, check_dtype=check_dtype)
    if a.gene_counts is None:
        assert b.gene_counts is None
    else:
        pd.testing.assert_frame_equal(a.gene_counts, b.gene_counts, check_dtype=check_dtype)


def problems_of(data, **kwargs) -> list[str]:
    with pytest.raises(IsoformDataError) as info:
        validate_isoform_data(data, **kwargs)
    err = info.value
    assert str(err).splitlines()[1:] == [f"  - {p}" for p in err.problems]
    return err.problems


# ------------------------------------------------------------------ container
def test_public_names_are_exported():
    for name in idata.__all__:
        assert hasattr(idata, name)
    assert SCHEMA_VERSION == 2  # 2 added optional layers (TPM, effective length)


def test_valid_data_passes_and_validate_returns_self():
    data = make_data()
    assert data.validate() is data
    assert data.gene_ids.tolist() == ["g1", "g2", "g3"]
    expected = data.transcript_counts[["t1", "t2"]].sum(axis=1)
    pd.testing.assert_series_equal(
        make_data(gene_counts=False).gene_count_matrix["g1"], expected, check_names=False
    )


# ----------------------------------------------------------------- validation
def test_duplicate_ids_are_reported():
    data = make_data()
    counts = data.transcript_counts
    data.transcript_counts = counts.set_axis(["s1", "s1", "s3", "s4"]).set_axis(
        ["t1", "t2", "t2", "t4", "t5"], axis=1
    )
    data.samples = data.samples.set_axis(["s1", "s1", "s3", "s4"])
    data.gene_counts = data.gene_counts.set_axis(["g1", "g1", "g3"], axis=1).set_axis(
        ["s1", "s1", "s3", "s4"]
    )
    problems = "\n".join(problems_of(data))
    assert "duplicate sample id(s) in the transcript_counts rows: 's1'" in problems
    assert "duplicate transcript id(s) in the transcript_counts columns: 't2'" in problems
    assert "duplicate sample id(s) in the samples table index: 's1'" in problems
    assert "duplicate gene id(s) in the gene_counts columns: 'g1'" in problems


def test_transcript_table_mismatch_names_ids():
    data = make_data()
    data.transcripts = pd.concat(
        [
            data.transcripts.iloc[1:],
            pd.DataFrame({"transcript_id": ["t9"], "gene_id": ["g3"], "length": [5]}),
        ]
    )
    problems = problems_of(data)
    assert any("missing from the transcripts table: 't1'" in p for p in problems)
    assert any(
        "in the transcripts table have no column in transcript_counts: 't9'" in p for p in problems
    )


def test_missing_id_columns_in_transcript_table():
    data = make_data()
    data.transcripts = data.transcripts.drop(columns="gene_id")
    assert any("lacks column(s) 'gene_id'" in p for p in problems_of(data))


def test_samples_table_misaligned_and_reordered():
    data = make_data()
    data.samples = data.samples.set_axis(["s1", "s2", "s3", "x9"])
    problems = problems_of(data)
    assert any("missing from the samples table: 's4'" in p for p in problems)
    assert any("samples table have no row in transcript_counts: 'x9'" in p for p in problems)

    data = make_data()
    data.samples = data.samples.iloc[::-1]
    (problem,) = problems_of(data)
    assert "different order" in problem and "data.samples.loc[data.sample_ids]" in problem


def test_bad_count_values_are_counted_and_located():
    data = make_data(float_counts=True)
    counts = data.transcript_counts
    counts.loc["s2", "t3"] = np.nan
    counts.loc["s3", "t1"] = np.nan
    counts.loc["s1", "t4"] = np.inf
    counts.loc["s4", "t5"] = -np.inf
    counts.loc["s4", "t2"] = -2.0
    problems = problems_of(data)
    assert (
        "transcript_counts has 2 NaN value(s) (first at sample 's2', transcript 't3')" in problems
    )
    assert "transcript_counts has 2 infinite value(s) (first at sample 's1', transcript 't4')" in (
        problems
    )
    assert "transcript_counts has 1 negative value(s) (first at sample 's4', transcript 't2')" in (
        problems
    )


def test_nullable_and_non_numeric_counts():
    data = make_data()
    data.transcript_counts = data.transcript_counts.astype("Int64")
    data.transcript_counts.loc["s1", "t1"] = pd.NA
    data.transcript_counts["t5"] = ["a", "b", "c", "d"]
    problems = problems_of(data)
    assert any("1 NaN value(s) (first at sample 's1', transcript 't1')" in p for p in problems)
    # the message names the column's dtype as pandas gives it (object in pandas 2, str in 3)
    text = f"'t5' ({data.transcript_counts['t5'].dtype})"
    assert any("1 non-numeric column(s)" in p and text in p for p in problems)


def test_string_in_transposed_counts_reports_no_false_zero_library_size():
    # a string in a transcripts x samples CSV makes every column object once transposed
    data = make_data()
    counts = data.transcript_counts.astype(object)
    counts.loc["s2", "t3"] = "12,5"
    data.transcript_counts = counts
    problems = problems_of(data)
    assert any("non-numeric column(s)" in p for p in problems)
    assert not any("zero library size" in p for p in problems)


def test_unknown_gene_is_reported():
    data = make_data()
    data.transcripts.loc[1, "gene_id"] = None
    data.transcripts.loc[4, "gene_id"] = "  "
    problems = problems_of(data)
    assert "2 transcript(s) have no gene_id (gene unknown): 't2', 't5'" in problems


def test_gene_counts_unknown_genes_and_rows():
    data = make_data()
    data.gene_counts = data.gene_counts.rename(columns={"g3": "gX"}).iloc[:3]
    data.gene_counts.loc["s3", "g1"] = -1
    problems = problems_of(data)
    assert any(
        "gene_counts column(s) are not genes of the transcripts table: 'gX'" in p for p in problems
    )
    assert any("missing from the gene_counts rows: 's4'" in p for p in problems)
    assert any(
        "gene_counts has 1 negative value(s) (first at sample 's3', gene 'g1')" in p
        for p in problems
    )


def test_zero_library_size_and_min_samples():
    data = make_data(gene_counts=False)
    data.transcript_counts.loc["s2"] = 0
    problems = problems_of(data, min_samples=5)
    assert "1 sample(s) have zero library size (no transcript counts): 's2'" in problems
    assert "only 4 sample(s); at least min_samples=5 are needed" in problems
    with pytest.raises(ValueError, match="min_samples must be an integer >= 1, got 0"):
        validate_isoform_data(make_data(), min_samples=0)


def test_several_problems_in_one_error_and_pickle():
    data = make_data()
    data.transcript_counts.loc["s1", "t1"] = -5
    data.transcripts.loc[2, "gene_id"] = np.nan
    data.samples = data.samples.iloc[:3]
    with pytest.raises(IsoformDataError) as info:
        data.validate(min_samples=10)
    err = info.value
    assert len(err.problems) == 4
    assert str(err).startswith("invalid IsoformData: 4 problems found:")
    for fragment in ("negative", "gene unknown", "missing from the samples table", "min_samples"):
        assert sum(fragment in line for line in str(err).splitlines()) == 1
    clone = pickle.loads(pickle.dumps(err))
    assert clone.problems == err.problems and str(clone) == str(err)


def test_non_dataframe_inputs():
    data = make_data()
    data.transcript_counts = np.ones((4, 5))
    problems = problems_of(data)
    assert problems == ["transcript_counts must be a pandas DataFrame, got ndarray"]


def test_wide_matrix_is_scanned_in_chunks():
    # 9,000 transcripts: more than one block of columns is read at a time (bounded memory);
    # the tallies, the first position and the library sizes still span the whole matrix
    ids = [f"t{i:04d}" for i in range(9000)]
    counts = pd.DataFrame(np.random.default_rng(0).integers(1, 50, size=(4, 9000)) + 0.25,
                          index=pd.Index(SAMPLES, name="sample_id"),
                          columns=pd.Index(ids, name="transcript_id"))
    counts.loc["s1", "t5000"] = np.nan
    counts.loc["s4", "t8500"] = np.nan
    counts.loc["s4", counts.columns != "t8500"] = 0.0
    counts.loc["s2", counts.columns[1:]] = 0.0  # s2 counts only in the first column,
    counts.loc["s3", counts.columns[:-1]] = 0.0  # s3 only in the last
    genes = [f"g{i // 3}" for i in range(9000)]
    transcripts = pd.DataFrame({"transcript_id": ids, "gene_id": genes})
    problems = problems_of(IsoformData(counts, transcripts))
    assert (
        "transcript_counts has 2 NaN value(s) (first at sample 's1', transcript 't5000')"
        in problems
    )
    # s4 keeps only a NaN: its finite counts sum to zero; s2's and s3's single counts count
    zero = [p for p in problems if "zero library size" in p]
    assert len(zero) == 1 and "'s4'" in zero[0]
    assert "'s2'" not in zero[0] and "'s3'" not in zero[0]


# ------------------------------------------------------------- dataset folder
def test_folder_round_trip_preserves_tables_dtypes_and_metadata(tmp_path):
    data = make_data()
    out = data.write(tmp_path / "ds")
    assert out == tmp_path / "ds"
    assert sorted(os.listdir(out)) == [
        "gene_counts.parquet",
        "manifest.json",
        "samples.parquet",
        "transcript_counts.parquet",
        "transcripts.parquet",
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["shapes"]["transcript_counts"] == [4, 5]
    assert manifest["files"]["samples"] == "samples.parquet"
    assert manifest["isograph_version"] and manifest["created"]
    back = IsoformData.read(out)
    assert_same(data, back)
    assert back.samples["batch"].cat.categories.tolist() == ["b", "a", "c"]
    assert back.transcript_counts.index.name == "sample_id"
    assert back.transcript_counts.columns.name == "transcript_id"
    assert back.metadata == {"generator": "test", "seed": 3, "weights": [0.5, 1.5]}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_folder_round_trip_without_gene_counts_or_sample_columns(tmp_path):
    counts = make_data().transcript_counts.astype(np.float32)
    data = IsoformData(counts, make_data().transcripts)
    back = read_dataset(write_dataset(data, tmp_path / "a" / "b"))
    assert back.gene_counts is None
    assert back.samples.shape == (4, 0) and back.samples.index.name == "sample_id"
    assert_same(data, back)


def test_overwrite_refused_then_replaces_whole(tmp_path):
    target = tmp_path / "ds"
    first = make_data()
    first.write(target)
    second = make_data(gene_counts=False, float_counts=True)
    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        second.write(target)
    assert_same(first, read_dataset(target))
    second.write(target, overwrite=True)
    back = read_dataset(target)
    assert_same(second, back)
    assert not (target / "gene_counts.parquet").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]


def test_overwrite_never_replaces_a_foreign_folder_or_file(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError, match="not a dataset folder"):
        write_dataset(make_data(), tmp_path / "notes", overwrite=True)
    assert (tmp_path / "notes" / "keep.txt").read_text() == "x"
    (tmp_path / "file").write_text("y")
    with pytest.raises(NotADirectoryError):
        write_dataset(make_data(), tmp_path / "file")
    (tmp_path / "empty").mkdir()
    write_dataset(make_data(), tmp_path / "empty")
    assert (tmp_path / "empty" / "manifest.json").is_file()


def test_failing_write_leaves_nothing_behind(tmp_path):
    data = make_data()
    data.samples["mixed"] = [1, "two", 3.0, None]  # pyarrow cannot store this column
    target = tmp_path / "new" / "ds"
    with pytest.raises(ValueError, match="could not write the samples table"):
        data.write(target)
    assert list(tmp_path.iterdir()) == []

    good = make_data()
    good.write(tmp_path / "old")
    with pytest.raises(ValueError, match="could not write the samples table"):
        data.write(tmp_path / "old", overwrite=True)
    assert_same(good, read_dataset(tmp_path / "old"))
    assert [p.name for p in tmp_path.iterdir()] == ["old"]


def test_invalid_data_or_metadata_is_not_written(tmp_path):
    data = make_data()
    data.transcript_counts.loc["s1", "t1"] = -1
    with pytest.raises(IsoformDataError, match="negative"):
        write_dataset(data, tmp_path / "ds")
    data = make_data()
    data.metadata = {"model": object()}
    with pytest.raises(ValueError, match="metadata cannot be stored"):
        write_dataset(data, tmp_path / "ds")
    assert list(tmp_path.iterdir()) == []


def _edit_manifest(folder, **changes):
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest.update(changes)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_read_errors_are_clear(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_dataset(tmp_path / "nope")
    folder = make_data().write(tmp_path / "ds")

    _edit_manifest(folder, schema_version=SCHEMA_VERSION + 1)
    with pytest.raises(ValueError, match="newer than this isograph"):
        read_dataset(folder)
    _edit_manifest(folder, schema_version="one")
    with pytest.raises(ValueError, match="unknown schema_version 'one'"):
        read_dataset(folder)
    _edit_manifest(folder, schema_version=SCHEMA_VERSION)

    (folder / "gene_counts.parquet").unlink()
    with pytest.raises(FileNotFoundError, match="lacks 'gene_counts.parquet'"):
        read_dataset(folder)

    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        read_dataset(folder)
    (folder / "manifest.json").unlink()
    with pytest.raises(FileNotFoundError, match="manifest.json is missing"):
        read_dataset(folder)


def test_read_validates_unless_told_not_to(tmp_path):
    folder = make_data(gene_counts=False).write(tmp_path / "ds")
    table = pd.read_parquet(folder / "transcripts.parquet")
    table.loc[0, "gene_id"] = None
    table.to_parquet(folder / "transcripts.parquet")
    with pytest.raises(IsoformDataError, match="gene unknown"):
        read_dataset(folder)
    assert read_dataset(folder, validate=False).transcripts["gene_id"].isna().sum() == 1


# ---------------------------------------------------------------- conversions
def _csv_files(tmp_path, data, orientation, sep=","):
    suffix = ".tsv" if sep == "\t" else ".csv"
    counts = data.transcript_counts
    genes = data.gene_counts
    if orientation == "transcripts_x_samples":
        counts, genes = counts.T, genes.T
    paths = {name: tmp_path / f"{name}{suffix}" for name in ("counts", "tx", "samples", "genes")}
    counts.to_csv(paths["counts"], sep=sep)
    data.transcripts.to_csv(paths["tx"], sep=sep, index=False)
    data.samples.to_csv(paths["samples"], sep=sep)
    genes.to_csv(paths["genes"], sep=sep)
    return paths


@pytest.mark.parametrize("orientation", ["samples_x_transcripts", "transcripts_x_samples"])
@pytest.mark.parametrize("sep", [",", "\t"])
def test_csv_round_trip_both_orientations(tmp_path, orientation, sep):
    data = make_data()
    paths = _csv_files(tmp_path, data, orientation, sep)
    back = IsoformData.from_csv(
        paths["counts"],
        paths["tx"],
        paths["samples"],
        gene_counts_csv=paths["genes"],
        orientation=orientation,
    )
    pd.testing.assert_frame_equal(back.transcript_counts, data.transcript_counts)
    pd.testing.assert_frame_equal(back.transcripts, data.transcripts)
    pd.testing.assert_frame_equal(back.gene_counts, data.gene_counts)
    assert back.samples.index.equals(data.samples.index)
    assert back.samples["donor"].tolist() == ["d1", "d2", "d3", "d4"]
    assert back.samples["age"].dtype == np.float64


def test_csv_keeps_ids_as_strings_and_reorders_samples(tmp_path):
    (tmp_path / "c.csv").write_text("sample,001,002\n07,1,2\n08,3,0\n09,0,5\n")
    (tmp_path / "t.csv").write_text("TXNAME,GENEID\n001,100\n002,100\n")
    (tmp_path / "s.csv").write_text("sample,age\n09,3\n07,1\n08,2\n")
    data = from_csv(
        tmp_path / "c.csv",
        tmp_path / "t.csv",
        tmp_path / "s.csv",
        transcript_column="TXNAME",
        gene_column="GENEID",
    )
    assert data.sample_ids.tolist() == ["07", "08", "09"]
    assert data.transcript_ids.tolist() == ["001", "002"]
    assert data.samples["age"].tolist() == [1, 2, 3]
    assert data.transcript_to_gene.tolist() == ["100", "100"]


def test_csv_errors():
    counts = io.StringIO(",t1\ns1,1\n")
    with pytest.raises(ValueError, match="orientation must be one of"):
        from_csv(counts, io.StringIO("transcript_id,gene_id\nt1,g1\n"), orientation="wide")
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['gene_id'\]"):
        from_csv(io.StringIO(",t1\ns1,1\n"), io.StringIO("transcript_id,gene\nt1,g1\n"))
    with pytest.raises(IsoformDataError, match="missing from the transcripts table: 't2'"):
        from_csv(io.StringIO(",t1,t2\ns1,1,1\n"), io.StringIO("transcript_id,gene_id\nt1,g\n"))


@pytest.mark.parametrize("as_sparse", [False, True])
def test_anndata_round_trip(as_sparse):
    pytest.importorskip("anndata")
    data = make_data()
    adata = data.to_anndata()
    assert adata.shape == (4, 5)
    assert adata.var["gene_id"].tolist() == GENES
    np.testing.assert_array_equal(adata.X, data.transcript_counts.to_numpy())
    if as_sparse:
        adata.layers["counts"] = sparse.csr_matrix(adata.X)
        adata.X = np.zeros(adata.shape)
    back = IsoformData.from_anndata(adata, layer="counts" if as_sparse else None)
    assert_same(data, back, check_dtype=not as_sparse)
    assert back.metadata["generator"] == "test"


def test_from_anndata_gene_key_and_errors():
    anndata = pytest.importorskip("anndata")
    adata = anndata.AnnData(
        X=np.array([[1.0, 2.0], [3.0, 0.0]]),
        obs=pd.DataFrame(index=["a", "b"]),
        var=pd.DataFrame({"gene": pd.Categorical(["g", "h"])}, index=["t1", "t2"]),
    )
    data = from_anndata(adata, gene_key="gene")
    assert data.transcripts.columns.tolist() == ["transcript_id", "gene_id"]
    assert data.transcripts["gene_id"].dtype == object
    assert data.gene_ids.tolist() == ["g", "h"]
    with pytest.raises(ValueError, match="gene_key='gene_id' is not a column of adata.var"):
        from_anndata(adata)
    with pytest.raises(ValueError, match="layer='raw' is not a layer"):
        from_anndata(adata, gene_key="gene", layer="raw")


def test_missing_anndata_explains_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "anndata", None)
    with pytest.raises(ImportError, match=r"pip install isograph\[anndata\]"):
        to_anndata(make_data())
