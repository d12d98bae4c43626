"""read_quantifications: per-sample quantifier outputs -> one IsoformData."""

from __future__ import annotations

import os
from pathlib import Path, PurePath

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .._core._warn import warn
from ._annotation import read_transcript_to_gene, tidy_map
from ._annotation import strip_version as _strip
from ._container import IsoformData
from ._quant_formats import QUANTIFIERS, detect_quantifier, read_quant_columns
from ._quant_samples import match_samples, sample_paths

__all__ = ["UnmappedTranscriptsWarning", "read_quantifications"]


class UnmappedTranscriptsWarning(UserWarning):
    """Quantified transcripts absent from the transcript -> gene map (left out, reported)."""


def read_quantifications(
    paths,
    *,
    transcript_to_gene,
    samples=None,
    quantifier: str = "auto",
    strip_version: bool = False,
    sample_column: str | None = None,
    progress: bool = True,
) -> IsoformData:
    """Read salmon, kallisto or RSEM outputs, one per sample, into an IsoformData.

    In the spirit of tximport (``txOut=TRUE``): estimated counts become the
    counts; TPM and effective lengths are kept as layers, transcript lengths
    in the transcript table.

    Parameters
    ----------
    paths : str, os.PathLike or list of them
        Per-sample output folders or files (``quant.sf[.gz]``,
        ``abundance.h5``, ``abundance.tsv``, ``<sample>.isoforms.results``), or
        one parent folder holding one folder per sample. Sample names are the
        folder names (an RSEM file's prefix for a bare RSEM file).
    transcript_to_gene : str, os.PathLike, pandas.DataFrame or pandas.Series
        A file for :func:`read_transcript_to_gene`, a table with columns
        ``transcript_id`` and ``gene_id`` (other columns, e.g. ``gene_name``,
        are kept), or a Series indexed by transcript id.
    samples : str, os.PathLike or pandas.DataFrame, optional
        Sample table (a CSV path or a DataFrame). Its rows are matched to the
        sample names by its index or by ``sample_column``; with one parent
        folder, only the folders it lists are read.
    quantifier : {"auto", "salmon", "kallisto", "rsem"}, default="auto"
        Which tool wrote the files; ``"auto"`` recognises each folder's files.
    strip_version : bool, default=False
        Remove version suffixes (``ENST00000456328.2`` -> ``ENST00000456328``)
        from the quantified ids and the map, e.g. to join a GENCODE v29 salmon
        index with an unversioned map.
        Ids holding whole GENCODE fasta headers (``ENST...|ENSG...|...``) are
        always cut to their first field.
    sample_column : str, optional
        Column of ``samples`` holding the sample names; by default the index,
        or else the one column whose values are the sample names.
    progress : bool, default=True
        Show a progress bar over the files.

    Returns
    -------
    IsoformData
        ``transcript_counts`` (estimated counts), ``layers["tpm"]`` and
        ``layers["effective_length"]`` (samples x transcripts),
        ``transcripts`` with ``length`` and the map's extra columns, and
        ``metadata["import"]``: the quantifier, files, and the unmapped report
        (``n_unmapped``, ``unmapped_read_share``, per-sample shares, examples).

    Raises
    ------
    FileNotFoundError
        If a path does not exist or holds no quantifier output.
    ValueError
        If files disagree on their transcripts, ids collide after
        ``strip_version``, samples and the sample table do not match (the
        missing names are listed), or no transcript maps to a gene.

    Warns
    -----
    UnmappedTranscriptsWarning
        When quantified transcripts are absent from the map: they are left out
        of the dataset, and their number and share of reads are reported.

    See Also
    --------
    read_transcript_to_gene : The map from a table or a GTF / GFF3 file.

    Examples
    --------
    >>> from isograph.data import load_example, read_quantifications
    >>> ex = load_example("macrophage")
    >>> data = read_quantifications(ex.quants, transcript_to_gene=ex.tx2gene,
    ...                             samples=ex.coldata, strip_version=True, progress=False)
    >>> data.n_samples
    24
    """
    if quantifier not in ("auto",) + QUANTIFIERS:
        raise ValueError(
            f"quantifier must be 'auto' or one of {list(QUANTIFIERS)}, got {quantifier!r}."
        )
    table = _read_samples(samples)
    names, locations = sample_paths(paths)
    if table is not None:
        table, names, locations = match_samples(
            table, names, locations, sample_column=sample_column,
            parent=isinstance(paths, (str, PurePath)),
        )
    found = [detect_quantifier(p, quantifier) for p in locations]
    kinds = sorted({q for q, _ in found})
    tables = []
    for kind, file in tqdm(found, desc="reading quantifications", unit="sample",
                           disable=not progress):
        tables.append(read_quant_columns(file, kind))
    ids, frames = _common_ids(tables, [f for _, f in found])
    if ids.str.contains("|", regex=False).any():
        # A GENCODE fasta indexed without salmon's --gencode keeps the whole header
        # (ENST...|ENSG...|...|); the transcript id is its first field (tximport's
        # ignoreAfterBar).
        ids = pd.Index(ids.str.split("|", regex=False).str[0], name=ids.name)
    if strip_version:
        ids = _stripped(ids)
    tx = _as_map(transcript_to_gene, strip_version)

    index_name = "sample_id" if table is None else table.index.name

    def stack(column):
        values = np.column_stack([f[column] for f in frames]).T
        return pd.DataFrame(values, index=pd.Index(names, name=index_name),
                            columns=pd.Index(ids, name="transcript_id"))

    counts = stack("counts")
    mapped = ids.isin(tx["transcript_id"])
    report = _unmapped_report(counts, mapped, strip_version, tx)
    keep = ids[mapped]
    transcripts = tx.set_index("transcript_id").reindex(keep)
    transcripts["length"] = frames[0]["length"][mapped]
    transcripts = transcripts.reset_index()
    layers = {
        "tpm": stack("tpm").loc[:, mapped],
        "effective_length": stack("effective_length").loc[:, mapped],
    }
    metadata = {"import": {
        "quantifier": kinds[0] if len(kinds) == 1 else kinds,
        "files": {n: os.fspath(f) for n, (_, f) in zip(names, found)},
        "strip_version": strip_version,
        **report,
    }}
    if table is None:
        table = pd.DataFrame(index=pd.Index(names, name="sample_id"))
    data = IsoformData(
        transcript_counts=counts.loc[:, mapped], transcripts=transcripts, samples=table,
        layers=layers, metadata=metadata,
    )
    return data.validate(min_samples=1)


