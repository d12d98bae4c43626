"""Readers for BEELINE / GENELink benchmark folders."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from isograph._core._warn import warn

from ._layouts import (
    _preview,
    beeline_expression_path,
    clean_network,
    detect_layout,
    find_file,
    read_beeline_network,
    read_genelink_network,
)

__all__ = ["BeelineData", "BeelineDataWarning", "load_beeline", "read_expression"]

_ERRORS = ("raise", "drop")


class BeelineDataWarning(UserWarning):
    """Rows of a BEELINE folder were dropped because ``errors="drop"`` was passed."""


@dataclass(repr=False)
class BeelineData:
    """Expression matrix, known regulatory network and TF list of one dataset.

    Parameters
    ----------
    expression : pandas.DataFrame
        Genes x cells; the index holds unique gene names.
    edges : pandas.DataFrame
        The known positive network, columns ``TF`` and ``Target``; every gene
        appears in ``expression``; no duplicate pairs and no self loops.
    tfs : list of str
        Transcription factors (candidate regulators), all present in
        ``expression``; every ``edges["TF"]`` is one of them.
    name : str
        A label for the dataset.

    Attributes
    ----------
    genes : list of str
        ``expression.index`` as a list.
    density : float
        ``len(edges) / (len(tfs) * len(genes))``, the network density used by
        :func:`regnet.data.genelink_split`.
    """

    expression: pd.DataFrame
    edges: pd.DataFrame
    tfs: list[str]
    name: str = ""

    def __post_init__(self):
        if not isinstance(self.expression, pd.DataFrame):
            raise TypeError(
                "expression must be a pandas DataFrame (genes x cells); "
                f"got {type(self.expression).__name__}."
            )
        if not self.expression.index.is_unique:
            dup = self.expression.index[self.expression.index.duplicated()].unique()
            raise ValueError(f"expression has duplicate gene names in its index: {_preview(dup)}.")
        if not isinstance(self.edges, pd.DataFrame) or not {"TF", "Target"} <= set(self.edges):
            raise ValueError(
                "edges must be a DataFrame with columns 'TF' and 'Target'; got "
                f"{list(getattr(self.edges, 'columns', [])) or type(self.edges).__name__}."
            )
        self.tfs = [str(t) for t in self.tfs]
        genes = set(self.expression.index)
        missing = sorted((set(self.edges["TF"]) | set(self.edges["Target"])) - genes)
        if missing:
            raise ValueError(f"edges name genes that are not in expression: {_preview(missing)}.")
        missing = [t for t in self.tfs if t not in genes]
        if missing:
            raise ValueError(f"tfs name genes that are not in expression: {_preview(missing)}.")
        if len(set(self.tfs)) != len(self.tfs):
            raise ValueError("tfs has duplicate names.")
        outside = sorted(set(self.edges["TF"]) - set(self.tfs))
        if outside:
            raise ValueError(f"edges have regulators that are not in tfs: {_preview(outside)}.")
        if (self.edges["TF"] == self.edges["Target"]).any():
            raise ValueError("edges contain self loops (TF == Target).")
        if self.edges.duplicated(["TF", "Target"]).any():
            raise ValueError("edges contain duplicate (TF, Target) pairs.")

    @property
    def genes(self) -> list[str]:
        """Gene names (rows of the expression matrix)."""
        return list(self.expression.index)

    @property
    def density(self) -> float:
        """Edges divided by ``n_tfs * n_genes``."""
        return len(self.edges) / (len(self.tfs) * self.expression.shape[0])

    def __repr__(self) -> str:
        return (
            f"BeelineData(name={self.name!r}, genes={self.expression.shape[0]}, "
            f"cells={self.expression.shape[1]}, tfs={len(self.tfs)}, edges={len(self.edges)})"
        )


def read_expression(path: str | os.PathLike) -> pd.DataFrame:
    """Read a BEELINE expression CSV (genes x cells, first column = gene names).

    Parameters
    ----------
    path : str or path-like
        ``BL--ExpressionData.csv`` or a gzip-compressed copy (``.csv.gz``).

    Returns
    -------
    pandas.DataFrame
        Float64 genes x cells with gene names as index.

    Raises
    ------
    ValueError
        On duplicate gene or cell names, non-numeric values or missing values.
    """
    path = Path(path)
    names = pd.read_csv(path, usecols=[0], dtype=str, keep_default_na=False).iloc[:, 0]
    frame = pd.read_csv(path, index_col=0)
    frame.index = pd.Index(names.str.strip().to_numpy(), dtype=object)
    frame.index.name = None
    if not frame.index.is_unique:
        dup = frame.index[frame.index.duplicated()].unique()
        raise ValueError(f"{path.name}: duplicate gene names in the first column: {_preview(dup)}.")
    if not frame.columns.is_unique:
        raise ValueError(f"{path.name}: duplicate cell names in the header.")
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise ValueError(f"{path.name}: non-numeric values in cells {_preview(bad)}.")
    frame = frame.astype(np.float64)
    if not np.isfinite(frame.to_numpy()).all():
        raise ValueError(f"{path.name}: the expression matrix has missing or infinite values.")
    return frame


def load_beeline(
    folder: str | os.PathLike,
    *,
    expression: pd.DataFrame | str | os.PathLike | None = None,
    errors: str = "raise",
    layout: str = "auto",
    name: str | None = None,
) -> BeelineData:
    """Read a BEELINE dataset folder, in GENELink's layout or BEELINE's own.

    Parameters
    ----------
    folder : str or path-like
        GENELink's layout: ``BL--ExpressionData.csv`` (genes x cells) and a
        network (see Notes). BEELINE's own layout: ``ExpressionData.csv``
        (genes x cells; in ``folder`` or in its only sub-folder that has one,
        e.g. ``ex1/``) and ``refNetwork.csv`` or ``GroundTruthNetwork.csv``
        (``Gene1``, ``Gene2``; in ``folder`` or its parent). Any file may also
        be gzip-compressed (``.csv.gz``).
    expression : DataFrame, str or path-like, optional
        Expression matrix (genes x cells) to use instead of the folder's.
    errors : {"raise", "drop"}
        What to do with genes absent from the expression matrix, duplicate
        edges, self loops and regulators missing from the TF list: raise a
        ``ValueError`` naming them, or drop the offending edges / TFs and emit
        one :class:`BeelineDataWarning` that counts them.
    layout : {"auto", "genelink", "beeline"}, default="auto"
        ``"auto"`` picks GENELink's layout when a ``BL--`` or ``Label.csv``
        file is present and BEELINE's when ``ExpressionData.csv`` or a
        BEELINE network file is.
    name : str, optional
        Dataset label; defaults to the last three parts of ``folder``.

    Returns
    -------
    BeelineData
        ``edges`` has columns ``TF``, ``Target`` in file order.

    Raises
    ------
    FileNotFoundError
        When no expression matrix or no network file can be found.
    ValueError
        On inconsistent files or (with ``errors="raise"``) invalid edges.

    Notes
    -----
    GENELink's layout needs only the expression matrix and a network.

    - Network: ``BL--network.csv`` (columns ``Gene1``, ``Gene2``; extra columns such
      as ``Score`` are ignored). Without it, GENELink's ``Label.csv`` (pairs of
      indices) is translated through ``Target.csv`` (``Gene``, ``index``). When
      both are present they must describe the same set of pairs.
    - TF list: ``TF.csv`` (``TF``, ``index``) when present, in file order; its
      indices must be the same as ``Target.csv``'s for the same gene. Without
      ``TF.csv`` (and always in BEELINE's layout) the TFs are the unique
      ``Gene1`` values in order of appearance (taken before any edge is dropped).
      ``TF.csv`` may list TFs that regulate nothing in the network; they are kept
      (they are candidate regulators, and count in the network density).
    - Edges whose genes are absent from the expression, and TFs absent from it,
      are errors (``errors="raise"``) or are dropped (``errors="drop"``), so the
      returned network is restricted to genes of the expression matrix.

    Examples
    --------
    >>> from regnet.data import load_beeline
    >>> data = load_beeline("GSD", errors="drop")  # doctest: +SKIP
    """
    if errors not in _ERRORS:
        raise ValueError(f"errors must be one of {_ERRORS}; got {errors!r}.")
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"folder {str(folder)!r} is not a directory.")
    layout = detect_layout(folder, layout)
    if isinstance(expression, pd.DataFrame):
        expression = expression.copy()
    elif expression is not None:
        expression = read_expression(expression)
    elif layout == "beeline":
        expression = read_expression(beeline_expression_path(folder))
    else:
        path = find_file(folder, "BL--ExpressionData")
        if path is None:
            raise FileNotFoundError(
                f"No BL--ExpressionData.csv in {str(folder)!r}; pass expression= to give one."
            )
        expression = read_expression(path)
    if layout == "beeline":
        edges, tfs = read_beeline_network(folder)
    else:
        edges, tfs = read_genelink_network(folder)

    edges, tfs, notes = clean_network(edges, tfs, set(expression.index), errors)
    if notes:
        warn(" ".join(notes), BeelineDataWarning)
    if name is None:
        name = "/".join(folder.resolve().parts[-3:])
    return BeelineData(expression=expression, edges=edges, tfs=tfs, name=name)
