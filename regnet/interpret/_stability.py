"""Seed-to-seed stability of per-gene weights: signal versus training noise."""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["seed_stability"]


def seed_stability(weights: Mapping, *, threshold: float = 1.0) -> pd.DataFrame:
    """Per-gene spread of a weight across training runs, and rank agreement between runs.

    Train the same model with different seeds (same data and split), compute
    the same weight on each (e.g. :func:`shrinkage_weights`), and pass them
    here. A gene is *unstable* when its weight moves more between seeds than
    the weights of different genes differ: its seed-to-seed standard
    deviation exceeds ``threshold`` times the standard deviation, across
    genes, of the seed-averaged weight. Differences between such genes are
    training noise, not a property of the genes.

    Parameters
    ----------
    weights : mapping of label -> pandas.DataFrame or pandas.Series
        At least two runs; a DataFrame needs a ``weight`` column. Genes are
        matched by index; a gene counts where every run has a finite weight.
    threshold : float, default=1.0
        Ratio of seed-to-seed to between-gene standard deviation above which
        a gene is flagged.

    Returns
    -------
    pandas.DataFrame
        Indexed by gene (the union of the runs' genes): ``mean``, ``std``
        (across seeds, ``ddof=1``), ``min``, ``max``, ``n_runs`` (finite
        weights), ``noise_ratio`` (``std`` / between-gene standard deviation)
        and ``unstable`` (False where fewer than every run has a weight, with
        ``noise_ratio`` NaN). ``attrs`` holds ``spearman`` (a DataFrame of
        pairwise rank correlations between runs), ``mean_spearman``,
        ``min_spearman``, ``between_gene_std``, ``median_seed_std`` and
        ``n_unstable``.
    """
    if not isinstance(weights, Mapping) or len(weights) < 2:
        raise ValueError("weights must be a mapping of at least two runs (label -> weights); "
                         f"got {type(weights).__name__} of length "
                         f"{len(weights) if hasattr(weights, '__len__') else 'n/a'}.")
    if not isinstance(threshold, numbers.Real) or not threshold > 0:
        raise ValueError(f"threshold must be a positive number; got {threshold!r}.")
    columns = {}
    for label, frame in weights.items():
        if isinstance(frame, pd.DataFrame):
            if "weight" not in frame.columns:
                raise ValueError(f"weights[{label!r}] lacks a 'weight' column; pass the "
                                 "output of shrinkage_weights or encoder_weights.")
            frame = frame["weight"]
        if not isinstance(frame, pd.Series):
            raise TypeError(f"weights[{label!r}] must be a DataFrame or Series indexed by gene; "
                            f"got {type(frame).__name__}.")
        columns[str(label)] = frame.astype(np.float64)
    table = pd.concat(columns, axis=1)
    complete = table.notna().all(axis=1)
    result = pd.DataFrame({
        "mean": table.mean(axis=1),
        "std": table.std(axis=1, ddof=1),
        "min": table.min(axis=1),
        "max": table.max(axis=1),
        "n_runs": table.notna().sum(axis=1),
    })
    between = float(result.loc[complete, "mean"].std(ddof=1)) if complete.sum() > 1 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = result["std"] / between
    result["noise_ratio"] = ratio.where(complete)
    result["unstable"] = (result["noise_ratio"] > threshold).fillna(False).astype(bool)
    labels = list(columns)
    rho = pd.DataFrame(np.eye(len(labels)), index=labels, columns=labels)
    full = table.loc[complete]
    for a, b in itertools.combinations(labels, 2):
        value = (float(stats.spearmanr(full[a], full[b])[0]) if len(full) >= 3 else np.nan)
        rho.loc[a, b] = rho.loc[b, a] = value
    pairs = rho.to_numpy()[np.triu_indices(len(labels), 1)]
    result.index.name = "gene"
    result.attrs.update(
        spearman=rho, mean_spearman=float(np.mean(pairs)), min_spearman=float(np.min(pairs)),
        between_gene_std=between, median_seed_std=float(result.loc[complete, "std"].median()),
        n_unstable=int(result["unstable"].sum()), threshold=float(threshold),
    )
    return result
