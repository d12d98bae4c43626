import math

import pytest
import torch

from regnet.nn import (
    PAIR_FEATURE_NAMES,
    DirectedEdgeDecoder,
    GaussianHead,
    GlobalSelfAttention,
    RegNetModule,
    SAGEMLPConv,
    attention_entropy,
    kl_divergence,
    node_structure_features,
    pair_structure_features,
    reparameterize,
)


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)


EDGES = torch.tensor([[0, 0, 1, 3], [1, 2, 2, 4]])  # 0->1, 0->2, 1->2, 3->4; node 5 isolated


def test_sage_shapes_and_neighbor_mean():
    x = torch.randn(6, 3)
    conv = SAGEMLPConv(3, 4, hidden_channels=8)
    assert conv(x, EDGES).shape == (6, 4)
    m = conv.neighbor_mean(x, EDGES)  # flow source -> target
    assert torch.allclose(m[2], (x[0] + x[1]) / 2)
    assert torch.allclose(m[1], x[0])
    assert torch.all(m[0] == 0) and torch.all(m[5] == 0)
    assert "SAGEMLPConv(3, 4" in repr(conv)


def test_sage_combine_is_the_forward_aggregator_and_pure():
    conv = SAGEMLPConv(3, 4, dropout=0.5).eval()
    x = torch.randn(6, 3)
    m = conv.neighbor_mean(x, EDGES)
    h = conv.combine(x, m)
    assert torch.equal(h, conv(x, EDGES))
    assert torch.equal(h, conv.combine(x.clone(), m.clone()))
    # row i of g(x, m) depends on row i only
    x2, m2 = x.clone(), m.clone()
    x2[5] += 1.0
    h2 = conv.combine(x2, m2)
    assert torch.equal(h2[:5], h[:5]) and not torch.equal(h2[5], h[5])
    with pytest.raises(ValueError, match="same shape"):
        conv.combine(x, m[:3])


def test_attention_heads_shapes_and_entropy():
    with pytest.raises(ValueError, match="heads must be an integer >= 2"):
        GlobalSelfAttention(8, heads=1)
    with pytest.raises(ValueError, match="multiple of heads"):
        GlobalSelfAttention(6, heads=4)
    block = GlobalSelfAttention(8, heads=2).eval()
    x = torch.randn(5, 8)
    out, weights = block(x)
    assert out.shape == (5, 8)
    assert weights.shape == (2, 5, 5)
    assert torch.allclose(weights.sum(-1), torch.ones(2, 5), atol=1e-5)
    out2, none = block(x, return_weights=False)
    assert none is None and torch.allclose(out, out2, atol=1e-5)
    # the heads differ (separate projections)
    assert not torch.allclose(weights[0], weights[1])
    uniform = torch.full((2, 5, 5), 0.2)
    assert attention_entropy(uniform).item() == pytest.approx(math.log(5), rel=1e-5)
    one_hot = torch.eye(5).expand(2, 5, 5)
    assert attention_entropy(one_hot).item() == pytest.approx(0.0, abs=1e-6)


def test_vae_head_kl_and_reparameterization():
    head = GaussianHead(6, 3)
    mu, logvar = head(torch.randn(10, 6))
    assert mu.shape == logvar.shape == (10, 3)
    assert kl_divergence(mu, logvar).item() >= 0
    zeros = torch.zeros(4, 3)
    assert kl_divergence(zeros, zeros).item() == pytest.approx(0.0, abs=1e-7)
    # KL of N(1, 1) to N(0, 1) is 0.5 per dimension
    assert kl_divergence(torch.ones(4, 3), zeros).item() == pytest.approx(1.5)
    assert torch.equal(reparameterize(mu, logvar, sample=False), mu)
    draws = torch.stack([reparameterize(zeros, zeros) for _ in range(2000)])
    assert draws.std().item() == pytest.approx(1.0, abs=0.05)


def test_decoder_is_directed():
    decoder = DirectedEdgeDecoder(4)
    z = torch.randn(3, 4)
    src, dst = torch.tensor([0, 1]), torch.tensor([1, 0])
    forward, backward = decoder(z, src, dst)
    assert forward.item() != pytest.approx(backward.item())
    # the regulator role and the target role have their own weights
    with torch.no_grad():
        decoder.target.weight.copy_(decoder.regulator.weight)
        decoder.target_bias.weight.copy_(decoder.regulator_bias.weight)
        decoder.regulator_bias.bias.zero_()
    forward, backward = decoder(z, src, dst)
    assert forward.item() == pytest.approx(backward.item(), abs=1e-6)


def test_decoder_pair_features_shape_checked():
    decoder = DirectedEdgeDecoder(4, pair_channels=3)
    z = torch.randn(3, 4)
    with pytest.raises(ValueError, match="pair_features must have shape"):
        decoder(z, torch.tensor([0]), torch.tensor([1]), torch.zeros(1, 2))
    assert decoder(z, torch.tensor([0]), torch.tensor([1]), torch.zeros(1, 3)).shape == (1,)


