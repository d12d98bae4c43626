"""Isoform-switch coordinates: one log-ratio axis per multi-isoform gene.

The estimator and its fitted tables; the array computations are in
``_switch_axes``.
"""

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
    validate_counts,
)
from ._switch_axes import AxisBatch, fit_axes, project


class SwitchCoordinates(TransformerMixin, BaseEstimator):
    """One isoform-switch coordinate per multi-isoform gene.

    For each gene, the isoform counts of a sample are turned into a centred
    log-ratio (clr) composition; ``fit`` learns the gene's mean clr and the
    leading principal axis of its clr over the samples, and a sample's
    coordinate is the projection of its centred clr on that axis. ``transform``
    maps new samples onto the same axes, one sample at a time.

    Parameters
    ----------
    transcript_to_gene : pandas.Series, dict, callable or array-like
        Gene of every column of ``X``: a Series or dict ``transcript_id ->
        gene_id`` looked up by column name (arrays without column names are
        looked up as ``"x0", "x1", ...``), a callable applied to each column
        name (e.g. ``lambda t: t.split("|")[1]`` for GENCODE headers), or a
        sequence aligned with the columns. Required; ``None`` raises in ``fit``.
    pseudocount : float, default=0.5
        Added to every isoform count before the log-ratio (the zero rule).
    min_gene_count : float, default=10.0
        A gene gets a coordinate only if its total count, averaged over the fit
        samples, is at least this.
    standardize : bool, default=False
        Divide each coordinate by its standard deviation over the fit samples
        (``scale_``). When False coordinates are in natural-log-ratio units.

    Attributes
    ----------
    genes_ : pandas.Index
        Output gene ids (the output columns), in order of first appearance.
    loadings_ : pandas.DataFrame
        One row per transcript of an output gene, grouped by gene in ``genes_``
        order: ``transcript_id, gene_id, loading, mean_clr``. ``loading`` is the
        transcript's entry in the gene's unit axis: a positive coordinate means
        more usage of positive-loading transcripts; the largest one names the
        driver transcript.
    explained_variance_ : pandas.Series
        Variance of each gene's clr along its axis (the leading eigenvalue).
    explained_variance_ratio_ : pandas.Series
        That variance as a fraction of the gene's total clr variance.
    scale_ : pandas.Series
        Standard deviation of each coordinate over the fit samples.
    n_zero_total_ : pandas.Series
        Per output gene, the fit samples in which its total count was zero.
    dropped_genes_ : pandas.Series
        Genes without a coordinate and why: ``single_isoform``, ``low_count``,
        ``too_few_expressed_samples`` (fewer than 2 samples with a count) or
        ``no_usage_variation``.
    n_features_in_ : int
        Number of transcripts seen in ``fit``.
    feature_names_in_ : ndarray of str
        Transcript ids seen in ``fit`` (when ``X`` has string column names).

    See Also
    --------
    GeneAbundance : the abundance channel.
    MultiplexFeatures : both channels side by side.

    Notes
    -----
    Zero rule: ``pseudocount`` is added to every isoform count, so clr is
    ``log(c + p) - mean_over_isoforms(log(c + p))``; the clr is unchanged by
    closure, so usage and its log-ratio are the same thing here. A gene whose
    total count in a sample is zero carries no usage information: its
    coordinate is set to 0 (the fitted mean usage), those samples are left out
    of the gene's mean and axis in ``fit``, and ``n_zero_total_`` counts them.

    The axis is the leading eigenvector of the gene's clr covariance over the
    samples where the gene is expressed. Its sign is fixed so that the
    transcript with the largest absolute loading (the first one on ties) is
    positive; for a two-isoform gene the coordinate therefore grows with the
    usage of the first-listed transcript. When the two leading eigenvalues tie
    the axis within that plane is not unique.

    Genes are processed in batches of equal isoform number (one batched
    eigen-decomposition per batch), so cost is linear in the number of
    transcripts.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from isograph.features import SwitchCoordinates
    >>> counts = pd.DataFrame(
    ...     [[90, 10, 50], [80, 20, 40], [20, 80, 60], [10, 90, 30]],
    ...     columns=["t1", "t2", "t3"], index=["s1", "s2", "s3", "s4"])
    >>> t2g = pd.Series({"t1": "A", "t2": "A", "t3": "B"})
    >>> sc = SwitchCoordinates(t2g).set_output(transform="pandas")
    >>> coords = sc.fit_transform(counts)
    >>> list(coords.columns), bool(coords.loc["s1", "A"] > 0 > coords.loc["s4", "A"])
    (['A'], True)
    >>> sc.dropped_genes_.to_dict()
    {'B': 'single_isoform'}
    """

    _parameter_constraints: dict = {
        "transcript_to_gene": [None, "array-like", Mapping, callable],
        "pseudocount": [Interval(Real, 0, None, closed="neither")],
        "min_gene_count": [Interval(Real, 0, None, closed="left")],
        "standardize": ["boolean"],
    }

    def __init__(
        self, transcript_to_gene=None, *, pseudocount=0.5, min_gene_count=10.0, standardize=False
    ):
        self.transcript_to_gene = transcript_to_gene
        self.pseudocount = pseudocount
        self.min_gene_count = min_gene_count
        self.standardize = standardize

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn each multi-isoform gene's mean log-ratio and switch axis.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_transcripts)
            Non-negative transcript counts (estimated counts may be fractional).
        y : None
            Ignored.

        Returns
        -------
        self : SwitchCoordinates
        """
        X = validate_counts(self, X, reset=True, method="fit", ensure_min_samples=2)
        names = input_feature_names(self)
        labels = resolve_transcript_to_gene(
            self.transcript_to_gene, names, owner="SwitchCoordinates", allow_none=False
        )
        groups = GeneGroups.from_labels(labels)
        reasons, n_expressed, raw = fit_axes(
            X, groups, pseudocount=self.pseudocount, min_gene_count=self.min_gene_count
        )
        kept = np.flatnonzero(reasons == "")
        if kept.size == 0:
            counts = pd.Series(reasons).value_counts().to_dict()
            raise ValueError(
                f"SwitchCoordinates found no gene with a switch coordinate among the "
                f"{X.shape[1]} feature(s) of X ({len(groups.genes)} genes; reasons: {counts}); "
                f"a gene needs >= 2 transcripts, a mean total count >= min_gene_count="
                f"{self.min_gene_count}, and isoform usage that varies across samples."
            )
        out_position = np.full(len(groups.genes), -1)
        out_position[kept] = np.arange(kept.size)
        self.genes_ = pd.Index(groups.genes[kept], name="gene_id", dtype=object)

        self._batches = []
        ev = np.empty(kept.size)
        ratio = np.empty(kept.size)
        rows = []
        coords = np.empty((kept.size, X.shape[0]))
        for genes_k, columns, mean_clr, axes, top, total, batch_coords in raw:
            pos = out_position[genes_k]
            self._batches.append(AxisBatch(pos, columns, mean_clr, axes))
            ev[pos], ratio[pos] = top, top / total
            coords[pos] = batch_coords
            rows.append((pos, columns, axes, mean_clr))
        self._set_loadings(rows, names)
        coords = coords.T
        zero_total = X.shape[0] - n_expressed[kept]
        scale = coords.std(axis=0)
        scale[scale == 0] = 1.0
        self.explained_variance_ = pd.Series(ev, index=self.genes_, name="explained_variance")
        self.explained_variance_ratio_ = pd.Series(
            ratio, index=self.genes_, name="explained_variance_ratio"
        )
        self.scale_ = pd.Series(scale, index=self.genes_, name="scale")
        self.n_zero_total_ = pd.Series(zero_total, index=self.genes_, name="n_zero_total")
        dropped = np.flatnonzero(reasons != "")
        self.dropped_genes_ = pd.Series(
            reasons[dropped],
            index=pd.Index(groups.genes[dropped], name="gene_id", dtype=object),
            name="reason",
            dtype=object,
        )
        return self

    def _set_loadings(self, rows, names: np.ndarray) -> None:
        pos = np.concatenate([np.repeat(p, c.shape[1]) for p, c, _, _ in rows])
        cols = np.concatenate([c.ravel() for _, c, _, _ in rows])
        load = np.concatenate([a.ravel() for _, _, a, _ in rows])
        mean = np.concatenate([m.ravel() for _, _, _, m in rows])
        order = np.lexsort((cols, pos))
        self.loadings_ = pd.DataFrame(
            {
                "transcript_id": names[cols[order]],
                "gene_id": np.asarray(self.genes_, dtype=object)[pos[order]],
                "loading": load[order],
                "mean_clr": mean[order],
            }
        )

    def _coordinates(self, X: np.ndarray, *, scale: bool) -> np.ndarray:
        out = np.empty((len(self.genes_), X.shape[0]))
        X_t = np.ascontiguousarray(X.T)
        logs_t = np.log(X_t + self.pseudocount)
        for batch in self._batches:
            out[batch.positions] = project(X_t, logs_t, batch)
        out = out.T
        if scale:
            out /= self.scale_.to_numpy()[None, :]
        return out

    def transform(self, X):
        """Project samples onto the fitted switch axes.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_transcripts)
            Counts with the columns seen in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, n_genes)
            One coordinate per gene in ``genes_``.
        """
        check_is_fitted(self)
        X = validate_counts(self, X, reset=False, method="transform")
        return self._coordinates(X, scale=self.standardize)

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
