"""Parameter rules the backends share, in scikit-learn's ``_parameter_constraints`` form.

Each backend's class merges the groups it exposes, so a rule is written once
and sklearn's ``_fit_context`` checks it before ``fit`` does any work (the error
names the parameter, the estimator and the accepted values). Rules that tie
two parameters together, or look inside a sequence, are each backend's
``_check_params``.
"""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

#: What every backend, R's WGCNA included, exposes.
EVERY_BACKEND = {
    "min_module_size": [Interval(Integral, 2, None, closed="left")],
    "random_state": ["random_state"],
}

#: The Python backends: communities of the edge graph, merged, under an edge budget.
COMMUNITIES = {
    "community": [StrOptions({"leiden", "components"})],
    "resolution": [Interval(Real, 0, None, closed="neither")],
    "merge_threshold": [Interval(Real, 0, 1, closed="right"), None],
    "max_edges_per_feature": [Interval(Integral, 1, None, closed="left"), None],
    "max_edges": [Interval(Integral, 1, None, closed="left"), None],
}

#: A |weight| cut or a per-feature / all-pairs FDR (baseline, latent, graph).
EDGE_RULE = {
    "alpha": [Interval(Real, 0, 1, closed="right"), None],
    "fdr": [Interval(Real, 0, 1, closed="neither"), None],
    "fdr_scope": [StrOptions({"feature", "pairs"})],
}

#: The factor model of the latent and graph backends.
FACTOR_MODEL = {
    "n_components": [StrOptions({"auto"}), Interval(Integral, 0, None, closed="left")],
    "edge_weight": [StrOptions({"correlation", "partial"})],
    "n_components_grid": ["array-like", None],
    "cv": [Interval(Integral, 2, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="neither")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
}


def check_edge_rule(est) -> None:
    """``alpha`` and ``fdr`` may not both be ``None`` (nothing would select edges)."""
    if est.alpha is None and est.fdr is None:
        raise ValueError("alpha and fdr are both None; set one of them to select edges")


def check_integer_sequence(name: str, value, minimum: int, *, allow_none: bool = False) -> None:
    """Raise unless ``value`` is a non-empty sequence of integers >= ``minimum``."""
    if value is None and allow_none:
        return
    items = [] if isinstance(value, str) else list(value) if _iterable(value) else []
    ok = bool(items) and all(isinstance(v, Integral) and not isinstance(v, bool) and v >= minimum
                             for v in items)
    if not ok:
        raise ValueError(f"{name} must be a non-empty sequence of integers >= {minimum}, "
                         f"got {value!r}")


def _iterable(value) -> bool:
    try:
        iter(value)
    except TypeError:
        return False
    return True
