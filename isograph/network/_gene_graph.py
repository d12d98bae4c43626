"""Sparse gene-graph priors over features and Laplacian smoothing along them.

The graph is over the *features* (columns); smoothing solves
``(I + gamma L) X_s^T = X^T`` for all samples at once, with ``L`` the signed
graph Laplacian ``diag(sum_j |a_ij|) - A`` (positive semi-definite for any
signs, so ``I + gamma L`` is symmetric positive definite). A negative edge
pulls a feature towards the *negative* of its neighbour, so anti-correlated
neighbours are not averaged away.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from . import ABUNDANCE, SWITCH, correlation_block
from ._edge_rules import _BLOCK_BYTES, feature_fdr_cuts
from ._row_blocks import default_block_size


def knn_correlation_graph(Z: np.ndarray, n_neighbors: int, *, fdr: float) -> sparse.csr_matrix:
    """Symmetric signed k-nearest-neighbour graph of feature correlations.

    Each feature links to its ``n_neighbors`` most correlated features (by
    ``|r|``) among those its own Benjamini–Hochberg test at ``fdr`` selects
    (Fisher z with ``n_samples``), so independent features get no neighbours
    at all. The union of both directions is kept, weighted by ``r``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        Standardized columns.
    n_neighbors : int
    fdr : float

    Returns
    -------
    csr_matrix of shape (n_features, n_features)
    """
    n, p = Z.shape
    Z = np.asarray(Z, dtype=np.float32)
    if p < 2 or n_neighbors < 1 or n <= 4:
        return sparse.csr_matrix((p, p))
    block_fn = correlation_block(Z)
    cuts, _ = feature_fdr_cuts(block_fn, p, fdr, float(n))
    k = min(int(n_neighbors), p - 1)
    rows, cols, vals = [], [], []
    b = default_block_size(p, budget_bytes=_BLOCK_BYTES)
    for start in range(0, p, b):
        stop = min(p, start + b)
        if not np.isfinite(cuts[start:stop]).any():
            continue
        block = block_fn(start, stop)
        score = np.abs(block)
        score[np.arange(stop - start), np.arange(start, stop)] = -1.0
        score[score < cuts[start:stop, None]] = -1.0
        top = np.argpartition(-score, k - 1, axis=1)[:, :k]
        r = np.repeat(np.arange(start, stop), k)
        c = top.ravel()
        keep = score[r - start, c] >= 0
        rows.append(r[keep])
        cols.append(c[keep])
        vals.append(block[r[keep] - start, c[keep]])
    if not rows:
        return sparse.csr_matrix((p, p))
    return _symmetric(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), p)


def _symmetric(rows, cols, vals, p) -> sparse.csr_matrix:
    """Undirected graph from directed pairs: one weight per unordered pair, no self-loops."""
    rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
    vals = np.asarray(vals, dtype=np.float64)
    off = rows != cols
    a, b, w = np.minimum(rows, cols)[off], np.maximum(rows, cols)[off], vals[off]
    key, first = np.unique(a * p + b, return_index=True)
    a, b, w = key // p, key % p, w[first]
    upper = sparse.coo_matrix((w, (a, b)), shape=(p, p))
    return (upper + upper.T).tocsr()


def channel_link_graph(Z: np.ndarray, features: pd.DataFrame) -> sparse.csr_matrix:
    """Link the switch and abundance features of each gene, weighted by their correlation."""
    p = len(features)
    codes = features["code"].to_numpy()
    table = pd.DataFrame({"gene": features["gene_id"].to_numpy(), "code": codes,
                          "col": np.arange(p)})
    sw = table[codes == SWITCH].set_index("gene")["col"]
    ab = table[codes == ABUNDANCE].set_index("gene")["col"]
    sw = sw[~sw.index.duplicated()]
    ab = ab[~ab.index.duplicated()]
    both = sw.index.intersection(ab.index)
    if both.empty:
        return sparse.csr_matrix((p, p))
    i, j = sw.loc[both].to_numpy(), ab.loc[both].to_numpy()
    Zd = np.asarray(Z, dtype=np.float64)
    r = np.mean(Zd[:, i] * Zd[:, j], axis=0)
    return _symmetric(i, j, r, p)


def user_graph(adjacency, feature_names) -> sparse.csr_matrix:
    """A user adjacency as a symmetric sparse matrix over the features.

    Parameters
    ----------
    adjacency : sparse matrix, ndarray or DataFrame
        ``p x p`` (symmetrized as ``(A + A^T) / 2``), or a DataFrame with
        ``source``, ``target`` and optional ``weight`` columns naming features.
    feature_names : sequence of str
    """
    names = pd.Index([str(f) for f in feature_names])
    p = len(names)
    if isinstance(adjacency, pd.DataFrame):
        missing = [c for c in ("source", "target") if c not in adjacency.columns]
        if missing:
            raise ValueError(
                f"adjacency DataFrame needs columns 'source' and 'target' (optional "
                f"'weight'); missing {missing}"
            )
        src = names.get_indexer(adjacency["source"].astype(str))
        dst = names.get_indexer(adjacency["target"].astype(str))
        unknown = sorted(set(adjacency["source"].astype(str)[src < 0])
                         | set(adjacency["target"].astype(str)[dst < 0]))
        if unknown:
            raise ValueError(
                f"adjacency names features that are not in X: {unknown[:5]}"
                + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
            )
        w = (adjacency["weight"].to_numpy(dtype=np.float64) if "weight" in adjacency.columns
             else np.ones(len(adjacency)))
        if not np.all(np.isfinite(w)):
            raise ValueError("adjacency weights must be finite")
        return _symmetric(src, dst, w, p)
    A = sparse.csr_matrix(adjacency, dtype=np.float64)
    if A.shape != (p, p):
        raise ValueError(
            f"adjacency must be a {p} x {p} matrix over the features of X (or a DataFrame "
            f"of source, target, weight), got shape {A.shape}"
        )
    if not np.all(np.isfinite(A.data)):
        raise ValueError("adjacency weights must be finite")
    A = ((A + A.T) * 0.5).tocsr()
    A.setdiag(0.0)
    A.eliminate_zeros()
    return A


def signed_laplacian(A: sparse.spmatrix) -> sparse.csr_matrix:
    """``diag(sum_j |a_ij|) - A``: positive semi-definite for any edge signs."""
    A = sparse.csr_matrix(A)
    degree = np.asarray(abs(A).sum(axis=1)).ravel()
    return (sparse.diags(degree) - A).tocsr()


def smooth_features(
    Z: np.ndarray, laplacian: sparse.spmatrix, gamma: float, *, tol: float = 1e-6,
    max_iter: int = 1000,
) -> tuple[np.ndarray, int]:
    """``X_s`` with ``(I + gamma L) X_s^T = Z^T``, by Jacobi-preconditioned conjugate gradients.

    All samples (right-hand sides) are iterated together, one sparse product
    per iteration; each column stops improving once its residual is below
    ``tol`` times its norm.

    Returns
    -------
    X_s : ndarray of shape (n_samples, n_features)
    n_iter : int
    """
    p = laplacian.shape[0]
    A = (sparse.identity(p, format="csr") + gamma * sparse.csr_matrix(laplacian)).tocsr()
    B = np.asarray(Z, dtype=np.float64).T.copy()
    inv_diag = 1.0 / A.diagonal()
    X = B * inv_diag[:, None]
    R = B - A @ X
    P = R * inv_diag[:, None]
    rz = np.sum(R * P, axis=0)
    target = tol * np.linalg.norm(B, axis=0)
    n_iter = 0
    while n_iter < max_iter:
        active = np.linalg.norm(R, axis=0) > target
        if not active.any():
            break
        n_iter += 1
        AP = A @ P
        denom = np.sum(P * AP, axis=0)
        step = np.where(active & (denom > 0), rz / np.where(denom > 0, denom, 1.0), 0.0)
        X += step * P
        R -= step * AP
        Zr = R * inv_diag[:, None]
        rz_new = np.sum(R * Zr, axis=0)
        beta = np.where(rz > 0, rz_new / np.where(rz > 0, rz, 1.0), 0.0)
        P = Zr + beta * P
        rz = rz_new
    return X.T, n_iter
