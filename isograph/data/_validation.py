"""Validation of an :class:`~isograph.data.IsoformData`: every problem at once."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

__all__ = ["IsoformDataError", "validate_isoform_data"]

_PREVIEW = 5  # ids shown per problem before "and N more"
_CHUNK = 4096  # count columns scanned at a time, to bound memory on wide matrices


class IsoformDataError(ValueError):
    """An :class:`~isograph.data.IsoformData` failed validation.

    The message lists every problem found, one per line, so that a dataset can
    be fixed in one pass instead of one error at a time.

    Parameters
    ----------
    problems : list of str
        One human-readable sentence per problem.

    Attributes
    ----------
    problems : list of str
        The problems, in the order they were found.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        header = f"invalid IsoformData: {n} problem{'' if n == 1 else 's'} found:"
        super().__init__("\n".join([header, *(f"  - {p}" for p in self.problems)]))

    def __reduce__(self):
        # Rebuild from the problem list (the default would pass the message).
        return (type(self), (self.problems,))


def validate_isoform_data(data, *, min_samples: int = 3) -> None:
    """Check an :class:`~isograph.data.IsoformData` and report every problem at once.

    Parameters
    ----------
    data : IsoformData
        The dataset to check.
    min_samples : int, default=3
        Fewest samples accepted. Backends need several samples to estimate
        co-variation; dataset readers use ``min_samples=1``.

    Raises
    ------
    IsoformDataError
        When any problem is found; its ``problems`` attribute lists them all:
        duplicate ids, count columns that disagree with the transcripts table,
        a samples table or gene counts not aligned with the count rows, NaN,
        infinite or negative counts, transcripts whose gene is unknown, gene
        count columns naming unknown genes, samples with zero library size, and
        fewer than ``min_samples`` samples.
    ValueError
        If ``min_samples`` is not an integer >= 1.
    """
    if (
        isinstance(min_samples, bool)
        or not isinstance(min_samples, numbers.Integral)
        or min_samples < 1
    ):
        raise ValueError(f"min_samples must be an integer >= 1, got {min_samples!r}.")
    problems = _collect_problems(data, min_samples=int(min_samples))
    if problems:
        raise IsoformDataError(problems)


# --------------------------------------------------------------------- helpers
def _fmt(value) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _preview(values) -> str:
    values = list(values)
    shown = ", ".join(_fmt(v) for v in values[:_PREVIEW])
    if len(values) > _PREVIEW:
        shown += f" and {len(values) - _PREVIEW} more"
    return shown


def _duplicates(index: pd.Index, what: str, where: str) -> list[str]:
    index = pd.Index(index)
    dup = index[index.duplicated(keep="first")].unique()
    if len(dup) == 0:
        return []
    return [f"{len(dup)} duplicate {what}(s) in {where}: {_preview(dup)}"]


def _missing_and_extra(
    reference: pd.Index, other: pd.Index, *, what: str, table: str, axis: str
) -> list[str]:
    """Ids of the count matrix's ``axis`` (``reference``) that ``table`` lacks, and the reverse."""
    problems = []
    missing = reference[~reference.isin(other)].unique()
    extra = other[~other.isin(reference)].unique()
    if len(missing):
        problems.append(
            f"{len(missing)} {what}(s) of the transcript_counts {axis}s are missing from "
            f"{table}: {_preview(missing)}"
        )
    if len(extra):
        problems.append(
            f"{len(extra)} {what}(s) in {table} have no {axis} in transcript_counts: "
            f"{_preview(extra)}"
        )
    return problems


def _alignment(
    reference: pd.Index, other: pd.Index, *, what: str, table: str, fix: str
) -> list[str]:
    """Compare the rows of ``table`` (``other``) with the count rows (``reference``)."""
    problems = _missing_and_extra(reference, other, what=what, table=table, axis="row")
    if not problems and reference.is_unique and other.is_unique and not reference.equals(other):
        problems.append(
            f"{table} lists the same {what}s as the transcript_counts rows but in a "
            f"different order; reorder it with {fix}"
        )
    return problems


def _is_count_dtype(dtype) -> bool:
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _value_problems(frame: pd.DataFrame, name: str, column_kind: str):
    """NaN / infinite / negative cells of a samples x features matrix, and row sums.

    Returns the problems and the per-row sums of the finite numeric cells.
    """
    problems = []
    # One check per distinct dtype: a 200,000-transcript matrix took 1.6 s checked per column.
    kinds = {dt: _is_count_dtype(dt) for dt in set(frame.dtypes)}
    numeric = np.array([kinds[dt] for dt in frame.dtypes], dtype=bool)
    if not numeric.all():
        pairs = zip(frame.columns, frame.dtypes)
        bad = [(c, str(dt)) for c, dt in pairs if not _is_count_dtype(dt)]
        shown = ", ".join(f"{_fmt(c)} ({dt})" for c, dt in bad[:_PREVIEW])
        more = f" and {len(bad) - _PREVIEW} more" if len(bad) > _PREVIEW else ""
        problems.append(
            f"{name} has {len(bad)} non-numeric column(s); counts must be numbers: {shown}{more}"
        )
    positions = np.flatnonzero(numeric)
    n_rows = frame.shape[0]
    row_sums = np.zeros(n_rows, dtype=np.float64)
    tallies = {"NaN": [0, None], "infinite": [0, None], "negative": [0, None]}
    for start in range(0, len(positions), _CHUNK):
        cols = positions[start : start + _CHUNK]
        block = frame.iloc[:, cols].to_numpy(dtype=np.float64, na_value=np.nan)
        masks = {
            "NaN": np.isnan(block),
            "infinite": np.isinf(block),
            "negative": block < 0,  # -inf is reported as infinite only
        }
        masks["negative"] &= ~masks["infinite"]
        for label, mask in masks.items():
            hits = int(mask.sum())
            if hits == 0:
                continue
            tally = tallies[label]
            if tally[1] is None:
                r, c = np.argwhere(mask)[0]
                tally[1] = (frame.index[r], frame.columns[cols[c]])
            tally[0] += hits
        row_sums += np.where(np.isfinite(block), block, 0.0).sum(axis=1)
    for label, (hits, where) in tallies.items():
        if hits:
            problems.append(
                f"{name} has {hits} {label} value(s) (first at sample {_fmt(where[0])}, "
                f"{column_kind} {_fmt(where[1])})"
            )
    return problems, row_sums


