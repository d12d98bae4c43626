"""Sparse edge lists from row blocks of a similarity: thresholds, the edge budget.

Every backend reduces to "a function that returns rows ``start:stop`` of a
p x p similarity" (``_row_blocks``) plus a threshold. Keeping the p x p matrix
implicit is what lets 20,000 features fit in a few hundred megabytes.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral

import numpy as np

from ._row_blocks import RowBlock, default_block_size

#: Channel codes used by the edge policy (index into a 3 x 3 threshold table).
SWITCH, ABUNDANCE, PLAIN = 0, 1, 2

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


#: Default edge budget: 20 million edges are about 240 MB as int64 pairs + float32 weights.
DEFAULT_MAX_EDGES = 20_000_000
# rows sampled to estimate the edge count before the full pass
_ESTIMATE_ROWS = 256


class EdgeBudgetError(ValueError):
    """The edge rule would keep more edges than ``max_edges`` allows."""


def budget_message(expected: int, max_edges: int, *, estimated: bool, what: str) -> str:
    """The error text for an edge list over budget, naming the remedies."""
    verb = "would keep about" if estimated else "keeps more than"
    return (f"{what} {verb} {int(expected):,} edges, over max_edges={int(max_edges):,}. "
            "Set max_edges_per_feature (e.g. 20: each feature keeps its strongest edges), "
            "raise max_edges, or tighten the edge rule (a larger alpha, a smaller fdr)")


def check_edge_budget(n_features: int, max_edges: int | None,
                      max_edges_per_feature: int | None) -> None:
    """Validate the budget parameters; fail early when the per-feature cap cannot fit."""
    for name, value in (("max_edges", max_edges), ("max_edges_per_feature", max_edges_per_feature)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, Integral)
                                  or value < 1):
            raise ValueError(f"{name} must be None or an integer >= 1, got {value!r}")
    if max_edges is not None and max_edges_per_feature is not None:
        worst = int(max_edges_per_feature) * int(n_features)
        if worst > max_edges:
            raise EdgeBudgetError(
                f"max_edges_per_feature={int(max_edges_per_feature)} x {int(n_features):,} "
                f"features allows up to {worst:,} edges, over max_edges={int(max_edges):,}; "
                "lower max_edges_per_feature or raise max_edges")


def top_per_row(score: np.ndarray, keep: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the ``k`` largest ``score`` entries of each row among ``keep``."""
    masked = np.where(keep, score, -np.inf)
    if k < masked.shape[1]:
        idx = np.argpartition(-masked, k - 1, axis=1)[:, :k]
    else:
        idx = np.broadcast_to(np.arange(masked.shape[1]), masked.shape)
    r = np.repeat(np.arange(masked.shape[0]), idx.shape[1])
    c = np.asarray(idx).ravel()
    ok = np.isfinite(masked[r, c])
    return r[ok], c[ok]


def estimate_edges(row_block: RowBlock, n_features: int, passes: Callable) -> int:
    """Edges a rule keeps, extrapolated from evenly spaced sample rows.

    ``passes(block, start, stop)`` -> boolean mask of the rule on that block.
    """
    p = int(n_features)
    rows = np.unique(np.linspace(0, p - 1, min(p, _ESTIMATE_ROWS)).astype(int))
    total = 0
    for i in rows:
        mask = passes(row_block(i, i + 1), i, i + 1)
        mask[0, i] = False
        total += int(mask.sum())
    return int(total / max(rows.size, 1) * p / 2)


