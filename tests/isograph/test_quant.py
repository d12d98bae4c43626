"""Quantifier readers, transcript -> gene maps, `isograph import`, AnnData into fit_dataset."""

import gzip
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from isograph.data import (
    IsoformData,
    UnmappedTranscriptsWarning,
    load_example,
    read_dataset,
    read_quantifications,
    read_transcript_to_gene,
    write_dataset,
)

FIXTURES = Path(__file__).parent / "quant_fixtures"
EX = load_example("macrophage")


def read_macrophage(**kwargs):
    kwargs = {"transcript_to_gene": EX.tx2gene, "samples": EX.coldata, "strip_version": True,
              "progress": False} | kwargs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnmappedTranscriptsWarning)
        return read_quantifications(EX.quants, **kwargs)


@pytest.fixture(scope="module")
def macrophage():
    return read_macrophage()


def raw_salmon(sample):
    return pd.read_csv(EX.quants / sample / "quant.sf.gz", sep="\t", index_col=0)


def write_salmon(folder, ids, reads):
    folder.mkdir(parents=True)
    table = pd.DataFrame({"Name": ids, "Length": 1000, "EffectiveLength": 800.0,
                          "TPM": np.asarray(reads) * 10.0, "NumReads": reads})
    table.to_csv(folder / "quant.sf", sep="\t", index=False)
    return folder


# ---------------------------------------------------------------------- salmon
def test_salmon_counts_tpm_and_lengths_are_the_files_numbers(macrophage):
    coldata = pd.read_csv(EX.coldata)
    assert macrophage.n_samples == 24
    assert list(macrophage.sample_ids) == list(coldata["names"])  # sample-table order
    assert macrophage.samples.loc["SAMEA103885043", "condition_name"] == "SL1344"
    assert "names" not in macrophage.samples.columns
    raw = raw_salmon("SAMEA103885043")
    raw.index = raw.index.str.replace(r"\.\d+$", "", regex=True)
    tx = macrophage.transcript_ids
    row = macrophage.transcript_counts.loc["SAMEA103885043"]
    np.testing.assert_array_equal(row.to_numpy(), raw.loc[tx, "NumReads"].to_numpy())
    np.testing.assert_array_equal(macrophage.layers["tpm"].loc["SAMEA103885043"].to_numpy(),
                                  raw.loc[tx, "TPM"].to_numpy())
    np.testing.assert_array_equal(
        macrophage.layers["effective_length"].loc["SAMEA103885043"].to_numpy(),
        raw.loc[tx, "EffectiveLength"].to_numpy())
    lengths = macrophage.transcripts.set_index("transcript_id")["length"]
    np.testing.assert_array_equal(lengths.loc[tx].to_numpy(), raw.loc[tx, "Length"].to_numpy())
    for gene in ("ENSG00000232810", "ENSG00000125538", "ENSG00000179583"):  # TNF, IL1B, CIITA
        assert gene in macrophage.gene_ids
    assert len(macrophage.gene_ids) == 409


def test_unmapped_transcripts_are_reported_with_their_read_share():
    with pytest.warns(UnmappedTranscriptsWarning, match=r"60 of 3449 quantified transcripts"):
        data = read_quantifications(EX.quants, transcript_to_gene=EX.tx2gene,
                                    samples=EX.coldata, strip_version=True, progress=False)
    report = data.metadata["import"]
    t2g = pd.read_csv(EX.tx2gene)
    raw = raw_salmon("SAMEA103885102")
    unmapped = ~raw.index.str.replace(r"\.\d+$", "", regex=True).isin(t2g["transcript_id"])
    assert report["n_unmapped"] == unmapped.sum() == 60
    share = raw["NumReads"][unmapped].sum() / raw["NumReads"].sum()
    assert report["unmapped_read_share_by_sample"]["SAMEA103885102"] == pytest.approx(share)
    assert 0 < report["unmapped_read_share"] < 0.01
    assert data.transcript_counts.shape[1] == 3449 - 60
    assert report["quantifier"] == "salmon" and report["strip_version"] is True


def test_versioned_ids_against_an_unversioned_map_name_the_remedy():
    with pytest.raises(ValueError, match="pass strip_version=True"):
        read_macrophage(strip_version=False)