# ------------------------------------------------------------------ the checks
def _collect_problems(data, *, min_samples: int) -> list[str]:
    counts = getattr(data, "transcript_counts", None)
    transcripts = getattr(data, "transcripts", None)
    samples = getattr(data, "samples", None)
    gene_counts = getattr(data, "gene_counts", None)

    problems = []
    for name, frame, optional in (
        ("transcript_counts", counts, False),
        ("transcripts", transcripts, False),
        ("samples", samples, True),
        ("gene_counts", gene_counts, True),
    ):
        if frame is None and optional:
            continue
        if not isinstance(frame, pd.DataFrame):
            problems.append(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    if problems:
        return problems  # the remaining checks need the tables

    # ---- ids of the count matrix
    if counts.index.hasnans:
        problems.append("transcript_counts has rows with a missing (NaN) sample id")
    if counts.columns.hasnans:
        problems.append("transcript_counts has columns with a missing (NaN) transcript id")
    problems += _duplicates(counts.index, "sample id", "the transcript_counts rows")
    problems += _duplicates(counts.columns, "transcript id", "the transcript_counts columns")
    if counts.shape[1] == 0:
        problems.append("transcript_counts has no columns (no transcripts)")

    # ---- transcripts table
    absent = [c for c in ("transcript_id", "gene_id") if c not in transcripts.columns]
    if absent:
        problems.append(
            f"the transcripts table lacks column(s) {_preview(absent)}; it has "
            f"{_preview(transcripts.columns) or 'no columns'}"
        )
    known_genes = None
    if "transcript_id" in transcripts.columns:
        table_ids = pd.Index(transcripts["transcript_id"])
        if table_ids.hasnans:
            problems.append("the transcripts table has rows with a missing transcript_id")
        table_ids = table_ids.dropna()
        problems += _duplicates(table_ids, "transcript id", "the transcripts table")
        problems += _missing_and_extra(counts.columns, table_ids, what="transcript",
                                       table="the transcripts table", axis="column")
        if "gene_id" in transcripts.columns:
            genes = transcripts["gene_id"]
            blank = genes.map(lambda g: isinstance(g, str) and not g.strip()).astype(bool)
            unknown = genes.isna().to_numpy() | blank.to_numpy()
            if unknown.any():
                ids = transcripts["transcript_id"][unknown]
                problems.append(
                    f"{int(unknown.sum())} transcript(s) have no gene_id (gene unknown): "
                    f"{_preview(ids)}"
                )
            known_genes = pd.Index(genes[~unknown]).unique()

    # ---- samples table
    if samples is not None:
        problems += _duplicates(samples.index, "sample id", "the samples table index")
        problems += _alignment(
            counts.index,
            samples.index,
            what="sample",
            table="the samples table",
            fix="data.samples.loc[data.sample_ids]",
        )

    # ---- count values and library sizes
    value_problems, library_size = _value_problems(counts, "transcript_counts", "transcript")
    problems += value_problems
    # library sizes are unknown while a column is not numeric: report only that problem
    all_numeric = all(_is_count_dtype(dt) for dt in set(counts.dtypes))
    if counts.shape[1] > 0 and all_numeric:
        empty = counts.index[library_size <= 0]
        if len(empty):
            problems.append(
                f"{len(empty)} sample(s) have zero library size (no transcript counts): "
                f"{_preview(empty)}"
            )

    # ---- optional gene counts
    if gene_counts is not None:
        problems += _duplicates(gene_counts.columns, "gene id", "the gene_counts columns")
        problems += _duplicates(gene_counts.index, "sample id", "the gene_counts rows")
        if known_genes is not None:
            unknown_genes = gene_counts.columns[~gene_counts.columns.isin(known_genes)].unique()
            if len(unknown_genes):
                problems.append(
                    f"{len(unknown_genes)} gene_counts column(s) are not genes of the "
                    f"transcripts table: {_preview(unknown_genes)}"
                )
        problems += _alignment(
            counts.index,
            gene_counts.index,
            what="sample",
            table="the gene_counts rows",
            fix="data.gene_counts.loc[data.sample_ids]",
        )
        problems += _value_problems(gene_counts, "gene_counts", "gene")[0]

    # ---- optional layers (TPM, effective length): same rows and columns as the counts
    for name, layer in (getattr(data, "layers", None) or {}).items():
        if not isinstance(layer, pd.DataFrame):
            problems.append(f"layer {name!r} must be a pandas DataFrame, got "
                            f"{type(layer).__name__}")
        elif not (layer.index.equals(counts.index) and layer.columns.equals(counts.columns)):
            problems.append(
                f"layer {name!r} has shape {layer.shape} and must have the rows and columns "
                f"of transcript_counts {counts.shape}, in the same order"
            )

    # ---- enough samples for a backend
    if counts.shape[0] < min_samples:
        problems.append(
            f"only {counts.shape[0]} sample(s); at least min_samples={min_samples} are needed"
        )
    return problems
