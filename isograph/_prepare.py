"""Before the features: sample-table checks, per-sample QC and the expressed-gene filter."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._core._warn import warn
from .features import ExpressedGeneFilter, SampleQC
from .features._qc import TraitWarning

#: A trait with at most this share of distinct values (per sample) defines filter groups.
_GROUP_LEVEL_SHARE = 0.5


def check_columns(samples: pd.DataFrame, covariates: list, traits: list) -> None:
    """Fail before any work when a named covariate or trait is not a sample-table column."""
    available = list(samples.columns)
    for name, given in (("covariates", covariates), ("traits", traits)):
        missing = [c for c in given if c not in samples.columns]
        if missing:
            raise ValueError(
                f"{name} {missing} are not columns of the sample table; available columns: "
                f"{available}. Name existing columns (or add them to data.samples)"
            )


def uninformative_traits(samples: pd.DataFrame, traits: list) -> dict:
    """Traits that cannot be tested: constant, one level, or fewer than 3 known values.

    Returns ``{trait: reason}`` and warns with :class:`TraitWarning` when any.
    """
    reasons = {}
    for trait in traits:
        col = samples[trait]
        known = col.dropna()
        if len(known) < 3:
            reasons[trait] = f"{len(known)} non-missing values (3 needed)"
        elif known.astype(str).nunique() < 2:
            reasons[trait] = f"a single value ({known.iloc[0]!r}) in every sample"
    if reasons:
        listed = "; ".join(f"{t}: {why}" for t, why in reasons.items())
        warn(f"traits not tested against eigengenes: {listed}. They are listed in "
             "result.calibration['qc']['untested_traits']", TraitWarning)
    return reasons


def filter_groups(samples: pd.DataFrame, traits: list) -> tuple[pd.Series | None, list]:
    """edgeR-style groups for the expression filter: the combination of discrete traits.

    A trait counts as discrete when it has at most half as many distinct
    values as samples; continuous traits and missing values are left out.
    """
    n = len(samples)
    discrete = [t for t in traits
                if 2 <= samples[t].dropna().astype(str).nunique() <= max(2, _GROUP_LEVEL_SHARE * n)]
    if not discrete:
        return None, []
    return samples[discrete].astype(str).agg("|".join, axis=1), discrete


def make_filter(expression_filter, transcript_to_gene) -> ExpressedGeneFilter | None:
    """The filter estimator for ``expression_filter`` (True, False/None or an estimator)."""
    if expression_filter is None or expression_filter is False:
        return None
    if expression_filter is True:
        return ExpressedGeneFilter(transcript_to_gene)
    if isinstance(expression_filter, ExpressedGeneFilter):
        return expression_filter.set_params(transcript_to_gene=transcript_to_gene)
    raise ValueError(f"expression_filter must be True, False or an ExpressedGeneFilter, got "
                     f"{expression_filter!r}")


def make_qc(sample_qc) -> SampleQC | None:
    """The QC estimator for ``sample_qc`` (True, False/None or a SampleQC)."""
    if sample_qc is None or sample_qc is False:
        return None
    if sample_qc is True:
        return SampleQC()
    if isinstance(sample_qc, SampleQC):
        return sample_qc
    raise ValueError(f"sample_qc must be True, False or a SampleQC, got {sample_qc!r}")


def prepare_counts(data, *, traits: list, expression_filter=True, sample_qc=True):
    """QC the samples and filter the genes of ``data``.

    Returns
    -------
    counts : DataFrame
        Samples x kept transcripts.
    transcript_to_gene : Series
        The map restricted to the kept transcripts.
    report : dict
        ``sample_qc`` (records), ``flagged_samples``, ``expression_filter``
        (parameters, groups, genes and transcripts in and kept).
    """
    counts = data.transcript_counts
    t2g = data.transcript_to_gene
    report: dict = {}
    qc = make_qc(sample_qc)
    if qc is not None:
        qc.fit(counts)
        report["sample_qc"] = qc.qc_.to_dict(orient="records")
        report["flagged_samples"] = [str(s) for s in qc.flagged_samples_]
    filt = make_filter(expression_filter, t2g)
    if filt is not None:
        groups, group_traits = filter_groups(data.samples.loc[counts.index], traits)
        filt.fit(counts, None if groups is None else groups.to_numpy())
        keep = filt.keep_
        counts = counts.loc[:, keep]
        t2g = filt.transcript_to_gene_
        report["expression_filter"] = {
            "params": {k: v for k, v in filt.get_params().items() if k != "transcript_to_gene"},
            "group_traits": group_traits,
            "n_groups": 1 if groups is None else int(groups.nunique()),
            "min_samples": float(filt.min_samples_), "cpm_cutoff": float(filt.cpm_cutoff_),
            "n_genes_in": int(filt.n_genes_in_), "n_genes_kept": int(len(filt.genes_)),
            "n_transcripts_in": int(keep.size), "n_transcripts_kept": int(np.sum(keep)),
        }
    return counts, t2g, report


def recorded_counts(data, config: dict):
    """Counts and map as a fit recorded in ``fit_config.json`` saw them (deterministic)."""
    recorded = config.get("expression_filter")
    if not recorded:
        return data.transcript_counts, data.transcript_to_gene
    filt = ExpressedGeneFilter(data.transcript_to_gene, **recorded.get("params", {}))
    groups, _ = filter_groups(data.samples.loc[data.transcript_counts.index],
                              list(config.get("traits") or []))
    filt.fit(data.transcript_counts, None if groups is None else groups.to_numpy())
    return data.transcript_counts.loc[:, filt.keep_], filt.transcript_to_gene_
