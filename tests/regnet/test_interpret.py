import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from regnet import RegNet
from regnet.interpret import (
    compare_weights,
    coordinate_projection_weights,
    empirical_bayes_weights,
    finite_difference_weights,
    layer_shrinkage,
    message_graph,
    nearest_cell_noise_variance,
    neighbor_mean,
    plot_shrinkage_vs_bayes,
    plot_shrinkage_vs_degree,
    shrinkage_weights,
)
from regnet.nn import SAGEMLPConv

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class LinearSAGE(SAGEMLPConv):
    """SAGE layer with the linear aggregator h = W_self x + W_neigh m.

    W_self = w I and W_neigh = (1 - w) I.

    With ``out_channels`` != ``in_channels`` the identity is cut (fewer rows) or
    padded with zero rows (more rows).
    """

    def __init__(self, channels, w, out_channels=None):
        out_channels = out_channels or channels
        super().__init__(channels, out_channels)
        eye = torch.eye(out_channels, channels, dtype=torch.float64)
        self.lin_self = nn.Linear(channels, out_channels, bias=False).double()
        self.lin_neigh = nn.Linear(channels, out_channels, bias=False).double()
        with torch.no_grad():
            self.lin_self.weight.copy_(w * eye)
            self.lin_neigh.weight.copy_((1 - w) * eye)

    def combine(self, x, m):
        dtype = self.lin_self.weight.dtype
        return self.lin_self(x.to(dtype)) + self.lin_neigh(m.to(dtype))


def random_graph(n_nodes=30, n_edges=50, seed=0, isolated=(0,)):
    rng = np.random.default_rng(seed)
    nodes = np.setdiff1d(np.arange(n_nodes), isolated)
    pairs = set(zip(nodes[:-1].tolist(), nodes[1:].tolist()))  # a path: nobody else isolated
    while len(pairs) < n_edges:
        a, b = rng.choice(nodes, size=2, replace=False)
        pairs.add((int(a), int(b)))
    src, dst = np.array(sorted(pairs)).T
    return torch.as_tensor(np.stack([np.r_[src, dst], np.r_[dst, src]]))  # both directions


def layer_inputs(layer, n_nodes=30, channels=8, seed=0):
    torch.manual_seed(seed)
    x = torch.randn(n_nodes, channels, dtype=torch.float64)
    edges = random_graph(n_nodes, seed=seed)
    with torch.no_grad():
        m = layer.neighbor_mean(x, edges)
    return x.numpy(), m.numpy(), edges


# ---------------------------------------------------------------- identity
@pytest.mark.parametrize("method", ["projection", "coordinate_projection", "finite_difference"])
@pytest.mark.parametrize("w", [0.0, 0.27, 0.8, 1.0])
def test_linear_aggregator_gives_w(method, w):
    layer = LinearSAGE(8, w)
    x, m, _ = layer_inputs(layer)
    out = layer_shrinkage(x, m, aggregate=layer, method=method)
    has_neighbours = np.abs(m).sum(axis=1) > 0
    assert not has_neighbours[0] and has_neighbours[1:].all()
    np.testing.assert_allclose(out["weight"].to_numpy()[has_neighbours], w, atol=1e-5)
    assert out["reason"].isna().all()  # the isolated node still has x - m = x != 0


@pytest.mark.parametrize("method", ["projection", "coordinate_projection", "finite_difference"])
def test_linear_identity_with_leading_features_and_wider_hidden(method):
    # F = 5 contrasted inputs out of 8 (structure-like columns left out); H = 11 > F_in.
    layer = LinearSAGE(8, 0.6, out_channels=11)
    x, m, _ = layer_inputs(layer, seed=1)
    out = layer_shrinkage(x, m, aggregate=layer, method=method, n_features=5)
    np.testing.assert_allclose(out["weight"], 0.6, atol=1e-5)


def test_hidden_smaller_than_inputs():
    # H = 3 < F = 8: finite differences and the basis-free projection still give w; the
    # coordinate projection zero-pads Delta, so it sees only the first H coordinates:
    # w * ||delta[:H]||^2 / ||delta||^2.
    w = 0.7
    layer = LinearSAGE(8, w, out_channels=3)
    x, m, _ = layer_inputs(layer, seed=2)
    for method in ("finite_difference", "projection"):
        out = layer_shrinkage(x, m, aggregate=layer, method=method)
        np.testing.assert_allclose(out["weight"], w, atol=1e-5)
    proj = layer_shrinkage(x, m, aggregate=layer, method="coordinate_projection")
    delta = x - m
    expected = w * (delta[:, :3] ** 2).sum(1) / (delta**2).sum(1)
    np.testing.assert_allclose(proj["weight"], expected, atol=1e-10)


