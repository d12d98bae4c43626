"""GENELink and degree-neutral splits of a regulatory network into labelled pairs."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from isograph._core._warn import warn

from ._beeline import BeelineData, _preview
from ._split import Split, SplitWarning

__all__ = ["degree_neutral_test", "genelink_split"]


def _resolve(data_or_edges, genes, tfs):
    """Return (edges, genes, tfs) as validated lists / DataFrame."""
    if isinstance(data_or_edges, BeelineData):
        edges = data_or_edges.edges
        genes = data_or_edges.genes if genes is None else list(genes)
        tfs = data_or_edges.tfs if tfs is None else list(tfs)
    elif isinstance(data_or_edges, pd.DataFrame):
        edges = data_or_edges
        if not {"TF", "Target"} <= set(edges.columns):
            raise ValueError(
                f"data_or_edges must have columns 'TF' and 'Target'; got {list(edges.columns)}."
            )
        if "Label" in edges.columns:
            edges = edges.loc[edges["Label"].astype(int) == 1]
        if genes is None:
            raise ValueError("genes is required when data_or_edges is an edge DataFrame.")
        genes = list(genes)
        tfs = list(pd.unique(edges["TF"])) if tfs is None else list(tfs)
    else:
        raise TypeError(
            "data_or_edges must be a BeelineData or a DataFrame with columns TF, Target; "
            f"got {type(data_or_edges).__name__}."
        )
    genes = [str(g) for g in genes]
    tfs = [str(t) for t in tfs]
    edges = edges[["TF", "Target"]].astype(str).reset_index(drop=True)
    if len(set(genes)) != len(genes):
        raise ValueError("genes has duplicate names.")
    if len(set(tfs)) != len(tfs):
        raise ValueError("tfs has duplicate names.")
    gene_set = set(genes)
    outside = [t for t in tfs if t not in gene_set]
    if outside:
        raise ValueError(f"tfs must be genes; not in genes: {_preview(outside)}.")
    outside = sorted((set(edges["TF"]) | set(edges["Target"])) - gene_set)
    if outside:
        raise ValueError(f"edges name genes that are not in genes: {_preview(outside)}.")
    outside = sorted(set(edges["TF"]) - set(tfs))
    if outside:
        raise ValueError(f"edges have regulators that are not in tfs: {_preview(outside)}.")
    if (edges["TF"] == edges["Target"]).any():
        raise ValueError("edges contain self loops; candidate pairs exclude TF == Target.")
    if edges.duplicated().any():
        raise ValueError("edges contain duplicate (TF, Target) pairs.")
    if edges.empty:
        raise ValueError("edges is empty; a split needs at least one positive pair.")
    return edges, genes, tfs


def _codes(edges, genes, tfs):
    """Encode pairs as ``tf_row * n_genes + gene_col`` (int64)."""
    gene_col = {g: i for i, g in enumerate(genes)}
    tf_row = {t: i for i, t in enumerate(tfs)}
    tf_gene = np.array([gene_col[t] for t in tfs], dtype=np.int64)
    pos_tf = edges["TF"].map(tf_row).to_numpy(np.int64)
    pos_gene = edges["Target"].map(gene_col).to_numpy(np.int64)
    return tf_gene, pos_tf, pos_gene


def _frame(pos, neg, genes, tfs, n_genes):
    codes = np.concatenate([pos, neg]).astype(np.int64)
    labels = np.concatenate([np.ones(len(pos), np.int64), np.zeros(len(neg), np.int64)])
    order = np.argsort(codes, kind="stable")
    codes, labels = codes[order], labels[order]
    return pd.DataFrame(
        {
            "TF": np.asarray(tfs, dtype=object)[codes // n_genes],
            "Target": np.asarray(genes, dtype=object)[codes % n_genes],
            "Label": labels,
        }
    )


def _take(rng, candidates, size, what):
    if size > len(candidates):
        warn(
            f"{what}: asked for {size} negative pairs but only {len(candidates)} are "
            "available; using all of them.",
            SplitWarning)
        size = len(candidates)
    return rng.choice(candidates, size=size, replace=False) if size else candidates[:0]


def _genelink_codes(tf_gene, pos_tf, pos_gene, n_genes, *, hard, density, rng, tfs):
    """GENELink protocol on integer codes; returns six int64 arrays."""
    n_tfs = len(tf_gene)
    pos_codes = pos_tf * n_genes + pos_gene
    excluded = np.zeros(n_tfs * n_genes, dtype=bool)
    excluded[pos_codes] = True
    excluded[np.arange(n_tfs) * n_genes + tf_gene] = True  # no self loops
    out = {k: [] for k in ("train", "train_neg", "val", "val_neg", "test")}
    order = np.lexsort((pos_gene, pos_tf))
    bounds = np.searchsorted(pos_tf[order], np.arange(n_tfs + 1))
    for t in range(n_tfs):
        genes_t = pos_gene[order[bounds[t] : bounds[t + 1]]]
        n = len(genes_t)
        if n == 0:
            continue
        perm = rng.permutation(genes_t)
        if n == 1:  # GENELink: a lone positive goes to train or test with probability 1/2
            n_trval = int(rng.random_sample() < 0.5)
        else:
            n_trval = (2 * n) // 3
        n_val = n_trval // 5
        val, train, test = perm[:n_val], perm[n_val:n_trval], perm[n_trval:]
        candidates = np.flatnonzero(~excluded[t * n_genes : (t + 1) * n_genes])
        negatives = _take(rng, candidates, len(train) + len(val), f"TF {tfs[t]!r}")
        base = t * n_genes
        out["train"].append(base + train)
        out["val"].append(base + val)
        out["test"].append(base + test)
        out["train_neg"].append(base + negatives[: len(train)])
        out["val_neg"].append(base + negatives[len(train) :])
    arrays = {
        k: np.concatenate(v).astype(np.int64) if v else np.zeros(0, np.int64)
        for k, v in out.items()
    }
    if len(arrays["test"]) == 0:
        raise ValueError(
            "The split has no test positives: every TF has a single positive and all "
            "of them went to training. Use another random_state or a larger network."
        )
    used = excluded.copy()
    used[arrays["train_neg"]] = True
    used[arrays["val_neg"]] = True
    pool = np.flatnonzero(~used)
    if hard:
        test_neg = pool
    else:
        n_pos = len(arrays["test"])
        n_neg = int(round(n_pos * (1.0 - density) / density))
        test_neg = np.sort(_take(rng, pool, n_neg, "test set"))
    return (
        arrays["train"],
        arrays["train_neg"],
        arrays["val"],
        arrays["val_neg"],
        arrays["test"],
        test_neg,
    )


def genelink_split(
    data_or_edges: BeelineData | pd.DataFrame,
    genes=None,
    tfs=None,
    *,
    hard: bool = False,
    density: float | None = None,
    random_state=None,
) -> Split:
    """Split a network into train / validation / test pairs as GENELink does.

    Parameters
    ----------
    data_or_edges : BeelineData or pandas.DataFrame
        A dataset, or its positive pairs (columns ``TF``, ``Target``; with a
        ``Label`` column only rows with ``Label == 1`` are used).
    genes : sequence of str, optional
        All genes (candidate targets). Required with a DataFrame; defaults to
        ``data.genes``.
    tfs : sequence of str, optional
        Candidate regulators; defaults to ``data.tfs``, or to the unique ``TF``
        values of a DataFrame.
    hard : bool, default=False
        If True the test set holds every remaining non-edge of every TF instead
        of a sample (the "hard" variant).
    density : float, optional
        Target positive rate of the test set; defaults to the network density
        ``n_edges / (n_tfs * n_genes)``. Ignored when ``hard=True``.
    random_state : int, RandomState instance or None
        Seed for shuffling positives and sampling negatives.

    Returns
    -------
    Split
        Each part sorted by TF (in ``tfs`` order) then target (in ``genes`` order).

    Raises
    ------
    ValueError
        On invalid edges or when no test positive results.

    See Also
    --------
    degree_neutral_test : a test set with as many negatives as positives per TF.

    Notes
    -----
    Candidate pairs are ``tfs x genes`` without self loops; a negative is a
    candidate pair that is not an edge. For each TF with ``n`` positives
    (shuffled), ``floor(2n/3)`` go to training + validation and the rest to the
    test set; ``floor(n_trainval/5)`` of those go to validation. A TF with a
    single positive puts it in training + validation or in test with probability
    1/2 each (as GENELink); since ``floor(1/5) = 0`` it never reaches
    validation, and a TF needs at least 8 positives to contribute a validation
    positive. Training and validation negatives are drawn per TF, one per
    positive, from that TF's negatives. Test negatives are drawn uniformly from
    all remaining negatives (of every TF, including TFs without edges) so that
    the test positive rate equals ``density`` up to rounding of the count; with
    ``hard=True`` all remaining negatives are used. No pair is in two parts.
    When a TF has fewer negatives than asked for, all are used and a
    :class:`SplitWarning` is emitted.

    References
    ----------
    Chen, G. & Liu, Z.-P. Graph attention network for link prediction of gene
    regulations from single-cell RNA-sequencing data. Bioinformatics 38 (2022).
    """
    edges, genes, tfs = _resolve(data_or_edges, genes, tfs)
    n_genes = len(genes)
    if density is None:
        density = len(edges) / (len(tfs) * n_genes)
    elif (
        isinstance(density, bool)
        or not isinstance(density, numbers.Real)
        or not 0.0 < float(density) < 1.0
    ):
        raise ValueError(f"density must be a number in (0, 1); got {density!r}.")
    rng = check_random_state(random_state)
    tf_gene, pos_tf, pos_gene = _codes(edges, genes, tfs)
    tr, tr_neg, va, va_neg, te, te_neg = _genelink_codes(
        tf_gene, pos_tf, pos_gene, n_genes, hard=hard, density=float(density), rng=rng, tfs=tfs
    )
    if len(va) == 0:
        warn(
            "The validation set has no positives (no TF has 8 or more positives).",
            SplitWarning)
    return Split(
        train=_frame(tr, tr_neg, genes, tfs, n_genes),
        validation=_frame(va, va_neg, genes, tfs, n_genes),
        test=_frame(te, te_neg, genes, tfs, n_genes),
    )


def degree_neutral_test(
    split: Split,
    edges: BeelineData | pd.DataFrame,
    genes=None,
    *,
    random_state=None,
) -> pd.DataFrame:
    """A test set in which every TF has as many negatives as test positives.

    With the density-matched GENELink test set, a TF's share of the negatives
    follows the number of genes while its share of positives follows its degree,
    so a predictor that only ranks TFs by degree scores well. Here each TF keeps
    its test positives and gets the same number of negatives, so TF degree alone
    carries no signal (AUROC of any per-TF constant score is 0.5).

    Parameters
    ----------
    split : Split
        Its test positives are kept; its training and validation pairs are never
        used as negatives.
    edges : BeelineData or pandas.DataFrame
        The full known network (columns ``TF``, ``Target``); none of its pairs is
        used as a negative.
    genes : sequence of str, optional
        Candidate targets; defaults to ``edges.genes`` for a BeelineData.
        Required with a DataFrame.
    random_state : int, RandomState instance or None
        Seed for sampling negatives.

    Returns
    -------
    pandas.DataFrame
        Columns ``TF``, ``Target``, ``Label``, sorted by TF then target.

    Notes
    -----
    Negatives of a TF are drawn without replacement from ``genes`` minus the TF
    itself, its known targets and the pairs of ``split.train`` and
    ``split.validation`` (they may coincide with negatives of ``split.test``).
    If fewer are available, all are used and a :class:`SplitWarning` is emitted.
    """
    if not isinstance(split, Split):
        raise TypeError(f"split must be a Split; got {type(split).__name__}.")
    if isinstance(edges, BeelineData):
        genes = edges.genes if genes is None else genes
        edges = edges.edges
    elif not isinstance(edges, pd.DataFrame) or not {"TF", "Target"} <= set(edges.columns):
        raise ValueError("edges must be a BeelineData or a DataFrame with columns TF, Target.")
    if genes is None:
        raise ValueError("genes is required when edges is a DataFrame.")
    genes = [str(g) for g in genes]
    gene_col = {g: i for i, g in enumerate(genes)}
    positives = split.test.loc[split.test["Label"] == 1, ["TF", "Target"]]
    if positives.empty:
        raise ValueError("split.test has no positive pairs.")
    outside = sorted((set(positives["TF"]) | set(positives["Target"])) - set(gene_col))
    if outside:
        raise ValueError(f"split.test names genes that are not in genes: {_preview(outside)}.")
    blocked = pd.concat(
        [edges[["TF", "Target"]].astype(str), split.train, split.validation, positives]
    )
    blocked_by_tf = blocked.groupby("TF")["Target"].agg(set)
    rng = check_random_state(random_state)
    tf_order = sorted(pd.unique(positives["TF"]), key=gene_col.__getitem__)
    pos_count = positives["TF"].value_counts()
    rows = [positives.assign(Label=1)]
    all_genes = np.asarray(genes, dtype=object)
    for tf in tf_order:
        block = blocked_by_tf.get(tf, set()) | {tf}
        candidates = np.flatnonzero([g not in block for g in genes])
        chosen = _take(rng, candidates, int(pos_count[tf]), f"TF {tf!r}")
        rows.append(pd.DataFrame({"TF": tf, "Target": all_genes[np.sort(chosen)], "Label": 0}))
    out = pd.concat(rows, ignore_index=True)
    out["Label"] = out["Label"].astype(np.int64)
    key = out["TF"].map(gene_col) * len(genes) + out["Target"].map(gene_col)
    return out.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)
