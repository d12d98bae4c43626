"""The fast per-feature FDR rule gives the cuts and edges of the plain per-row rule."""

import numpy as np
import pytest
from scipy import stats

from isograph.network._edge_rules import edges_above_feature_cuts, feature_fdr_cuts
from isograph.network._feature_bh import fisher_thresholds, off_diagonal_median


def reference_cuts(W, q, n_effective):
    """Benjamini–Hochberg per row, written out plainly (the rule's definition)."""
    W = np.asarray(W)
    p = W.shape[0]
    m = p - 1
    cuts = np.full(p, np.inf)
    n_eff = np.full(p, np.inf)
    for i in range(p):
        w = np.abs(np.delete(W[i], i))
        if n_effective is None:
            z_null = np.arctanh(np.clip(w, 0.0, 1.0 - 1e-7))
            scale = np.median(z_null) / 0.6745
            n_eff[i] = 1.0 / scale**2 + 3.0 if scale > 0 else np.inf
        else:
            n_eff[i] = n_effective
        if not np.isfinite(n_eff[i]) or n_eff[i] <= 3.5:
            continue
        root = np.sqrt(n_eff[i] - 3.0)
        ranked = np.sort(w.astype(np.float64))[::-1]
        passed = []
        for k in range(1, m + 1):  # rank k passes when its z reaches the BH critical z
            z = np.arctanh(min(ranked[k - 1], 1.0 - 1e-12)) * root
            if z >= stats.norm.isf(q * k / (2.0 * m)):
                passed.append(k)
        if passed:
            cuts[i] = ranked[passed[-1] - 1]
    return cuts, n_eff


def symmetric(p, seed, *, signal=0.0, dtype=np.float32, decimals=None):
    """A correlation-like matrix: noise plus, when ``signal``, one block of related features."""
    rng = np.random.default_rng(seed)
    W = rng.normal(0.0, 0.15, (p, p))
    W = (W + W.T) / 2
    if signal:
        k = p // 3
        W[:k, :k] += signal * rng.uniform(0.5, 1.0, (k, k))
        W[:k, :k] = (W[:k, :k] + W[:k, :k].T) / 2
    W = np.clip(W, -0.999, 0.999)
    if decimals is not None:
        W = np.round(W, decimals)  # many ties
    np.fill_diagonal(W, 1.0)
    return W.astype(dtype)


def blocks_of(W):
    return lambda start, stop: W[start:stop].copy()