def test_neighbors_reference_adds_the_graph_term():
    # n = mean of h over neighbours: Delta = w delta + (1 - w) A delta.
    w = 0.4
    layer = LinearSAGE(8, w)
    x, m, edges = layer_inputs(layer, seed=3)
    with torch.no_grad():
        h = layer.combine(torch.as_tensor(x), torch.as_tensor(m))
        n = layer.neighbor_mean(h, edges).numpy()
        a_delta = layer.neighbor_mean(torch.as_tensor(x - m), edges).numpy()
    out = layer_shrinkage(x, m, h=h.numpy(), n=n, method="coordinate_projection",
                          reference="neighbors")
    delta = x - m
    expected = w + (1 - w) * (a_delta * delta).sum(1) / (delta**2).sum(1)
    np.testing.assert_allclose(out["raw_weight"], expected, atol=1e-10)
    np.testing.assert_allclose(out["weight"], np.clip(expected, 0, 1), atol=1e-10)
    assert np.abs(expected - w).max() > 0.05  # the term is real, not a rounding effect


def test_plain_callable_and_one_batched_call():
    w, calls = 0.35, []

    def g(x, m):
        calls.append(x.shape[0])
        return w * x + (1 - w) * m

    rng = np.random.default_rng(0)
    x, m = rng.normal(size=(40, 6)), rng.normal(size=(40, 6))
    for method in ("projection", "coordinate_projection", "finite_difference"):
        calls.clear()
        out = layer_shrinkage(pd.DataFrame(x, index=[f"g{i}" for i in range(40)]), m,
                              aggregate=g, method=method)
        assert len(calls) == 1  # all genes (and all perturbations) in one call
        assert list(out.index[:2]) == ["g0", "g1"]
        # the projection's per-gene product runs in float32
        np.testing.assert_allclose(out["weight"], w, atol=1e-6 if method == "projection" else 1e-9)
    parts = finite_difference_weights(g, x, m)
    np.testing.assert_allclose(parts["sensitivity_self"], w, atol=1e-9)
    np.testing.assert_allclose(parts["sensitivity_neighbors"], 1 - w, atol=1e-9)


def test_nonlinear_layer_weights_in_unit_interval_and_undefined_rows():
    torch.manual_seed(0)
    layer = SAGEMLPConv(8, 16).double()
    x, m, _ = layer_inputs(layer, seed=4)
    x[5] = m[5]  # no contrast: the weight is undefined
    for method in ("projection", "coordinate_projection", "finite_difference"):
        out = layer_shrinkage(x, m, aggregate=layer, method=method)
        weight = out["weight"].drop(index=5)
        assert weight.notna().all() and weight.between(0, 1).all()
        assert np.isnan(out.loc[5, "weight"])
        assert "x - m = 0" in out.loc[5, "reason"]
    assert layer.training  # the caller's module is not switched to eval mode


def test_flat_aggregator_gives_nan_with_reason_for_finite_difference():
    rng = np.random.default_rng(1)
    x, m = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))

    def flat(a, b):
        return np.ones((len(a), 3))

    fd = layer_shrinkage(x, m, aggregate=flat, method="finite_difference")
    assert fd["weight"].isna().all()
    assert fd["reason"].str.contains("does not move").all()
    proj = layer_shrinkage(x, m, aggregate=flat)  # the response maps are zero
    assert proj["weight"].isna().all()
    assert proj["reason"].str.contains("does not move").all()
    # no output contrast: full shrinkage for the coordinate projection
    coord = layer_shrinkage(x, m, aggregate=flat, method="coordinate_projection")
    np.testing.assert_array_equal(coord["weight"], 0.0)
    assert coord["reason"].isna().all()


def test_projection_weights_clip_and_report_raw():
    x = np.array([[1.0, 0.0], [1.0, 0.0]])
    m = np.zeros_like(x)
    h = np.array([[2.0, 0.0], [-1.0, 0.0]])
    out = coordinate_projection_weights(x, m, h, np.zeros_like(h))
    np.testing.assert_allclose(out["raw_weight"], [2.0, -1.0])
    np.testing.assert_allclose(out["weight"], [1.0, 0.0])


