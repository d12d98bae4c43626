"""Regress sample covariates out of every feature (OLS with intercept).

The estimator only: covariates are separated from the input by
``_covariate_input``, encoded by ``_covariates``, and the QC tables are built
by ``_residualize_qc``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from ._covariate_input import COLUMNS, METADATA, NONE, as_list, split_input
from ._covariates import CovariateSpec, encode, learn_encoding
from ._residualize_qc import qc_tables


class CovariateResidualizer(TransformerMixin, BaseEstimator):
    """Remove the linear effect of sample covariates from every feature.

    ``fit`` regresses each feature on the covariates (OLS with an intercept)
    and keeps the coefficients; ``transform`` subtracts the covariates'
    effect, ``(design - fit mean design) @ coef_``, so the fit samples'
    feature means are kept and new samples are corrected with the fitted
    coefficients.

    Covariates reach the residualizer in one of two ways:

    * as columns of ``X``, named by the ``covariates`` parameter: those
      columns are used and dropped from the output. In a Pipeline, a
      ``ColumnTransformer`` with a ``"passthrough"`` entry carries them past
      the feature step (first example). This needs no global configuration.
    * as a samples x covariates DataFrame passed as the ``covariates``
      argument of ``fit``/``transform``/``fit_transform``, routed by sklearn's
      metadata routing in a Pipeline:
      ``sklearn.set_config(enable_metadata_routing=True)`` (or
      ``sklearn.config_context``), ``set_fit_request(covariates=True)`` and
      ``set_transform_request(covariates=True)`` (second example). Rows are
      matched by index when ``X`` and the table are DataFrames, else by
      position. The ``covariates`` parameter then selects columns of that
      table (None: all of them).

    Parameters
    ----------
    covariates : str, list of str or int, or None, default=None
        Covariate columns: names (or integer positions) among the columns of
        ``X``, or of the table passed to ``fit`` when one is passed. None
        without a table means no covariates: ``transform`` returns ``X``
        unchanged.
    categorical : str, list or None, default=None
        Covariates treated as categorical whatever their dtype (e.g. integer
        batch codes). Object, string, category and bool columns are
        categorical anyway; the others numeric.

    Attributes
    ----------
    covariates_ : list
        Covariates that entered the regression.
    skipped_covariates_ : dict
        Covariate -> ``"constant"`` or ``"all_missing"``; each was skipped with
        a :class:`CovariateWarning`.
    design_columns_ : list of str
        Regression columns: numeric covariates by name, dummies as
        ``"<covariate>[<level>]"`` (drop-first one-hot, first level is the
        reference).
    coef_ : pandas.DataFrame
        Design columns x output features: the effect removed per unit.
    qc_ : pandas.DataFrame
        Per output feature: ``variance_before``, ``variance_after``,
        ``variance_retained`` (after / before), ``r2_before`` and ``r2_after``
        (R-squared of all covariates on the feature before and after; after is
        ~0 on the fit samples). NaN where a feature is constant.
    covariate_qc_ : pandas.DataFrame
        Per used covariate: ``kind``, ``n_columns``, ``n_missing`` (imputed),
        ``mean_r2_before`` and ``mean_r2_after`` (that covariate alone,
        averaged over features).
    n_features_in_ : int
        Number of columns of ``X`` seen in ``fit`` (covariate columns included).
    feature_names_in_ : ndarray of str
        Column names of ``X`` seen in ``fit`` (when they are strings).

    See Also
    --------
    CovariateWarning : warns about skipped covariates and unseen levels.

    Notes
    -----
    Missing numeric values are replaced by the fit mean; categorical
    covariates are one-hot encoded dropping the first level, and a missing or
    unseen level gets the fit frequency of each level (the dummies' mean), so
    it is corrected by the average effect. Collinear covariates are handled by
    a minimum-norm least-squares solution.

    Examples
    --------
    Covariates as columns of the input, carried past the feature step:

    >>> import numpy as np, pandas as pd
    >>> from sklearn.compose import ColumnTransformer
    >>> from sklearn.pipeline import make_pipeline
    >>> from isograph.features import CovariateResidualizer, GeneAbundance
    >>> rng = np.random.default_rng(0)
    >>> counts = pd.DataFrame(rng.poisson(50, size=(6, 3)), columns=["g1", "g2", "g3"])
    >>> table = counts.assign(batch=list("aabbab"))
    >>> features = ColumnTransformer(
    ...     [("abundance", GeneAbundance(), ["g1", "g2", "g3"]),
    ...      ("covariates", "passthrough", ["batch"])],
    ...     verbose_feature_names_out=False).set_output(transform="pandas")
    >>> pipe = make_pipeline(features, CovariateResidualizer(["batch"]))
    >>> pipe.set_output(transform="pandas").fit_transform(table).columns.tolist()
    ['g1', 'g2', 'g3']

    Covariates routed as metadata:

    >>> import sklearn
    >>> samples = pd.DataFrame({"batch": list("aabbab")})
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     res = (CovariateResidualizer()
    ...            .set_fit_request(covariates=True)
    ...            .set_transform_request(covariates=True))
    ...     pipe = make_pipeline(GeneAbundance(), res).fit(counts, covariates=samples)
    ...     corrected = pipe.transform(counts, covariates=samples)
    >>> corrected.shape
    (6, 3)
    """

    _parameter_constraints: dict = {
        "covariates": [None, str, "array-like"],
        "categorical": [None, str, "array-like"],
    }

    def __init__(self, covariates=None, *, categorical=None):
        self.covariates = covariates
        self.categorical = categorical

    # ------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, *, covariates=None):
        """Learn the covariates' encoding and their effect on every feature.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_columns)
            Features (plus the covariate columns in column mode).
        y : None
            Ignored.
        covariates : pandas.DataFrame or None, default=None
            Samples x covariates table (metadata), when covariates are not
            columns of ``X``; the ``covariates`` parameter selects its columns.

        Returns
        -------
        self : CovariateResidualizer
        """
        self._source = (
            METADATA if covariates is not None
            else COLUMNS if self.covariates is not None else NONE
        )
        features, covs, names = split_input(self, X, covariates, reset=True)
        specs, self.skipped_covariates_ = (
            ([], {}) if covs is None else learn_encoding(covs, as_list(self.categorical))
        )
        self._specs: list[CovariateSpec] = specs
        self.covariates_ = [spec.name for spec in specs]
        self.design_columns_ = [c for spec in specs for c in spec.column_names]
        self._feature_names_out = np.asarray(names, dtype=object)

        design = self._design(covs, features.shape[0])
        self._design_mean = design.mean(axis=0)
        centred = design - self._design_mean
        # Minimum-norm least squares through the pseudo-inverse (p is small, the
        # features many): one (p x n) @ (n x m) product instead of a wide lstsq.
        coef = np.linalg.pinv(centred) @ (features - features.mean(axis=0))
        self.coef_ = pd.DataFrame(coef, index=pd.Index(self.design_columns_, dtype=object),
                                  columns=self._feature_names_out)
        self.qc_, self.covariate_qc_ = qc_tables(features, features - centred @ coef, design,
                                                 self._specs, self._feature_names_out)
        return self

    def _design(self, covs, n_samples: int) -> np.ndarray:
        if not self._specs:
            return np.empty((n_samples, 0))
        return encode(covs, self._specs)

    # ------------------------------------------------------------- transform
    def transform(self, X, *, covariates=None):
        """Subtract the fitted covariate effects.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_columns)
            As in ``fit``.
        covariates : pandas.DataFrame or None, default=None
            The covariates table; required when ``fit`` was given one.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
            The features with covariate columns dropped, corrected.
        """
        check_is_fitted(self)
        features, covs, _ = split_input(self, X, covariates, reset=False)
        design = self._design(covs, features.shape[0])
        return features - (design - self._design_mean) @ self.coef_.to_numpy()

    def fit_transform(self, X, y=None, *, covariates=None):
        """Fit, then correct the same samples.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_columns)
            As in ``fit``.
        y : None
            Ignored.
        covariates : pandas.DataFrame or None, default=None
            As in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        return self.fit(X, y, covariates=covariates).transform(
            X, covariates=covariates
        )

    def get_feature_names_out(self, input_features=None):
        """Names of the corrected features (covariate columns removed).

        Parameters
        ----------
        input_features : array-like of str or None
            Input column names; default ``feature_names_in_`` or ``x0, x1, ...``.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        if self._source == COLUMNS:
            keep = np.setdiff1d(np.arange(len(names)), self._covariate_positions)
            names = np.asarray(names)[keep]
        return np.asarray(names, dtype=object)
