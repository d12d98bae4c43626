"""Paths of the small real datasets shipped with the package."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["ExampleFiles", "load_example"]

_ROOT = Path(__file__).parent / "examples"
_EXAMPLES = ("macrophage",)


@dataclass(frozen=True)
class ExampleFiles:
    """Where an example's files lie inside the installed package.

    Attributes
    ----------
    root : pathlib.Path
        The example's folder (with its ``PROVENANCE.md``).
    quants : pathlib.Path
        Parent folder of the per-sample quantifier folders.
    tx2gene : pathlib.Path
        Transcript -> gene table.
    coldata : pathlib.Path
        Sample table; its ``names`` column holds the folder names.
    """

    root: Path
    quants: Path
    tx2gene: Path
    coldata: Path


def load_example(name: str = "macrophage") -> ExampleFiles:
    """Paths of a bundled example dataset, for :func:`read_quantifications`.

    Parameters
    ----------
    name : {"macrophage"}
        ``"macrophage"``: 24 real salmon runs (6 donors x 4 conditions: naive,
        IFNg, SL1344, IFNg_SL1344) restricted to the transcripts of 409 genes,
        among them TNF, IL1B, IL6, CXCL8, NFKBIA, CIITA, GBP1, CXCL10 and IDO1;
        see its ``PROVENANCE.md``.

    Returns
    -------
    ExampleFiles

    Examples
    --------
    >>> from isograph.data import load_example, read_quantifications
    >>> ex = load_example("macrophage")
    >>> sorted(p.name for p in ex.root.iterdir())[:2]
    ['PROVENANCE.md', 'coldata.csv']
    """
    if name not in _EXAMPLES:
        raise ValueError(f"name must be one of {list(_EXAMPLES)}, got {name!r}.")
    root = _ROOT / name
    return ExampleFiles(root=root, quants=root / "quants", tx2gene=root / "tx2gene.csv.gz",
                        coldata=root / "coldata.csv")
