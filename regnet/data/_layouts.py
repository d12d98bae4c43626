"""The two on-disk layouts of BEELINE data, and the edge clean-up they share.

GENELink's layout (``BL--ExpressionData.csv``, ``BL--network.csv`` or
``Label.csv`` + ``Target.csv``, ``TF.csv``) is read by
:func:`regnet.data.load_beeline` itself; this module detects which layout a
folder uses and reads BEELINE's own (``ExpressionData.csv`` with
``refNetwork.csv`` or ``GroundTruthNetwork.csv``, possibly one folder up, as in
BEELINE's ``inputs/<dataset>/<run>/``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

LAYOUTS = ("auto", "genelink", "beeline")
_GENELINK_FILES = ("BL--ExpressionData", "BL--network", "Label")
_BEELINE_NETWORKS = ("refNetwork", "GroundTruthNetwork")
_SHOW = 5


def _preview(items) -> str:
    items = list(items)
    shown = ", ".join(repr(i) for i in items[:_SHOW])
    more = f", ... ({len(items)} in all)" if len(items) > _SHOW else ""
    return f"[{shown}{more}]"


def find_file(folder: Path, stem: str) -> Path | None:
    """``folder/stem.csv`` or its gzip-compressed copy, if either exists."""
    for suffix in (".csv", ".csv.gz"):
        path = folder / f"{stem}{suffix}"
        if path.is_file():
            return path
    return None


def detect_layout(folder: Path, layout: str) -> str:
    """Resolve ``layout="auto"`` to ``"genelink"`` or ``"beeline"`` from the files present."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}; got {layout!r}.")
    if layout != "auto":
        return layout
    if any(find_file(folder, stem) for stem in _GENELINK_FILES):
        return "genelink"
    if find_file(folder, "ExpressionData") or any(
        find_file(folder, stem) for stem in _BEELINE_NETWORKS
    ):
        return "beeline"
    raise FileNotFoundError(
        f"{str(folder)!r} holds neither layout of BEELINE data: expected "
        "BL--ExpressionData.csv with BL--network.csv (GENELink's layout), or "
        "ExpressionData.csv with refNetwork.csv / GroundTruthNetwork.csv (BEELINE's own; "
        "the expression may sit in one sub-folder such as ex1/). Pass layout= to choose."
    )


def beeline_expression_path(folder: Path) -> Path:
    """``ExpressionData.csv`` in ``folder``, or in its only sub-folder that has one."""
    path = find_file(folder, "ExpressionData")
    if path is not None:
        return path
    found = sorted(
        p for p in (find_file(sub, "ExpressionData") for sub in folder.iterdir() if sub.is_dir())
        if p is not None
    )
    if len(found) == 1:
        return found[0]
    if not found:
        raise FileNotFoundError(
            f"No ExpressionData.csv in {str(folder)!r} or its sub-folders; pass expression= "
            "to give one."
        )
    raise ValueError(
        f"{str(folder)!r} has {len(found)} runs with an ExpressionData.csv "
        f"{_preview(str(p.parent.name) for p in found)}; point folder at one of them or "
        "pass expression=."
    )


def read_beeline_network(folder: Path) -> tuple[pd.DataFrame, list[str]]:
    """Edges (``TF``, ``Target``, file order) and TFs (unique ``Gene1``) of BEELINE's layout.

    The network is ``refNetwork.csv`` or ``GroundTruthNetwork.csv`` in
    ``folder`` or its parent (a run folder such as ``ex1/`` shares its
    dataset's network). Columns ``Gene1`` (regulator) and ``Gene2`` (target);
    others (``Type``, ``Score``) are ignored.
    """
    for where in (folder, folder.parent):
        for stem in _BEELINE_NETWORKS:
            path = find_file(where, stem)
            if path is not None:
                frame = pd.read_csv(path, dtype=str, keep_default_na=False)
                absent = [c for c in ("Gene1", "Gene2") if c not in frame.columns]
                if absent:
                    raise ValueError(
                        f"{path.name}: expected columns ['Gene1', 'Gene2']; missing {absent} "
                        f"(found {list(frame.columns)})."
                    )
                edges = pd.DataFrame({"TF": frame["Gene1"].str.strip(),
                                      "Target": frame["Gene2"].str.strip()})
                return edges, list(pd.unique(edges["TF"]))
    raise FileNotFoundError(
        f"No network in {str(folder)!r} or its parent: expected refNetwork.csv or "
        "GroundTruthNetwork.csv (columns Gene1, Gene2)."
    )