CASES = [
    dict(p=60, seed=0, signal=0.6, n_effective=12.0),
    dict(p=60, seed=1, signal=0.6, n_effective=None),
    dict(p=61, seed=2, signal=0.4, n_effective=None),  # odd number of off-diagonal pairs
    dict(p=80, seed=3, signal=0.5, n_effective=30.0, decimals=2),  # ties
    dict(p=80, seed=4, signal=0.5, n_effective=None, decimals=1),  # many ties
    dict(p=50, seed=5, signal=0.0, n_effective=100.0),  # noise: most rows pass nothing
    dict(p=70, seed=6, signal=0.5, n_effective=20.0, dtype=np.float64),
    dict(p=250, seed=7, signal=0.5, n_effective=None),  # nanmedian's masked-array size range
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("q", [0.05, 0.2])
def test_feature_fdr_cuts_equal_plain_bh(case, q):
    case = dict(case)
    n_effective = case.pop("n_effective")
    W = symmetric(**case)
    cuts, n_eff = feature_fdr_cuts(blocks_of(W), W.shape[0], q, n_effective)
    expected_cuts, expected_n = reference_cuts(W, q, n_effective)
    np.testing.assert_array_equal(cuts, expected_cuts)
    np.testing.assert_allclose(n_eff, expected_n, rtol=1e-12)
    assert np.isfinite(cuts).any() and np.isinf(cuts).any()


def test_rows_without_passes_and_tiny_effective_n():
    W = symmetric(60, 8, signal=0.6)
    # a feature related to every other one: its own null spread is wide, n_effective <= 3.5
    W[0, 1:] = W[1:, 0] = np.float32(0.95)
    cuts, n_eff = feature_fdr_cuts(blocks_of(W), 60, 0.05, None)
    expected_cuts, expected_n = reference_cuts(W, 0.05, None)
    assert n_eff[0] <= 3.5 and cuts[0] == np.inf
    assert np.isfinite(cuts[1:]).all()  # their link to feature 0 passes
    np.testing.assert_array_equal(cuts, expected_cuts)
    np.testing.assert_allclose(n_eff, expected_n, rtol=1e-12)
    # a given n_effective <= 3.5 selects nothing
    cuts, _ = feature_fdr_cuts(blocks_of(W), 60, 0.05, 3.4)
    assert np.isinf(cuts).all()


@pytest.mark.parametrize("p", [1, 2, 3])
@pytest.mark.parametrize("n_effective", [None, 10.0])
def test_tiny_matrices(p, n_effective):
    W = np.array([[1.0, 0.99, -0.98], [0.99, 1.0, 0.97], [-0.98, 0.97, 1.0]], np.float32)[:p, :p]
    cuts, n_eff = feature_fdr_cuts(blocks_of(W), p, 0.2, n_effective)
    assert cuts.shape == n_eff.shape == (p,)
    if p > 1:
        expected_cuts, expected_n = reference_cuts(W, 0.2, n_effective)
        np.testing.assert_array_equal(cuts, expected_cuts)
        np.testing.assert_allclose(n_eff, expected_n, rtol=1e-12)


def test_cut_sits_exactly_at_the_last_passing_rank():
    """One rank off (either way) changes the cut: the row is built on the boundary."""
    p, n, q = 40, 20.0, 0.1
    m, root = p - 1, np.sqrt(n - 3.0)
    z_crit = stats.norm.isf(q * np.arange(1, m + 1) / (2.0 * m))
    # ranks 1..5 sit just above their own critical value, below that of the rank before
    top = np.tanh((z_crit[:5] + 1e-4) / root).astype(np.float32)
    assert np.all(np.arctanh(top[1:].astype(np.float64)) * root < z_crit[:4])
    W = np.full((p, p), np.float32(0.01))
    W[0, 1:6] = W[1:6, 0] = top
    np.fill_diagonal(W, 1.0)
    cuts, _ = feature_fdr_cuts(blocks_of(W), p, q, n)
    assert cuts[0] == top[4]
    np.testing.assert_array_equal(cuts, reference_cuts(W, q, n)[0])


def test_fisher_thresholds_are_the_smallest_passing_float32():
    z = stats.norm.isf(0.05 * np.arange(1, 2001) / 4000.0)
    for n in (5.0, 24.0, 1e6):
        root = np.sqrt(n - 3.0)
        tau = fisher_thresholds(z, root)
        below = np.nextafter(tau, np.float32(-np.inf))
        for w, passes in ((tau, True), (below, False)):
            z_w = np.arctanh(np.minimum(w.astype(np.float64), 1 - 1e-12)) * root
            assert np.all((z_w >= z) == passes)


@pytest.mark.parametrize("p", [251, 252, 701, 702])
def test_off_diagonal_median_equals_nanmedian(p):
    rng = np.random.default_rng(p)
    z = rng.random((30, p), dtype=np.float32)
    z[:, 5] = z[:, 6]  # ties
    with_nan = z.copy()
    with_nan[np.arange(30), np.arange(100, 130)] = np.nan
    np.testing.assert_array_equal(off_diagonal_median(z.copy(), 100),
                                  np.nanmedian(with_nan, axis=1))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_edges_above_feature_cuts_equal_plain_and_rule(dtype):
    W = symmetric(90, 9, signal=0.5, dtype=dtype)
    cuts, _ = feature_fdr_cuts(blocks_of(W), 90, 0.1, 40.0)
    rows, cols, weights = edges_above_feature_cuts(blocks_of(W), 90, cuts, max_edges=None)
    i, j = np.triu_indices(90, 1)
    keep = np.abs(W[i, j]) >= np.maximum(cuts[i], cuts[j])
    assert keep.sum() > 0
    # cuts are weights of the matrix, so pairs sit exactly on a cut and must be kept
    assert np.any(np.abs(W[i, j]) == cuts[i])
    np.testing.assert_array_equal(rows, i[keep])
    np.testing.assert_array_equal(cols, j[keep])
    np.testing.assert_array_equal(weights, W[i, j][keep].astype(np.float32))