def _read_samples(samples) -> pd.DataFrame | None:
    if samples is None or isinstance(samples, pd.DataFrame):
        return None if samples is None else samples.copy()
    if isinstance(samples, (str, PurePath)):
        file = Path(samples)
        if not file.is_file():
            raise FileNotFoundError(f"samples file {str(file)!r} does not exist.")
        sep = "\t" if file.name.lower().removesuffix(".gz").endswith((".tsv", ".txt")) else ","
        # No index column: match_samples finds the column that names the samples.
        table = pd.read_csv(file, sep=sep)
        text = pd.read_csv(file, sep=sep, dtype=str)
        for column in table.columns:
            # Ids such as "001" must stay text: keep the text where numbers lose digits.
            shown = table[column].astype(str).where(table[column].notna())
            if not shown.equals(text[column].where(text[column].notna())):
                if pd.api.types.is_integer_dtype(table[column]) or text[column].str.match(
                        r"^0\d").any():
                    table[column] = text[column]
        return table
    raise TypeError(f"samples must be a DataFrame or a CSV path, got {type(samples).__name__}.")


def _common_ids(tables, files: list[Path]) -> tuple[pd.Index, list[dict]]:
    """The transcript ids, which every file must list, and each file's columns in their order."""
    first = tables[0][0]
    ids = pd.Index(first.to_pandas(), name="transcript_id")
    if not ids.is_unique:
        raise ValueError(f"{str(files[0])!r} lists a transcript id twice: "
                         f"{list(ids[ids.duplicated()][:3])}.")
    frames = [tables[0][1]]
    for i, (other, values) in enumerate(tables[1:], start=1):
        if other.equals(first):
            frames.append(values)
            continue
        other = pd.Index(other.to_pandas())
        if len(other) == len(ids) and other.is_unique and other.isin(ids).all():
            order = other.get_indexer(ids)  # same transcripts, other order
            frames.append({k: v[order] for k, v in values.items()})
            continue
        extra = other.difference(ids)
        lacking = ids.difference(other)
        raise ValueError(
            f"{str(files[i])!r} lists other transcripts than {str(files[0])!r} "
            f"({len(extra)} extra, e.g. {list(extra[:3])}; {len(lacking)} absent, e.g. "
            f"{list(lacking[:3])}); quantify every sample against the same index."
        )
    return ids, frames


