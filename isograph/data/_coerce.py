"""as_isoform_data: what the workflow accepts (IsoformData or AnnData) -> IsoformData."""

from __future__ import annotations

from ._container import IsoformData

__all__ = ["as_isoform_data"]


def _is_anndata(obj) -> bool:
    # Checked by module so that anndata (an optional extra) is never imported here.
    return type(obj).__name__ == "AnnData" and type(obj).__module__.startswith("anndata")


def as_isoform_data(data, *, transcript_to_gene=None) -> IsoformData:
    """Return ``data`` as an :class:`IsoformData`, converting an AnnData.

    Parameters
    ----------
    data : IsoformData or anndata.AnnData
        An AnnData must be samples x transcripts (observations are samples,
        ``var_names`` transcript ids), with the gene of each transcript in
        ``var["gene_id"]`` or given by ``transcript_to_gene``.
    transcript_to_gene : pandas.Series, pandas.DataFrame or path, optional
        Transcript -> gene map for an AnnData (a Series indexed by transcript
        id, a table with ``transcript_id`` and ``gene_id`` columns, or a file
        for :func:`read_transcript_to_gene`); it replaces ``var["gene_id"]``.

    Returns
    -------
    IsoformData
        Not validated (the caller validates with its own minimum).

    Raises
    ------
    TypeError
        If ``data`` is neither, or ``transcript_to_gene`` is given with an IsoformData.
    ValueError
        If the AnnData's transcripts have no gene.
    """
    if isinstance(data, IsoformData):
        if transcript_to_gene is not None:
            raise TypeError(
                "transcript_to_gene is only for an AnnData; an IsoformData carries its map "
                "in data.transcripts."
            )
        return data
    if not _is_anndata(data):
        raise TypeError(
            f"data must be an IsoformData or an anndata.AnnData (samples x transcripts), got "
            f"{type(data).__name__}."
        )
    from ._anndata import from_anndata
    from ._quant import _as_map

    if transcript_to_gene is not None:
        mapping = _as_map(transcript_to_gene, strip_version=False)
        genes = mapping.set_index("transcript_id")["gene_id"].reindex(data.var_names.astype(str))
        absent = genes.index[genes.isna()]
        if len(absent):
            raise ValueError(
                f"{len(absent)} of the AnnData's {data.n_vars} transcripts (var_names, e.g. "
                f"{list(absent[:3])}) are not in transcript_to_gene; subset the AnnData to "
                "mapped transcripts or complete the map."
            )
        data = data.copy()
        data.var["gene_id"] = genes.to_numpy()
    elif "gene_id" not in data.var.columns:
        raise ValueError(
            "the AnnData has no var['gene_id']: it must be samples x transcripts (obs = "
            f"samples, var = transcripts; got {data.n_obs} x {data.n_vars}) with each "
            "transcript's gene in var['gene_id'], or pass transcript_to_gene=."
        )
    return from_anndata(data, gene_key="gene_id", validate=False)
