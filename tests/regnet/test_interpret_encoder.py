"""Basis-free projection, whole-encoder weights and seed stability (issue 16)."""

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import sparse, stats
from torch import nn

from regnet import RegNet
from regnet.interpret import (
    encoder_directional_weights,
    encoder_weights,
    layer_shrinkage,
    linear_response,
    response_projection_weights,
    seed_stability,
    shrinkage_weights,
)
from regnet.nn import RegNetModule, SAGEMLPConv

from .test_interpret import LinearSAGE, layer_inputs, random_graph, small_data

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# ------------------------------------------------------ basis-free projection
def test_projection_is_exact_in_any_hidden_basis():
    # h = (w x + (1 - w) m) Q with a random, non-orthogonal Q: the hidden units are
    # mixtures of inputs, as in a trained layer. The basis-free projection still
    # returns w; the coordinate projection does not.
    w = 0.3
    layer = LinearSAGE(8, w, out_channels=12)
    q = torch.as_tensor(np.random.default_rng(5).normal(size=(12, 8)))
    with torch.no_grad():
        layer.lin_self.weight.copy_(w * q)
        layer.lin_neigh.weight.copy_((1 - w) * q)
    x, m, _ = layer_inputs(layer, seed=5)
    proj = layer_shrinkage(x, m, aggregate=layer)
    np.testing.assert_allclose(proj["weight"], w, atol=1e-5)
    coord = layer_shrinkage(x, m, aggregate=layer, method="coordinate_projection")
    assert np.abs(coord["weight"] - w).max() > 0.1


def test_projection_follows_finite_difference_on_a_nonlinear_layer():
    torch.manual_seed(1)
    layer = SAGEMLPConv(8, 16).double()
    x, m, _ = layer_inputs(layer, n_nodes=60, seed=6)
    proj = layer_shrinkage(x, m, aggregate=layer, method="projection")
    fd = layer_shrinkage(x, m, aggregate=layer, method="finite_difference")
    rho = stats.spearmanr(proj["weight"], fd["weight"])[0]
    assert rho > 0.8
    assert not np.allclose(proj["weight"], proj["weight"].mean(), atol=1e-3)  # varies by gene


def test_linear_response_truncates_a_low_rank_layer():
    # rank-2 Jacobians: two directions carry all of the energy, whatever the tolerance
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(6, 2)), rng.normal(size=(2, 5))

    def g(x, m):
        return (x + 0.5 * m) @ a @ b

    x, m = rng.normal(size=(10, 6)), rng.normal(size=(10, 6))
    response = linear_response(g, x, m, tol=1e-6)
    assert response.self_map.shape == (6, 2) and response.neighbor_map.shape == (6, 2)
    assert response.kept_energy == pytest.approx(1.0)
    parts = response_projection_weights(x, m, response)
    np.testing.assert_allclose(parts["weight"], 1 / 1.5, atol=1e-6)
    with pytest.raises(ValueError, match=r"tol must be a number in \[0, 1\)"):
        linear_response(g, x, m, tol=1.0)
    with pytest.raises(TypeError, match="aggregate must be"):
        linear_response(3, x, m)


# ------------------------------------------------------------ whole encoder
class BiasedLinearSAGE(LinearSAGE):
    """w x + (1 - w) m + 10: positive, so the ELU after the layer is the identity."""

    def combine(self, x, m):
        return super().combine(x, m) + 10.0


class IdentityAttention(nn.Module):
    def forward(self, h, *, return_weights=True):
        return h, None


class ZeroSAGE(SAGEMLPConv):
    def combine(self, x, m):
        return x * 0.0


def adjacency_of(edges, n_nodes):
    src, dst = edges.numpy()
    a = sparse.csr_matrix((np.ones(len(src)), (dst, src)), shape=(n_nodes, n_nodes))
    a.data[:] = 1.0
    return a


def test_encoder_weight_is_w_when_later_layers_are_linear():
    # mu_i = head(w x_i + (1 - w) m_i + 10): the split survives every layer unchanged.
    w, n_nodes = 0.42, 30
    module = RegNetModule(8, 5, hidden_channels=8, latent_channels=3, heads=2, dropout=0.0)
    module.sage1 = BiasedLinearSAGE(8, w)
    module.attention = IdentityAttention()
    module.sage2 = ZeroSAGE(8, 8)
    module = module.double()
    torch.manual_seed(0)
    x = torch.randn(n_nodes, 8, dtype=torch.float64)
    edges = random_graph(n_nodes, seed=7)
    out = encoder_directional_weights(module, x, edges, adjacency_of(edges, n_nodes),
                                      n_features=5, batch_size=3)
    assert 0 not in out["rows"] and len(out["rows"]) == n_nodes - 1  # node 0 is isolated
    np.testing.assert_allclose(out["weight"], w, atol=1e-5)
    with pytest.raises(ValueError, match=r"n_features must be an integer in \[1, 8\]; got 9"):
        encoder_directional_weights(module, x, edges, adjacency_of(edges, n_nodes), n_features=9)


