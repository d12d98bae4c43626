"""What a benchmark row records about a fit's modules: counts, and scores against the truth."""

from __future__ import annotations

import pandas as pd

from .metrics import score_modules

SCORES = ("recovery", "relevance", "adjusted_rand", "adjusted_mutual_info", "over_segmentation")


def module_summary(modules: pd.DataFrame) -> dict:
    """Counts from a ``modules`` table: modules, assigned genes, largest module."""
    assigned = modules.loc[modules["module_id"] >= 0]
    sizes = assigned.groupby("module_id")["gene_id"].nunique()
    return {
        "n_predicted_modules": int(sizes.size),
        "n_assigned_genes": int(assigned["gene_id"].nunique()),
        "largest_module_size": int(sizes.max()) if sizes.size else 0,
    }


def score_against_truth(modules: pd.DataFrame, genes: pd.DataFrame) -> dict:
    """Module scores of a ``modules`` table against a truth ``genes`` table.

    Scores are ``nan`` when the truth has no module (permuted suites).
    """
    truth = genes["module_id"]
    pred = modules.drop_duplicates("gene_id").set_index("gene_id")["module_id"]
    pred = pred.reindex(truth.index.astype(str)).fillna(-1).astype(int)
    pred.index = truth.index
    n_true = int(truth[truth >= 0].nunique())
    if n_true == 0:
        return {name: float("nan") for name in SCORES} | {"n_true_modules": 0}
    roles = genes["role"] if "role" in genes else None
    scores = score_modules(truth, pred, roles=roles)
    scores.pop("n_predicted_modules", None)
    return scores
