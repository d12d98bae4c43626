"""Sample names from quantifier paths, and matching them to a sample table."""

from __future__ import annotations

import os
from pathlib import Path, PurePath

import pandas as pd

from ._quant_formats import _quantifier_of_file

__all__ = ["match_samples", "sample_paths"]

_RSEM_SUFFIXES = (".isoforms.results", ".isoforms.results.gz")


def _name_of(path: Path) -> str:
    if path.is_file():
        for suffix in _RSEM_SUFFIXES:
            if path.name.endswith(suffix):  # RSEM names its files after the sample
                return path.name[: -len(suffix)]
        return path.parent.name
    return path.name


def _preview(values, k: int = 5) -> str:
    values = [str(v) for v in values]
    more = f" and {len(values) - k} more" if len(values) > k else ""
    return f"{values[:k]}{more}"


def sample_paths(paths) -> tuple[list[str], list[Path]]:
    """Sample names and locations from a parent folder or a list of paths.

    Parameters
    ----------
    paths : str, os.PathLike or list of them
        One parent folder (its sub-folders are the samples, or its
        ``<sample>.isoforms.results`` files; a folder holding one quantification
        file is one sample) or per-sample folders / files.

    Returns
    -------
    names : list of str
    locations : list of pathlib.Path
    """
    if isinstance(paths, (str, PurePath)):
        parent = Path(os.fspath(paths))
        if not parent.exists():
            raise FileNotFoundError(f"paths {str(parent)!r} does not exist.")
        files = sorted(f for f in parent.iterdir() if f.is_file()) if parent.is_dir() else []
        rsem = [f for f in files if f.name.endswith(_RSEM_SUFFIXES)]
        if len(rsem) > 1:
            locations = rsem  # RSEM writes <sample>.isoforms.results side by side
        elif parent.is_file() or any(_quantifier_of_file(f) for f in files):
            locations = [parent]  # one sample
        else:
            locations = sorted(p for p in parent.iterdir() if p.is_dir())
            if not locations:
                raise FileNotFoundError(
                    f"folder {str(parent)!r} holds neither a quantification file nor "
                    "per-sample folders."
                )
    else:
        try:
            locations = [Path(os.fspath(p)) for p in paths]
        except TypeError as err:
            raise TypeError(
                "paths must be a folder or a list of folders / files, got "
                f"{type(paths).__name__}."
            ) from err
        if not locations:
            raise ValueError("paths is empty; pass at least one sample folder or file.")
        missing = [str(p) for p in locations if not p.exists()]
        if missing:
            raise FileNotFoundError(f"{len(missing)} path(s) do not exist: {_preview(missing)}.")
    names = [_name_of(p) for p in locations]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(
            f"sample names {_preview(dup)} occur twice among paths (names are folder names); "
            "put each sample's output in its own folder."
        )
    return names, locations


def match_samples(table: pd.DataFrame, names, locations, *, sample_column=None, parent=False):
    """Index ``table`` by sample name and put it, names and locations in one order.

    With ``parent=True`` (one parent folder given) the table chooses the samples:
    folders it does not list are skipped. Otherwise every path needs a row.

    Returns
    -------
    table : pandas.DataFrame
    names : list of str
    locations : list of pathlib.Path

    Raises
    ------
    ValueError
        Naming the samples without a row, the rows without files, or the
        ambiguous / missing ``sample_column``.
    """
    if sample_column is not None:
        if sample_column not in table.columns:
            raise ValueError(
                f"sample_column={sample_column!r} is not a column of samples; its columns "
                f"are {list(table.columns)}."
            )
        keys = table[sample_column].astype(str)
    else:
        keys = pd.Index(table.index.astype(str))
        wanted = set(names)
        if not keys.isin(wanted).any():
            hits = [c for c in table.columns if table[c].astype(str).isin(wanted).any()]
            if len(hits) > 1:
                best = max(hits, key=lambda c: table[c].astype(str).isin(wanted).sum())
                hits = [best]
            if hits:
                sample_column = hits[0]
                keys = table[sample_column].astype(str)
    keys = pd.Index(keys)
    if keys.has_duplicates:
        raise ValueError(
            f"the sample table names samples twice: {_preview(keys[keys.duplicated()])}."
        )
    by_name = dict(zip(names, locations))
    lacking = [k for k in keys if k not in by_name]
    if lacking:
        raise ValueError(
            f"{len(lacking)} sample(s) of the sample table have no quantification folder: "
            f"{_preview(lacking)} (folders found: {_preview(names, 3)}); fix the names or "
            "pass sample_column=."
        )
    unlisted = [n for n in names if n not in set(keys)]
    if unlisted and not parent:
        raise ValueError(
            f"{len(unlisted)} sample(s) have no row in the sample table: {_preview(unlisted)}"
            + (f" (it is matched on column {sample_column!r})" if sample_column else
               " (it is matched on its index)")
            + "; add rows for them or drop their paths."
        )
    out = table.copy()
    # Named after the column that held the names, so it never clashes with another
    # column (the macrophage coldata has both `names` and `sample_id`).
    default = "sample" if "sample_id" in table.columns else "sample_id"
    out.index = pd.Index(keys, name=sample_column or table.index.name or default)
    if sample_column is not None:
        out = out.drop(columns=sample_column)
    order = list(out.index)
    return out, order, [by_name[n] for n in order]
