"""Shrinkage weights of a fitted RegNet's first SAGE layer, labelled by gene."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from .._inputs import check_expression
from ._graph import message_graph
from ._shrinkage import METHODS, REFERENCES, _check_choice, as_aggregator, layer_shrinkage

__all__ = ["shrinkage_weights"]

REASON_ISOLATED = "no neighbours in the message graph (m = 0)"


def shrinkage_weights(
    model,
    X: pd.DataFrame | None = None,
    method: str = "finite_difference",
    eps: float = 1e-2,
    *,
    reference: str = "prior",
) -> pd.DataFrame:
    r"""How much the first SAGE layer of a fitted RegNet trusts each gene's own expression.

    The layer computes ``h_i = g(x_i, m_i)`` from the gene's input ``x_i`` and
    the mean ``m_i`` of its neighbours' inputs. In a Normal-Normal model the
    posterior mean is ``(1 - w_i) m_i + w_i x_i``; this function reads an
    effective ``w_i`` off the trained ``g`` (see ``docs/model_interpretation.md``).
    The contrast ``x_i - m_i`` is taken over the expression columns (the
    cells); the structural inputs (degrees, TF flag) stay as they are.

    Parameters
    ----------
    model : RegNet
        Fitted.
    X : pandas.DataFrame, optional
        Genes x the cells seen in ``fit``; defaults to the fitted expression.
        The message graph is the training graph restricted to these genes.
    method : {"projection", "finite_difference"}, default="finite_difference"
        ``"projection"``: ``clip(<Delta, delta> / ||delta||^2, 0, 1)`` with
        ``delta = x - m`` and ``Delta`` the matching contrast of the layer
        output on its first ``F`` dimensions (zero-padded when the hidden size
        is smaller than ``F``). ``"finite_difference"``:
        ``S_x / (S_x + S_m)``, the aggregator's sensitivities to its two
        arguments along the unit direction of ``delta``; basis-free, works in
        input space only. The default because the projection is degenerate
        on trained models (every weight near 0, ``docs/model_interpretation.md``).
    eps : float, default=1e-2
        Finite-difference step.
    reference : {"prior", "neighbors"}, default="prior"
        Hidden-space reference of the projection: ``"prior"`` contrasts ``h``
        with ``g`` evaluated at the gene's own inputs with its expression
        replaced by the neighbour mean (exact for a linear aggregator);
        ``"neighbors"`` with the mean of ``h`` over the neighbours (adds a
        graph-smoothing term; see :func:`layer_shrinkage`).

    Returns
    -------
    pandas.DataFrame
        Indexed by gene: ``weight`` in [0, 1] (NaN for genes without
        neighbours or without contrast, explained in ``reason``), ``degree``
        (distinct neighbours in the message graph: regulators and targets,
        since messages flow both ways), ``in_degree`` (known regulators),
        ``out_degree`` (known targets), ``mean_expression`` (mean of ``X``
        over cells), ``is_tf``, the norms behind the weight
        (``input_contrast_norm`` and ``output_contrast_norm`` / ``raw_weight``
        for the projection, ``sensitivity_self`` and ``sensitivity_neighbors``
        for finite differences) and ``reason``. ``attrs`` records ``method``,
        ``reference`` and ``eps``.

    See Also
    --------
    layer_shrinkage : the same on plain arrays and any aggregator.
    empirical_bayes_weights : the analytic weights estimated from the data.
    """
    _check_choice("method", method, METHODS)
    _check_choice("reference", reference, REFERENCES)
    if not hasattr(model, "first_layer_states"):
        raise TypeError(f"model must be a fitted regnet.RegNet; got {type(model).__name__}.")
    check_is_fitted(model, "module_")
    states = model.first_layer_states(X)
    expression = model.expression_ if X is None else check_expression(X)
    genes = states["x"].index
    graph = message_graph(genes, model.edges_)
    linked = graph.degree > 0  # isolated genes have no m: nothing to weigh, nothing to compute
    weights = layer_shrinkage(
        *(states[k].loc[linked] for k in "xm"), h=states["h"].loc[linked],
        n=states["n"].loc[linked],
        aggregate=as_aggregator(model.module_.sage1) if _needs_g(method, reference) else None,
        method=method, eps=eps, reference=reference, n_features=int(model.n_features_in_),
    ).reindex(genes)
    weights.loc[~linked, "reason"] = REASON_ISOLATED
    meta = pd.DataFrame(
        {
            "degree": graph.degree,
            "in_degree": graph.in_degree,
            "out_degree": graph.out_degree,
            "mean_expression": expression.loc[genes].to_numpy(np.float64).mean(axis=1),
            "is_tf": genes.isin(model.tfs_),
        },
        index=genes,
    )
    result = pd.concat([weights[["weight"]], meta, weights.drop(columns="weight")], axis=1)
    result.index.name = "gene"
    result.attrs.update(method=method, reference=reference, eps=float(eps))
    return result


def _needs_g(method: str, reference: str) -> bool:
    return method == "finite_difference" or reference == "prior"
