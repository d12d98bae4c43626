import numpy as np
import pandas as pd
import pytest

from isograph.network import (
    ABUNDANCE,
    SWITCH,
    bh_adjust,
    bh_weight_threshold,
    channel_thresholds,
    collapse_edges,
    correlation_block,
    correlation_pvalue,
    detect_modules,
    feature_table,
    fit_eigengene_loadings,
    gene_roles,
    low_rank_precision_blocks,
    standardize,
    threshold_edges,
    trait_associations,
)


def planted(n=120, sizes=(12, 8, 5), n_background=15, noise=0.6, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, len(sizes)))
    cols, truth = [], []
    for m, size in enumerate(sizes):
        for _ in range(size):
            cols.append(z[:, m] + noise * rng.normal(size=n))
            truth.append(m)
    for _ in range(n_background):
        cols.append(rng.normal(size=n))
        truth.append(-1)
    return np.column_stack(cols), np.array(truth), z


def test_blocked_edges_match_dense_correlation():
    X, _, _ = planted()
    Z, _, _ = standardize(X)
    dense = np.corrcoef(X, rowvar=False)
    rows, cols, w = threshold_edges(correlation_block(Z), Z.shape[1], 0.3, block_size=7)
    iu = np.triu_indices_from(dense, k=1)
    expected = {(i, j) for i, j in zip(*iu) if abs(dense[i, j]) >= 0.3}
    assert set(zip(rows.tolist(), cols.tolist())) == expected
    assert np.all(rows < cols)
    np.testing.assert_allclose(w, dense[rows, cols], atol=1e-5)


def test_low_rank_precision_matches_dense_partial_correlation():
    rng = np.random.default_rng(1)
    p, k = 30, 4
    W = rng.normal(size=(p, k))
    psi = rng.uniform(0.5, 2.0, size=p)
    cov = W @ W.T + np.diag(psi)
    prec = np.linalg.inv(cov)
    d = np.sqrt(np.diag(prec))
    expected = -prec / np.outer(d, d)
    # Woodbury: P = Psi^-1 - Psi^-1 W (I + W' Psi^-1 W)^-1 W' Psi^-1 = diag - U U'
    M = np.eye(k) + W.T @ (W / psi[:, None])
    L = np.linalg.cholesky(M)
    U = np.linalg.solve(L, (W / psi[:, None]).T).T
    block, p_diag = low_rank_precision_blocks(1.0 / psi, U)
    got = block(0, p)
    np.testing.assert_allclose(p_diag, np.diag(prec), rtol=1e-8)
    off = ~np.eye(p, dtype=bool)
    np.testing.assert_allclose(got[off], expected[off], atol=1e-5)


def test_channel_policy_forbids_abundance_pairs():
    X, _, _ = planted(sizes=(10,), n_background=0, noise=0.3)
    Z, _, _ = standardize(X)
    codes = np.array([SWITCH, ABUNDANCE] * 5)
    table = channel_thresholds(0.2, allow_abundance_abundance=False)
    rows, cols, _ = threshold_edges(correlation_block(Z), 10, table, channel_codes=codes)
    assert len(rows) > 0
    assert not np.any((codes[rows] == ABUNDANCE) & (codes[cols] == ABUNDANCE))


def test_edge_guard_names_threshold():
    Z, _, _ = standardize(np.random.default_rng(0).normal(size=(20, 50)))
    with pytest.raises(ValueError, match="max_edges"):
        threshold_edges(correlation_block(Z), 50, 0.0, max_edges=10)


def test_bh_adjust_known_values():
    # ranks: 0.01 -> 0.04, 0.03 -> 0.06 -> min(0.06, 0.0533), 0.04 -> 0.0533, 0.5 -> 0.5
    q = bh_adjust([0.01, 0.04, 0.03, 0.5, np.nan])
    np.testing.assert_allclose(q[:4], [0.04, 0.16 / 3, 0.16 / 3, 0.5])
    assert np.isnan(q[4])


def test_bh_threshold_keeps_planted_and_rejects_noise():
    X, truth, _ = planted(n=150)
    Z, _, _ = standardize(X)
    cut = bh_weight_threshold(correlation_block(Z), Z.shape[1], 0.05,
                              lambda r: correlation_pvalue(r, 150))
    rows, cols, _ = threshold_edges(correlation_block(Z), Z.shape[1], cut)
    false = np.sum((truth[rows] != truth[cols]) | (truth[rows] < 0))
    assert len(rows) > 100
    assert false / len(rows) < 0.05
    noise = np.random.default_rng(3).normal(size=(150, 60))
    Zn, _, _ = standardize(noise)
    cut_noise = bh_weight_threshold(correlation_block(Zn), 60, 0.05,
                                    lambda r: correlation_pvalue(r, 150))
    kept = threshold_edges(correlation_block(Zn), 60, cut_noise)[0]
    assert len(kept) <= 2


