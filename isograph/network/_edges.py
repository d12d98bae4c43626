"""Sparse edge lists from dense similarity computed one block of rows at a time.

Every backend reduces to "a function that returns rows ``start:stop`` of a
p x p similarity" plus a threshold. Keeping the p x p matrix implicit is what
lets 20,000 features fit in a few hundred megabytes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Channel codes used by the edge policy (index into a 3 x 3 threshold table).
SWITCH, ABUNDANCE, PLAIN = 0, 1, 2

RowBlock = Callable[[int, int], np.ndarray]

_BLOCK_BYTES = 256 * 2**20


def default_block_size(n_features: int, *, budget_bytes: int = _BLOCK_BYTES) -> int:
    """Rows per block so that one float32 block stays within ``budget_bytes``."""
    return int(max(1, min(n_features, budget_bytes // (4 * max(n_features, 1)))))


def standardize(X: np.ndarray, *, ddof: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre and scale columns; constant columns get scale 1 (and stay zero).

    Returns
    -------
    Z : ndarray of shape (n_samples, n_features), float32
    mean, scale : ndarray of shape (n_features,), float64
    """
    X = np.asarray(X, dtype=np.float64)
    mean = X.mean(axis=0)
    scale = X.std(axis=0, ddof=ddof)
    scale = np.where(scale > 1e-12 * (1.0 + np.abs(mean)), scale, 1.0)
    Z = ((X - mean) / scale).astype(np.float32)
    return Z, mean, scale


def correlation_block(Z: np.ndarray) -> RowBlock:
    """Row blocks of the Pearson correlation of standardized columns ``Z``."""
    n = Z.shape[0]

    def block(start: int, stop: int) -> np.ndarray:
        return (Z[:, start:stop].T @ Z) / np.float32(n)

    return block


def low_rank_precision_blocks(diag: np.ndarray, U: np.ndarray) -> tuple[RowBlock, np.ndarray]:
    """Row blocks of partial correlations for a precision ``P = diag(d) - U U^T``.

    Both Ledoit–Wolf shrinkage on n << p samples and factor analysis give a
    precision of this form (Woodbury), so partial correlations
    ``-P_ij / sqrt(P_ii P_jj)`` never need the dense p x p matrix.

    Returns
    -------
    block : callable
        ``block(start, stop)`` -> partial correlations of rows ``start:stop``
        (diagonal entries set to 1).
    precision_diag : ndarray of shape (p,)
    """
    diag = np.asarray(diag, dtype=np.float64)
    U64 = np.asarray(U, dtype=np.float64)
    p_diag = diag - np.einsum("ij,ij->i", U64, U64)
    if np.any(p_diag <= 0):
        raise ValueError("precision is not positive definite: a diagonal entry is <= 0")
    # -P_ij = (U U^T)_ij off the diagonal
    return scaled_gram_block(U64, 1.0 / np.sqrt(p_diag)), p_diag


def scaled_gram_block(U: np.ndarray, scale: np.ndarray) -> RowBlock:
    """Row blocks of ``s_i s_j (U U^T)_ij`` with the diagonal set to 1.

    The shape shared by low-rank partial correlations and factor-model
    correlations: a rank-r Gram matrix normalised by per-feature scales.
    """
    U32 = np.ascontiguousarray(U, dtype=np.float32)
    s32 = np.asarray(scale, dtype=np.float32)

    def block(start: int, stop: int) -> np.ndarray:
        out = U32[start:stop] @ U32.T
        out *= s32[start:stop, None]
        out *= s32[None, :]
        idx = np.arange(start, stop)
        out[idx - start, idx] = 1.0
        return out

    return block


def channel_thresholds(
    alpha: float,
    *,
    alpha_switch: float | None = None,
    alpha_abundance: float | None = None,
    allow_abundance_abundance: bool = True,
) -> np.ndarray:
    """3 x 3 table of |weight| thresholds indexed by channel code pairs.

    ``alpha`` applies to switch–abundance pairs and plain features;
    ``alpha_switch`` / ``alpha_abundance`` override within-channel pairs.
    Forbidden pairs get ``inf``.
    """
    table = np.full((3, 3), float(alpha))
    table[SWITCH, SWITCH] = alpha if alpha_switch is None else alpha_switch
    aa = alpha if alpha_abundance is None else alpha_abundance
    table[ABUNDANCE, ABUNDANCE] = aa if allow_abundance_abundance else np.inf
    return table


def threshold_edges(
    row_block: RowBlock,
    n_features: int,
    threshold: float | np.ndarray,
    *,
    channel_codes: np.ndarray | None = None,
    block_size: int | None = None,
    max_edges: int = 20_000_000,
    absolute: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Upper-triangle pairs whose weight passes the threshold.

    Parameters
    ----------
    row_block : callable
        ``row_block(start, stop)`` -> float array of shape ``(stop - start, p)``.
    n_features : int
        ``p``.
    threshold : float or ndarray of shape (3, 3)
        A scalar, or a table indexed by ``channel_codes`` of both endpoints.
    channel_codes : ndarray of shape (p,), optional
        Needed when ``threshold`` is a table.
    block_size : int, optional
        Rows per block; by default a 256 MB float32 block.
    max_edges : int
        Guard against a threshold so low that the edge list would not fit.
    absolute : bool
        Compare ``|weight|`` (True) or the signed weight.

    Returns
    -------
    rows, cols : ndarray of int64 with ``rows < cols``
    weights : ndarray of float32
    """
    p = int(n_features)
    table = np.asarray(threshold, dtype=np.float64)
    if table.ndim == 2:
        if channel_codes is None:
            raise ValueError("channel_codes is required when threshold is a channel table")
        codes = np.asarray(channel_codes, dtype=np.int64)
    b = block_size or default_block_size(p)
    rows, cols, weights = [], [], []
    total = 0
    for start in range(0, p, b):
        stop = min(p, start + b)
        block = row_block(start, stop)
        score = np.abs(block) if absolute else block
        if table.ndim == 2:
            cut = table[codes[start:stop, None], codes[None, :]]
            keep = score >= cut
        else:
            keep = score >= table
        # upper triangle only: column index must exceed the global row index
        keep &= np.arange(p)[None, :] > np.arange(start, stop)[:, None]
        r, c = np.nonzero(keep)
        total += r.size
        if total > max_edges:
            raise ValueError(
                f"threshold={threshold!r} keeps more than max_edges={max_edges} edges; "
                "raise the threshold (or max_edges)"
            )
        rows.append(r.astype(np.int64) + start)
        cols.append(c.astype(np.int64))
        weights.append(block[r, c].astype(np.float32))
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(weights)