def collect_edges(
    row_block: RowBlock,
    n_features: int,
    passes: Callable,
    *,
    block_size: int | None = None,
    max_edges: int | None = DEFAULT_MAX_EDGES,
    max_edges_per_feature: int | None = None,
    absolute: bool = True,
    rows_to_scan: np.ndarray | None = None,
    rank_scale: np.ndarray | None = None,
    what: str = "the edge rule",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Upper-triangle edges where ``passes(block, start, stop)`` holds, within the budget.

    With ``max_edges_per_feature`` each feature keeps its strongest passing
    edges (an edge stays when either endpoint keeps it), so at most
    ``max_edges_per_feature * p`` edges are stored whatever the data. Without
    it, the edge count is first estimated from sample rows and an
    :class:`EdgeBudgetError` is raised before the full pass when it exceeds
    ``max_edges``. ``rank_scale`` (one factor per feature) ranks the
    candidates of a feature by ``|weight| * s_i * s_j`` instead of ``|weight|``.
    """
    p = int(n_features)
    check_edge_budget(p, max_edges, max_edges_per_feature)
    k = None if max_edges_per_feature is None else int(max_edges_per_feature)
    if k is None and max_edges is not None and p > 2 * _ESTIMATE_ROWS:
        expected = estimate_edges(row_block, p, passes)
        if expected > max_edges:
            raise EdgeBudgetError(budget_message(expected, max_edges, estimated=True, what=what))
    b = block_size or default_block_size(p)
    rows, cols, weights = [], [], []
    total = 0
    for start in range(0, p, b):
        stop = min(p, start + b)
        if rows_to_scan is not None and not rows_to_scan[start:stop].any():
            continue
        block = row_block(start, stop)
        keep = passes(block, start, stop)
        local = np.arange(stop - start)
        if k is None:
            # upper triangle only: column index must exceed the global row index
            keep &= np.arange(p)[None, :] > np.arange(start, stop)[:, None]
            r, c = np.nonzero(keep)
        else:
            keep[local, local + start] = False
            score = np.abs(block) if absolute else block
            if rank_scale is not None:
                # one float64 temporary, not two (same operation order, same values)
                score = np.multiply(score, rank_scale[start:stop, None])
                score *= rank_scale[None, :]
            r, c = top_per_row(score, keep, k)
        total += r.size
        if max_edges is not None and k is None and total > max_edges:
            raise EdgeBudgetError(budget_message(total, max_edges, estimated=False, what=what))
        w = np.asarray(block)[r, c].astype(np.float32)
        g = r.astype(np.int64) + start
        c = c.astype(np.int64)
        rows.append(np.minimum(g, c))
        cols.append(np.maximum(g, c))
        weights.append(w)
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    rows, cols, weights = np.concatenate(rows), np.concatenate(cols), np.concatenate(weights)
    if k is not None:
        # an edge chosen by both endpoints appears twice
        _, first = np.unique(rows * p + cols, return_index=True)
        rows, cols, weights = rows[first], cols[first], weights[first]
    return rows, cols, weights


def threshold_edges(
    row_block: RowBlock,
    n_features: int,
    threshold: float | np.ndarray,
    *,
    channel_codes: np.ndarray | None = None,
    block_size: int | None = None,
    max_edges: int | None = DEFAULT_MAX_EDGES,
    max_edges_per_feature: int | None = None,
    absolute: bool = True,
    rank_scale: np.ndarray | None = None,
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
    max_edges : int or None
        Edge budget: an :class:`EdgeBudgetError` (naming the remedies) is
        raised, before the full pass when the estimate already exceeds it.
        ``None``: no budget.
    max_edges_per_feature : int or None
        Keep each feature's strongest passing edges only (an edge stays when
        either endpoint keeps it): at most ``max_edges_per_feature * p`` edges.
    absolute : bool
        Compare ``|weight|`` (True) or the signed weight.
    rank_scale : ndarray of shape (p,), optional
        With ``max_edges_per_feature``: rank a feature's candidates by
        ``|weight| * rank_scale_i * rank_scale_j``.

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

    def passes(block, start, stop):
        score = np.abs(block) if absolute else block
        if table.ndim == 2:
            return score >= table[codes[start:stop, None], codes[None, :]]
        return score >= table

    what = f"threshold={float(table):g}" if table.ndim == 0 else "the channel thresholds"
    return collect_edges(row_block, p, passes, block_size=block_size, max_edges=max_edges,
                         max_edges_per_feature=max_edges_per_feature, absolute=absolute,
                         rank_scale=None if rank_scale is None else np.asarray(rank_scale),
                         what=what)
