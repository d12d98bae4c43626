"""Per-sample QC on counts: outlying library sizes and zero-heavy samples."""

from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from .._core._warn import warn
from ._mapping import validate_counts

QC_COLUMNS = ["sample", "library_size", "depth_ratio", "zero_fraction", "zero_excess",
              "low_depth", "high_depth", "zero_heavy", "flagged"]


class SampleQCWarning(UserWarning):
    """A sample's library size is far from the others', or it has too many zeros."""


class TraitWarning(UserWarning):
    """A named trait cannot be tested (constant, a single level, or too few values)."""


def sample_qc_table(X: np.ndarray, index, *, max_depth_ratio: float,
                    max_zero_excess: float) -> pd.DataFrame:
    """Per sample: library size, depth ratio to the median, zero share and flags.

    The zero share counts only columns with reads in all samples but at most
    10 % (at least one), so neither transcripts silent everywhere nor genes
    expressed in one condition only make a sample look zero-heavy.
    """
    library = X.sum(axis=1)
    median = float(np.median(library))
    ratio = library / median if median > 0 else np.full(len(library), np.nan)
    n = X.shape[0]
    common = (X > 0).sum(axis=0) >= n - max(1, int(0.1 * n))
    zero = (X[:, common] == 0).mean(axis=1) if common.any() else np.zeros(len(library))
    excess = zero - float(np.median(zero))
    low = ratio < 1.0 / max_depth_ratio
    high = ratio > max_depth_ratio
    heavy = excess > max_zero_excess
    return pd.DataFrame({
        "sample": np.asarray(index, dtype=object), "library_size": library,
        "depth_ratio": ratio, "zero_fraction": zero, "zero_excess": excess,
        "low_depth": low, "high_depth": high, "zero_heavy": heavy,
        "flagged": low | high | heavy,
    })


class SampleQC(TransformerMixin, BaseEstimator):
    """Flag samples whose depth or zero share stands apart; pass ``X`` through.

    A transformer that changes nothing, so it can sit first in a Pipeline: it
    records per-sample QC in ``qc_`` and raises :class:`SampleQCWarning`
    naming the flagged samples. Removing them is the caller's decision.

    Parameters
    ----------
    max_depth_ratio : float > 1, default=10
        A sample whose library size is below ``median / max_depth_ratio`` or
        above ``median * max_depth_ratio`` is flagged.
    max_zero_excess : float in (0, 1], default=0.25
        A sample whose share of zeros (among columns with reads in all other
        samples but 10 %) exceeds the median share by more than this is flagged.

    Attributes
    ----------
    qc_ : DataFrame
        One row per sample: ``sample, library_size, depth_ratio,
        zero_fraction, zero_excess, low_depth, high_depth, zero_heavy, flagged``.
    flagged_samples_ : list
        Samples with any flag.

    Examples
    --------
    >>> import numpy as np, pandas as pd, warnings
    >>> from isograph.features import SampleQC
    >>> counts = pd.DataFrame(np.full((4, 3), 1000.0), index=list("abcd"))
    >>> counts.loc["d"] = [2.0, 1.0, 0.0]
    >>> with warnings.catch_warnings(record=True):
    ...     qc = SampleQC().fit(counts)
    >>> qc.flagged_samples_
    ['d']
    """

    _parameter_constraints: dict = {
        "max_depth_ratio": [Interval(Real, 1, None, closed="neither")],
        "max_zero_excess": [Interval(Real, 0, 1, closed="right")],
    }

    def __init__(self, *, max_depth_ratio=10.0, max_zero_excess=0.25):
        self.max_depth_ratio = max_depth_ratio
        self.max_zero_excess = max_zero_excess

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Compute the QC table and warn about flagged samples.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_columns)
            Non-negative counts; a DataFrame's index names the samples.
        y : None
            Ignored.

        Returns
        -------
        self : SampleQC
        """
        index = X.index if isinstance(X, pd.DataFrame) else np.arange(len(X))
        values = validate_counts(self, X, reset=True, method="fit")
        self.qc_ = sample_qc_table(values, index, max_depth_ratio=float(self.max_depth_ratio),
                                   max_zero_excess=float(self.max_zero_excess))
        flagged = self.qc_[self.qc_["flagged"]]
        self.flagged_samples_ = flagged["sample"].tolist()
        if len(flagged):
            parts = []
            for row in flagged.itertuples():
                why = []
                if row.low_depth or row.high_depth:
                    why.append(f"library size {row.depth_ratio:.3g} x the median")
                if row.zero_heavy:
                    why.append(f"{row.zero_fraction:.0%} zeros (median + {row.zero_excess:.0%})")
                parts.append(f"{row.sample!s} ({', '.join(why)})")
            warn(
                f"{len(parts)} of {len(self.qc_)} samples fail QC: {'; '.join(parts[:10])}"
                f"{' ...' if len(parts) > 10 else ''}. Check or drop them before fitting "
                "(thresholds: max_depth_ratio, max_zero_excess)",
                SampleQCWarning)
        return self

    def transform(self, X):
        """``X`` unchanged (as an array).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_columns)

        Returns
        -------
        ndarray
        """
        check_is_fitted(self)
        return validate_counts(self, X, reset=False, method="transform")

    def get_feature_names_out(self, input_features=None):
        """The input names, unchanged.

        Parameters
        ----------
        input_features : array-like of str or None

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self)
        return np.asarray(_check_feature_names_in(self, input_features), dtype=object)