def test_bad_arguments_name_the_problem():
    x = np.ones((4, 3))
    with pytest.raises(ValueError, match="method must be one of"):
        layer_shrinkage(x, x, aggregate=lambda a, b: a, method="jacobian")
    with pytest.raises(ValueError, match="needs aggregate"):
        layer_shrinkage(x, x, method="finite_difference")
    with pytest.raises(ValueError, match="needs h= and n="):
        layer_shrinkage(x, x, method="coordinate_projection", reference="neighbors")
    with pytest.raises(ValueError, match="eps must be a positive"):
        finite_difference_weights(lambda a, b: a, x, x, eps=0.0)
    with pytest.raises(ValueError, match=r"n_features must be an integer in \[1, 3\]"):
        layer_shrinkage(x, x, aggregate=lambda a, b: a, n_features=4)
    with pytest.raises(ValueError, match=r"aggregate must return an array of shape \(12, H\)"):
        layer_shrinkage(x, x + 1, aggregate=lambda a, b: a[:2])
    with pytest.raises(TypeError, match="aggregate must be"):
        layer_shrinkage(x, x + 1, aggregate=3)


# ------------------------------------------------------------------ RegNet
N_CELLS = 9  # input width 9 cells + 3 structural = 12 = hidden: a linear layer fits in


def small_data(seed=0, n_genes=24, n_tfs=5):
    rng = np.random.default_rng(seed)
    genes = [f"G{i:02d}" for i in range(n_genes)]
    expression = rng.normal(size=(n_genes, N_CELLS))
    edges = [(genes[i % n_tfs], genes[j]) for j, i in zip(range(n_tfs, n_genes - 3),
                                                          range(100))]
    edges += [("G00", "G01"), ("G02", "G00")]
    for tf, target in edges:
        expression[genes.index(target)] += expression[genes.index(tf)]
    X = pd.DataFrame(np.exp(expression / 2), index=genes,
                     columns=[f"c{i}" for i in range(N_CELLS)])
    return X, pd.DataFrame(edges, columns=["TF", "Target"]), genes[:n_tfs]


@pytest.fixture(scope="module")
def fitted():
    X, edges, tfs = small_data()
    model = RegNet(12, latent_channels=4, heads=2, max_epochs=3, patience=2,
                   validation_fraction=0.3, random_state=0)
    return model.fit(X, edges, tfs=tfs), X, edges


@pytest.mark.parametrize("method", ["projection", "coordinate_projection", "finite_difference"])
def test_regnet_columns_degrees_and_isolated_genes(fitted, method):
    model, X, _ = fitted
    out = shrinkage_weights(model, method=method)
    assert out.index.name == "gene" and list(out.index) == list(X.index)
    for col in ("weight", "degree", "in_degree", "out_degree", "mean_expression", "is_tf",
                "input_contrast_norm", "reason"):
        assert col in out.columns
    edges = model.edges_
    regulators = edges.groupby("Target")["TF"].nunique()
    assert (out["in_degree"] == regulators.reindex(out.index, fill_value=0)).all()
    neighbours = {g: set() for g in X.index}
    for tf, target in zip(edges["TF"], edges["Target"]):
        neighbours[tf].add(target)
        neighbours[target].add(tf)
    assert (out["degree"] == pd.Series({g: len(v) for g, v in neighbours.items()})).all()
    isolated = out["degree"] == 0
    assert isolated.any() and out.loc[isolated, "weight"].isna().all()
    assert out.loc[isolated, "reason"].str.contains("no neighbours").all()
    assert out.loc[~isolated, "weight"].between(0, 1).all()
    np.testing.assert_allclose(out["mean_expression"], X.mean(axis=1))
    assert out["is_tf"].sum() == len(model.tfs_)
    assert out.attrs["method"] == method


def test_regnet_neighbour_mean_matches_the_layer(fitted):
    model, X, _ = fitted
    states = model.first_layer_states()
    graph = message_graph(X.index, model.edges_)
    np.testing.assert_allclose(neighbor_mean(graph, states["x"].to_numpy()), states["m"],
                               atol=1e-5)


@pytest.mark.parametrize("method", ["projection", "coordinate_projection", "finite_difference"])
def test_regnet_with_linear_first_layer_gives_w(fitted, method):
    model, X, _ = fitted
    original = model.module_.sage1
    try:
        model.module_.sage1 = LinearSAGE(N_CELLS + 3, 0.65).float()
        out = shrinkage_weights(model, X, method=method)
    finally:
        model.module_.sage1 = original
    has = out["degree"] > 0
    np.testing.assert_allclose(out.loc[has, "weight"], 0.65, atol=1e-5)


