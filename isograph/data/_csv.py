"""Build an :class:`~isograph.data.IsoformData` from delimited text files (CSV, TSV)."""

from __future__ import annotations

import os
from pathlib import PurePath

import pandas as pd

from ._container import IsoformData
from ._validation import validate_isoform_data

__all__ = ["from_csv"]

_ORIENTATIONS = ("samples_x_transcripts", "transcripts_x_samples")
_TAB_SUFFIXES = {".tsv", ".tab", ".txt"}
_COMPRESSION_SUFFIXES = {".gz", ".bz2", ".xz", ".zst", ".zip"}


def from_csv(
    counts_csv,
    transcripts_csv,
    samples_csv=None,
    *,
    gene_counts_csv=None,
    orientation: str = "samples_x_transcripts",
    sep: str | None = None,
    transcript_column: str = "transcript_id",
    gene_column: str = "gene_id",
    validate: bool = True,
) -> IsoformData:
    """Build an :class:`IsoformData` from delimited text files.

    Parameters
    ----------
    counts_csv : str, os.PathLike or file-like
        Count matrix with ids in the first column and in the header.
    transcripts_csv : str, os.PathLike or file-like
        Transcript table with a transcript id column and a gene id column
        (``transcript_column`` and ``gene_column``); other columns are kept.
    samples_csv : str, os.PathLike or file-like, optional
        Sample table with sample ids in the first column: covariates and traits.
        Rows are put in the order of the count matrix when both list the same ids.
    gene_counts_csv : str, os.PathLike or file-like, optional
        Gene count matrix, in the same orientation as ``counts_csv``.
    orientation : {"samples_x_transcripts", "transcripts_x_samples"}, \
default="samples_x_transcripts"
        Layout of the count files. Merged outputs of bulk quantifiers (salmon,
        RSEM, tximport) are usually ``"transcripts_x_samples"``.
    sep : str, optional
        Field delimiter. By default a tab for ``.tsv``, ``.tab`` and ``.txt``
        files (also compressed) and a comma otherwise.
    transcript_column, gene_column : str
        Names of the id columns of ``transcripts_csv``; they are renamed to
        ``transcript_id`` and ``gene_id``.
    validate : bool, default=True
        Check the result with :func:`validate_isoform_data` (``min_samples=1``).

    Returns
    -------
    IsoformData
        Ids are read as strings, so ``"001"`` stays ``"001"``.

    Raises
    ------
    ValueError
        If ``orientation`` is unknown or the transcript table lacks an id column.
    IsoformDataError
        If ``validate`` is True and the files describe an invalid dataset.
    """
    if orientation not in _ORIENTATIONS:
        raise ValueError(f"orientation must be one of {_ORIENTATIONS}, got {orientation!r}.")
    counts = _read_matrix(counts_csv, orientation, sep, column_name="transcript_id")

    transcripts = pd.read_csv(
        transcripts_csv,
        sep=_delimiter(transcripts_csv, sep),
        dtype={transcript_column: str, gene_column: str},
    )
    absent = [c for c in (transcript_column, gene_column) if c not in transcripts.columns]
    if absent:
        raise ValueError(
            f"transcripts_csv {_name(transcripts_csv)} lacks column(s) {absent}; it has "
            f"{list(transcripts.columns)}. Name the id columns with transcript_column= "
            "and gene_column=."
        )
    renames = {transcript_column: "transcript_id", gene_column: "gene_id"}
    clashes = [
        c for c in ("transcript_id", "gene_id") if c in transcripts.columns and c not in renames
    ]
    transcripts = transcripts.drop(columns=clashes).rename(columns=renames)

    samples = None
    if samples_csv is not None:
        samples = _read_table(samples_csv, sep)
        if samples.index.name is None:
            samples.index.name = "sample_id"
        samples = _align_rows(samples, counts.index)

    gene_counts = None
    if gene_counts_csv is not None:
        gene_counts = _read_matrix(gene_counts_csv, orientation, sep, column_name="gene_id")
        gene_counts = _align_rows(gene_counts, counts.index)

    data = IsoformData(
        transcript_counts=counts,
        transcripts=transcripts,
        samples=samples,
        gene_counts=gene_counts,
    )
    if validate:
        validate_isoform_data(data, min_samples=1)
    return data


def _name(source) -> str:
    return repr(os.fspath(source)) if isinstance(source, (str, PurePath)) else "(file object)"


def _delimiter(source, sep: str | None) -> str:
    if sep is not None:
        return sep
    if isinstance(source, (str, PurePath)):
        suffixes = [s.lower() for s in PurePath(source).suffixes]
        while suffixes and suffixes[-1] in _COMPRESSION_SUFFIXES:
            suffixes.pop()
        if suffixes and suffixes[-1] in _TAB_SUFFIXES:
            return "\t"
    return ","


def _read_table(source, sep: str | None) -> pd.DataFrame:
    """A table whose first column holds ids, read as strings."""
    return pd.read_csv(source, sep=_delimiter(source, sep), index_col=0, converters={0: str})


def _read_matrix(source, orientation: str, sep: str | None, *, column_name: str) -> pd.DataFrame:
    """A samples x features matrix from a file in either orientation."""
    frame = _read_table(source, sep)
    if orientation == "transcripts_x_samples":
        frame = frame.T
    frame.index = frame.index.astype(str)
    frame.columns = frame.columns.astype(str)
    if frame.index.name is None:
        frame.index.name = "sample_id"
    if frame.columns.name is None:
        frame.columns.name = column_name
    return frame


def _align_rows(frame: pd.DataFrame, sample_ids: pd.Index) -> pd.DataFrame:
    """Reorder ``frame`` to ``sample_ids`` when both hold the same unique ids."""
    same = (
        frame.index.is_unique
        and sample_ids.is_unique
        and len(frame.index) == len(sample_ids)
        and frame.index.isin(sample_ids).all()
    )
    return frame.loc[sample_ids] if same else frame
