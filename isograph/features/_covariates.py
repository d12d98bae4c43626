"""Covariate encoding for the residualizer: mean imputation and drop-first one-hot."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._core._warn import warn


class CovariateWarning(UserWarning):
    """A covariate was skipped (constant or all missing) or has unseen levels."""


NUMERIC = "numeric"
CATEGORICAL = "categorical"


@dataclass(frozen=True)
class CovariateSpec:
    """How one covariate becomes design columns.

    Attributes
    ----------
    name : object
        Covariate (column) name.
    kind : {"numeric", "categorical"}
    mean : float
        Fit mean of a numeric covariate (imputes missing values).
    levels : tuple
        Observed levels of a categorical covariate; dummies for ``levels[1:]``.
    frequencies : ndarray
        Fit frequency of ``levels[1:]``: the dummy values given to a missing
        or unseen level (mean imputation of the dummies).
    n_missing : int
        Missing values in the fit samples.
    """

    name: object
    kind: str
    mean: float = 0.0
    levels: tuple = ()
    frequencies: np.ndarray | None = None
    n_missing: int = 0

    @property
    def column_names(self) -> list[str]:
        """Design-column names: the covariate, or ``"<name>[<level>]"`` per dummy."""
        if self.kind == NUMERIC:
            return [str(self.name)]
        return [f"{self.name}[{level}]" for level in self.levels[1:]]


def _is_categorical(column: pd.Series, forced: bool) -> bool:
    if forced:
        return True
    dtype = column.dtype
    return not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))


def _numeric(column: pd.Series, name) -> np.ndarray:
    try:
        # copy=True: under pandas 3 (copy-on-write) a view is read-only, and encode()
        # fills its missing values in place
        values = pd.to_numeric(column, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan,
                                                                copy=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"covariate {name!r} must be numeric as in fit; got values of dtype {column.dtype}."
        ) from exc
    if np.isinf(values).any():
        raise ValueError(f"covariate {name!r} contains inf; only NaN (missing) is imputed.")
    return values


def _observed_levels(column: pd.Series) -> tuple:
    present = column.dropna()
    if isinstance(column.dtype, pd.CategoricalDtype):
        seen = set(present.unique())
        return tuple(c for c in column.cat.categories if c in seen)
    return tuple(sorted(pd.unique(present), key=lambda v: (str(type(v)), str(v))))


def learn_encoding(
    frame: pd.DataFrame, categorical=()
) -> tuple[list[CovariateSpec], dict[object, str]]:
    """Learn each covariate's encoding; constant or all-missing ones are skipped.

    Parameters
    ----------
    frame : pandas.DataFrame
        Samples x covariates of the fit samples.
    categorical : collection
        Names treated as categorical whatever their dtype (e.g. integer batch codes).

    Returns
    -------
    specs : list of CovariateSpec
        Covariates that enter the design, in column order.
    skipped : dict
        Covariate name -> ``"all_missing"`` or ``"constant"``; each also warns
        with :class:`CovariateWarning`.
    """
    specs, skipped = [], {}
    forced = set(categorical)
    for name in frame.columns:
        column = frame[name]
        n_missing = int(column.isna().sum())
        if n_missing == len(column):
            skipped[name] = "all_missing"
        elif _is_categorical(column, name in forced):
            levels = _observed_levels(column)
            if len(levels) < 2:
                skipped[name] = "constant"
            else:
                codes = pd.Categorical(column, categories=list(levels)).codes
                present = codes[codes >= 0]
                freqs = np.bincount(present, minlength=len(levels))[1:] / present.size
                specs.append(CovariateSpec(name, CATEGORICAL, levels=levels,
                                           frequencies=freqs, n_missing=n_missing))
        else:
            values = _numeric(column, name)
            finite = values[~np.isnan(values)]
            if np.ptp(finite) == 0:
                skipped[name] = "constant"
            else:
                specs.append(CovariateSpec(name, NUMERIC, mean=float(finite.mean()),
                                           n_missing=n_missing))
    for name, reason in skipped.items():
        warn(
            f"covariate {name!r} is skipped: it is {reason.replace('_', ' ')} in the fit samples.",
            CovariateWarning)
    return specs, skipped


def encode(frame: pd.DataFrame, specs: list[CovariateSpec]) -> np.ndarray:
    """Design matrix (n_samples, n_design_columns) of ``frame`` under fitted ``specs``.

    Missing numeric values get the fit mean; missing or unseen categorical
    levels get the fit level frequencies (unseen levels also warn).
    """
    blocks = [np.empty((len(frame), 0))]
    for spec in specs:
        column = frame[spec.name]
        if spec.kind == NUMERIC:
            values = _numeric(column, spec.name)
            values[np.isnan(values)] = spec.mean
            blocks.append(values[:, None])
            continue
        codes = pd.Categorical(column, categories=list(spec.levels)).codes
        unseen = (codes < 0) & column.notna().to_numpy()
        if unseen.any():
            levels = pd.unique(column[unseen])
            warn(
                f"covariate {spec.name!r} has levels not seen in fit {list(levels)[:5]}; "
                "they are treated like missing values (fit level frequencies).",
                CovariateWarning)
        dummies = (codes[:, None] == np.arange(1, len(spec.levels))[None, :]).astype(np.float64)
        dummies[codes < 0] = spec.frequencies
        blocks.append(dummies)
    return np.hstack(blocks)


def block_slices(specs: list[CovariateSpec]) -> list[slice]:
    """Design-column slice of each covariate."""
    sizes = np.array([len(spec.column_names) for spec in specs], dtype=int)
    ends = np.cumsum(sizes)
    return [slice(int(e - s), int(e)) for s, e in zip(sizes, ends)]
