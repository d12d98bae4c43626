"""Readers for BEELINE / GENELink benchmark folders."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["BeelineData", "BeelineDataWarning", "load_beeline", "read_expression"]

_ERRORS = ("raise", "drop")
_SHOW = 5


class BeelineDataWarning(UserWarning):
    """Rows of a BEELINE folder were dropped because ``errors="drop"`` was passed."""


def _preview(items) -> str:
    items = list(items)
    shown = ", ".join(repr(i) for i in items[:_SHOW])
    more = f", ... ({len(items)} in all)" if len(items) > _SHOW else ""
    return f"[{shown}{more}]"


def _pairs(frame: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(frame["TF"], frame["Target"]))


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


def _find(folder: Path, stem: str) -> Path | None:
    for suffix in (".csv", ".csv.gz"):
        path = folder / f"{stem}{suffix}"
        if path.is_file():
            return path
    return None


def _read_table(path: Path, required: list[str], str_columns: list[str]) -> pd.DataFrame:
    # keep_default_na=False so that a gene called "NA" or "NAN" stays a name.
    frame = pd.read_csv(path, dtype={c: str for c in str_columns}, keep_default_na=False)
    frame = frame.loc[:, [c for c in frame.columns if not str(c).startswith("Unnamed")]]
    absent = [c for c in required if c not in frame.columns]
    if absent:
        raise ValueError(
            f"{path.name}: expected columns {required}; missing {absent} "
            f"(found {list(frame.columns)})."
        )
    for c in str_columns:
        if c in frame.columns:
            frame[c] = frame[c].astype(str).str.strip()
    return frame


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


def _edges_from_labels(label_path: Path, index_to_gene: dict[int, str]) -> pd.DataFrame:
    labels = _read_table(label_path, ["TF", "Target"], [])
    if "Label" in labels.columns:
        labels = labels.loc[labels["Label"].astype(int) == 1]
    unknown = sorted((set(labels["TF"]) | set(labels["Target"])) - set(index_to_gene))
    if unknown:
        raise ValueError(f"{label_path.name}: indices not in Target.csv: {_preview(unknown)}.")
    return pd.DataFrame(
        {
            "TF": [index_to_gene[i] for i in labels["TF"]],
            "Target": [index_to_gene[i] for i in labels["Target"]],
        }
    )


def _handle(problem: str, dropped: int, errors: str, hint: str) -> list[str]:
    """Raise on a problem, or return the message for a drop warning."""
    if errors == "raise":
        raise ValueError(f"{problem} {hint}")
    return [f"{problem} Dropped {dropped}."]


def load_beeline(
    folder: str | os.PathLike,
    *,
    expression: pd.DataFrame | str | os.PathLike | None = None,
    errors: str = "raise",
    name: str | None = None,
) -> BeelineData:
    """Read a BEELINE / GENELink dataset folder.

    Parameters
    ----------
    folder : str or path-like
        Folder holding ``BL--ExpressionData.csv`` (genes x cells) and the network.
        Any file may also be gzip-compressed (``.csv.gz``).
    expression : DataFrame, str or path-like, optional
        Expression matrix (genes x cells) to use instead of the folder's
        ``BL--ExpressionData.csv``.
    errors : {"raise", "drop"}
        What to do with genes absent from the expression matrix, duplicate
        edges, self loops and regulators missing from ``TF.csv``: raise a
        ``ValueError`` naming them, or drop the offending edges / TFs and emit
        one :class:`BeelineDataWarning` that counts them.
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
    Only the expression matrix and a network are required.

    - Network: ``BL--network.csv`` (columns ``Gene1``, ``Gene2``; extra columns such
      as ``Score`` are ignored). Without it, GENELink's ``Label.csv`` (pairs of
      indices) is translated through ``Target.csv`` (``Gene``, ``index``). When
      both are present they must describe the same set of pairs.
    - TF list: ``TF.csv`` (``TF``, ``index``) when present, in file order; its
      indices must be the same as ``Target.csv``'s for the same gene. Without
      ``TF.csv`` the TFs are the unique ``Gene1`` values in order of appearance
      (taken before any edge is dropped).
      ``TF.csv`` may list TFs that regulate nothing in the network; they are kept
      (they are candidate regulators, and count in the network density).
    - Edges whose genes are absent from the expression, and TFs absent from it,
      are errors (``errors="raise"``) or are dropped (``errors="drop"``), so the
      returned network is restricted to genes of the expression matrix.
    """
    if errors not in _ERRORS:
        raise ValueError(f"errors must be one of {_ERRORS}; got {errors!r}.")
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"folder {str(folder)!r} is not a directory.")

    if expression is None:
        path = _find(folder, "BL--ExpressionData")
        if path is None:
            raise FileNotFoundError(
                f"No BL--ExpressionData.csv in {str(folder)!r}; pass expression= to give one."
            )
        expression = read_expression(path)
    elif not isinstance(expression, pd.DataFrame):
        expression = read_expression(expression)
    else:
        expression = expression.copy()

    target_path = _find(folder, "Target")
    index_to_gene = None
    if target_path is not None:
        targets = _read_table(target_path, ["Gene", "index"], ["Gene"])
        if targets["index"].duplicated().any() or targets["Gene"].duplicated().any():
            raise ValueError(f"{target_path.name}: gene names and indices must be unique.")
        index_to_gene = dict(zip(targets["index"].astype(int), targets["Gene"]))

    network_path = _find(folder, "BL--network")
    label_path = _find(folder, "Label")
    if network_path is not None:
        network = _read_table(network_path, ["Gene1", "Gene2"], ["Gene1", "Gene2"])
        edges = network.rename(columns={"Gene1": "TF", "Gene2": "Target"})[["TF", "Target"]]
        if label_path is not None and index_to_gene is not None:
            from_labels = _edges_from_labels(label_path, index_to_gene)
            if set(_pairs(from_labels)) != set(_pairs(edges)):
                raise ValueError(
                    f"{label_path.name} and {network_path.name} in {str(folder)!r} describe "
                    "different networks (Label.csv indices translated through Target.csv)."
                )
    elif label_path is not None and index_to_gene is not None:
        edges = _edges_from_labels(label_path, index_to_gene)
    else:
        raise FileNotFoundError(
            f"No network in {str(folder)!r}: expected BL--network.csv, or Label.csv with "
            "Target.csv."
        )
    edges = edges.reset_index(drop=True)

    tf_path = _find(folder, "TF")
    if tf_path is not None:
        tf_table = _read_table(tf_path, ["TF"], ["TF"])
        if tf_table["TF"].duplicated().any():
            dup = tf_table["TF"][tf_table["TF"].duplicated()].unique()
            raise ValueError(f"{tf_path.name}: duplicate TF names {_preview(dup)}.")
        if index_to_gene is not None and "index" in tf_table.columns:
            wrong = [
                t
                for t, i in zip(tf_table["TF"], tf_table["index"].astype(int))
                if index_to_gene.get(i) != t
            ]
            if wrong:
                raise ValueError(
                    f"{tf_path.name}: TF indices do not match Target.csv for {_preview(wrong)}."
                )
        tfs = list(tf_table["TF"])
    else:
        tfs = list(pd.unique(edges["TF"]))

    genes = set(expression.index)
    notes: list[str] = []
    hint = "Pass errors='drop' to drop them."

    missing = sorted((set(edges["TF"]) | set(edges["Target"])) - genes)
    if missing:
        bad = ~(edges["TF"].isin(genes) & edges["Target"].isin(genes))
        notes += _handle(
            f"The network names {len(missing)} genes that are not in the expression matrix: "
            f"{_preview(missing)}.",
            int(bad.sum()),
            errors,
            hint + " (drops the edges touching them)",
        )
        edges = edges.loc[~bad]
    missing_tfs = [t for t in tfs if t not in genes]
    if missing_tfs:
        notes += _handle(
            f"{len(missing_tfs)} TFs are not in the expression matrix: {_preview(missing_tfs)}.",
            len(missing_tfs),
            errors,
            hint,
        )
        tfs = [t for t in tfs if t in genes]
    loops = edges["TF"] == edges["Target"]
    if loops.any():
        notes += _handle(
            f"The network has {int(loops.sum())} self loops: {_preview(edges.loc[loops, 'TF'])}.",
            int(loops.sum()),
            errors,
            hint,
        )
        edges = edges.loc[~loops]
    dup = edges.duplicated(["TF", "Target"])
    if dup.any():
        notes += _handle(
            f"The network has {int(dup.sum())} duplicate edges: "
            f"{_preview(_pairs(edges.loc[dup]))}.",
            int(dup.sum()),
            errors,
            hint,
        )
        edges = edges.loc[~dup]
    unlisted = ~edges["TF"].isin(set(tfs))
    if unlisted.any():
        notes += _handle(
            f"{int(unlisted.sum())} edges have a regulator that is not in the TF list: "
            f"{_preview(pd.unique(edges.loc[unlisted, 'TF']))}.",
            int(unlisted.sum()),
            errors,
            hint,
        )
        edges = edges.loc[~unlisted]
    if notes:
        warnings.warn(" ".join(notes), BeelineDataWarning, stacklevel=2)

    if name is None:
        name = "/".join(folder.resolve().parts[-3:])
    return BeelineData(
        expression=expression, edges=edges.reset_index(drop=True), tfs=tfs, name=name
    )
