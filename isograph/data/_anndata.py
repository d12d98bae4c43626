"""Convert between :class:`~isograph.data.IsoformData` and :class:`anndata.AnnData`."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from scipy import sparse

from ._container import IsoformData
from ._validation import validate_isoform_data

__all__ = ["from_anndata", "to_anndata"]

_ANNDATA_GENE_COUNTS = "gene_counts"  # obsm key
_ANNDATA_METADATA = "isograph_metadata"  # uns key


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