def test_version_collisions_are_errors_naming_examples(tmp_path):
    for s in ("A", "B"):
        write_salmon(tmp_path / "q" / s, ["ENST1.1", "ENST1.2", "ENST2.1"], [1.0, 2.0, 3.0])
    t2g = pd.DataFrame({"transcript_id": ["ENST1", "ENST2"], "gene_id": ["G1", "G2"]})
    with pytest.raises(ValueError, match=r"collide.*ENST1\.1.*ENST1\.2"):
        read_quantifications(tmp_path / "q", transcript_to_gene=t2g, strip_version=True,
                             progress=False)
    table = tmp_path / "t2g.csv"
    table.write_text("transcript_id,gene_id\nENST1.1,G1\nENST1.2,G2\n")
    with pytest.raises(ValueError, match=r"two genes.*ENST1->G1.*strip_version=False"):
        read_transcript_to_gene(table, strip_version=True)
    assert len(read_transcript_to_gene(table)) == 2
    frame = pd.DataFrame({"transcript_id": ["ENST1.1", "ENST1.2"], "gene_id": ["G1.1", "G2.1"]})
    with pytest.raises(ValueError, match=r"transcript_to_gene map a transcript to two genes"):
        read_quantifications([write_salmon(tmp_path / "q2" / "A", ["ENST1.1"], [1.0])],
                             transcript_to_gene=frame, strip_version=True, progress=False)


# ---------------------------------------------------------------- kallisto, RSEM
def test_kallisto_h5_and_tsv_give_the_same_dataset():
    from_h5 = read_quantifications(FIXTURES / "kallisto", transcript_to_gene=FIXTURES /
                                   "tx2gene.tsv", progress=False)
    files = [FIXTURES / "kallisto" / s / "abundance.tsv" for s in ("S1", "S2", "S3")]
    from_tsv = read_quantifications(files, transcript_to_gene=FIXTURES / "tx2gene.tsv",
                                    progress=False)
    assert all(f.endswith("abundance.h5") for f in from_h5.metadata["import"]["files"].values())
    assert list(from_h5.sample_ids) == ["S1", "S2", "S3"]
    raw = pd.read_csv(files[1], sep="\t", index_col=0)
    np.testing.assert_array_equal(from_tsv.transcript_counts.loc["S2"], raw["est_counts"])
    pd.testing.assert_frame_equal(from_h5.transcript_counts, from_tsv.transcript_counts)
    # kallisto's h5 has no TPM: it is recomputed with kallisto's formula (tsv rounds to 6 digits)
    np.testing.assert_allclose(from_h5.layers["tpm"], from_tsv.layers["tpm"], rtol=1e-5)
    np.testing.assert_array_equal(from_h5.layers["effective_length"].loc["S2"],
                                  raw["eff_length"])


def test_rsem_files_side_by_side_are_samples():
    data = read_quantifications(FIXTURES / "rsem", transcript_to_gene=FIXTURES /
                                "annotation.gtf", progress=False)
    assert list(data.sample_ids) == ["S1", "S2", "S3"]
    raw = pd.read_csv(FIXTURES / "rsem" / "S3.isoforms.results", sep="\t", index_col=0)
    np.testing.assert_array_equal(data.transcript_counts.loc["S3"], raw["expected_count"])
    np.testing.assert_array_equal(data.layers["tpm"].loc["S3"], raw["TPM"])
    genes = data.transcripts.set_index("transcript_id")
    assert (genes["gene_id"] == raw["gene_id"].loc[genes.index]).all()
    assert genes.loc["ENST00000000041.1", "gene_name"] == "DELTA"


# ------------------------------------------------------------------ annotation
@pytest.mark.parametrize("name", ["annotation.gtf", "annotation.gff3"])
def test_gtf_and_gff3_give_the_table_map_with_gene_names(name):
    table = read_transcript_to_gene(FIXTURES / "tx2gene.tsv")
    parsed = read_transcript_to_gene(FIXTURES / name)
    assert len(parsed) == 11
    pd.testing.assert_series_equal(parsed.set_index("transcript_id")["gene_id"],
                                   table.set_index("transcript_id")["gene_id"])
    names = parsed.drop_duplicates("gene_id").set_index("gene_id")["gene_name"]
    assert names["ENSG00000000001.2"] == "ALPHA" and names["ENSG00000000005.6"] == "EPSILON"
    assert parsed.set_index("transcript_id").loc["ENST00000000022.2",
                                                 "transcript_name"] == "BETA-202"
    stripped = read_transcript_to_gene(FIXTURES / name, strip_version=True)
    assert stripped["transcript_id"].iloc[0] == "ENST00000000011"
    assert stripped["gene_id"].iloc[0] == "ENSG00000000001"