@pytest.mark.parametrize("method", ["leiden", "components"])
def test_detect_modules_recovers_planted(method):
    X, truth, _ = planted()
    Z, _, _ = standardize(X)
    rows, cols, w = threshold_edges(correlation_block(Z), Z.shape[1], 0.45)
    labels = detect_modules(Z.shape[1], rows, cols, w, method=method, min_module_size=4)
    for m in range(3):
        got = labels[truth == m]
        assert (got == got[0]).all() and got[0] >= 0
    assert len(set(labels[truth >= 0])) == 3
    assert (labels[truth < 0] == -1).all()
    # numbered by decreasing size
    sizes = np.bincount(labels[labels >= 0])
    assert np.all(np.diff(sizes) <= 0)


def test_leiden_splits_modules_joined_by_a_bridge():
    # two 10-cliques joined by one edge: components fuse them, Leiden does not
    r, c = np.triu_indices(10, k=1)
    rows = np.r_[r, r + 10, 0]
    cols = np.r_[c, c + 10, 10]
    w = np.ones(rows.size)
    comp = detect_modules(20, rows, cols, w, method="components", min_module_size=3)
    leid = detect_modules(20, rows, cols, w, method="leiden", min_module_size=3)
    assert len(set(comp)) == 1
    assert len(set(leid)) == 2


def test_leiden_accepts_any_sklearn_random_state():
    X, truth, _ = planted()
    Z, _, _ = standardize(X)
    rows, cols, w = threshold_edges(correlation_block(Z), Z.shape[1], 0.45)
    a = detect_modules(Z.shape[1], rows, cols, w, random_state=np.random.RandomState(0))
    b = detect_modules(Z.shape[1], rows, cols, w, random_state=np.random.RandomState(0))
    np.testing.assert_array_equal(a, b)
    assert len(set(a[truth >= 0])) == 3


def test_collapse_keeps_strongest_and_drops_within_gene():
    node_of = np.array([0, 0, 1, 1])
    rows, cols, w = collapse_edges(np.array([0, 0, 1, 1]), np.array([1, 2, 3, 2]),
                                   np.array([0.9, 0.3, -0.7, 0.2]), node_of, 2)
    assert rows.tolist() == [0] and cols.tolist() == [1]
    np.testing.assert_allclose(w, [0.7])


def test_eigengene_tracks_latent_with_aligned_sign():
    X, truth, z = planted()
    Z, _, _ = standardize(X)
    labels = np.where(truth >= 0, truth, -1)
    loadings, explained = fit_eigengene_loadings(Z, labels)
    E = Z @ loadings
    for m in range(3):
        assert np.corrcoef(E[:, m], z[:, m])[0, 1] > 0.95
        assert np.corrcoef(E[:, m], Z[:, labels == m].mean(1))[0, 1] > 0
    np.testing.assert_allclose(E.std(axis=0), 1.0, rtol=1e-6)
    assert np.all((explained > 0.5) & (explained <= 1))
    assert np.all(loadings[labels < 0] == 0)


def test_feature_table_parses_channels():
    t = feature_table(["g1::switch", "g1::abundance", "g2::abundance", "x::other"])
    assert t["gene_id"].tolist() == ["g1", "g1", "g2", "x::other"]
    assert t["channel"].tolist() == ["switch", "abundance", "abundance", None]


def test_gene_roles_from_planted_channels():
    rng = np.random.default_rng(5)
    n = 200
    z = rng.normal(size=n)
    names, cols, expected = [], [], {}
    plan = {"c": (1, 1), "d": (1, -1), "s": (1, 0), "a": (0, 1)}
    for prefix, (sw, ab) in plan.items():
        for i in range(4):
            g = f"{prefix}{i}"
            cols += [sw * z + 0.4 * rng.normal(size=n), ab * z + 0.4 * rng.normal(size=n)]
            names += [f"{g}::switch", f"{g}::abundance"]
            expected[g] = {"c": "coupled", "d": "discordant", "s": "switch_only",
                           "a": "abundance_only"}[prefix]
    Z, _, _ = standardize(np.column_stack(cols))
    feats = feature_table(names)
    genes = pd.Series(0, index=list(expected))
    roles = gene_roles(Z, feats, genes).set_index("gene_id")["role"]
    # the switch eigengene follows the majority of switch features (sign +)
    assert roles.to_dict() == expected


def test_trait_associations_find_planted_traits():
    rng = np.random.default_rng(0)
    n = 80
    E = pd.DataFrame(rng.normal(size=(n, 3)), columns=["M0", "M1", "M2"])
    samples = pd.DataFrame({
        "trait": E["M1"] * 2 + rng.normal(size=n) * 0.5,
        "group": np.where(E["M2"] > 0, "b", "a"),
        "site": rng.choice(["x", "y", "z"], size=n),
    })
    out = trait_associations(E, samples)
    best = out.loc[out.groupby("trait")["p_value"].idxmin()].set_index("trait")
    assert best.loc["trait", "module"] == "M1" and best.loc["trait", "q_value"] < 1e-6
    assert best.loc["group", "module"] == "M2" and best.loc["group", "test"] == "welch_t"
    assert set(out.loc[out.trait == "site", "test"]) == {"anova"}
    assert (out["q_value"] >= out["p_value"] - 1e-12).all()
    with pytest.raises(ValueError, match="not in the sample table"):
        trait_associations(E, samples, traits=["nope"])
