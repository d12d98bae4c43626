"""RegNet's door: AnnData / DataFrame in, genes x cells out; pairs restricted to the genes.

RegNet works on genes x cells (genes are the graph's nodes). scanpy users hold
cells x genes AnnData objects, often subset to highly variable genes; this
module converts at the door, says so when an input looks transposed, and drops
(or names) training pairs whose genes are not in the data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from isograph._core._warn import warn

from ._inputs import _preview, check_expression

__all__ = [
    "DroppedPairsWarning",
    "SmallNetworkWarning",
    "expression_frame",
    "genes_by_cells",
    "restrict_pairs",
]


class DroppedPairsWarning(UserWarning):
    """Pairs or TFs given to ``RegNet.fit`` were dropped because ``errors="drop"``."""


class SmallNetworkWarning(UserWarning):
    """The network is too small for the validation asked for; ``fit`` fell back (see Notes)."""


def _is_anndata(X) -> bool:
    # duck-typed so that anndata stays an optional dependency
    return all(hasattr(X, a) for a in ("obs_names", "var_names", "layers", "var", "X"))


def expression_frame(X, *, layer=None, use_highly_variable=None, name: str = "X"):
    """Genes x cells DataFrame from a DataFrame (genes x cells) or an AnnData (cells x genes).

    Returns ``(frame, gene_axis, cell_axis, kind)``: ``gene_axis`` holds every
    gene name of the input before any highly-variable subset and ``cell_axis``
    the names on the other axis, both for the transposition check; ``kind`` is
    ``"AnnData"`` or ``"DataFrame"``.
    """
    if isinstance(X, pd.DataFrame):
        if layer is not None or use_highly_variable:
            raise ValueError(
                f"layer={layer!r} and use_highly_variable={use_highly_variable!r} apply to an "
                f"AnnData {name}; {name} is a DataFrame (genes x cells): leave them unset."
            )
        return X, X.index.astype(str), X.columns.astype(str), "DataFrame"
    if not _is_anndata(X):
        raise TypeError(
            f"{name} must be a pandas DataFrame of genes x cells (index = gene names) or an "
            f"AnnData (cells x genes); got {type(X).__name__}. An array has no gene names for "
            "the edges to refer to: wrap it as pd.DataFrame(values, index=gene_names) "
            "(genes x cells) or anndata.AnnData(values.T, var=pd.DataFrame(index=gene_names))."
        )
    if layer is None:
        matrix = X.X
    elif layer not in X.layers:
        raise ValueError(
            f"layer={layer!r} is not a layer of {name}; its layers are {list(X.layers)} "
            "(layer=None uses .X)."
        )
    else:
        matrix = X.layers[layer]
    if matrix is None:
        raise ValueError(f"{name}.X is empty; pass layer= naming a layer with expression.")
    has_hvg = "highly_variable" in X.var.columns
    if use_highly_variable and not has_hvg:
        raise ValueError(
            f"use_highly_variable=True but {name}.var has no 'highly_variable' column; run "
            "scanpy.pp.highly_variable_genes first or pass use_highly_variable=False."
        )
    keep = np.ones(X.n_vars, dtype=bool)
    if has_hvg and use_highly_variable is not False:
        keep = X.var["highly_variable"].to_numpy(dtype=bool)
    matrix = matrix[:, np.flatnonzero(keep)]
    if hasattr(matrix, "toarray"):  # scipy sparse: the graph model needs dense rows
        matrix = matrix.toarray()
    frame = pd.DataFrame(
        np.asarray(matrix, dtype=np.float64).T,
        index=X.var_names[keep].astype(str),
        columns=X.obs_names.astype(str),
    )
    return frame, X.var_names.astype(str), X.obs_names.astype(str), "AnnData"


def check_orientation(gene_axis, cell_axis, wanted, kind: str, name: str = "X") -> None:
    """Raise when the genes named by the pairs sit on the cell axis rather than the gene axis."""
    wanted = set(map(str, wanted))
    if not wanted:
        return
    on_genes = len(wanted & set(gene_axis))
    on_cells = len(wanted & set(cell_axis))
    if on_cells > on_genes:
        if kind == "AnnData":
            axes = ("var_names", "obs_names", "pass adata.T (AnnData is cells x genes)")
        else:
            axes = ("index", "columns", f"pass {name}.T (genes x cells, index = gene names)")
        raise ValueError(
            f"{name} looks transposed: {on_genes} of the {len(wanted)} genes named by the "
            f"pairs are in its {axes[0]} but {on_cells} are in its {axes[1]}; {axes[2]}."
        )
    if on_genes == 0:
        axis = "var_names" if kind == "AnnData" else "index"
        raise ValueError(
            f"None of the {len(wanted)} genes named by the pairs, e.g. {_preview(sorted(wanted))}, "
            f"is in {name}'s {axis}; {name} must name its genes there."
        )


def genes_by_cells(X, wanted, *, layer=None, use_highly_variable=None) -> pd.DataFrame:
    """The checked genes x cells DataFrame of ``X`` (a DataFrame or an AnnData).

    Raises when the genes ``wanted`` (named by the pairs, or seen in ``fit``)
    sit on the cell axis; see :func:`expression_frame` and :func:`check_orientation`.
    """
    frame, gene_axis, cell_axis, kind = expression_frame(
        X, layer=layer, use_highly_variable=use_highly_variable
    )
    check_orientation(gene_axis, cell_axis, wanted, kind)
    return check_expression(frame)


def check_columns(frame, name: str, required=("TF", "Target")) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame with columns TF, Target; "
            f"got {type(frame).__name__}."
        )
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} must have columns TF, Target; missing {missing}.")


def restrict_pairs(genes: pd.Index, edges, tfs, validation, errors: str):
    """Drop (``errors="drop"``) or name (``"raise"``) pairs and TFs outside ``genes``.

    Self loops in ``edges`` / ``validation`` are treated the same way. Returns
    ``(edges, tfs, validation)``; one :class:`DroppedPairsWarning` counts what
    was dropped.
    """
    if errors not in ("raise", "drop"):
        raise ValueError(f"errors must be 'raise' or 'drop'; got {errors!r}.")
    known = set(genes)
    hint = "pass errors='drop' to drop them, or give X the missing genes."
    notes = []

    def restrict(frame, name):
        tf, target = frame["TF"].astype(str), frame["Target"].astype(str)
        absent = sorted((set(tf) | set(target)) - known)
        outside = ~(tf.isin(known) & target.isin(known))
        loops = (tf == target) & ~outside
        if errors == "raise" and absent:
            raise ValueError(f"{name} names genes absent from X: {_preview(absent)}; {hint}")
        if errors == "raise" and loops.any():
            raise ValueError(
                f"{name} contain {int(loops.sum())} self loops (TF == Target), e.g. "
                f"{_preview(tf[loops])}; remove them or pass errors='drop'."
            )
        if outside.any():
            notes.append(f"{int(outside.sum())} of {len(frame)} {name} pairs name genes not in "
                         f"X (e.g. {_preview(absent)})")
        if loops.any():
            notes.append(f"{int(loops.sum())} {name} self loops")
        return frame.loc[~(outside | loops)]

    check_columns(edges, "edges")
    edges = restrict(edges, "edges")
    if validation is not None:
        check_columns(validation, "validation")
        validation = restrict(validation, "validation")
    if tfs is not None:
        tfs = [str(t) for t in tfs]
        absent = [t for t in tfs if t not in known]
        if absent and errors == "raise":
            raise ValueError(f"tfs names genes absent from X: {_preview(absent)}; {hint}")
        if absent:
            notes.append(f"{len(absent)} of {len(tfs)} tfs not in X (e.g. {_preview(absent)})")
            tfs = [t for t in tfs if t in known]
    if notes:
        warn("errors='drop': dropped " + "; ".join(notes) + ".", DroppedPairsWarning)
    if edges.empty:
        raise ValueError(
            "No edge is left: every pair of edges names a gene absent from X (or is a self "
            "loop). Check that X covers the network's genes (e.g. use_highly_variable=False)."
        )
    return edges, tfs, validation