def test_regnet_rejects_wrong_inputs(fitted):
    model, X, _ = fitted
    with pytest.raises(TypeError, match="fitted regnet.RegNet"):
        shrinkage_weights(object())
    with pytest.raises(ValueError, match="method must be one of"):
        shrinkage_weights(model, method="gradient")
    with pytest.raises(ValueError, match="cells seen in fit"):
        shrinkage_weights(model, X.iloc[:, :4])
    with pytest.raises(ValueError, match=r"layer='logged' .* X is None .* leave them unset"):
        shrinkage_weights(model, layer="logged")
    with pytest.raises(ValueError, match=r"X is a DataFrame \(genes x cells\): leave them unset"):
        shrinkage_weights(model, X, layer="logged")
    with pytest.raises(ValueError, match=r"X looks transposed.*pass X\.T"):
        shrinkage_weights(model, X.T)


def test_regnet_weights_from_anndata_equal_the_dataframe(fitted):
    # the readers' door: cells x genes AnnData, a layer, the highly-variable subset, and
    # cells in another order all give the weights of the equivalent genes x cells frame
    pytest.importorskip("anndata")
    from .test_anndata import to_adata

    model, X, _ = fitted
    shuffled = X.iloc[:, ::-1]
    layered = to_adata(shuffled, layers={"logged": shuffled.T.to_numpy()})
    layered.X = np.zeros_like(layered.X)  # only the layer holds the expression
    for method in ("projection", "finite_difference"):
        reference = shrinkage_weights(model, X, method=method)
        out = shrinkage_weights(model, layered, method=method, layer="logged")
        pd.testing.assert_frame_equal(out, reference)
    states = model.first_layer_states(layered, layer="logged")
    for key, frame in model.first_layer_states(X).items():
        pd.testing.assert_frame_equal(states[key], frame)

    hvg = to_adata(X)
    hvg.var["highly_variable"] = ~X.index.isin(["G20", "G23"])  # drops genes of the graph
    subset = shrinkage_weights(model, hvg)
    pd.testing.assert_frame_equal(subset, shrinkage_weights(model, X.drop(index=["G20", "G23"])))
    assert len(shrinkage_weights(model, hvg, use_highly_variable=False)) == len(X)
    with pytest.raises(ValueError, match=r"layer='counts' is not a layer of X"):
        shrinkage_weights(model, layered, layer="counts")


def test_plot_errors_say_what_to_pass():
    genes = pd.Index(["a", "b", "c"], name="gene")
    weights = pd.DataFrame({"weight": [0.2, 0.5, np.nan], "is_tf": False, "degree": [1, 2, 0],
                            "in_degree": 0}, index=genes)
    with pytest.raises(ValueError, match=r"in_degree > 0; pass another degree="):
        plot_shrinkage_vs_degree(weights, degree="in_degree")
    elsewhere = weights.set_axis(["x", "y", "z"])
    with pytest.raises(ValueError, match="compute both on the same genes"):
        plot_shrinkage_vs_bayes(weights, elsewhere)


# ---------------------------------------------------------- empirical Bayes
def planted_bayes(seed=0, n_modules=8, n_cells=400, n_states=40, sigma=0.6):
    """Gene = module profile + own deviation (sd tau_i) + noise (sd sigma); cells in states.

    Each module has 4 regulators with tiny deviations and 16 targets; a
    target's neighbours are its module's regulators, so its prior mean is the
    module profile and its true weight is tau_i^2 / (tau_i^2 + sigma^2).
    """
    rng = np.random.default_rng(seed)
    states = rng.integers(n_states, size=n_cells)
    rows, names, edges, tau2 = [], [], [], []
    for k in range(n_modules):
        profile = rng.normal(size=n_states)[states]
        module = [f"M{k}_{i}" for i in range(20)]
        for i, gene in enumerate(module):
            deviation = (0.05 if i < 4 else rng.uniform(0.1, 1.5)) * rng.normal(size=n_states)
            rows.append(profile + deviation[states] + sigma * rng.normal(size=n_cells))
            names.append(gene)
            tau2.append(np.var(deviation[states]))
        edges += [(module[a], module[b]) for a in range(4) for b in range(4, 20)]
    X = pd.DataFrame(np.array(rows), index=names, columns=[f"c{i}" for i in range(n_cells)])
    isolated = pd.DataFrame(rng.normal(size=(1, n_cells)), index=["lonely"], columns=X.columns)
    tau2 = np.array(tau2)
    true_w = pd.Series(tau2 / (tau2 + sigma**2), index=names)
    return pd.concat([X, isolated]), pd.DataFrame(edges, columns=["TF", "Target"]), true_w


