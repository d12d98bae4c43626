"""The Split container: labelled pairs for train / validation / test, CSV I/O."""

from __future__ import annotations

import os
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from isograph._core import atomic_file

from ._beeline import _preview

__all__ = ["Split", "SplitWarning"]

_PARTS = ("train", "validation", "test")
_COLUMNS = ["TF", "Target", "Label"]


class SplitWarning(UserWarning):
    """A split could not be drawn exactly as the protocol asks (too few candidates)."""


def _check_pairs(frame: pd.DataFrame, part: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{part} must be a pandas DataFrame; got {type(frame).__name__}.")
    absent = [c for c in _COLUMNS if c not in frame.columns]
    if absent:
        raise ValueError(f"{part} must have columns {_COLUMNS}; missing {absent}.")
    labels = pd.to_numeric(frame["Label"], errors="coerce")
    if labels.isna().any() or not labels.isin([0, 1]).all():
        raise ValueError(
            f"{part}['Label'] must hold 0 or 1; got {_preview(sorted(set(frame['Label'])))}."
        )
    out = pd.DataFrame(
        {
            "TF": frame["TF"].astype(str).to_numpy(),
            "Target": frame["Target"].astype(str).to_numpy(),
            "Label": labels.astype(np.int64).to_numpy(),
        }
    )
    dup = out.duplicated(["TF", "Target"])
    if dup.any():
        pairs = list(zip(out.loc[dup, "TF"], out.loc[dup, "Target"]))
        raise ValueError(f"{part} has duplicate (TF, Target) pairs: {_preview(pairs)}.")
    return out


@dataclass(repr=False)
class Split:
    """Labelled (TF, Target) pairs for training, validation and testing.

    Parameters
    ----------
    train, validation, test : pandas.DataFrame
        Columns ``TF``, ``Target`` (str) and ``Label`` (int, 1 = edge of the
        network, 0 = non-edge). A pair appears at most once in the whole split;
        this is checked when the object is built.

    See Also
    --------
    genelink_split, degree_neutral_test
    """

    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame

    def __post_init__(self):
        for part in _PARTS:
            setattr(self, part, _check_pairs(getattr(self, part), part))
        seen: dict[tuple[str, str], str] = {}
        for part in _PARTS:
            frame = getattr(self, part)
            for pair in zip(frame["TF"], frame["Target"]):
                other = seen.setdefault(pair, part)
                if other != part:
                    raise ValueError(f"Pair {pair} is in both {other} and {part}; splits overlap.")

    def __repr__(self) -> str:
        parts = ", ".join(
            f"{p}={len(getattr(self, p))} ({int(getattr(self, p)['Label'].sum())} positive)"
            for p in _PARTS
        )
        return f"Split({parts})"

    def to_csv(self, directory: str | os.PathLike) -> Path:
        """Write ``train.csv``, ``validation.csv`` and ``test.csv`` into ``directory``.

        The three files are first written to temporary files in ``directory``
        and then renamed, so an error never leaves a partial split behind.

        Parameters
        ----------
        directory : str or path-like
            Created when missing; existing split files are replaced.

        Returns
        -------
        pathlib.Path
            The directory.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        # each file is renamed into place only when all three were written
        with ExitStack() as files:
            for part in _PARTS:
                handle = files.enter_context(
                    atomic_file(directory / f"{part}.csv", "w", newline=""))
                getattr(self, part).to_csv(handle, index=False)
        return directory

    @classmethod
    def from_csv(cls, directory: str | os.PathLike) -> Split:
        """Read a split written by :meth:`to_csv`.

        Parameters
        ----------
        directory : str or path-like
            Folder with ``train.csv``, ``validation.csv`` and ``test.csv``.

        Returns
        -------
        Split
        """
        directory = Path(directory)
        frames = {}
        for part in _PARTS:
            path = directory / f"{part}.csv"
            if not path.is_file():
                raise FileNotFoundError(f"No {part}.csv in {str(directory)!r}.")
            frames[part] = pd.read_csv(
                path, dtype={"TF": str, "Target": str}, keep_default_na=False
            )
        return cls(**frames)
