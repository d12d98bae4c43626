"""The WGCNA backend's private pieces: the R script's input check, channel conflicts.

Internal on purpose: the public behaviour is tested in
``tests/isograph/test_wgcna.py``. These tests corrupt the file Python hands to
R (a fault no public call can cause) and pin the rule that gives each gene one
module when its features' modules disagree, on hand-made eigengenes; rewrite
them when those internals change.
"""

import numpy as np
import pytest

from isograph.models import WgcnaError, WgcnaNetworkModel, _wgcna_r
from isograph.network._gene_modules import gene_modules_from_features
from tests.isograph import test_wgcna as public

scratch_tmp = public.scratch_tmp  # the fixture: a private temp root, checked empty after


def test_gene_modules_from_features_resolves_channel_conflicts():
    rng = np.random.default_rng(1)
    me = rng.normal(size=(50, 2))
    # features: gene0 (2 features, module 0 and 1), gene1 (both module 1), gene2 (grey)
    X = np.column_stack([
        me[:, 0] + 0.1 * rng.normal(size=50),  # gene0: tight member of module 0
        me[:, 1] + 2.0 * rng.normal(size=50),  # gene0: loose member of module 1
        me[:, 1] + 0.5 * rng.normal(size=50),
        me[:, 1] + 0.5 * rng.normal(size=50),
        rng.normal(size=50),
        rng.normal(size=50),
    ])
    labels = np.array([0, 1, 1, 1, -1, -1])
    node_of = np.array([0, 0, 1, 1, 2, 2])
    genes, feats, old_to_new = gene_modules_from_features(X, me, labels, node_of, 3)
    # module 0 wins gene0 (larger |kME|); both modules have one gene: tie -> old id order
    np.testing.assert_array_equal(genes, [0, 1, -1])
    np.testing.assert_array_equal(feats, [0, -1, 1, 1, -1, -1])
    np.testing.assert_array_equal(old_to_new, [0, 1])
    # make gene0's module-1 feature the tight one: gene0 joins module 1, module 0 vanishes
    X[:, 0] = me[:, 0] + 2.0 * rng.normal(size=50)
    X[:, 1] = me[:, 1] + 0.1 * rng.normal(size=50)
    genes, feats, old_to_new = gene_modules_from_features(X, me, labels, node_of, 3)
    np.testing.assert_array_equal(genes, [0, 0, -1])
    np.testing.assert_array_equal(feats, [-1, 0, 0, 0, -1, -1])
    np.testing.assert_array_equal(old_to_new, [-1, 0])


@pytest.mark.r
@public.requires_r
def test_r_error_carries_stderr(scratch_tmp, monkeypatch):
    def truncated(directory, X, params):
        real_write(directory, X, params)
        data = (directory / "X.bin").read_bytes()
        (directory / "X.bin").write_bytes(data[: len(data) // 2])

    real_write = _wgcna_r.write_inputs
    monkeypatch.setattr(_wgcna_r, "write_inputs", truncated)
    X, _ = public.planted()
    with pytest.raises(WgcnaError, match=r"X.bin holds 4500 values, expected .* = 9000") as info:
        WgcnaNetworkModel().fit(X)
    assert info.value.returncode != 0
    assert "expected n_samples * n_features" in info.value.stderr
    assert list(scratch_tmp.iterdir()) == []