def test_empirical_bayes_recovers_planted_weights():
    X, edges, true_w = planted_bayes()
    # the cross-fitted neighbour choice is unbiased here (choosing on the same genes gives 0.31)
    assert abs(nearest_cell_noise_variance(X.to_numpy()) - 0.36) < 0.015
    eb = empirical_bayes_weights(X, edges, standardize=False)
    assert eb.attrs["noise_variance"] == nearest_cell_noise_variance(X.to_numpy())
    assert np.isnan(eb.loc["lonely", "weight"]) and "no neighbours" in eb.loc["lonely", "reason"]
    targets = [g for g in true_w.index if int(g.split("_")[1]) >= 4]  # 4 regulators each
    agreement = compare_weights(eb.loc[targets], true_w[targets])
    assert agreement["spearman"] > 0.9
    # 0.025 here; leaving out the sigma^2 / k_i noise of the neighbour mean gives 0.059
    assert agreement["mean_abs_difference"] < 0.04
    valid = eb["weight"].dropna()
    assert valid.between(0, 1).all()
    lam, rho = eb["noise_precision"], eb["prior_precision"]
    np.testing.assert_allclose(valid, (lam / (lam + rho))[valid.index])


def test_empirical_bayes_given_noise_and_standardisation():
    X, edges, _ = planted_bayes(seed=1, n_modules=3, n_cells=60)
    eb = empirical_bayes_weights(X, edges, noise_variance=0.5)
    values = X.to_numpy()  # each gene standardised over the cells
    values = (values - values.mean(axis=1, keepdims=True)) / values.std(axis=1, keepdims=True)
    m = neighbor_mean(message_graph(X.index, edges), values)
    gene = "M0_7"
    i = X.index.get_loc(gene)
    v = np.mean((values[i] - m[i]) ** 2)
    tau2 = max(v - 0.5 * (1 + 1 / 4), 0)
    assert eb.loc[gene, "weight"] == pytest.approx(tau2 / (tau2 + 0.5))
    with pytest.raises(ValueError, match="noise_variance must be a positive"):
        empirical_bayes_weights(X, edges, noise_variance=-1.0)
    with pytest.raises(ValueError, match=r"None of the 2 genes named by the pairs.*X's index"):
        empirical_bayes_weights(X, pd.DataFrame({"TF": ["x"], "Target": ["y"]}))
    with pytest.raises(ValueError, match="self loops"):
        empirical_bayes_weights(X, pd.DataFrame({"TF": ["M0_1"], "Target": ["M0_1"]}))


def test_empirical_bayes_reads_anndata_as_regnet_does():
    pytest.importorskip("anndata")
    from .test_anndata import to_adata

    X, edges, _ = planted_bayes(seed=2, n_modules=3, n_cells=60)
    reference = empirical_bayes_weights(X, edges, noise_variance=0.5)
    adata = to_adata(X.iloc[:, ::-1], layers={"logged": X.iloc[:, ::-1].T.to_numpy()})
    adata.X = np.zeros_like(adata.X)  # only the layer holds the expression
    out = empirical_bayes_weights(adata, edges, layer="logged", noise_variance=0.5)
    pd.testing.assert_frame_equal(out, reference, check_like=True)
    with pytest.raises(ValueError, match=r"X looks transposed.*pass adata\.T"):
        empirical_bayes_weights(adata.T, edges, layer="logged")


def test_compare_weights():
    a = pd.Series([0.1, 0.2, 0.3, np.nan, 0.5], index=list("abcde"))
    b = pd.DataFrame({"weight": [0.3, 0.5, 0.7, 0.1, np.nan]}, index=list("abcde"))
    out = compare_weights(a, b)
    assert out["n_genes"] == 3
    assert out["pearson"] == pytest.approx(1.0) and out["spearman"] == pytest.approx(1.0)
    assert out["mean_abs_difference"] == pytest.approx(0.3)
    assert np.isnan(compare_weights(a.iloc[:2], b)["pearson"])
    with pytest.raises(TypeError, match="'weight' column"):
        compare_weights(pd.DataFrame({"w": [1.0]}), b)
