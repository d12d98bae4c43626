"""Build an :class:`~isograph.data.IsoformData` from CSV files or AnnData, and back."""

from __future__ import annotations

import copy
import os
from pathlib import PurePath

import numpy as np
import pandas as pd
from scipy import sparse

from ._container import IsoformData
from ._validation import validate_isoform_data

__all__ = ["from_anndata", "from_csv", "to_anndata"]

_ORIENTATIONS = ("samples_x_transcripts", "transcripts_x_samples")
_TAB_SUFFIXES = {".tsv", ".tab", ".txt"}
_COMPRESSION_SUFFIXES = {".gz", ".bz2", ".xz", ".zst", ".zip"}
_ANNDATA_GENE_COUNTS = "gene_counts"  # obsm key
_ANNDATA_METADATA = "isograph_metadata"  # uns key


# ------------------------------------------------------------------------ CSV
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


# -------------------------------------------------------------------- AnnData
def _require_anndata():
    try:
        import anndata
    except ImportError as err:
        raise ImportError(
            "AnnData conversion needs the optional dependency 'anndata'; install it with "
            "`pip install isograph[anndata]`."
        ) from err
    return anndata


def from_anndata(
    adata,
    *,
    gene_key: str = "gene_id",
    layer: str | None = None,
    validate: bool = True,
) -> IsoformData:
    """Build an :class:`IsoformData` from an :class:`anndata.AnnData`.

    Parameters
    ----------
    adata : anndata.AnnData
        Observations are samples (``obs`` becomes the sample table) and
        variables are transcripts (``var_names`` are transcript ids, ``var``
        keeps their annotations). A DataFrame in ``obsm["gene_counts"]`` becomes
        the gene counts; a dict in ``uns["isograph_metadata"]`` the metadata;
        layers other than ``layer`` become the dataset's ``layers``.
    gene_key : str, default="gene_id"
        Column of ``adata.var`` holding each transcript's gene id.
    layer : str, optional
        Layer holding the counts; ``adata.X`` when None. Dense or scipy sparse.
    validate : bool, default=True
        Check the result with :func:`validate_isoform_data` (``min_samples=1``).

    Returns
    -------
    IsoformData

    Raises
    ------
    ImportError
        If anndata is not installed.
    ValueError
        If ``gene_key`` is not a column of ``adata.var`` or ``layer`` is unknown.
    """
    anndata = _require_anndata()
    if not isinstance(adata, anndata.AnnData):
        raise TypeError(f"adata must be an anndata.AnnData, got {type(adata).__name__}.")
    if gene_key not in adata.var.columns:
        raise ValueError(
            f"gene_key={gene_key!r} is not a column of adata.var; its columns are "
            f"{list(adata.var.columns)}."
        )
    if layer is None:
        matrix = adata.X
        if matrix is None:
            raise ValueError("adata.X is empty; pass layer= to name the layer holding counts.")
    elif layer in adata.layers:
        matrix = adata.layers[layer]
    else:
        raise ValueError(
            f"layer={layer!r} is not a layer of adata; its layers are {list(adata.layers)}."
        )
    values = matrix.toarray() if sparse.issparse(matrix) else np.asarray(matrix)

    sample_ids = pd.Index(adata.obs_names, name=adata.obs.index.name or "sample_id")
    transcript_ids = pd.Index(adata.var_names, name=adata.var.index.name or "transcript_id")
    counts = pd.DataFrame(values, index=sample_ids.copy(), columns=transcript_ids.copy())

    var = adata.var.drop(
        columns=[
            c for c in ("transcript_id", "gene_id") if c != gene_key and c in adata.var.columns
        ]
    )
    transcripts = var.rename(columns={gene_key: "gene_id"}).reset_index(drop=True)
    if isinstance(transcripts["gene_id"].dtype, pd.CategoricalDtype):
        transcripts["gene_id"] = transcripts["gene_id"].astype(object)
    transcripts.insert(0, "transcript_id", np.asarray(transcript_ids, dtype=object))

    samples = adata.obs.copy()
    samples.index = sample_ids.copy()

    gene_counts = None
    stored = adata.obsm[_ANNDATA_GENE_COUNTS] if _ANNDATA_GENE_COUNTS in adata.obsm else None
    if stored is not None:
        if not isinstance(stored, pd.DataFrame):
            raise ValueError(
                f"adata.obsm[{_ANNDATA_GENE_COUNTS!r}] must be a DataFrame with gene ids as "
                f"columns, got {type(stored).__name__}."
            )
        gene_counts = stored.copy()
        gene_counts.index = sample_ids.copy()
        if gene_counts.columns.name is None:
            gene_counts.columns.name = "gene_id"

    metadata = copy.deepcopy(dict(adata.uns.get(_ANNDATA_METADATA, {})))
    # The other layers (e.g. TPM and effective length from a quantifier) ride along.
    layers = {
        name: pd.DataFrame(
            m.toarray() if sparse.issparse(m) else np.asarray(m),
            index=sample_ids.copy(), columns=transcript_ids.copy(),
        )
        for name, m in adata.layers.items() if name != layer
    }
    data = IsoformData(
        transcript_counts=counts,
        transcripts=transcripts,
        samples=samples,
        gene_counts=gene_counts,
        metadata=metadata,
        layers=layers,
    )
    if validate:
        validate_isoform_data(data, min_samples=1)
    return data


def to_anndata(data: IsoformData):
    """Convert an :class:`IsoformData` to an :class:`anndata.AnnData`.

    Samples become observations (``obs`` is the sample table) and transcripts
    variables (``var`` is the transcript table indexed by transcript id, with a
    ``gene_id`` column); ``X`` holds the counts. Gene counts go to
    ``obsm["gene_counts"]``, metadata to ``uns["isograph_metadata"]`` and the
    dataset's ``layers`` (e.g. TPM) to ``layers``, so :func:`from_anndata`
    restores the dataset.

    Parameters
    ----------
    data : IsoformData
        A dataset that passes :func:`validate_isoform_data` with ``min_samples=1``.

    Returns
    -------
    anndata.AnnData
        Ids are converted to strings, as AnnData requires.

    Raises
    ------
    ImportError
        If anndata is not installed.
    IsoformDataError
        If ``data`` is invalid.
    """
    anndata = _require_anndata()
    if not isinstance(data, IsoformData):
        raise TypeError(f"data must be an IsoformData, got {type(data).__name__}.")
    validate_isoform_data(data, min_samples=1)

    sample_ids = data.sample_ids.astype(str).rename(data.sample_ids.name)
    obs = data.samples.copy()
    obs.index = sample_ids
    var = data.transcripts.set_index("transcript_id").reindex(data.transcript_ids)
    var.index = data.transcript_ids.astype(str).rename(data.transcript_ids.name)
    adata = anndata.AnnData(X=data.transcript_counts.to_numpy(copy=True), obs=obs, var=var)
    if data.gene_counts is not None:
        gene_counts = data.gene_counts.copy()
        gene_counts.index = sample_ids
        adata.obsm[_ANNDATA_GENE_COUNTS] = gene_counts
    if data.metadata:
        adata.uns[_ANNDATA_METADATA] = copy.deepcopy(data.metadata)
    for name, layer in (data.layers or {}).items():
        adata.layers[name] = layer.to_numpy(copy=True)
    return adata
