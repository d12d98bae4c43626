"""Scores for predicted gene modules against planted (or reference) modules.

Every function takes ``true`` and ``pred``: one module label per gene, as arrays of
equal length or as pandas Series matched by index (genes of ``true`` missing from a
``pred`` Series count as unassigned; genes of ``pred`` absent from ``true`` raise).
Labels may be any hashable values; ``-1`` (or a missing value) means *unassigned*
(background). Everything is computed from a sparse contingency table between
modules, so cost grows with the number of genes and non-empty overlaps, not with
the product of module counts.

Conventions
-----------
- Module overlap is the Jaccard index ``|A & B| / |A | B|`` over gene sets;
  unassigned genes belong to no module.
- :func:`adjusted_rand` and :func:`adjusted_mutual_info` score the partition of
  *all* genes: every unassigned gene (in ``true`` or ``pred``) becomes its own
  singleton cluster, so a method that leaves background genes unassigned is
  rewarded and one that lumps them into modules is penalised.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd

from ._contingency import (
    adjusted_mutual_info_codes,
    adjusted_rand_codes,
    align,
    encode,
    jaccard_matrix,
)
from ._simulate import ROLES

__all__ = [
    "PermutationNull",
    "adjusted_mutual_info",
    "adjusted_rand",
    "over_segmentation",
    "permutation_null",
    "recovery",
    "relevance",
    "role_recall",
    "score_modules",
]


def _codes(true, pred) -> tuple[np.ndarray, np.ndarray]:
    t, p = align(true, pred)
    return encode(t), encode(p)


def _require_true_modules(t: np.ndarray) -> None:
    if not (t >= 0).any():
        raise ValueError("true has no modules (every gene is unassigned); the score is undefined.")


def _best_jaccard(t: np.ndarray, p: np.ndarray, axis: int) -> np.ndarray:
    jac = jaccard_matrix(t, p)
    if jac.shape[axis] == 0:
        return np.zeros(jac.shape[1 - axis])
    return jac.max(axis=axis).toarray().ravel()


def recovery(true, pred) -> float:
    """Mean over true modules of the best Jaccard index with any predicted module.

    Parameters
    ----------
    true, pred : array-like or pandas.Series
        Module label per gene; ``-1`` = unassigned.

    Returns
    -------
    float
        In [0, 1]; 1 when every true module is predicted exactly, 0 when no
        predicted module overlaps any true one (or nothing is predicted).

    Raises
    ------
    ValueError
        If ``true`` has no modules or the inputs do not label the same genes.
    """
    t, p = _codes(true, pred)
    _require_true_modules(t)
    return float(_best_jaccard(t, p, axis=1).mean())


def relevance(true, pred) -> float:
    """Mean over predicted modules of the best Jaccard index with any true module.

    The reverse of :func:`recovery`: it penalises predicted modules that match
    nothing planted. Returns ``nan`` when ``pred`` has no modules.
    """
    t, p = _codes(true, pred)
    _require_true_modules(t)
    best = _best_jaccard(t, p, axis=0)
    return float(best.mean()) if best.size else float("nan")


def adjusted_rand(true, pred) -> float:
    """Adjusted Rand index over all genes, unassigned genes as singleton clusters."""
    t, p = _codes(true, pred)
    return adjusted_rand_codes(t, p)


def adjusted_mutual_info(true, pred) -> float:
    """Adjusted mutual information over all genes, unassigned genes as singletons.

    Uses the arithmetic-mean normalisation of
    :func:`sklearn.metrics.adjusted_mutual_info_score` (and equals it on the
    singleton-expanded labels); the expected mutual information is evaluated once
    per pair of distinct cluster sizes, which keeps thousands of singletons cheap.
    """
    t, p = _codes(true, pred)
    return adjusted_mutual_info_codes(t, p)


def over_segmentation(true, pred) -> float:
    """Number of predicted modules divided by the number of true modules.

    1 means as many modules as planted; 2 means each module was split in two on
    average (or spurious modules were added); below 1 means merging.
    """
    t, p = _codes(true, pred)
    _require_true_modules(t)
    return float((int(p.max(initial=-1)) + 1) / (int(t.max()) + 1))


def role_recall(true, pred, roles) -> pd.Series:
    """Per gene role, the fraction of planted members kept with their module.

    Each true module is matched to the predicted module with the highest Jaccard
    index (no match when it overlaps none). A member gene counts as recalled when
    its predicted label is its true module's match. Genes unassigned in ``true``
    are ignored whatever their role.

    Parameters
    ----------
    true, pred : array-like or pandas.Series
        Module label per gene; ``-1`` = unassigned.
    roles : array-like or pandas.Series
        Role per gene (e.g. ``SyntheticDataset.genes["role"]``), aligned like ``pred``.

    Returns
    -------
    pandas.Series
        Recall per role present among module genes, indexed by role (the four
        planted roles first, in their canonical order), named ``"role_recall"``.
    """
    t_raw, p_raw, r = align(true, pred, ("roles", roles))
    t, p = encode(t_raw), encode(p_raw)
    _require_true_modules(t)
    jac = jaccard_matrix(t, p)
    if jac.shape[1]:
        best = np.asarray(jac.argmax(axis=1)).ravel()
        best[jac.max(axis=1).toarray().ravel() <= 0] = -2
    else:
        best = np.full(jac.shape[0], -2)
    members = t >= 0
    hit = p[members] == best[t[members]]
    recall = pd.Series(hit, dtype=float).groupby(np.asarray(r, dtype=object)[members]).mean()
    order = [x for x in ROLES if x in recall.index]
    order += sorted((x for x in recall.index if x not in ROLES), key=str)
    return recall.reindex(order).rename("role_recall").rename_axis("role")


_METRICS: dict[str, Callable] = {
    "recovery": recovery,
    "relevance": relevance,
    "adjusted_rand": adjusted_rand,
    "adjusted_mutual_info": adjusted_mutual_info,
    "over_segmentation": over_segmentation,
}


class PermutationNull(NamedTuple):
    """A score read against label permutations (see :func:`permutation_null`)."""

    observed: float
    null_mean: float
    null_sd: float
    p_value: float
    z: float
    null: np.ndarray


def permutation_null(
    metric: str | Callable,
    true,
    pred,
    *,
    n_permutations: int = 100,
    greater_is_better: bool = True,
    random_state=None,
) -> PermutationNull:
    """Compare a score with its distribution under randomly placed modules.

    ``pred`` is shuffled across genes, which keeps the number and sizes of predicted
    modules (and the number of unassigned genes) and destroys only their placement.

    Parameters
    ----------
    metric : str or callable
        A name among ``"recovery"``, ``"relevance"``, ``"adjusted_rand"``,
        ``"adjusted_mutual_info"``, ``"over_segmentation"``, or a function
        ``metric(true, pred) -> float`` that accepts integer label arrays.
    true, pred : array-like or pandas.Series
        Module label per gene; ``-1`` = unassigned.
    n_permutations : int, default=100
        Number of shuffles.
    greater_is_better : bool, default=True
        Direction of the one-sided test.
    random_state : int, numpy.random.Generator or None
        Seed of the shuffles.

    Returns
    -------
    PermutationNull
        ``observed``, ``null_mean``, ``null_sd`` (ddof=1), ``p_value``
        (``(1 + #null at least as good) / (1 + n_permutations)``), ``z``
        (``(observed - null_mean) / null_sd``, ``nan`` when the null has no
        spread) and the ``null`` scores.
    """
    if isinstance(metric, str):
        if metric not in _METRICS:
            raise ValueError(f"metric must be one of {sorted(_METRICS)} or a callable; "
                             f"got {metric!r}.")
        metric = _METRICS[metric]
    elif not callable(metric):
        raise TypeError(f"metric must be a metric name or a callable; got {metric!r}.")
    if (isinstance(n_permutations, bool) or not isinstance(n_permutations, numbers.Integral)
            or n_permutations < 1):
        raise ValueError(f"n_permutations must be an integer >= 1; got {n_permutations!r}.")
    t, p = _codes(true, pred)
    observed = metric(t, p)
    if not isinstance(observed, numbers.Real):
        raise TypeError(f"metric must return a single number; got {type(observed).__name__}.")
    rng = np.random.default_rng(random_state)
    null = np.array([metric(t, rng.permutation(p)) for _ in range(n_permutations)], dtype=float)
    mean = float(null.mean())
    sd = float(null.std(ddof=1)) if n_permutations > 1 else 0.0
    better = null >= observed if greater_is_better else null <= observed
    p_value = (1.0 + float(better.sum())) / (1.0 + n_permutations)
    z = (float(observed) - mean) / sd if sd > 0 else float("nan")
    return PermutationNull(float(observed), mean, sd, p_value, z, null)


def score_modules(true, pred, roles=None) -> dict:
    """Every module score at once, as a flat dict (one row of a results table).

    Parameters
    ----------
    true, pred : array-like or pandas.Series
        Module label per gene; ``-1`` = unassigned.
    roles : array-like or pandas.Series, optional
        Role per gene; adds ``"role_recall_<role>"`` entries.

    Returns
    -------
    dict
        ``recovery``, ``relevance``, ``adjusted_rand``, ``adjusted_mutual_info``,
        ``over_segmentation``, ``n_true_modules``, ``n_predicted_modules`` and,
        with ``roles``, one ``role_recall_<role>`` per role.
    """
    if roles is None:
        t_raw, p_raw = align(true, pred)
    else:
        t_raw, p_raw, r = align(true, pred, ("roles", roles))
    t, p = encode(t_raw), encode(p_raw)
    scores = {
        "recovery": recovery(t, p),
        "relevance": relevance(t, p),
        "adjusted_rand": adjusted_rand_codes(t, p),
        "adjusted_mutual_info": adjusted_mutual_info_codes(t, p),
        "over_segmentation": over_segmentation(t, p),
        "n_true_modules": int(t.max()) + 1,
        "n_predicted_modules": int(p.max(initial=-1)) + 1,
    }
    if roles is not None:
        for role, value in role_recall(t, p, r).items():
            scores[f"role_recall_{role}"] = float(value)
    return scores
