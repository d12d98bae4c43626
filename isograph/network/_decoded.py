"""From a decoded signal to edges: the signal test, decoded correlation, edge policy.

Pure functions on arrays. A decoder's output lives in a space of a few latent
dimensions, so the Pearson correlation of decoded features is high for any two
features the decoder happens to reproduce, signal or noise. Two safeguards keep
the decoder from inventing modules:

1. *Signal test* — a feature takes part only when the decoder reproduces it
   better than the same VAE, trained for the same number of epochs, reproduces
   features of column-permuted data (a permutation null of the reconstruction
   correlation), at a Benjamini–Hochberg false-discovery rate.
2. *Edge policy* — decoded correlations among the features that pass are cut
   per pair of channels (``alpha``, ``alpha_switch``, ``alpha_abundance``).
"""

from __future__ import annotations

import numpy as np

from . import (
    ABUNDANCE,
    DEFAULT_MAX_EDGES,
    PLAIN,
    SWITCH,
    bh_adjust,
    collapse_edges,
    correlation_block,
    detect_modules,
    standardize,
    threshold_edges,
)


def reconstruction_correlation(Z: np.ndarray, D: np.ndarray) -> np.ndarray:
    """Pearson correlation of each observed column of ``Z`` with its decoded column in ``D``.

    Columns without variance (observed or decoded) get 0.
    """
    Z = np.asarray(Z, dtype=np.float64)
    D = np.asarray(D, dtype=np.float64)
    Zc = Z - Z.mean(axis=0)
    Dc = D - D.mean(axis=0)
    denom = np.sqrt((Zc**2).sum(axis=0) * (Dc**2).sum(axis=0))
    num = (Zc * Dc).sum(axis=0)
    out = np.zeros(Z.shape[1])
    ok = denom > 1e-12 * max(float(denom.max(initial=0.0)), 1e-300)
    out[ok] = num[ok] / denom[ok]
    return out