def test_encoder_jvp_matches_brute_force_finite_differences():
    torch.manual_seed(3)
    n_nodes = 20
    module = RegNetModule(6, 4, hidden_channels=8, latent_channels=3, heads=2).double().eval()
    x = torch.randn(n_nodes, 6, dtype=torch.float64)
    edges = random_graph(n_nodes, n_edges=30, seed=8)
    adjacency = adjacency_of(edges, n_nodes)
    out = encoder_directional_weights(module, x, edges, adjacency, rows=[3, 11],
                                      n_features=4)
    for pos, gene in enumerate([3, 11]):
        neighbours = adjacency[gene].indices
        d = x[gene, :4] - x[neighbours, :4].mean(0)
        d = d / d.norm()
        eps = 1e-6
        with torch.no_grad():
            base = module.encode(x, edges)[0][gene]
            own, others = x.clone(), x.clone()
            own[gene, :4] += eps * d
            others[neighbours, :4] += eps * d
            s_self = ((module.encode(own, edges)[0][gene] - base) / eps).norm()
            s_neigh = ((module.encode(others, edges)[0][gene] - base) / eps).norm()
        assert out["sensitivity_self"][pos] == pytest.approx(float(s_self), rel=1e-4)
        assert out["sensitivity_neighbors"][pos] == pytest.approx(float(s_neigh), rel=1e-4)
    assert module.training is False and torch.backends.mha.get_fastpath_enabled()


@pytest.fixture(scope="module")
def fitted_model():
    X, edges, tfs = small_data()
    return RegNet(12, latent_channels=4, heads=2, max_epochs=2, patience=2,
                  validation_fraction=0.3, random_state=0).fit(X, edges, tfs=tfs)


def test_encoder_weights_on_a_fitted_regnet(fitted_model):
    model = fitted_model
    first = shrinkage_weights(model)
    linked = first.index[first["degree"] > 0]
    out = encoder_weights(model, genes=list(linked[:3]))
    assert list(out.columns[:6]) == ["weight", "degree", "in_degree", "out_degree",
                                     "mean_expression", "is_tf"]
    assert out.loc[linked[:3], "weight"].between(0, 1).all()
    assert out.loc[first["degree"] == 0, "reason"].str.contains("no neighbours").all()
    assert (out.loc[linked[3:], "reason"] == "not in genes=").all()
    assert out.attrs["method"] == "encoder"
    with pytest.raises(ValueError, match="genes names 1 genes that X lacks"):
        encoder_weights(model, genes=["nope"])


def test_encoder_weights_from_anndata_equal_the_dataframe(fitted_model):
    pytest.importorskip("anndata")
    from .test_anndata import to_adata

    model = fitted_model
    X, _, _ = small_data()
    adata = to_adata(X.iloc[:, ::-1], layers={"logged": X.iloc[:, ::-1].T.to_numpy()})
    adata.X = np.zeros_like(adata.X)
    genes = ["G00", "G05", "G07"]
    reference = encoder_weights(model, X, genes=genes)
    assert reference.loc[genes, "weight"].notna().all()
    pd.testing.assert_frame_equal(encoder_weights(model, adata, genes=genes, layer="logged"),
                                  reference)
    with pytest.raises(ValueError, match=r"use_highly_variable=True .* X is None"):
        encoder_weights(model, use_highly_variable=True)


def test_reader_seam_gives_the_inputs_the_public_readers_use(fitted_model):
    # encoder_weights differentiates model.module_ at RegNet._encode's features (private:
    # they are tensors). Pin that they are the first layer's inputs and give transform's mean.
    pytest.importorskip("anndata")
    from .test_anndata import to_adata

    model = fitted_model
    X, _, _ = small_data()
    expression = model._expression_of(to_adata(X.iloc[1:, ::-1]))
    assert list(expression.columns) == list(model.feature_names_in_)
    pd.testing.assert_frame_equal(expression, X.iloc[1:].astype(np.float64))
    genes, feats, mu, _ = model._encode(expression)
    states = model.first_layer_states(expression)
    assert list(genes) == list(X.index[1:])
    np.testing.assert_array_equal(feats.x.cpu().numpy(), states["x"].to_numpy())
    np.testing.assert_array_equal(mu.cpu().numpy(), model.transform(expression).to_numpy())
    assert feats.edge_index.shape[0] == 2 and feats.edge_index.max() < len(genes)


# ---------------------------------------------------------------- stability
def test_seed_stability_flags_noisy_genes_and_reports_rank_agreement():
    rng = np.random.default_rng(0)
    genes = [f"g{i}" for i in range(50)]
    signal = np.linspace(0.2, 0.8, 50)  # between-gene sd about 0.18
    noise = np.where(np.arange(50) < 5, 0.5, 0.01)  # five genes dominated by training noise
    runs = {seed: pd.DataFrame({"weight": signal + noise * rng.normal(size=50)}, index=genes)
            for seed in range(3)}
    runs[2].loc["g49", "weight"] = np.nan
    out = seed_stability(runs)
    assert out.loc[genes[:5], "unstable"].sum() >= 4
    assert not out.loc[genes[5:], "unstable"].any()
    assert out.loc["g49", "n_runs"] == 2 and np.isnan(out.loc["g49", "noise_ratio"])
    np.testing.assert_allclose(out.loc["g10", "std"], np.std(
        [runs[s].loc["g10", "weight"] for s in range(3)], ddof=1))
    rho = out.attrs["spearman"]
    assert rho.shape == (3, 3) and 0.7 < out.attrs["min_spearman"] <= out.attrs["mean_spearman"]
    with pytest.raises(ValueError, match="at least two runs"):
        seed_stability({0: runs[0]})
    with pytest.raises(ValueError, match="lacks a 'weight' column"):
        seed_stability({0: runs[0], 1: pd.DataFrame({"w": [1.0]})})
