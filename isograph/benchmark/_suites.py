"""Benchmark suites: a preset name, optionally ``-permuted``, and its dataset per seed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import IsoformData
from ._presets import list_presets
from ._synthetic import SyntheticDataset, make_isoform_dataset

PERMUTED_SUFFIX = "-permuted"


def parse_suite(suite: str) -> tuple[str, bool]:
    """Split a suite name into its preset and whether it is permuted.

    Parameters
    ----------
    suite : str
        A preset from :func:`~isograph.benchmark.list_presets`, optionally
        followed by ``"-permuted"``.

    Returns
    -------
    preset : str
    permuted : bool
    """
    if not isinstance(suite, str):
        raise ValueError(f"suite must be a string, got {suite!r}")
    permuted = suite.endswith(PERMUTED_SUFFIX)
    preset = suite[: -len(PERMUTED_SUFFIX)] if permuted else suite
    if preset not in list_presets():
        valid = list_presets() + [p + PERMUTED_SUFFIX for p in list_presets()]
        raise ValueError(f"suite must be one of {valid}, got {suite!r}")
    return preset, permuted


def permute_genes(data: IsoformData, random_state=None) -> IsoformData:
    """Shuffle the samples of every gene independently: a null version of a dataset.

    All transcripts of a gene share one permutation, so each gene keeps its
    isoform structure and every feature keeps its distribution, while all
    co-variation between genes (modules, batch and confounder effects) is
    destroyed. The ``"<preset>-permuted"`` benchmark suites are built with it;
    on real data, a backend that finds modules in the permuted copy is
    finding noise.

    Parameters
    ----------
    data : IsoformData
        The dataset to shuffle (not modified).
    random_state : int, numpy.random.Generator or None, optional
        Seed of the permutations.

    Returns
    -------
    IsoformData
        The shuffled transcript counts with the same transcripts and samples
        tables, no gene counts (they are summed again from the shuffled
        transcripts) and ``metadata["permuted"] = True``.
    """
    rng = np.random.default_rng(random_state)
    counts = data.transcript_counts
    values = counts.to_numpy().copy()
    genes = data.transcript_to_gene.reindex(counts.columns).to_numpy()
    for gene in pd.unique(genes):
        cols = np.flatnonzero(genes == gene)
        values[:, cols] = values[np.ix_(rng.permutation(values.shape[0]), cols)]
    shuffled = pd.DataFrame(values, index=counts.index, columns=counts.columns)
    metadata = dict(data.metadata, permuted=True)
    return IsoformData(transcript_counts=shuffled, transcripts=data.transcripts,
                       samples=data.samples, gene_counts=None, metadata=metadata)


def make_suite_dataset(suite: str, seed: int) -> SyntheticDataset:
    """The synthetic dataset of ``suite`` for ``seed``.

    Permuted suites (``"<preset>-permuted"``) shuffle every gene's samples
    (:func:`permute_genes`); their truth has no module (every ``module_id`` is
    ``-1`` and every role ``"background"``).
    """
    preset, permuted = parse_suite(suite)
    ds = make_isoform_dataset(preset, random_state=seed)
    if not permuted:
        return ds
    genes = ds.genes.assign(module_id=-1, role="background")
    params = dict(ds.params, permuted=True)
    data = permute_genes(ds.data, random_state=np.random.SeedSequence([seed, 1]))
    return SyntheticDataset(data=data, genes=genes, module_latents=ds.module_latents.iloc[:, :0],
                            params=params)
