"""Transcript -> gene maps from a two-column table or a GTF / GFF3 annotation.

Annotations are parsed with pyarrow's CSV reader and vectorized regular
expressions (``pyarrow.compute.extract_regex``) rather than gtfparse: gtfparse
reads GTF only, and GENCODE and Ensembl also ship GFF3; on a 179 MiB
GENCODE-style GTF (200,401 transcripts) both take about 5 s (5.0 s here, 4.6 s
gtfparse 3.0.5; 2 shared cores, load 3.5; ``benchmarks/quant_readers.py``), so
one parser for both formats costs no speed and no dependency.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

__all__ = ["read_transcript_to_gene", "strip_version"]

_GTF_SUFFIXES = (".gtf", ".gff", ".gff3", ".gff2")
_GTF_COLUMNS = ["seqname", "source", "feature", "start", "end", "score", "strand", "frame",
                "attribute"]
# Attributes kept from annotation rows, when present.
_ATTRIBUTES = ("transcript_id", "gene_id", "gene_name", "transcript_name", "gene_type",
               "transcript_type")
# Rows that describe parts of a transcript; transcript and gene rows are parsed.
_PART_FEATURES = {"exon", "CDS", "UTR", "five_prime_UTR", "three_prime_UTR", "start_codon",
                  "stop_codon", "Selenocysteine", "stop_codon_redefined_as_selenocysteine"}
_TX_NAMES = ("transcript_id", "transcript", "tx_id", "txname", "tx", "target_id", "name",
             "enst")
_GENE_NAMES = ("gene_id", "gene", "geneid", "ensg")
# A version suffix: ".<digits>" at the end, or before GENCODE's "_PAR_Y" tag
# (ENST00000483286.1_PAR_Y), which must stay distinct from the chrX copy.
_VERSION = r"\.\d+(?=_PAR_Y$|$)"


def strip_version(ids) -> pd.Index:
    """Remove version suffixes: ``ENST00000456328.2`` -> ``ENST00000456328``.

    Parameters
    ----------
    ids : array-like of str

    Returns
    -------
    pandas.Index
        GENCODE's ``_PAR_Y`` tag is kept (``ENST00000483286.1_PAR_Y`` ->
        ``ENST00000483286_PAR_Y``), so pseudo-autosomal copies stay distinct.
    """
    return pd.Index(pd.Index(ids).astype(str).str.replace(_VERSION, "", regex=True))


def _is_annotation(path: Path) -> bool:
    name = path.name.lower()
    return name.removesuffix(".gz").endswith(_GTF_SUFFIXES)


def read_transcript_to_gene(path, *, strip_version: bool = False) -> pd.DataFrame:
    """Read a transcript -> gene map from a table or a GTF / GFF3 annotation.

    Parameters
    ----------
    path : str or os.PathLike
        A delimited table (``.csv`` or ``.tsv``/``.txt``, gzip allowed) whose
        columns are transcript id and gene id (named e.g. ``transcript_id,
        gene_id`` or ``TXNAME, GENEID``, or unnamed: then the first two columns),
        or an annotation (``.gtf``, ``.gff3``, ``.gff``, gzip allowed) in GENCODE
        or Ensembl layout.
    strip_version : bool, default=False
        Remove version suffixes from transcript and gene ids
        (``ENST00000456328.2`` -> ``ENST00000456328``).

    Returns
    -------
    pandas.DataFrame
        One row per transcript: ``transcript_id``, ``gene_id``, and from an
        annotation also ``gene_name``, ``transcript_name``, ``gene_type`` and
        ``transcript_type`` when it has them; a table's third column
        ``gene_name`` is kept too.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If no transcript -> gene pair can be read, or a transcript maps to two
        genes (for example two versions that become one id after stripping).

    Examples
    --------
    >>> from isograph.data import load_example, read_transcript_to_gene
    >>> t2g = read_transcript_to_gene(load_example("macrophage").tx2gene)
    >>> list(t2g.columns)[:2]
    ['transcript_id', 'gene_id']
    """
    if not isinstance(path, (str, PurePath)):
        raise TypeError(f"path must be a file path, got {type(path).__name__}.")
    path = Path(os.fspath(path))
    if not path.is_file():
        raise FileNotFoundError(f"transcript_to_gene file {str(path)!r} does not exist.")
    table = _read_annotation(path) if _is_annotation(path) else _read_table(path)
    return tidy_map(table, strip_version=strip_version, source=repr(str(path)))


def tidy_map(table: pd.DataFrame, *, strip_version: bool, source: str) -> pd.DataFrame:
    """Drop incomplete and repeated pairs, strip versions, refuse a transcript with two genes.

    Parameters
    ----------
    table : pandas.DataFrame
        With ``transcript_id`` and ``gene_id`` columns (others are kept).
    strip_version : bool
        Remove version suffixes from both id columns.
    source : str
        What the table came from, for error messages.

    Returns
    -------
    pandas.DataFrame
        One row per transcript, ids as strings.
    """
    table = table.dropna(subset=["transcript_id", "gene_id"]).copy()
    if table.empty:
        raise ValueError(f"{source} holds no transcript -> gene pair.")
    for column in ("transcript_id", "gene_id"):
        ids = table[column].astype(str)
        table[column] = strip_version_ids(ids) if strip_version else ids
    table = table.drop_duplicates(subset=["transcript_id", "gene_id"])
    clash = table["transcript_id"].duplicated(keep=False)
    if clash.any():
        examples = table.loc[clash].sort_values("transcript_id").head(6)
        pairs = ", ".join(f"{t}->{g}" for t, g in zip(examples.transcript_id, examples.gene_id))
        raise ValueError(
            f"{int(clash.sum())} rows of {source} map a transcript to two genes "
            f"(e.g. {pairs})"
            + ("; they collide after strip_version=True: keep versions (strip_version="
               "False)" if strip_version else "; fix the table")
            + "."
        )
    return table.reset_index(drop=True)


strip_version_ids = strip_version  # the parameter of the same name shadows it above


def _read_table(path: Path) -> pd.DataFrame:
    name = path.name.lower().removesuffix(".gz")
    sep = "\t" if name.endswith((".tsv", ".txt", ".tab")) else ","
    table = pd.read_csv(path, sep=sep, dtype=str)
    lower = [str(c).strip().lower() for c in table.columns]
    tx = next((lower.index(c) for c in _TX_NAMES if c in lower), None)
    gene = next((lower.index(c) for c in _GENE_NAMES if c in lower), None)
    if tx is None and gene is None:  # no header: the first row is data
        table = pd.read_csv(path, sep=sep, dtype=str, header=None)
        lower, tx, gene = [], 0, 1
    if table.shape[1] < 2:
        raise ValueError(
            f"{str(path)!r} has {table.shape[1]} column(s) with the delimiter {sep!r}; "
            "expected transcript id and gene id columns."
        )
    out = pd.DataFrame({
        "transcript_id": table.iloc[:, 0 if tx is None else tx].str.strip(),
        "gene_id": table.iloc[:, 1 if gene is None else gene].str.strip(),
    })
    if "gene_name" in lower:
        out["gene_name"] = table.iloc[:, lower.index("gene_name")]
    return out


def _read_annotation(path: Path) -> pd.DataFrame:
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=_GTF_COLUMNS),
            parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False,
                                             invalid_row_handler=_skip_comment),
            convert_options=pacsv.ConvertOptions(
                include_columns=["feature", "attribute"],
                column_types={"feature": pa.string(), "attribute": pa.string()},
            ),
        )
    except pa.ArrowInvalid as err:
        raise ValueError(f"{str(path)!r} is not a GTF / GFF3 file: {err}") from err
    feature = table["feature"]
    transcript_rows = pc.invert(pc.is_in(feature, value_set=pa.array(sorted(_PART_FEATURES))))
    rows = _attributes(table.filter(transcript_rows)["attribute"])
    out = rows[rows["transcript_id"].notna()].copy()
    if out.empty:  # exon-only annotation
        out = _attributes(table.filter(pc.equal(feature, "exon"))["attribute"])
        out = out[out["transcript_id"].notna()].copy()
    # Ensembl GFF3: transcript rows carry Parent=gene:ENSG... and no gene_id, and the
    # gene's name is the Name of its gene row (ID=gene:ENSG...).
    parent_gene = out["parent"].str.extract(r"^gene:(.+)$", expand=False)
    out["gene_id"] = out["gene_id"].fillna(parent_gene)
    gene_rows = rows[rows["transcript_id"].isna() & rows["id"].str.startswith("gene:",
                                                                             na=False)]
    names = dict(zip(gene_rows["id"].str.removeprefix("gene:"), gene_rows["name"]))
    if names:
        out["gene_name"] = out["gene_name"].fillna(out["gene_id"].map(names))
    out = out.drop(columns=["parent", "id", "name"])
    out["transcript_id"] = out["transcript_id"].str.replace(r"^transcript:", "", regex=True)
    out = out.dropna(axis=1, how="all").drop_duplicates(subset=["transcript_id"])
    if "transcript_id" not in out or "gene_id" not in out:
        raise ValueError(
            f"{str(path)!r} has no rows with both transcript_id and gene_id attributes."
        )
    return out


def _skip_comment(row) -> str:
    # GTF/GFF3 header lines (#!genome-build ...) have one field; skip them.
    return "skip"


def _attributes(column: pa.ChunkedArray) -> pd.DataFrame:
    """Selected attributes of GTF (``key "value";``) or GFF3 (``key=value;``) rows."""
    out = {}
    keys = _ATTRIBUTES + ("Parent", "ID", "Name")
    for key in keys:
        pattern = rf'(?:^|;)\s*{key}(?: "|=)(?P<v>[^";]*)'
        match = pc.extract_regex(column, pattern)
        value = pc.struct_field(match, "v")
        out[key.lower()] = value.to_pandas().astype(object)
    return pd.DataFrame(out)