def test_gzipped_gtf_and_headerless_or_tximport_style_tables(tmp_path):
    gz = tmp_path / "a.gtf.gz"
    gz.write_bytes(gzip.compress((FIXTURES / "annotation.gtf").read_bytes()))
    assert len(read_transcript_to_gene(gz)) == 11
    (tmp_path / "plain.tsv").write_text("ENST1\tG1\nENST2\tG1\n")
    assert read_transcript_to_gene(tmp_path / "plain.tsv")["transcript_id"].tolist() == \
        ["ENST1", "ENST2"]
    (tmp_path / "tx.csv").write_text("GENEID,TXNAME\nG1,ENST1.3\nG2,ENST2.1\n")
    out = read_transcript_to_gene(tmp_path / "tx.csv", strip_version=True)
    assert out.set_index("transcript_id")["gene_id"].to_dict() == {"ENST1": "G1", "ENST2": "G2"}
    with pytest.raises(FileNotFoundError, match="nope.gtf"):
        read_transcript_to_gene(tmp_path / "nope.gtf")


# ------------------------------------------------------------- sample matching
def test_sample_table_selects_folders_of_a_parent_and_names_missing_ones(tmp_path):
    coldata = pd.read_csv(EX.coldata)
    four = coldata.iloc[:4]
    data = read_macrophage(samples=four)
    assert list(data.sample_ids) == list(four["names"])
    wrong = coldata.copy()
    wrong.loc[3, "names"] = "SAMEA_TYPO"
    with pytest.raises(ValueError, match=r"no quantification folder: \['SAMEA_TYPO'\]"):
        read_macrophage(samples=wrong)


def test_listed_paths_need_a_row_each(tmp_path):
    paths = [EX.quants / n for n in ("SAMEA103885102", "SAMEA103885347", "SAMEA103885043")]
    table = pd.DataFrame({"condition": ["naive", "IFNg"]},
                         index=["SAMEA103885102", "SAMEA103885347"])
    with pytest.raises(ValueError, match=r"no row in the sample table: \['SAMEA103885043'\]"):
        read_quantifications(paths, transcript_to_gene=EX.tx2gene, samples=table,
                             strip_version=True, progress=False)
    table.loc["SAMEA103885043"] = ["SL1344"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnmappedTranscriptsWarning)
        data = read_quantifications(paths, transcript_to_gene=EX.tx2gene, samples=table,
                                    strip_version=True, progress=False)
    assert data.samples["condition"].tolist() == ["naive", "IFNg", "SL1344"]
    with pytest.raises(ValueError, match="sample_column='nope' is not a column"):
        read_macrophage(sample_column="nope")


# ------------------------------------------------------------------ bad inputs
def test_bad_paths_and_inconsistent_files_have_clear_errors(tmp_path):
    t2g = pd.DataFrame({"transcript_id": ["T1", "T2"], "gene_id": ["G1", "G1"]})
    with pytest.raises(FileNotFoundError, match=r"do not exist: \['.*missing'\]"):
        read_quantifications([tmp_path / "missing"], transcript_to_gene=t2g, progress=False)
    (tmp_path / "empty" / "S1").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="holds no quantification file"):
        read_quantifications(tmp_path / "empty", transcript_to_gene=t2g, progress=False)
    write_salmon(tmp_path / "odd" / "S1", ["T1", "T2"], [1.0, 2.0])
    write_salmon(tmp_path / "odd" / "S2", ["T1", "T3"], [1.0, 2.0])
    with pytest.raises(ValueError, match="other transcripts.*same index"):
        read_quantifications(tmp_path / "odd", transcript_to_gene=t2g, progress=False)
    mixed = write_salmon(tmp_path / "mixed" / "S1", ["T1"], [1.0])
    (mixed / "abundance.tsv").write_text("target_id\tlength\teff_length\test_counts\ttpm\n")
    with pytest.raises(ValueError, match="outputs of.*quantifier="):
        read_quantifications([mixed], transcript_to_gene=t2g, progress=False)
    with pytest.raises(ValueError, match="quantifier must be"):
        read_quantifications([mixed], transcript_to_gene=t2g, quantifier="cufflinks")
    bad = tmp_path / "bad" / "S1"
    bad.mkdir(parents=True)
    (bad / "quant.sf").write_text("a\tb\n1\t2\n")
    with pytest.raises(ValueError, match="not a salmon transcript table"):
        read_quantifications([bad], transcript_to_gene=t2g, progress=False)


