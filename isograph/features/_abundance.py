"""Gene abundance channel: log-CPM of gene counts, standardized."""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from ._mapping import (
    GeneGroups,
    input_feature_names,
    resolve_transcript_to_gene,
    sum_by_gene,
    validate_counts,
)


def log_cpm(gene_counts: np.ndarray, library_size: np.ndarray, prior_count: float) -> np.ndarray:
    """``log2((count + prior) / (library_size + 2 * prior) * 1e6)`` per sample and gene.

    Parameters
    ----------
    gene_counts : ndarray of shape (n_samples, n_genes)
    library_size : ndarray of shape (n_samples,)
    prior_count : float
        Positive count added to every gene (voom's 0.5 by default upstream).

    Returns
    -------
    ndarray of shape (n_samples, n_genes)
    """
    denom = library_size[:, None] + 2.0 * prior_count
    return np.log2((gene_counts + prior_count) / denom * 1e6)


class GeneAbundance(TransformerMixin, BaseEstimator):
    """Gene log-CPM, standardized with the fit samples' mean and spread.

    Parameters
    ----------
    transcript_to_gene : pandas.Series, dict, callable, array-like or None, default=None
        When given, ``X`` holds transcript counts and each gene's count is the
        sum of its transcripts (same forms as in :class:`SwitchCoordinates`).
        When None, the columns of ``X`` are already gene counts.
    prior_count : float, default=0.5
        Count added to every gene before the log (voom's convention).
    standardize : bool, default=True
        Subtract each gene's fit mean and divide by its fit standard deviation
        (a gene constant in ``fit`` is only centred).

    Attributes
    ----------
    genes_ : pandas.Index
        Output gene ids, in order of first appearance among the columns.
    mean_ : pandas.Series
        Per gene, the mean log-CPM over the fit samples.
    scale_ : pandas.Series
        Per gene, the standard deviation of log-CPM over the fit samples
        (1 where it is 0).
    n_features_in_ : int
        Number of input columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Input column names seen in ``fit`` (when ``X`` has string column names).

    See Also
    --------
    SwitchCoordinates : the isoform-switch channel.
    MultiplexFeatures : both channels side by side.

    Notes
    -----
    The library size of a sample is the sum of all columns of ``X`` (all
    transcripts, or all genes), so it is computed per sample and ``transform``
    of a new sample uses that sample's own depth. log-CPM is
    ``log2((count + prior_count) / (library_size + 2 * prior_count) * 1e6)``.

    Examples
    --------
    >>> import pandas as pd
    >>> from isograph.features import GeneAbundance
    >>> counts = pd.DataFrame([[10, 30, 5], [20, 60, 10], [5, 5, 40]],
    ...                       columns=["t1", "t2", "t3"])
    >>> ga = GeneAbundance({"t1": "A", "t2": "A", "t3": "B"}, standardize=False)
    >>> ga.set_output(transform="pandas").fit_transform(counts).round(2)
           A      B
    0  19.75  16.87
    1  19.75  16.82
    2  17.65  19.60
    """

    _parameter_constraints: dict = {
        "transcript_to_gene": [None, "array-like", Mapping, callable],
        "prior_count": [Interval(Real, 0, None, closed="neither")],
        "standardize": ["boolean"],
    }

    def __init__(self, transcript_to_gene=None, *, prior_count=0.5, standardize=True):
        self.transcript_to_gene = transcript_to_gene
        self.prior_count = prior_count
        self.standardize = standardize

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the gene grouping and each gene's log-CPM mean and spread.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_columns)
            Non-negative transcript counts (or gene counts when
            ``transcript_to_gene`` is None).
        y : None
            Ignored.

        Returns
        -------
        self : GeneAbundance
        """
        X = validate_counts(self, X, reset=True, method="fit")
        labels = resolve_transcript_to_gene(
            self.transcript_to_gene,
            input_feature_names(self),
            owner="GeneAbundance",
            allow_none=True,
        )
        self._groups = GeneGroups.from_labels(labels)
        self.genes_ = pd.Index(self._groups.genes, name="gene_id", dtype=object)
        values = self._log_cpm(X)
        scale = values.std(axis=0)
        scale[scale == 0] = 1.0
        self.mean_ = pd.Series(values.mean(axis=0), index=self.genes_, name="mean")
        self.scale_ = pd.Series(scale, index=self.genes_, name="scale")
        return self

    def _log_cpm(self, X: np.ndarray) -> np.ndarray:
        return log_cpm(sum_by_gene(X, self._groups), X.sum(axis=1), self.prior_count)

    def transform(self, X):
        """Gene log-CPM of each sample (standardized when ``standardize``).

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_columns)
            Counts with the columns seen in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, n_genes)
        """
        check_is_fitted(self)
        X = validate_counts(self, X, reset=False, method="transform")
        values = self._log_cpm(X)
        if self.standardize:
            values = (values - self.mean_.to_numpy()) / self.scale_.to_numpy()
        return values

    def get_feature_names_out(self, input_features=None):
        """Output feature names: the gene ids in ``genes_``.

        Parameters
        ----------
        input_features : array-like of str or None
            Checked against the input seen in ``fit``; not used otherwise.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self)
        _check_feature_names_in(self, input_features, generate_names=False)
        return np.asarray(self.genes_, dtype=object)
