"""The in-memory dataset: transcript counts with their gene map and sample table."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ._validation import validate_isoform_data

# 2: optional per-transcript layers (TPM, effective length); version 1 folders still read.
SCHEMA_VERSION = 2


@dataclass
class IsoformData:
    """Transcript-level counts of bulk RNA-seq samples with their annotations.

    Orientation follows scikit-learn: rows are samples, columns are transcripts.

    Parameters
    ----------
    transcript_counts : pandas.DataFrame
        Samples x transcripts. Index: sample ids; columns: transcript ids.
    transcripts : pandas.DataFrame
        One row per transcript with at least the columns ``transcript_id`` and
        ``gene_id``. Extra columns (e.g. ``transcript_name``) are kept.
    samples : pandas.DataFrame, optional
        Sample table indexed by sample id: covariates and traits. Defaults to an
        empty table over the count matrix's samples.
    gene_counts : pandas.DataFrame, optional
        Samples x genes counts. When absent, gene counts are the sums of their
        transcripts (see :attr:`gene_count_matrix`).
    layers : dict of str to pandas.DataFrame, optional
        Further samples x transcripts matrices aligned with ``transcript_counts``,
        e.g. ``"tpm"`` and ``"effective_length"`` from a quantifier
        (:func:`read_quantifications`).

    Attributes
    ----------
    metadata : dict
        Free-form provenance (e.g. the generator's parameters) kept in the manifest.

    See Also
    --------
    validate_isoform_data : The checks behind :meth:`validate`.
    write_dataset, read_dataset : Dataset folders behind :meth:`write` / :meth:`read`.
    from_csv, from_anndata, to_anndata : Conversions.

    Notes
    -----
    The constructor stores what it is given; :meth:`validate` checks it and
    reports every problem at once.

    Examples
    --------
    >>> import pandas as pd
    >>> from isograph.data import IsoformData
    >>> counts = pd.DataFrame(
    ...     [[5, 1, 7], [2, 4, 3], [6, 0, 9]],
    ...     index=["s1", "s2", "s3"],
    ...     columns=["t1", "t2", "t3"],
    ... )
    >>> transcripts = pd.DataFrame(
    ...     {"transcript_id": ["t1", "t2", "t3"], "gene_id": ["g1", "g1", "g2"]}
    ... )
    >>> data = IsoformData(counts, transcripts).validate()
    >>> data.gene_count_matrix.loc["s1"].tolist()
    [6, 7]
    """

    transcript_counts: pd.DataFrame
    transcripts: pd.DataFrame
    samples: pd.DataFrame | None = None
    gene_counts: pd.DataFrame | None = None
    metadata: dict = field(default_factory=dict)
    layers: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.samples is None:
            self.samples = pd.DataFrame(index=self.transcript_counts.index.copy())
        if self.samples.index.name is None:
            self.samples.index.name = "sample_id"

    # ------------------------------------------------------------------ views
    @property
    def sample_ids(self) -> pd.Index:
        """Sample ids, in row order of the count matrix."""
        return self.transcript_counts.index

    @property
    def transcript_ids(self) -> pd.Index:
        """Transcript ids, in column order of the count matrix."""
        return self.transcript_counts.columns

    @property
    def transcript_to_gene(self) -> pd.Series:
        """Series mapping ``transcript_id`` -> ``gene_id`` for the count columns."""
        mapping = self.transcripts.set_index("transcript_id")["gene_id"]
        return mapping.reindex(self.transcript_ids).rename("gene_id")

    @property
    def gene_ids(self) -> pd.Index:
        """Gene ids in order of first appearance among the transcripts."""
        return pd.Index(pd.unique(self.transcript_to_gene.dropna()), name="gene_id")

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.transcript_counts.shape[0])

    @property
    def gene_count_matrix(self) -> pd.DataFrame:
        """Samples x genes counts: ``gene_counts`` when given, else transcript sums."""
        if self.gene_counts is not None:
            return self.gene_counts
        t2g = self.transcript_to_gene
        summed = self.transcript_counts.T.groupby(t2g.values, sort=False).sum().T
        return summed.reindex(columns=self.gene_ids)

    def subset_samples(self, samples) -> IsoformData:
        """Return a copy restricted to ``samples`` (ids or a boolean mask)."""
        counts = self.transcript_counts.loc[samples]
        keep = counts.index
        gene_counts = None if self.gene_counts is None else self.gene_counts.loc[keep]
        layers = {name: layer.loc[keep].copy() for name, layer in (self.layers or {}).items()}
        return IsoformData(
            transcript_counts=counts.copy(),
            transcripts=self.transcripts.copy(),
            samples=self.samples.loc[keep].copy(),
            gene_counts=None if gene_counts is None else gene_counts.copy(),
            metadata=dict(self.metadata),
            layers=layers,
        )

    # --------------------------------------------------------- checks and I/O
    def validate(self, min_samples: int = 3) -> IsoformData:
        """Check the dataset and report every problem at once.

        Parameters
        ----------
        min_samples : int, default=3
            Fewest samples accepted.

        Returns
        -------
        IsoformData
            ``self``, so that calls chain.

        Raises
        ------
        IsoformDataError
            Listing every problem found (see :func:`validate_isoform_data`).
        """
        validate_isoform_data(self, min_samples=min_samples)
        return self

    def write(self, path, *, overwrite: bool = False) -> Path:
        """Write a dataset folder; see :func:`write_dataset`.

        Parameters
        ----------
        path : str or os.PathLike
            The folder to create.
        overwrite : bool, default=False
            Replace an existing dataset folder.

        Returns
        -------
        pathlib.Path
            The folder written.
        """
        from ._io import write_dataset

        return write_dataset(self, path, overwrite=overwrite)

    @classmethod
    def read(cls, path, *, validate: bool = True) -> IsoformData:
        """Read a dataset folder; see :func:`read_dataset`.

        Parameters
        ----------
        path : str or os.PathLike
            The dataset folder.
        validate : bool, default=True
            Check the dataset read.

        Returns
        -------
        IsoformData
        """
        from ._io import read_dataset

        return read_dataset(path, validate=validate)

    @classmethod
    def from_csv(cls, counts_csv, transcripts_csv, samples_csv=None, **kwargs) -> IsoformData:
        """Build a dataset from delimited text files; see :func:`from_csv`.

        Parameters
        ----------
        counts_csv, transcripts_csv, samples_csv
            The count matrix, transcript table and (optional) sample table.
        **kwargs
            ``gene_counts_csv``, ``orientation``, ``sep``, ``transcript_column``,
            ``gene_column``, ``validate``.

        Returns
        -------
        IsoformData
        """
        from ._csv import from_csv

        return from_csv(counts_csv, transcripts_csv, samples_csv, **kwargs)

    @classmethod
    def from_anndata(
        cls, adata, *, gene_key: str = "gene_id", layer: str | None = None, validate: bool = True
    ) -> IsoformData:
        """Build a dataset from an :class:`anndata.AnnData`; see :func:`from_anndata`.

        Parameters
        ----------
        adata : anndata.AnnData
            Samples x transcripts.
        gene_key : str, default="gene_id"
            Column of ``adata.var`` with the gene ids.
        layer : str, optional
            Layer holding the counts; ``adata.X`` when None.
        validate : bool, default=True
            Check the result.

        Returns
        -------
        IsoformData
        """
        from ._anndata import from_anndata

        return from_anndata(adata, gene_key=gene_key, layer=layer, validate=validate)

    def to_anndata(self):
        """Convert to an :class:`anndata.AnnData`; see :func:`to_anndata`.

        Returns
        -------
        anndata.AnnData
        """
        from ._anndata import to_anndata

        return to_anndata(self)

    def __repr__(self) -> str:
        n_genes = len(self.gene_ids)
        return (
            f"IsoformData(n_samples={self.n_samples}, n_transcripts={len(self.transcript_ids)}, "
            f"n_genes={n_genes}, sample_columns={list(self.samples.columns)})"
        )