def test_reordered_rows_are_aligned(tmp_path):
    t2g = pd.DataFrame({"transcript_id": ["T1", "T2"], "gene_id": ["G1", "G1"]})
    write_salmon(tmp_path / "q" / "S1", ["T1", "T2"], [1.0, 2.0])
    write_salmon(tmp_path / "q" / "S2", ["T2", "T1"], [5.0, 7.0])
    data = read_quantifications(tmp_path / "q", transcript_to_gene=t2g, progress=False)
    assert data.transcript_counts.loc["S2"].tolist() == [7.0, 5.0]


# ---------------------------------------------------------------- dataset folder
def test_layers_round_trip_through_a_dataset_folder(macrophage, tmp_path):
    folder = write_dataset(macrophage, tmp_path / "ds")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["schema_version"] == 2
    assert manifest["layers"] == {"tpm": "layer_tpm.parquet",
                                  "effective_length": "layer_effective_length.parquet"}
    back = read_dataset(folder)
    pd.testing.assert_frame_equal(back.layers["tpm"], macrophage.layers["tpm"],
                                  check_names=False)
    assert back.metadata["import"]["n_unmapped"] == 60
    sub = back.subset_samples(back.sample_ids[:3])
    assert sub.layers["tpm"].shape == (3, back.transcript_counts.shape[1])


def test_schema_1_folders_without_layers_still_read(tmp_path):
    counts = pd.DataFrame([[1, 2], [3, 4]], index=["s1", "s2"], columns=["t1", "t2"])
    data = IsoformData(counts, pd.DataFrame({"transcript_id": ["t1", "t2"],
                                             "gene_id": ["g", "g"]}))
    folder = write_dataset(data, tmp_path / "v1")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "layers" not in manifest
    manifest["schema_version"] = 1
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert read_dataset(folder).layers == {}


def test_misaligned_layer_is_a_validation_problem():
    counts = pd.DataFrame([[1, 2], [3, 4]], index=["s1", "s2"], columns=["t1", "t2"])
    tx = pd.DataFrame({"transcript_id": ["t1", "t2"], "gene_id": ["g", "g"]})
    with pytest.raises(ValueError, match="layer 'tpm' has shape"):
        IsoformData(counts, tx, layers={"tpm": counts.iloc[:, :1]}).validate(min_samples=1)


