"""Gene roles in multiplex modules: which channel carries a gene's membership."""

from __future__ import annotations

import numpy as np
import pandas as pd

ROLES = ("coupled", "discordant", "switch_only", "abundance_only", "inactive")


def _corr_columns(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of each column of ``A`` with vector ``b``."""
    A = A - A.mean(axis=0)
    b = b - b.mean()
    denom = np.sqrt((A**2).sum(axis=0) * (b**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (A * b[:, None]).sum(axis=0) / denom, np.nan)


def _leading_score(block: np.ndarray) -> np.ndarray:
    block = block - block.mean(axis=0)
    u, s, _ = np.linalg.svd(block, full_matrices=False)
    score = u[:, 0] * s[0]
    return score if np.dot(score, block.mean(axis=1)) >= 0 else -score


def gene_roles(
    Z: np.ndarray,
    features: pd.DataFrame,
    gene_modules: pd.Series,
    *,
    activity_threshold: float = 0.3,
    discordance_threshold: float = 0.0,
) -> pd.DataFrame:
    """Role of every module gene from its two channels.

    For each module, a channel eigengene is the leading principal component of
    the module genes' features of that channel. A gene's channel is *active*
    when its correlation with that channel eigengene reaches
    ``activity_threshold`` in absolute value. Both active: ``discordant`` when
    the gene's switch and abundance features correlate below
    ``-discordance_threshold`` (the channels move against each other), else
    ``coupled``. One active: ``switch_only`` / ``abundance_only``. None:
    ``inactive``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        Standardized multiplex features.
    features : DataFrame
        From :func:`feature_table` (``gene_id``, ``channel`` per column of Z).
    gene_modules : Series
        Module id per gene (``-1`` = none), indexed by gene id.

    Returns
    -------
    pandas.DataFrame
        Columns ``gene_id, module_id, r_switch, r_abundance,
        r_switch_abundance, role``.
    """
    col = {(g, c): i for i, (g, c) in enumerate(zip(features["gene_id"], features["channel"]))}
    rows = []
    for module, genes in gene_modules[gene_modules >= 0].groupby(gene_modules):
        genes = list(genes.index)
        per_channel = {}
        for channel in ("switch", "abundance"):
            idx = np.array([col.get((g, channel), -1) for g in genes])
            have = idx >= 0
            r = np.full(len(genes), np.nan)
            if have.sum() >= 2:
                block = Z[:, idx[have]]
                r[have] = _corr_columns(block, _leading_score(block))
            per_channel[channel] = (idx, r)
        s_idx, r_s = per_channel["switch"]
        a_idx, r_a = per_channel["abundance"]
        both = (s_idx >= 0) & (a_idx >= 0)
        r_sa = np.full(len(genes), np.nan)
        if both.any():
            S, A = Z[:, s_idx[both]], Z[:, a_idx[both]]
            S, A = S - S.mean(0), A - A.mean(0)
            with np.errstate(invalid="ignore", divide="ignore"):
                r_sa[both] = (S * A).sum(0) / np.sqrt((S**2).sum(0) * (A**2).sum(0))
        act_s = np.abs(np.nan_to_num(r_s)) >= activity_threshold
        act_a = np.abs(np.nan_to_num(r_a)) >= activity_threshold
        role = np.select(
            [act_s & act_a & (np.nan_to_num(r_sa) < -discordance_threshold),
             act_s & act_a, act_s, act_a],
            ["discordant", "coupled", "switch_only", "abundance_only"],
            default="inactive",
        )
        rows.append(pd.DataFrame({
            "gene_id": genes, "module_id": int(module), "r_switch": r_s,
            "r_abundance": r_a, "r_switch_abundance": r_sa, "role": role,
        }))
    if not rows:
        return pd.DataFrame(columns=["gene_id", "module_id", "r_switch", "r_abundance",
                                     "r_switch_abundance", "role"])
    return pd.concat(rows, ignore_index=True)
