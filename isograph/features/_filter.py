"""Expressed-gene filter in the spirit of edgeR's ``filterByExpr``, on transcript counts."""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from .._core._warn import warn
from ._mapping import (
    GeneGroups,
    input_feature_names,
    resolve_transcript_to_gene,
    sum_by_gene,
    validate_counts,
)


class ExpressionFilterWarning(UserWarning):
    """The expressed-gene filter kept no gene, or kept genes from too few samples."""


def min_sample_size(groups, n_samples: int, *, large_n: int, min_prop: float) -> float:
    """Minimum sample size as in edgeR: the smallest group, relaxed above ``large_n``.

    Without groups every sample is one group (edgeR's default without a design).
    """
    if groups is None:
        size = float(n_samples)
    else:
        counts = pd.Series(np.asarray(groups, dtype=object)).value_counts(dropna=True)
        size = float(counts.min()) if len(counts) else float(n_samples)
    if size > large_n:
        size = large_n + (size - large_n) * min_prop
    return size


class ExpressedGeneFilter(TransformerMixin, BaseEstimator):
    """Keep the transcripts of genes expressed in enough samples.

    A gene is kept when its count-per-million reaches ``min_count`` scaled to
    the median library size in at least the minimum sample size, and its
    total count reaches ``min_total_count`` (edgeR ``filterByExpr``). Genes
    are judged on the sum of their transcripts and kept or dropped whole, so
    the output columns stay consistent with the transcript -> gene map.

    Parameters
    ----------
    transcript_to_gene : pandas.Series, dict, callable, array-like or None, default=None
        Gene of every column of ``X`` (same forms as in
        :class:`SwitchCoordinates`); None when the columns are already genes.
    min_count : float, default=10
        Minimum count, in a sample of median library size.
    min_total_count : float, default=15
        Minimum count of a gene summed over the samples.
    large_n : int, default=10
        Minimum sample sizes above this are relaxed towards it by ``min_prop``.
    min_prop : float in (0, 1], default=0.7
        Share of the samples above ``large_n`` that must pass.
    min_samples : int or None, default=None
        Use this minimum sample size instead of the one from the groups.

    Attributes
    ----------
    keep_ : ndarray of bool of shape (n_input_features,)
        Which input columns are kept.
    genes_ : pandas.Index
        The kept genes.
    transcript_to_gene_ : pandas.Series
        Kept column name -> gene id.
    cpm_cutoff_ : float
        The CPM cut (``min_count / median library size * 1e6``).
    min_samples_ : float
        Samples that must pass the CPM cut.
    n_genes_in_ : int
        Genes seen in ``fit``.
    library_size_ : ndarray of shape (n_samples,)
        Column sums of ``X`` in ``fit``.

    See Also
    --------
    SampleQC : flags shallow and zero-heavy samples.

    Notes
    -----
    ``fit(X, y)`` takes edgeR's ``group`` as ``y`` (one label per sample): the
    smallest group sets the minimum sample size, so a gene expressed in only
    one condition survives. Without groups all samples form one group, which
    keeps only broadly expressed genes.

    References
    ----------
    Chen Y, Lun ATL, Smyth GK (2016). From reads to genes to pathways:
    differential expression analysis of RNA-Seq experiments using Rsubread
    and the edgeR quasi-likelihood pipeline. F1000Research 5:1438.

    Examples
    --------
    >>> import pandas as pd
    >>> from isograph.features import ExpressedGeneFilter
    >>> counts = pd.DataFrame({"t1": [50, 60, 40], "t2": [0, 1, 0], "t3": [0, 0, 1]})
    >>> f = ExpressedGeneFilter({"t1": "A", "t2": "A", "t3": "B"}).fit(counts)
    >>> list(f.get_feature_names_out())
    ['t1', 't2']
    """

    _parameter_constraints: dict = {
        "transcript_to_gene": [None, "array-like", Mapping, callable],
        "min_count": [Interval(Real, 0, None, closed="left")],
        "min_total_count": [Interval(Real, 0, None, closed="left")],
        "large_n": [Interval(Integral, 1, None, closed="left")],
        "min_prop": [Interval(Real, 0, 1, closed="right")],
        "min_samples": [None, Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, transcript_to_gene=None, *, min_count=10, min_total_count=15,
                 large_n=10, min_prop=0.7, min_samples=None):
        self.transcript_to_gene = transcript_to_gene
        self.min_count = min_count
        self.min_total_count = min_total_count
        self.large_n = large_n
        self.min_prop = min_prop
        self.min_samples = min_samples

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Decide which genes are expressed.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_columns)
            Non-negative transcript (or gene) counts.
        y : array-like of shape (n_samples,), optional
            Sample groups (edgeR's ``group``).

        Returns
        -------
        self : ExpressedGeneFilter
        """
        X = validate_counts(self, X, reset=True, method="fit")
        names = input_feature_names(self)
        labels = resolve_transcript_to_gene(self.transcript_to_gene, names,
                                            owner="ExpressedGeneFilter", allow_none=True)
        if y is not None and len(y) != X.shape[0]:
            raise ValueError(f"ExpressedGeneFilter: y (groups) has {len(y)} entries for "
                             f"{X.shape[0]} samples; pass one group label per sample")
        groups = GeneGroups.from_labels(labels)
        gene_counts = sum_by_gene(X, groups)
        self.library_size_ = X.sum(axis=1)
        median = float(np.median(self.library_size_))
        if median <= 0:
            raise ValueError("ExpressedGeneFilter: the median library size is 0; "
                             "X must hold counts (most samples have reads)")
        self.cpm_cutoff_ = float(self.min_count) / median * 1e6
        if self.min_samples is not None:
            self.min_samples_ = float(min(self.min_samples, X.shape[0]))
        else:
            self.min_samples_ = min_sample_size(y, X.shape[0], large_n=self.large_n,
                                                min_prop=float(self.min_prop))
        lib = np.where(self.library_size_ > 0, self.library_size_, 1.0)
        cpm = gene_counts / lib[:, None] * 1e6
        passing = (cpm >= self.cpm_cutoff_).sum(axis=0) >= self.min_samples_ - 1e-14
        enough = gene_counts.sum(axis=0) >= float(self.min_total_count) - 1e-14
        kept_gene = passing & enough
        self.n_genes_in_ = int(len(groups.genes))
        self.genes_ = pd.Index(groups.genes[kept_gene], name="gene_id", dtype=object)
        self.keep_ = kept_gene[groups.codes]
        self.transcript_to_gene_ = pd.Series(labels[self.keep_], index=names[self.keep_],
                                             name="gene_id", dtype=object)
        if not kept_gene.any():
            warn(
                f"ExpressedGeneFilter kept none of {self.n_genes_in_} genes: none reaches "
                f"{self.cpm_cutoff_:.3g} CPM in {self.min_samples_:g} samples; lower "
                "min_count or pass groups (y) so a gene expressed in one group is kept",
                ExpressionFilterWarning)
        return self

    def transform(self, X):
        """The kept columns of ``X``.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_columns)
            Counts with the columns seen in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, n_kept)
        """
        check_is_fitted(self)
        X = validate_counts(self, X, reset=False, method="transform")
        return X[:, self.keep_]

    def get_feature_names_out(self, input_features=None):
        """Names of the kept columns.

        Parameters
        ----------
        input_features : array-like of str or None
            Checked against the input seen in ``fit``.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        return np.asarray(names, dtype=object)[self.keep_]
