"""Both channels side by side: ``<gene>::switch`` and ``<gene>::abundance`` columns."""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from ._abundance import GeneAbundance
from ._switch import SwitchCoordinates

#: Channel name of isoform-switch features.
SWITCH_CHANNEL = "switch"
#: Channel name of gene-abundance features.
ABUNDANCE_CHANNEL = "abundance"
#: All channel names, in output order.
CHANNELS = (SWITCH_CHANNEL, ABUNDANCE_CHANNEL)
#: Separator between the gene id and the channel in a feature name.
CHANNEL_SEPARATOR = "::"


def join_feature_name(gene_id: str, channel: str) -> str:
    """Feature name of a gene in a channel, e.g. ``("g1", "switch") -> "g1::switch"``.

    Parameters
    ----------
    gene_id : str
    channel : {"switch", "abundance"}

    Returns
    -------
    str
    """
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}; got {channel!r}.")
    return f"{gene_id}{CHANNEL_SEPARATOR}{channel}"


def split_feature_name(name: str) -> tuple[str, str]:
    """Gene id and channel of a multiplex feature name.

    The channel is the text after the last ``"::"``, so gene ids may contain
    ``"::"`` themselves.

    Parameters
    ----------
    name : str
        E.g. ``"g1::switch"``.

    Returns
    -------
    (gene_id, channel) : tuple of str

    Examples
    --------
    >>> split_feature_name("ENSG01::abundance")
    ('ENSG01', 'abundance')
    """
    gene, sep, channel = str(name).rpartition(CHANNEL_SEPARATOR)
    if not sep or not gene or channel not in CHANNELS:
        raise ValueError(
            f"feature name {name!r} is not '<gene>{CHANNEL_SEPARATOR}<channel>' with a "
            f"channel in {CHANNELS}."
        )
    return gene, channel


class MultiplexFeatures(TransformerMixin, BaseEstimator):
    """Isoform-switch and gene-abundance features of the same transcript counts.

    Fits a :class:`SwitchCoordinates` and a :class:`GeneAbundance` on the same
    counts and concatenates their outputs: first every ``"<gene>::switch"``
    column (multi-isoform genes with a switch axis), then every
    ``"<gene>::abundance"`` column (all genes), genes in order of first
    appearance within each block.

    Parameters
    ----------
    transcript_to_gene : pandas.Series, dict, callable or array-like
        Gene of every transcript column (see :class:`SwitchCoordinates`).
    channels : {"both", "switch", "abundance"}, default="both"
        Which channels to output; names keep their channel suffix either way.
    pseudocount : float, default=0.5
        Zero rule of the switch channel.
    min_gene_count : float, default=10.0
        Minimum mean gene count for a switch coordinate.
    prior_count : float, default=0.5
        Prior count of the abundance log-CPM.
    standardize : bool, default=True
        Standardize both channels with the fit samples' spread, so that they
        are on one scale.

    Attributes
    ----------
    switch_ : SwitchCoordinates or None
        The fitted switch channel (None when not requested).
    abundance_ : GeneAbundance or None
        The fitted abundance channel (None when not requested).
    feature_table_ : pandas.DataFrame
        Indexed by output feature name, with columns ``gene_id`` and ``channel``.
    n_features_in_ : int
        Number of transcripts seen in ``fit``.
    feature_names_in_ : ndarray of str
        Transcript ids seen in ``fit`` (when ``X`` has string column names).

    See Also
    --------
    split_feature_name : ``"g::switch" -> ("g", "switch")``.

    Examples
    --------
    >>> import pandas as pd
    >>> from isograph.features import MultiplexFeatures
    >>> counts = pd.DataFrame([[90, 10, 50], [80, 20, 40], [20, 80, 60], [10, 90, 30]],
    ...                       columns=["t1", "t2", "t3"])
    >>> mf = MultiplexFeatures({"t1": "A", "t2": "A", "t3": "B"}).fit(counts)
    >>> mf.get_feature_names_out().tolist()
    ['A::switch', 'A::abundance', 'B::abundance']
    """

    _parameter_constraints: dict = {
        "transcript_to_gene": [None, "array-like", Mapping, callable],
        "channels": [StrOptions({"both", SWITCH_CHANNEL, ABUNDANCE_CHANNEL})],
        "pseudocount": [Interval(Real, 0, None, closed="neither")],
        "min_gene_count": [Interval(Real, 0, None, closed="left")],
        "prior_count": [Interval(Real, 0, None, closed="neither")],
        "standardize": ["boolean"],
    }

    def __init__(
        self,
        transcript_to_gene=None,
        *,
        channels="both",
        pseudocount=0.5,
        min_gene_count=10.0,
        prior_count=0.5,
        standardize=True,
    ):
        self.transcript_to_gene = transcript_to_gene
        self.channels = channels
        self.pseudocount = pseudocount
        self.min_gene_count = min_gene_count
        self.prior_count = prior_count
        self.standardize = standardize

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags

    def _wants(self, channel: str) -> bool:
        return self.channels in ("both", channel)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the requested channels on transcript counts.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_transcripts)
            Non-negative transcript counts.
        y : None
            Ignored.

        Returns
        -------
        self : MultiplexFeatures
        """
        if self.transcript_to_gene is None:
            raise ValueError(
                "MultiplexFeatures: transcript_to_gene is required (a Series or dict "
                "transcript_id -> gene_id, a callable on column names, or a sequence aligned "
                "with the columns of X); got None."
            )
        self.switch_ = self.abundance_ = None
        fitted = None
        if self._wants(SWITCH_CHANNEL):
            self.switch_ = SwitchCoordinates(
                self.transcript_to_gene,
                pseudocount=self.pseudocount,
                min_gene_count=self.min_gene_count,
                standardize=self.standardize,
            ).set_output(transform="default").fit(X)
            fitted = self.switch_
        if self._wants(ABUNDANCE_CHANNEL):
            self.abundance_ = GeneAbundance(
                self.transcript_to_gene,
                prior_count=self.prior_count,
                standardize=self.standardize,
            ).set_output(transform="default").fit(X)
            fitted = self.abundance_
        self.n_features_in_ = fitted.n_features_in_
        if hasattr(fitted, "feature_names_in_"):
            self.feature_names_in_ = fitted.feature_names_in_
        frames = [
            pd.DataFrame({"gene_id": np.asarray(est.genes_, dtype=object), "channel": channel})
            for est, channel in ((self.switch_, SWITCH_CHANNEL),
                                 (self.abundance_, ABUNDANCE_CHANNEL))
            if est is not None
        ]
        table = pd.concat(frames, ignore_index=True)
        table.index = pd.Index(
            [join_feature_name(g, c) for g, c in zip(table["gene_id"], table["channel"])],
            name="feature",
        )
        self.feature_table_ = table
        return self

    def transform(self, X):
        """Both channels of new samples, in the fitted column order.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_transcripts)
            Counts with the columns seen in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, n_output_features)
        """
        check_is_fitted(self)
        blocks = [est.transform(X) for est in (self.switch_, self.abundance_) if est is not None]
        return np.hstack(blocks)

    def get_feature_names_out(self, input_features=None):
        """Output feature names ``"<gene>::<channel>"``.

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
        return np.asarray(self.feature_table_.index, dtype=object)
