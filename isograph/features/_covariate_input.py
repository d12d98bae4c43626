"""How covariates reach the residualizer: columns of ``X`` or a samples table.

:func:`split_input` separates the features to correct from the covariate
frame, checking that the covariate selection, the table's rows and the
columns seen in ``fit`` agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import check_array
from sklearn.utils.validation import _check_feature_names_in, validate_data

from ._mapping import validate_matrix

#: Where the fitted residualizer takes its covariates from.
NONE, COLUMNS, METADATA = "none", "columns", "metadata"


def as_list(value) -> list:
    """``value`` as a list: None is empty, one name or position is one item."""
    if value is None:
        return []
    if isinstance(value, str | int | np.integer):
        return [value]
    return list(value)


def _positions(selection: list, names: np.ndarray, where: str) -> np.ndarray:
    """Column positions of ``selection`` (names or integer positions) among ``names``."""
    lookup = {name: i for i, name in enumerate(names)}
    out = []
    for item in selection:
        if isinstance(item, int | np.integer) and not isinstance(item, bool):
            if not 0 <= item < len(names):
                raise ValueError(f"covariates: position {item} is outside the {where} "
                                 f"({len(names)} columns).")
            out.append(int(item))
        elif item in lookup:
            out.append(lookup[item])
        else:
            raise ValueError(f"covariates: {item!r} is not a column of the {where}; "
                             f"columns are {list(names)[:10]}.")
    if len(set(out)) != len(out):
        raise ValueError(f"covariates: {selection!r} names a column more than once.")
    return np.asarray(out, dtype=int)


def split_input(estimator, X, covariates, *, reset: bool):
    """Features (float64 array), covariate frame (or None) and feature names.

    Reads where ``estimator`` takes its covariates from (``_source``); with
    ``reset`` it stores the covariates' positions among the columns of ``X``
    or their names in the table, which later calls check against.
    """
    source = estimator._source
    if source == COLUMNS:
        if not isinstance(X, pd.DataFrame):
            X = check_array(X, dtype=np.float64, ensure_all_finite="allow-nan",
                            input_name="X")
        validate_data(estimator, X, skip_check_array=True, reset=reset)
        names = _check_feature_names_in(estimator, None)
        frame = X.set_axis(names, axis=1) if isinstance(X, pd.DataFrame) else (
            pd.DataFrame(X, columns=names))
        if reset:
            estimator._covariate_positions = _positions(as_list(estimator.covariates), names, "X")
        keep = np.setdiff1d(np.arange(len(names)), estimator._covariate_positions)
        if keep.size == 0:
            raise ValueError(
                f"CovariateResidualizer: every column of X is a covariate (X has "
                f"{len(names)} feature(s)); X must also hold the features to correct."
            )
        feature_frame = frame.iloc[:, keep]
        bad = [c for c, t in feature_frame.dtypes.items()
               if not pd.api.types.is_numeric_dtype(t)]
        if bad:
            raise ValueError(
                f"CovariateResidualizer: the feature columns {bad[:5]} of X are not "
                f"numeric; name them in covariates={estimator.covariates!r} if they are "
                "covariates."
            )
        features = check_array(feature_frame, dtype=np.float64, input_name="X")
        covs = frame.iloc[:, estimator._covariate_positions]
        return features, covs, names[keep]
    features = validate_matrix(estimator, X, reset=reset)
    names = _check_feature_names_in(estimator, None)
    if source == NONE:
        return features, None, names
    if covariates is None:
        raise ValueError(
            "CovariateResidualizer was fitted with a covariates table, so transform "
            "needs one too (in a Pipeline: set_transform_request(covariates=True) "
            "with metadata routing enabled); got None."
        )
    table = covariates if isinstance(covariates, pd.DataFrame) else (
        pd.DataFrame(covariates))
    if isinstance(X, pd.DataFrame) and isinstance(covariates, pd.DataFrame):
        missing = X.index.difference(table.index)
        if len(missing):
            raise ValueError(
                f"the covariates table has no row for {len(missing)} samples of X, e.g. "
                f"{list(missing[:5])}; its index must contain the index of X."
            )
        table = table.loc[X.index]
    elif len(table) != features.shape[0]:
        raise ValueError(
            f"the covariates table has {len(table)} rows but X has {features.shape[0]} "
            "samples; rows are matched by position when X is not a DataFrame."
        )
    if reset:
        selection = table.columns if estimator.covariates is None else as_list(estimator.covariates)
        estimator._covariate_names = list(
            table.columns[_positions(list(selection), np.asarray(table.columns),
                                     "covariates table")]
        )
    absent = [c for c in estimator._covariate_names if c not in table.columns]
    if absent:
        raise ValueError(f"the covariates table lacks the covariates {absent} used in fit.")
    return features, table[estimator._covariate_names], names