def _handle(problem: str, dropped: int, errors: str, hint: str) -> list[str]:
    """Raise on a problem, or return the message for a drop warning."""
    if errors == "raise":
        raise ValueError(f"{problem} {hint}")
    return [f"{problem} Dropped {dropped}."]


def clean_network(edges: pd.DataFrame, tfs: list[str], genes: set, errors: str):
    """Drop (or raise on) edges and TFs outside ``genes``, self loops, duplicates, unlisted TFs.

    Returns ``(edges, tfs, notes)``; ``notes`` are the messages of one drop warning.
    """
    notes: list[str] = []
    hint = "Pass errors='drop' (regnet train --errors drop) to drop them."
    missing = sorted((set(edges["TF"]) | set(edges["Target"])) - genes)
    if missing:
        bad = ~(edges["TF"].isin(genes) & edges["Target"].isin(genes))
        notes += _handle(
            f"The network names {len(missing)} genes that are not in the expression matrix: "
            f"{_preview(missing)}.",
            int(bad.sum()), errors, hint + " (drops the edges touching them)",
        )
        edges = edges.loc[~bad]
    missing_tfs = [t for t in tfs if t not in genes]
    if missing_tfs:
        notes += _handle(
            f"{len(missing_tfs)} TFs are not in the expression matrix: {_preview(missing_tfs)}.",
            len(missing_tfs), errors, hint,
        )
        tfs = [t for t in tfs if t in genes]
    loops = edges["TF"] == edges["Target"]
    if loops.any():
        notes += _handle(
            f"The network has {int(loops.sum())} self loops: {_preview(edges.loc[loops, 'TF'])}.",
            int(loops.sum()), errors, hint,
        )
        edges = edges.loc[~loops]
    dup = edges.duplicated(["TF", "Target"])
    if dup.any():
        pairs = list(zip(edges.loc[dup, "TF"], edges.loc[dup, "Target"]))
        notes += _handle(
            f"The network has {int(dup.sum())} duplicate edges: {_preview(pairs)}.",
            int(dup.sum()), errors, hint,
        )
        edges = edges.loc[~dup]
    unlisted = ~edges["TF"].isin(set(tfs))
    if unlisted.any():
        notes += _handle(
            f"{int(unlisted.sum())} edges have a regulator that is not in the TF list: "
            f"{_preview(pd.unique(edges.loc[unlisted, 'TF']))}.",
            int(unlisted.sum()), errors, hint,
        )
        edges = edges.loc[~unlisted]
    return edges.reset_index(drop=True), tfs, notes


def _pairs(frame: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(frame["TF"], frame["Target"]))


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


def read_genelink_network(folder: Path) -> tuple[pd.DataFrame, list[str]]:
    """Edges and TF list of GENELink's layout (see :func:`load_beeline`)."""
    target_path = find_file(folder, "Target")
    index_to_gene = None
    if target_path is not None:
        targets = _read_table(target_path, ["Gene", "index"], ["Gene"])
        if targets["index"].duplicated().any() or targets["Gene"].duplicated().any():
            raise ValueError(f"{target_path.name}: gene names and indices must be unique.")
        index_to_gene = dict(zip(targets["index"].astype(int), targets["Gene"]))

    network_path = find_file(folder, "BL--network")
    label_path = find_file(folder, "Label")
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

    tf_path = find_file(folder, "TF")
    if tf_path is None:
        return edges, list(pd.unique(edges["TF"]))
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
    return edges, list(tf_table["TF"])