def test_structure_features_known_counts():
    n = 6
    nodes = node_structure_features(EDGES, n, torch.tensor([1, 1, 0, 1, 0, 0]))
    assert torch.allclose(nodes[:, 0], torch.log1p(torch.tensor([2.0, 1, 0, 1, 0, 0])))
    assert torch.allclose(nodes[:, 1], torch.log1p(torch.tensor([0.0, 1, 2, 0, 1, 0])))
    src, dst = torch.tensor([0, 2, 1, 3]), torch.tensor([2, 0, 0, 2])
    f = pair_structure_features(EDGES, src, dst, n)
    assert f.shape == (4, len(PAIR_FEATURE_NAMES))
    col = {name: i for i, name in enumerate(PAIR_FEATURE_NAMES)}
    assert f[:, col["reverse_edge"]].tolist() == [0.0, 1.0, 1.0, 0.0]
    assert f[0, col["log_paths_forward"]] == pytest.approx(math.log(2))  # 0->1->2
    assert f[1, col["log_paths_backward"]] == pytest.approx(math.log(2))
    assert f[2, col["log_shared_targets"]] == pytest.approx(math.log(2))  # 1, 0 -> 2
    assert f[3].sum() == pytest.approx(math.log(2) + math.log(3))  # out(3) = 1, in(2) = 2
    scaled = pair_structure_features(EDGES, src, dst, n, scale=2.0)
    assert scaled[0, col["log_paths_forward"]] == pytest.approx(math.log1p(4.0))


def _module(**kw):
    return RegNetModule(5, 4, hidden_channels=8, latent_channels=3, heads=2,
                        pair_channels=len(PAIR_FEATURE_NAMES), **kw)


def test_module_negative_pairs_never_carry_messages():
    module = _module().eval()
    x = torch.randn(6, 5)
    expression = x[:, :4]
    q_src, q_dst = torch.tensor([0, 3]), torch.tensor([2, 4])
    mu_ref, _, _ = module.encode(x, EDGES)
    for negatives in ([(1, 5), (2, 3)], [(5, 1), (4, 0), (2, 1)]):
        ns = torch.tensor([a for a, _ in negatives])
        nd = torch.tensor([b for _, b in negatives])
        src, dst = torch.cat([q_src, ns]), torch.cat([q_dst, nd])
        pairs = pair_structure_features(EDGES, src, dst, 6)
        mu, _, _ = module.encode(x, EDGES)
        assert torch.equal(mu, mu_ref)
        logits = module(x, EDGES, src, dst, pairs)
        ref = module(x, EDGES, q_src, q_dst, pair_structure_features(EDGES, q_src, q_dst, 6))
        assert torch.allclose(logits[:2], ref)
        label = torch.cat([torch.ones(2), torch.zeros(len(negatives))])
        loss = module.loss(x, EDGES, src, dst, label, expression, pairs)
        assert torch.isfinite(loss.total)
    # a positive edge does change the encoding
    mu_more, _, _ = module.encode(x, torch.cat([EDGES, torch.tensor([[5], [0]])], dim=1))
    assert not torch.allclose(mu_more, mu_ref)


def test_module_first_layer_states():
    module = _module().eval()
    x = torch.randn(6, 5)
    states = module.first_layer(x, EDGES)
    assert set(states) == {"x", "m", "h", "n"}
    # undirected neighbour mean: node 2 hears 0 and 1, node 0 hears 1 and 2
    assert torch.allclose(states["m"][2], (x[0] + x[1]) / 2)
    assert torch.allclose(states["m"][0], (x[1] + x[2]) / 2)
    assert torch.equal(states["h"], module.sage1.combine(states["x"], states["m"]))
    assert torch.allclose(states["n"][4], states["h"][3])


def test_module_loss_terms():
    module = _module(dropout=0.0).train()
    x = torch.randn(6, 5)
    src, dst = torch.tensor([0, 1, 5]), torch.tensor([2, 2, 0])
    label = torch.tensor([1.0, 1.0, 0.0])
    pairs = pair_structure_features(EDGES, src, dst, 6)
    loss = module.loss(x, EDGES, src, dst, label, x[:, :4], pairs, beta=0.5,
                       reconstruction_weight=0.25)
    assert math.isnan(loss.attention_entropy.item())
    assert loss.kl.item() >= 0
    expected = loss.link + 0.5 * loss.kl + 0.25 * loss.reconstruction
    assert loss.total.item() == pytest.approx(expected.item(), rel=1e-5)
    with_entropy = module.loss(x, EDGES, src, dst, label, x[:, :4], pairs, entropy_weight=1.0)
    assert 0 <= with_entropy.attention_entropy.item() <= math.log(6) + 1e-5
    with_entropy.total.backward()
    assert module.attention.attn.in_proj_weight.grad is not None
    assert set(loss.as_dict()) == {"loss", "link", "kl", "reconstruction", "attention_entropy"}