def permute_columns(Z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each column shuffled over the samples independently (correlation destroyed)."""
    n, p = Z.shape
    order = np.argsort(rng.random((n, p)), axis=0)
    return np.take_along_axis(Z, order, axis=0)


def signal_test(r: np.ndarray, r_null: np.ndarray, fdr: float) -> tuple[np.ndarray, np.ndarray]:
    """Features reproduced better than the permutation null, at false-discovery rate ``fdr``.

    Parameters
    ----------
    r : ndarray of shape (p,)
        Reconstruction correlation of each feature.
    r_null : ndarray
        Reconstruction correlations of a VAE trained on column-permuted data.
    fdr : float
        Benjamini–Hochberg level.

    Returns
    -------
    passed : ndarray of bool, shape (p,)
    q_values : ndarray of shape (p,)
        BH-adjusted empirical p-values ``(1 + #{null >= r}) / (1 + m)``.
    """
    null = np.sort(np.asarray(r_null, dtype=np.float64))
    above = null.size - np.searchsorted(null, r, side="left")
    pvals = (1.0 + above) / (1.0 + null.size)
    q = bh_adjust(pvals)
    return q <= fdr, q


def decoded_correlation_edges(
    D: np.ndarray,
    keep: np.ndarray,
    codes: np.ndarray,
    table: np.ndarray,
    *,
    block_size: int | None = None,
    max_edges: int | None = DEFAULT_MAX_EDGES,
    max_edges_per_feature: int | None = None,
    reconstruction_r: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges from the Pearson correlation of decoded columns ``D[:, keep]``.

    With ``max_edges_per_feature``, a feature's strongest edges are ranked by
    the observed correlation the decoder implies, ``rho_decoded * r_i * r_j``
    (``reconstruction_r``: each feature's observed-vs-decoded correlation):
    a low-rank decoder makes the decoded correlations of all signal features
    nearly +-1, so without the attenuation a barely reproduced feature would
    pick its neighbours as strongly as a well reproduced one.

    The correlation is computed in row blocks (never a dense p x p float64
    matrix) and cut with the channel threshold ``table`` (see
    :func:`isograph.network.channel_thresholds`), within the edge budget
    (see :func:`isograph.network.threshold_edges`).

    Returns
    -------
    rows, cols, weights
        Indices into all columns of ``D`` (``rows < cols``); weights are the
        decoded correlations.
    """
    idx = np.flatnonzero(keep)
    if idx.size < 2:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0, np.float32)
    Zd, _, _ = standardize(D[:, idx])
    r, c, w = threshold_edges(correlation_block(Zd), idx.size, table,
                              channel_codes=codes[idx], block_size=block_size,
                              max_edges=max_edges, max_edges_per_feature=max_edges_per_feature,
                              rank_scale=None if reconstruction_r is None
                              else np.abs(np.asarray(reconstruction_r))[idx])
    # idx is increasing, so rows < cols still holds after mapping back
    return idx[r], idx[c], w


def gene_modules_from_edges(rows, cols, weights, node_of, n_genes, *, min_module_size,
                            community, resolution, random_state) -> np.ndarray:
    """Module per gene (``-1`` = none) of a feature-level edge list."""
    g_r, g_c, g_w = collapse_edges(rows, cols, weights, node_of, n_genes)
    return detect_modules(n_genes, g_r, g_c, g_w, method=community,
                          min_module_size=min_module_size, resolution=resolution,
                          random_state=random_state)


def merged_pairs(reference: np.ndarray, labels: np.ndarray) -> int:
    """How many pairs of ``reference`` modules end up mostly inside one ``labels`` module.

    A reference module is *held* by a module of ``labels`` that contains more
    than half of its genes; two reference modules held by the same module
    count as one merged pair.
    """
    held = []
    for k in np.unique(reference[reference >= 0]):
        members = labels[reference == k]
        members = members[members >= 0]
        if members.size == 0:
            continue
        ids, counts = np.unique(members, return_counts=True)
        best = int(np.argmax(counts))
        if 2 * counts[best] > int((reference == k).sum()):
            held.append(int(ids[best]))
    _, n_held = np.unique(np.asarray(held, dtype=np.int64), return_counts=True)
    return int((n_held * (n_held - 1) // 2).sum())


def calibrate_abundance_threshold(
    rows: np.ndarray,
    cols: np.ndarray,
    weights: np.ndarray,
    codes: np.ndarray,
    node_of: np.ndarray,
    n_genes: int,
    grid,
    *,
    min_module_size: int,
    community: str,
    resolution: float,
    random_state,
) -> tuple[float, list[dict]]:
    """Smallest abundance–abundance cut of ``grid`` that merges no module found without them.

    ``rows, cols, weights`` must hold every candidate edge, abundance–abundance
    pairs cut at ``min(grid)`` or lower (one similarity pass); each grid value
    then only filters this list.

    Returns
    -------
    chosen : float
        The selected cut; ``inf`` (no abundance–abundance edges) when every grid
        value merges modules.
    scores : list of dict
        Per grid value: ``alpha_abundance``, ``n_aa_edges``, ``n_modules``,
        ``merged_pairs``.
    """
    aa = (codes[rows] == ABUNDANCE) & (codes[cols] == ABUNDANCE)
    strength = np.abs(weights)

    def modules(mask):
        return gene_modules_from_edges(
            rows[mask], cols[mask], weights[mask], node_of, n_genes,
            min_module_size=min_module_size, community=community, resolution=resolution,
            random_state=random_state)

    reference = modules(~aa)
    scores, chosen = [], float("inf")
    for value in sorted(float(v) for v in grid):
        with_aa = ~aa | (strength >= value)
        labels = modules(with_aa)
        merged = merged_pairs(reference, labels)
        scores.append({"alpha_abundance": value, "n_aa_edges": int((aa & with_aa).sum()),
                       "n_modules": int(labels.max() + 1 if labels.size else 0),
                       "merged_pairs": merged})
        if merged == 0 and not np.isfinite(chosen):
            chosen = value
    return chosen, scores


def channel_threshold_dict(table: np.ndarray) -> dict:
    """The 3 x 3 channel cut table as named entries (``None`` = forbidden)."""

    def value(v):
        return float(v) if np.isfinite(v) else None

    return {"switch_switch": value(table[SWITCH, SWITCH]),
            "abundance_abundance": value(table[ABUNDANCE, ABUNDANCE]),
            "switch_abundance": value(table[SWITCH, ABUNDANCE]),
            "plain": value(table[PLAIN, PLAIN])}
