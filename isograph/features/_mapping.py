"""Shared helpers: the transcript -> gene map and count-matrix validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils import check_array
from sklearn.utils.validation import check_non_negative, validate_data

_MAX_LISTED = 5


def input_feature_names(estimator) -> np.ndarray:
    """Column names seen in ``fit``: ``feature_names_in_`` or ``x0, x1, ...``."""
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        return np.asarray(names, dtype=object)
    return np.asarray([f"x{i}" for i in range(estimator.n_features_in_)], dtype=object)


def _listed(values) -> str:
    values = list(values)
    shown = ", ".join(repr(v) for v in values[:_MAX_LISTED])
    more = f" and {len(values) - _MAX_LISTED} more" if len(values) > _MAX_LISTED else ""
    return f"[{shown}{more}]"


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def resolve_transcript_to_gene(
    transcript_to_gene, feature_names: np.ndarray, *, owner: str, allow_none: bool
) -> np.ndarray:
    """Gene id (as ``str``) of every input column.

    Parameters
    ----------
    transcript_to_gene : None, pandas.Series, Mapping, callable or array-like
        ``Series``/``Mapping``: looked up by column name. ``callable``: called on
        each column name. Array-like: one gene id per column, in column order.
        ``None``: each column is its own gene (only when ``allow_none``).
    feature_names : ndarray of str
        Column names (``x0, x1, ...`` for arrays without names).
    owner : str
        Estimator name used in error messages.
    allow_none : bool
        Whether ``None`` (identity map) is accepted.

    Returns
    -------
    ndarray of str, shape (n_columns,)
    """
    n = len(feature_names)
    where = f"{owner}: transcript_to_gene"
    if transcript_to_gene is None:
        if not allow_none:
            raise ValueError(
                f"{where} is required (a Series or dict transcript_id -> gene_id, a callable "
                "on column names, or a sequence aligned with the columns of X); got None."
            )
        genes = list(feature_names)
    elif isinstance(transcript_to_gene, pd.Series | Mapping):
        mapping = transcript_to_gene
        if isinstance(mapping, pd.Series):
            if mapping.index.has_duplicates:
                dup = mapping.index[mapping.index.duplicated()].unique()
                raise ValueError(f"{where} has duplicated transcript ids {_listed(dup)}.")
            mapping = mapping.to_dict()
        missing = [name for name in feature_names if name not in mapping]
        if missing:
            raise ValueError(
                f"{where} has no gene for {len(missing)} of the {n} columns of X: "
                f"{_listed(missing)}. Every column of X must be a transcript id in the map "
                "(arrays without column names are looked up as 'x0', 'x1', ...)."
            )
        genes = [mapping[name] for name in feature_names]
    elif callable(transcript_to_gene):
        genes = [transcript_to_gene(name) for name in feature_names]
    else:
        genes = np.asarray(transcript_to_gene, dtype=object)
        if genes.ndim != 1 or len(genes) != n:
            raise ValueError(
                f"{where} given as a sequence must be 1-D with one gene id per column of X "
                f"({n}); got shape {genes.shape}."
            )
        genes = list(genes)
    bad = [name for name, gene in zip(feature_names, genes) if _is_missing(gene)]
    if bad:
        raise ValueError(f"{where} gives a missing gene id for the columns {_listed(bad)}.")
    return np.asarray([str(g) for g in genes], dtype=object)


@dataclass(frozen=True)
class GeneGroups:
    """Columns grouped by gene, genes in order of first appearance.

    Attributes
    ----------
    genes : ndarray of str, shape (n_genes,)
    codes : ndarray of int, shape (n_columns,)
        Gene position of every column.
    sizes : ndarray of int, shape (n_genes,)
        Number of columns per gene.
    """

    genes: np.ndarray
    codes: np.ndarray
    sizes: np.ndarray

    @classmethod
    def from_labels(cls, labels: np.ndarray) -> GeneGroups:
        """Group columns by their gene label."""
        codes, genes = pd.factorize(np.asarray(labels, dtype=object), sort=False)
        genes = np.asarray(genes, dtype=object)
        return cls(genes=genes, codes=codes, sizes=np.bincount(codes, minlength=len(genes)))

    def indicator(self) -> sp.csr_matrix:
        """Sparse (n_columns, n_genes) 0/1 matrix: ``X @ indicator`` sums columns per gene."""
        n = len(self.codes)
        ones = np.ones(n)
        return sp.csr_matrix((ones, (np.arange(n), self.codes)), shape=(n, len(self.genes)))

    def columns_of(self, gene_positions: np.ndarray, k: int) -> np.ndarray:
        """Column indices (n_selected, k) of genes that all have ``k`` columns."""
        order = np.argsort(self.codes, kind="stable")
        starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]])
        return order[starts[gene_positions][:, None] + np.arange(k)[None, :]]


def sum_by_gene(X: np.ndarray, groups: GeneGroups) -> np.ndarray:
    """Samples x genes sums of the columns of ``X``."""
    return np.asarray(X @ groups.indicator(), dtype=np.float64)


def validate_matrix(estimator, X, *, reset: bool, ensure_min_samples: int = 1) -> np.ndarray:
    """``validate_data`` to a finite float64 array, fast for wide numeric DataFrames.

    Sets or checks ``n_features_in_`` / ``feature_names_in_`` like ``validate_data``.
    """
    if isinstance(X, pd.DataFrame) and all(
        pd.api.types.is_numeric_dtype(dtype) for dtype in set(X.dtypes)
    ):
        # Column names and count through sklearn; the values in one conversion,
        # since check_array inspects a wide DataFrame column by column.
        validate_data(estimator, X, reset=reset, skip_check_array=True)
        return check_array(
            X.to_numpy(dtype=np.float64, na_value=np.nan),
            ensure_min_samples=ensure_min_samples,
            input_name="X",
        )
    return validate_data(
        estimator, X, reset=reset, dtype=np.float64, ensure_min_samples=ensure_min_samples
    )


def validate_counts(estimator, X, *, reset: bool, method: str, ensure_min_samples: int = 1):
    """Validate a samples x columns count matrix (finite, non-negative, float64)."""
    X = validate_matrix(estimator, X, reset=reset, ensure_min_samples=ensure_min_samples)
    check_non_negative(X, f"{type(estimator).__name__}.{method}")
    return X
