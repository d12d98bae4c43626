"""Input checks and pair bookkeeping for the RegNet estimator (numpy / pandas only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "TrainingPairs",
    "add_background_negatives",
    "check_expression",
    "check_pairs",
    "held_out_per_tf",
    "training_pairs",
    "sample_negatives",
    "standardize_rows",
]


def _preview(items, limit: int = 5) -> str:
    items = list(items)
    head = ", ".join(repr(i) for i in items[:limit])
    return f"[{head}{', ...' if len(items) > limit else ''}] ({len(items)} in all)"


def check_expression(X, name: str = "X") -> pd.DataFrame:
    """A genes x cells DataFrame of finite floats with unique string gene names."""
    if not isinstance(X, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame of genes x cells (index = gene names); "
            f"got {type(X).__name__}."
        )
    if X.shape[0] < 3 or X.shape[1] < 2:
        raise ValueError(f"{name} must have at least 3 genes and 2 cells; got shape {X.shape}.")
    try:
        values = X.to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must hold numbers only (genes x cells).") from exc
    if not np.isfinite(values).all():
        raise ValueError(f"{name} has {int((~np.isfinite(values)).sum())} NaN or infinite values.")
    index = X.index.astype(str)
    if index.has_duplicates:
        raise ValueError(f"{name} has duplicate gene names: {_preview(index[index.duplicated()])}.")
    return pd.DataFrame(values, index=index, columns=X.columns.astype(str))


def check_pairs(pairs, genes: pd.Index, name: str, *, label: str = "optional") -> pd.DataFrame:
    """Validate ``TF, Target[, Label]`` pairs against known genes.

    ``label`` is ``"optional"`` (missing -> all 1), ``"required"`` or ``"ignore"``.
    Returns a frame with integer columns ``src``, ``dst`` and ``Label``.
    """
    if not isinstance(pairs, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame with columns TF, Target; "
            f"got {type(pairs).__name__}."
        )
    missing = [c for c in ("TF", "Target") if c not in pairs.columns]
    if label == "required" and "Label" not in pairs.columns:
        missing.append("Label")
    if missing:
        raise ValueError(f"{name} must have columns TF, Target; missing {missing}.")
    tf = pairs["TF"].astype(str).to_numpy()
    target = pairs["Target"].astype(str).to_numpy()
    unknown = sorted((set(tf) | set(target)) - set(genes))
    if unknown:
        raise ValueError(f"{name} names genes absent from X: {_preview(unknown)}.")
    if label != "ignore" and "Label" in pairs.columns:
        lab = pd.to_numeric(pairs["Label"], errors="coerce")
        if lab.isna().any() or not lab.isin([0, 1]).all():
            raise ValueError(
                f"{name}['Label'] must hold 0 or 1; got {_preview(sorted(set(pairs['Label'])))}."
            )
        lab = lab.astype(np.int64).to_numpy()
    else:
        lab = np.ones(len(pairs), dtype=np.int64)
    return pd.DataFrame(
        {"src": genes.get_indexer(tf), "dst": genes.get_indexer(target), "Label": lab},
        index=pairs.index,
    )


@dataclass
class TrainingPairs:
    """Checked ``fit`` inputs as gene indices (``validation`` is None when not given)."""

    tfs: list
    tf_idx: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    neg_src: np.ndarray
    neg_dst: np.ndarray
    validation: tuple | None


def _codes(frame: pd.DataFrame, n: int) -> set:
    return set((frame["src"].to_numpy(np.int64) * n + frame["dst"].to_numpy(np.int64)).tolist())


def training_pairs(genes: pd.Index, edges, tfs, validation) -> TrainingPairs:
    """Check ``edges``, ``tfs`` and ``validation`` against ``genes`` and index them."""
    n = len(genes)
    pairs = check_pairs(edges, genes, "edges")
    if (pairs["src"] == pairs["dst"]).any():
        raise ValueError("edges contain self loops (TF == Target); remove them.")
    pos = pairs.loc[pairs["Label"] == 1].drop_duplicates(["src", "dst"])
    neg = pairs.loc[pairs["Label"] == 0].drop_duplicates(["src", "dst"])
    if pos.empty:
        raise ValueError("edges has no positive pair (Label == 1); nothing to learn from.")
    clash = _codes(pos, n) & _codes(neg, n)
    if clash:
        raise ValueError(f"edges label {len(clash)} pairs both 1 and 0, e.g. "
                         f"{_preview([(genes[c // n], genes[c % n]) for c in sorted(clash)])}.")
    tfs = list(pd.unique(genes[pos["src"]])) if tfs is None else [str(t) for t in tfs]
    unknown = sorted(set(tfs) - set(genes))
    if unknown:
        raise ValueError(f"tfs names genes absent from X: {_preview(unknown)}.")
    stray = sorted(set(genes[pos["src"]]) - set(tfs))
    if stray:
        raise ValueError(f"edges have regulators that are not in tfs: {_preview(stray)}.")
    val = None
    if validation is not None:
        # a validation set without both labels is handled by fit's fallback
        frame = check_pairs(validation, genes, "validation", label="required")
        shared = _codes(frame, n) & (_codes(pos, n) | _codes(neg, n))
        if shared:
            raise ValueError(
                f"validation shares {len(shared)} pairs with edges, e.g. "
                f"{_preview([(genes[c // n], genes[c % n]) for c in sorted(shared)])}; "
                "validation pairs must be held out of training."
            )
        val = tuple(frame[c].to_numpy(np.int64) for c in ("src", "dst", "Label"))
    return TrainingPairs(
        tfs=tfs,
        tf_idx=genes.get_indexer(tfs).astype(np.int64),
        src=pos["src"].to_numpy(np.int64),
        dst=pos["dst"].to_numpy(np.int64),
        neg_src=neg["src"].to_numpy(np.int64),
        neg_dst=neg["dst"].to_numpy(np.int64),
        validation=val,
    )


def standardize_rows(values: np.ndarray) -> np.ndarray:
    """Z-score each gene (row) across cells; constant genes become zeros."""
    mean = values.mean(axis=1, keepdims=True)
    std = values.std(axis=1, keepdims=True)
    return ((values - mean) / np.where(std > 0, std, 1.0)).astype(np.float32)


def sample_negatives(rng, tf_idx: np.ndarray, n_genes: int, n: int, known: np.ndarray):
    """About ``n`` random non-edges, the same number for every candidate TF.

    ``known`` holds sorted codes ``src * n_genes + dst`` that must not be drawn;
    self pairs are skipped. Returns ``(src, dst)`` int64 arrays.
    """
    per_tf = max(1, -(-n // len(tf_idx)))
    src = np.repeat(tf_idx, per_tf)
    dst = rng.integers(n_genes, size=src.size)
    keep = (src != dst) & ~np.isin(src * n_genes + dst, known, assume_unique=False)
    return src[keep], dst[keep]


def add_background_negatives(rng, v_src, v_dst, v_lab, src, dst, tf_idx, n_genes):
    """Add random candidate non-edges until the validation positive rate is the network density.

    The density is ``(training + validation positives) / candidate pairs``
    (``tf_idx x genes`` without self pairs). Background pairs are drawn
    uniformly from candidates that are neither training positives nor
    validation pairs, and labelled 0 (the same assumption as negative
    sampling). Nothing is added when the validation set is already sparser.
    Returns the extended ``(v_src, v_dst, v_lab)``.
    """
    n_pos = int(v_lab.sum())
    n_candidates = len(tf_idx) * n_genes - len(tf_idx)
    density = (len(src) + n_pos) / n_candidates
    n_add = int(round(n_pos * (1 - density) / density)) - (len(v_lab) - n_pos)
    if n_add <= 0:
        return v_src, v_dst, v_lab
    blocked = np.unique(np.concatenate([src * n_genes + dst, v_src * n_genes + v_dst]))
    codes = (tf_idx[:, None] * n_genes + np.arange(n_genes)[None, :]).ravel()
    codes = codes[(codes // n_genes != codes % n_genes) & ~np.isin(codes, blocked)]
    extra = rng.choice(codes, size=min(n_add, len(codes)), replace=False)
    return (
        np.concatenate([v_src, extra // n_genes]),
        np.concatenate([v_dst, extra % n_genes]),
        np.concatenate([v_lab, np.zeros(len(extra), np.int64)]),
    )


def held_out_per_tf(rng, src, fraction: float) -> np.ndarray:
    """Mask holding out ``round(fraction * k)`` of each TF's ``k`` positives, keeping one."""
    held = np.zeros(len(src), dtype=bool)
    for tf in np.unique(src):
        rows = np.flatnonzero(src == tf)
        k = min(int(round(fraction * len(rows))), len(rows) - 1)
        if k > 0:
            held[rng.choice(rows, size=k, replace=False)] = True
    return held