# ------------------------------------------------------------------------- CLI
def test_cli_import_end_to_end(tmp_path, capsys):
    from isograph.cli import main

    out_dir = tmp_path / "imported"
    code = main(["import", "--quants", str(EX.quants), "--annotation", str(EX.tx2gene),
                 "--samples", str(EX.coldata), "--strip-version", "--output-dir",
                 str(out_dir)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "reading quantifications" in err  # the progress bar
    assert "samples      24" in out and "genes        409" in out
    assert "3,389 mapped of 3,449 quantified" in out
    data = read_dataset(out_dir)
    library = data.transcript_counts.sum(axis=1)
    assert f"min {library.min():,.0f} / median {library.median():,.0f}" in out
    assert data.layers["tpm"].shape == (24, 3389)
    assert data.samples.loc["SAMEA103885043", "condition_name"] == "SL1344"

    code = main(["import", "--quants", str(EX.quants), "--annotation", str(EX.tx2gene),
                 "--output-dir", str(tmp_path / "other"), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 1 and "--strip-version" in err and "reading" not in err
    assert not (tmp_path / "other").exists()
    code = main(["import", "--quants", str(FIXTURES / "rsem"), "--annotation",
                 str(FIXTURES / "annotation.gff3"), "--output-dir", str(out_dir), "--quiet"])
    assert code == 1 and "--overwrite" in capsys.readouterr().err


# -------------------------------------------------------------- fit_dataset
def test_fit_dataset_accepts_an_anndata():
    pytest.importorskip("anndata")
    from isograph import fit_dataset
    from isograph.benchmark import make_isoform_dataset

    data = make_isoform_dataset("toy", random_state=0).data
    params = {"backend": "baseline", "channels": "abundance", "shrinkage": 0.8}
    expected = fit_dataset(data, **params)
    adata = data.to_anndata()
    result = fit_dataset(adata, **params)
    pd.testing.assert_frame_equal(result.modules, expected.modules)
    t2g = adata.var["gene_id"].copy()
    del adata.var["gene_id"]
    with pytest.raises(ValueError, match=r"no var\['gene_id'\].*transcript_to_gene="):
        fit_dataset(adata, **params)
    again = fit_dataset(adata, transcript_to_gene=t2g, **params)
    pd.testing.assert_frame_equal(again.modules, expected.modules)
    with pytest.raises(TypeError, match="IsoformData or an anndata.AnnData"):
        fit_dataset(data.transcript_counts, **params)


def test_layers_survive_an_anndata_round_trip(macrophage):
    pytest.importorskip("anndata")
    adata = macrophage.to_anndata()
    np.testing.assert_array_equal(adata.layers["tpm"], macrophage.layers["tpm"].to_numpy())
    back = IsoformData.from_anndata(adata)
    pd.testing.assert_frame_equal(back.layers["effective_length"],
                                  macrophage.layers["effective_length"], check_names=False)


def test_gencode_headers_are_cut_and_index_names_never_clash(tmp_path):
    for s in ("A", "B"):
        write_salmon(tmp_path / "q" / s, ["T1.1|G1.1|OTTHUMG|x|", "T2.1|G1.1|y|"], [4.0, 6.0])
    t2g = pd.DataFrame({"transcript_id": ["T1.1", "T2.1"], "gene_id": ["G1", "G1"]})
    table = pd.DataFrame({"sample_id": ["a", "b"]}, index=["A", "B"])
    data = read_quantifications(tmp_path / "q", transcript_to_gene=t2g, samples=table,
                                progress=False)
    assert list(data.transcript_ids) == ["T1.1", "T2.1"]
    assert data.samples.index.name == "sample" and data.samples["sample_id"].tolist() == ["a", "b"]


def test_sample_names_with_leading_zeros_match_a_csv_table(tmp_path):
    for s in ("001", "002"):
        write_salmon(tmp_path / "q" / s, ["T1", "T2"], [4.0, 6.0])
    (tmp_path / "samples.csv").write_text("id,dose\n001,0.5\n002,1.5\n")
    t2g = pd.DataFrame({"transcript_id": ["T1", "T2"], "gene_id": ["G1", "G1"]})
    data = read_quantifications(tmp_path / "q", transcript_to_gene=t2g,
                                samples=tmp_path / "samples.csv", progress=False)
    assert list(data.sample_ids) == ["001", "002"]
    assert data.samples["dose"].tolist() == [0.5, 1.5]  # numbers stay numbers


def test_ensembl_gff3_takes_genes_from_parent_and_names_from_gene_rows(tmp_path):
    gff = tmp_path / "ensembl.gff3.gz"
    gff.write_bytes(gzip.compress(
        b"##gff-version 3\n#!genome-build GRCh38.p14\n"
        b"1\tensembl\tgene\t1\t900\t.\t+\t.\tID=gene:ENSG01;Name=ALPHA;biotype=protein_coding;"
        b"gene_id=ENSG01;version=2\n"
        b"1\tensembl\tmRNA\t1\t900\t.\t+\t.\tID=transcript:ENST11;Parent=gene:ENSG01;"
        b"Name=ALPHA-201;transcript_id=ENST11;version=1\n"
        b"1\tensembl\texon\t1\t300\t.\t+\t.\tParent=transcript:ENST11;exon_id=ENSE1\n"
        b"1\tensembl\tncRNA_gene\t1000\t1900\t.\t+\t.\tID=gene:ENSG02;gene_id=ENSG02\n"
        b"1\tensembl\tlnc_RNA\t1000\t1900\t.\t+\t.\tID=transcript:ENST21;Parent=gene:ENSG02;"
        b"transcript_id=ENST21\n"
    ))
    t2g = read_transcript_to_gene(gff).set_index("transcript_id")
    assert t2g["gene_id"].to_dict() == {"ENST11": "ENSG01", "ENST21": "ENSG02"}
    assert t2g.loc["ENST11", "gene_name"] == "ALPHA" and pd.isna(t2g.loc["ENST21", "gene_name"])


def test_cli_import_of_listed_kallisto_folders_keeps_gene_names(tmp_path, capsys):
    from isograph.cli import main

    folders = [str(FIXTURES / "kallisto" / s) for s in ("S1", "S3")]
    code = main(["import", "--quants", *folders, "--annotation",
                 str(FIXTURES / "annotation.gtf"), "--quantifier", "kallisto",
                 "--output-dir", str(tmp_path / "k"), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert err == "" and "imported kallisto output" in out and "samples      2" in out
    transcripts = read_dataset(tmp_path / "k").transcripts.set_index("transcript_id")
    assert transcripts.loc["ENST00000000031.1", "gene_name"] == "GAMMA"
