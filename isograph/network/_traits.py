"""Module–trait associations with Benjamini–Hochberg FDR."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ._fdr import bh_adjust
from ._module_ids import module_id_of

TRAIT_COLUMNS = [
    "module_id", "module", "trait", "test", "statistic", "effect", "p_value", "q_value", "n",
]


def _is_numeric(col: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)


def _module_ids(columns) -> dict:
    """Integer id of every eigengene column: parsed from ``"M<k>"``, else its position."""
    ids = {}
    for position, name in enumerate(columns):
        try:
            ids[name] = module_id_of(name)
        except ValueError:
            ids[name] = position
    return ids


def trait_associations(
    eigengenes: pd.DataFrame, samples: pd.DataFrame, traits=None
) -> pd.DataFrame:
    """Test every module eigengene against every trait.

    Numeric traits: Pearson correlation (``effect`` = r). Categorical traits
    with two levels: Welch's t-test (``effect`` = difference of means, second
    level minus first); with more levels: one-way ANOVA (``effect`` = eta
    squared). Samples missing a trait are left out of that test. q-values are
    Benjamini–Hochberg over all module x trait tests.

    Parameters
    ----------
    eigengenes : DataFrame
        Samples x modules.
    samples : DataFrame
        Sample table indexed like ``eigengenes``.
    traits : list of str, optional
        Columns to test; default all columns of ``samples``.

    Returns
    -------
    pandas.DataFrame
        Columns ``module_id, module, trait, test, statistic, effect, p_value,
        q_value, n``: ``module_id`` is the integer key of every artifact and
        ``module`` the eigengene's column name (its ``"M<k>"`` label); an
        eigengene column that is not such a label gets its position as id.
    """
    if traits is None:
        traits = list(samples.columns)
    missing = [t for t in traits if t not in samples.columns]
    if missing:
        raise ValueError(f"traits not in the sample table: {missing}; have {list(samples.columns)}")
    table = samples.reindex(eigengenes.index)
    rows = []
    for trait in traits:
        col = table[trait]
        present = col.notna().to_numpy()
        if present.sum() < 3:
            continue
        values = col[present]
        E = eigengenes.to_numpy(dtype=np.float64)[present]
        if _is_numeric(col):
            x = values.to_numpy(dtype=np.float64)
            if np.std(x) == 0:
                continue
            for j, module in enumerate(eigengenes.columns):
                r, p = stats.pearsonr(x, E[:, j])
                rows.append((module, trait, "pearson", r, r, p, len(x)))
            continue
        levels = pd.unique(values.astype(str))
        if len(levels) < 2:
            continue
        groups = [np.flatnonzero(values.astype(str).to_numpy() == lv) for lv in levels]
        if min(len(g) for g in groups) < 2:
            continue
        for j, module in enumerate(eigengenes.columns):
            e = E[:, j]
            if len(levels) == 2:
                t, p = stats.ttest_ind(e[groups[1]], e[groups[0]], equal_var=False)
                effect = e[groups[1]].mean() - e[groups[0]].mean()
                rows.append((module, trait, "welch_t", t, effect, p, len(e)))
            else:
                f, p = stats.f_oneway(*(e[g] for g in groups))
                total = np.sum((e - e.mean()) ** 2)
                between = sum(len(g) * (e[g].mean() - e.mean()) ** 2 for g in groups)
                eta_sq = between / total if total else 0.0
                rows.append((module, trait, "anova", f, eta_sq, p, len(e)))
    out = pd.DataFrame(rows, columns=[c for c in TRAIT_COLUMNS[1:] if c != "q_value"])
    out.insert(0, "module_id", out["module"].map(_module_ids(eigengenes.columns)).astype(np.int64))
    out.insert(7, "q_value", bh_adjust(out["p_value"].to_numpy()) if len(out) else [])
    return out
