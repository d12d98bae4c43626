"""The in-memory dataset: transcript counts with their gene map and sample table."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SCHEMA_VERSION = 1


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

    Attributes
    ----------
    metadata : dict
        Free-form provenance (e.g. the generator's parameters) kept in the manifest.

    Notes
    -----
    The constructor stores what it is given; :meth:`validate` checks it and
    reports every problem at once.
    """

    transcript_counts: pd.DataFrame
    transcripts: pd.DataFrame
    samples: pd.DataFrame | None = None
    gene_counts: pd.DataFrame | None = None
    metadata: dict = field(default_factory=dict)

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
        return IsoformData(
            transcript_counts=counts.copy(),
            transcripts=self.transcripts.copy(),
            samples=self.samples.loc[keep].copy(),
            gene_counts=None if gene_counts is None else gene_counts.copy(),
            metadata=dict(self.metadata),
        )

    def __repr__(self) -> str:
        n_genes = len(self.gene_ids)
        return (
            f"IsoformData(n_samples={self.n_samples}, n_transcripts={len(self.transcript_ids)}, "
            f"n_genes={n_genes}, sample_columns={list(self.samples.columns)})"
        )
