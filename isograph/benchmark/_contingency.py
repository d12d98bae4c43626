"""Label alignment and contingency tables shared by the module metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import gammaln


def _as_labels(name: str, values) -> tuple[np.ndarray, pd.Index | None]:
    if isinstance(values, pd.DataFrame):
        raise TypeError(f"{name} must be a 1-d label array or Series; got a DataFrame.")
    if isinstance(values, pd.Series):
        if not values.index.is_unique:
            dup = values.index[values.index.duplicated()][:5].tolist()
            raise ValueError(f"{name} has duplicated index entries, e.g. {dup}.")
        return values.to_numpy(), values.index
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-d; got an array of shape {arr.shape}.")
    return arr, None


def encode(labels: np.ndarray) -> np.ndarray:
    """Integer codes ``0..k-1`` per module, ``-1`` for unassigned (``-1`` or missing)."""
    labels = np.asarray(labels)
    missing = pd.isna(labels)
    if labels.dtype.kind in "iufb":
        unassigned = missing | (labels == -1)
    else:
        unassigned = missing | np.array([v == -1 or v == "-1" for v in labels], dtype=bool)
    codes = np.full(labels.shape[0], -1, dtype=np.int64)
    if (~unassigned).any():
        codes[~unassigned] = pd.factorize(labels[~unassigned])[0]
    return codes


def align(true, pred, *others: tuple[str, object]) -> list[np.ndarray]:
    """Align ``pred`` (and extra per-gene inputs) to ``true``; return raw value arrays.

    Series are matched by index: genes of ``true`` missing from ``pred`` count as
    unassigned; genes of ``pred`` absent from ``true`` raise. Plain arrays must have
    the same length as ``true``.
    """
    t, t_index = _as_labels("true", true)
    out = [t]
    for name, values in (("pred", pred), *others):
        v, v_index = _as_labels(name, values)
        if t_index is not None and v_index is not None:
            extra = v_index.difference(t_index)
            if len(extra):
                raise ValueError(
                    f"{name} has {len(extra)} genes absent from true, e.g. "
                    f"{extra[:5].tolist()}; both must label the same genes."
                )
            series = pd.Series(v, index=v_index).reindex(t_index)
            if name == "pred":
                series = series.astype(object).where(series.notna(), -1)
            elif series.isna().any():
                raise ValueError(f"{name} lacks {int(series.isna().sum())} genes of true.")
            v = series.to_numpy()
        elif v.shape[0] != t.shape[0]:
            raise ValueError(
                f"{name} must label the same {t.shape[0]} genes as true; got {v.shape[0]} labels."
            )
        out.append(v)
    return out


def module_contingency(t: np.ndarray, p: np.ndarray):
    """Sparse (true modules x predicted modules) overlap counts and the module sizes.

    ``t`` and ``p`` are codes from :func:`encode`; unassigned genes enter the sizes
    of no module and no overlap.
    """
    n_t, n_p = int(t.max(initial=-1)) + 1, int(p.max(initial=-1)) + 1
    both = (t >= 0) & (p >= 0)
    table = sp.coo_matrix(
        (np.ones(int(both.sum()), dtype=np.int64), (t[both], p[both])), shape=(n_t, n_p)
    ).tocsr()
    table.sum_duplicates()
    size_t = np.bincount(t[t >= 0], minlength=n_t)
    size_p = np.bincount(p[p >= 0], minlength=n_p)
    return table, size_t, size_p


def jaccard_matrix(t: np.ndarray, p: np.ndarray) -> sp.csr_matrix:
    """Sparse Jaccard index between every true and predicted module (0 where disjoint)."""
    table, size_t, size_p = module_contingency(t, p)
    coo = table.tocoo()
    union = size_t[coo.row] + size_p[coo.col] - coo.data
    return sp.csr_matrix((coo.data / union, (coo.row, coo.col)), shape=table.shape)


def singleton_codes(codes: np.ndarray) -> np.ndarray:
    """Give every unassigned gene its own label after the module labels."""
    out = codes.copy()
    free = out < 0
    out[free] = out.max(initial=-1) + 1 + np.arange(int(free.sum()))
    return out


def _comb2(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    return float((x * (x - 1.0) / 2.0).sum())


def adjusted_rand_codes(t: np.ndarray, p: np.ndarray) -> float:
    """Adjusted Rand index with unassigned genes as singletons (singletons add no pairs)."""
    n = t.shape[0]
    table, size_t, size_p = module_contingency(t, p)
    sum_ij, sum_a, sum_b = _comb2(table.data), _comb2(size_t), _comb2(size_p)
    total = n * (n - 1) / 2.0
    expected = sum_a * sum_b / total if total else 0.0
    max_index = (sum_a + sum_b) / 2.0
    if max_index == expected:  # both partitions trivial in the same way
        return 1.0
    return float((sum_ij - expected) / (max_index - expected))


def _entropy(sizes: np.ndarray, n: int) -> float:
    p = sizes[sizes > 0] / n
    return float(-(p * np.log(p)).sum())


def _expected_mutual_info(size_t: np.ndarray, size_p: np.ndarray, n: int) -> float:
    """Expected mutual information under the hypergeometric model (Vinh et al., 2010).

    It only depends on the multisets of cluster sizes, so each pair of distinct sizes
    is evaluated once and weighted by how often it occurs.
    """
    a_vals, a_mult = np.unique(size_t, return_counts=True)
    b_vals, b_mult = np.unique(size_p, return_counts=True)
    a, b = np.meshgrid(a_vals, b_vals, indexing="ij")
    weight = np.outer(a_mult, b_mult).astype(np.float64).ravel()
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    lo = np.maximum(1.0, a + b - n)
    hi = np.minimum(a, b)
    length = np.maximum(hi - lo + 1, 0).astype(np.int64)
    pair = np.repeat(np.arange(a.size), length)
    offsets = np.arange(pair.size) - np.repeat(np.cumsum(length) - length, length)
    nij = lo[pair] + offsets
    ai, bj, w = a[pair], b[pair], weight[pair]
    log_term = np.log(n * nij / (ai * bj))
    log_prob = (gammaln(ai + 1) + gammaln(bj + 1) + gammaln(n - ai + 1) + gammaln(n - bj + 1)
                - gammaln(n + 1) - gammaln(nij + 1) - gammaln(ai - nij + 1)
                - gammaln(bj - nij + 1) - gammaln(n - ai - bj + nij + 1))
    return float((w * nij / n * log_term * np.exp(log_prob)).sum())


def adjusted_mutual_info_codes(t: np.ndarray, p: np.ndarray) -> float:
    """AMI (arithmetic normalisation, as scikit-learn) with unassigned genes as singletons."""
    t, p = singleton_codes(t), singleton_codes(p)
    n = t.shape[0]
    size_t, size_p = np.bincount(t), np.bincount(p)
    if size_t.size == size_p.size and size_t.size in (0, 1):
        return 1.0
    table = sp.coo_matrix((np.ones(n), (t, p)), shape=(size_t.size, size_p.size)).tocsr()
    table.sum_duplicates()
    coo = table.tocoo()
    nij = coo.data
    mi = float((nij / n * np.log(n * nij / (size_t[coo.row] * size_p[coo.col]))).sum())
    emi = _expected_mutual_info(size_t, size_p, n)
    h_t, h_p = _entropy(size_t, n), _entropy(size_p, n)
    denominator = (h_t + h_p) / 2.0 - emi
    eps = np.finfo(np.float64).eps
    denominator = min(denominator, -eps) if denominator < 0 else max(denominator, eps)
    return float((mi - emi) / denominator)