def _stripped(ids: pd.Index) -> pd.Index:
    out = _strip(ids)
    dup = out.duplicated(keep=False)
    if dup.any():
        examples = sorted(ids[dup])[:6]
        raise ValueError(
            f"strip_version=True makes {int(dup.sum())} quantified transcript ids collide "
            f"(e.g. {examples}); keep versions (strip_version=False) and use a versioned "
            "transcript_to_gene map."
        )
    return out


def _as_map(transcript_to_gene, strip_version: bool) -> pd.DataFrame:
    if isinstance(transcript_to_gene, pd.Series):
        tx = transcript_to_gene.rename("gene_id").rename_axis("transcript_id").reset_index()
    elif isinstance(transcript_to_gene, pd.DataFrame):
        absent = [c for c in ("transcript_id", "gene_id") if c not in transcript_to_gene]
        if absent:
            raise ValueError(
                f"transcript_to_gene lacks column(s) {absent}; it has "
                f"{list(transcript_to_gene.columns)}. Rename the id columns to "
                "transcript_id and gene_id."
            )
        tx = transcript_to_gene.reset_index(drop=True).copy()
    elif isinstance(transcript_to_gene, (str, PurePath)):
        return read_transcript_to_gene(transcript_to_gene, strip_version=strip_version)
    else:
        raise TypeError(
            "transcript_to_gene must be a file path, a DataFrame with transcript_id and "
            f"gene_id columns, or a Series; got {type(transcript_to_gene).__name__}."
        )
    return tidy_map(tx, strip_version=strip_version, source="transcript_to_gene")


def _unmapped_report(counts, mapped, strip_version: bool, tx: pd.DataFrame) -> dict:
    total = counts.to_numpy().sum(axis=1)
    lost = counts.loc[:, ~mapped].to_numpy().sum(axis=1)
    share = np.divide(lost, total, out=np.zeros_like(lost), where=total > 0)
    overall = float(lost.sum() / total.sum()) if total.sum() > 0 else 0.0
    unmapped = counts.columns[~mapped]
    hint = ""
    if not strip_version and len(unmapped):
        if _strip(unmapped).isin(_strip(tx["transcript_id"])).mean() > 0.5:
            hint = (" Most match after removing version suffixes: pass strip_version=True "
                    "(--strip-version in `isograph import`).")
    if mapped.sum() == 0:
        raise ValueError(
            f"none of the {len(mapped)} quantified transcripts (e.g. "
            f"{list(counts.columns[:3])}) is in transcript_to_gene (e.g. "
            f"{list(tx['transcript_id'][:3])}).{hint}"
        )
    if len(unmapped):
        warn(
            f"{len(unmapped)} of {len(mapped)} quantified transcripts ({overall * 100:.2g}% of "
            f"the reads) are not in transcript_to_gene and are left out (e.g. "
            f"{list(unmapped[:3])}); see data.metadata['import'].{hint}",
            UnmappedTranscriptsWarning)
    return {
        "n_transcripts_quantified": int(len(mapped)),
        "n_unmapped": int(len(unmapped)),
        "unmapped_read_share": overall,
        "unmapped_read_share_by_sample": dict(zip(counts.index, share.tolist())),
        "unmapped_examples": [str(t) for t in unmapped[:20]],
    }
