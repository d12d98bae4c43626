"""BEELINE example datasets shipped with the package."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from ._beeline import BeelineData, BeelineDataWarning, load_beeline, read_expression

__all__ = ["list_examples", "load_example"]

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"

# name -> (networks, default network)
_EXAMPLES = {
    "mDC": (("STRING", "Non-Specific", "Specific"), "STRING"),
    "mESC": (("Lofgof",), "Lofgof"),
    "GSD": (("GroundTruth",), "GroundTruth"),
}


def list_examples() -> dict[str, tuple[str, ...]]:
    """Names of the shipped datasets and their ground-truth networks.

    Returns
    -------
    dict
        ``{"mDC": ("STRING", "Non-Specific", "Specific"), "mESC": ("Lofgof",),
        "GSD": ("GroundTruth",)}``;
        the first network of each is the default of :func:`load_example`.

    See Also
    --------
    load_example
    """
    return {name: networks for name, (networks, _) in _EXAMPLES.items()}


def load_example(name: str = "mDC", *, network: str | None = None) -> BeelineData:
    """Load a BEELINE dataset shipped with regnet (no network access).

    Parameters
    ----------
    name : {"mDC", "mESC", "GSD"}
        ``"mDC"``: mouse dendritic cells, TFs + 500 most variable genes
        (821 genes x 383 cells). ``"mESC"``: a 50-gene x 421-cell sample of the
        mouse embryonic stem cell data (TFs + 500), with the loss/gain-of-function
        network restricted to those 50 genes (19 edges, 30 TFs). ``"GSD"``:
        BEELINE's gonadal sex determination Boolean-model simulation (19 genes x
        2,000 cells, run ``ex1``) in BEELINE's own layout; its ground truth has
        86 rows, of which 3 self loops and 7 duplicates are dropped here (76
        edges from 18 TFs).
    network : str, optional
        Ground truth: ``"STRING"`` (default), ``"Non-Specific"`` or ``"Specific"``
        (ChIP-seq) for mDC; ``"Lofgof"`` (default) for mESC; ``"GroundTruth"``
        (default) for GSD.

    Returns
    -------
    BeelineData
        For mDC the rows of the expression matrix are in the order of the
        network's ``Target.csv`` (the three networks share one matrix), so the
        result equals ``load_beeline`` on the original GENELink folder.

    See Also
    --------
    list_examples, load_beeline

    Notes
    -----
    Origin of the files and what was changed: ``regnet/data/examples/PROVENANCE.md``.
    """
    if name not in _EXAMPLES:
        raise ValueError(f"name must be one of {sorted(_EXAMPLES)}; got {name!r}.")
    networks, default = _EXAMPLES[name]
    if network is None:
        network = default
    if network not in networks:
        raise ValueError(
            f"network must be one of {list(networks)} for example {name!r}; got {network!r}."
        )
    if name == "mDC":
        folder = EXAMPLES_DIR / "mDC" / network
        expression = read_expression(EXAMPLES_DIR / "mDC" / "BL--ExpressionData.csv.gz")
        target = load_beeline(folder, expression=expression, name=f"mDC/{network}")
        order = _target_order(folder)
        return BeelineData(
            expression=expression.loc[order],
            edges=target.edges,
            tfs=target.tfs,
            name=target.name,
        )
    if name == "GSD":
        with warnings.catch_warnings():
            # the self loops and duplicate rows of BEELINE's file are documented above
            warnings.simplefilter("ignore", BeelineDataWarning)
            return load_beeline(EXAMPLES_DIR / "GSD", errors="drop", layout="beeline",
                                name="GSD (BEELINE, ex1)")
    folder = EXAMPLES_DIR / "mESC" / network
    expression = read_expression(folder / "BL--ExpressionData_downsampled_50.csv.gz")
    with warnings.catch_warnings():
        # The network covers 1,120 genes; restricting it to the 50 sampled genes is the point.
        warnings.simplefilter("ignore", BeelineDataWarning)
        return load_beeline(
            folder, expression=expression, errors="drop", name=f"mESC/{network} (50 genes)"
        )


def _target_order(folder: Path) -> list[str]:
    targets = pd.read_csv(folder / "Target.csv.gz", dtype={"Gene": str}, keep_default_na=False)
    return list(targets.sort_values("index")["Gene"])
