"""Model selection with plain scikit-learn: estimator checks, ``score``, empty transforms."""

import warnings

import numpy as np
import pytest
from sklearn.decomposition import FactorAnalysis
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from isograph import GraphNetworkModel, LatentNetworkModel, WgcnaNetworkModel
from isograph.models import NoModulesWarning

from .test_wgcna import requires_r


def two_factor_data(n=150, seed=0):
    """Two planted factors over 6 features each, then 6 noise features."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 2))
    X = np.hstack([z[:, [0]] + 0.5 * rng.normal(size=(n, 6)),
                   z[:, [1]] + 0.5 * rng.normal(size=(n, 6)),
                   rng.normal(size=(n, 6))])
    return 3.0 * X + 1.0  # not standardized: score must undo the model's scaling


# WgcnaNetworkModel() checks the Python side without running R: the checks' data
# have fewer features than min_module_size (20), where no module can exist and R
# is not called (Rscript must still be there). min_module_size=4 sends every
# check with >= 4 features through R.
@requires_r
@parametrize_with_checks([WgcnaNetworkModel()])
def test_wgcna_passes_the_estimator_checks_without_r(estimator, check):
    check(estimator)


@pytest.mark.r
@pytest.mark.slow
@requires_r
@parametrize_with_checks(
    [WgcnaNetworkModel(min_module_size=4)],
    expected_failed_checks=lambda est: {
        "check_n_features_in_after_fitting": (
            "seen with scikit-learn 1.6's version of this check: its 4 pure-noise features "
            "make WGCNA's pickSoftThreshold fail inside R (lm.fit on a NaN scale-free fit)"),
    },
)
def test_wgcna_passes_the_estimator_checks_through_r(estimator, check):
    check(estimator)


def test_wgcna_refuses_too_few_features_before_r():
    X = np.random.default_rng(0).normal(size=(20, 3))
    # rscript points nowhere: reaching R would raise WgcnaUnavailableError instead
    model = WgcnaNetworkModel(min_module_size=2, rscript="/nonexistent/Rscript")
    with pytest.raises(ValueError, match=r"3 feature\(s\).*minimum of 4 is required by WGCNA"):
        model.fit(X)
    with pytest.raises(ValueError, match=r"3 sample\(s\)"):
        model.fit(np.random.default_rng(0).normal(size=(3, 30)))


def test_wgcna_without_possible_modules_skips_r(tmp_path):
    X = np.random.default_rng(0).normal(size=(20, 5))
    # an "Rscript" that fails if run: found on the path, never called
    fake = tmp_path / "Rscript"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    model = WgcnaNetworkModel(min_module_size=6, rscript=str(fake)).fit(X)
    assert model.n_modules_ == 0 and (model.labels_ == -1).all()
    assert model.calibration_["power_source"].startswith("not run")
    with pytest.warns(NoModulesWarning, match=r"found no module.*shape \(20, 0\)"):
        assert model.transform(X).shape == (20, 0)


def test_latent_score_is_factor_analysis_log_likelihood():
    X = two_factor_data()
    model = LatentNetworkModel(n_components=2, tol=1e-6, min_module_size=3).fit(X[:100])
    reference = FactorAnalysis(n_components=2, tol=1e-6).fit(X[:100])
    assert model.score(X[100:]) == pytest.approx(reference.score(X[100:]), abs=0.02)
    # a better model of the data scores higher on held-out samples
    assert model.score(X[100:]) > LatentNetworkModel(n_components=0).fit(X[:100]).score(X[100:])


def test_grid_search_picks_the_planted_number_of_factors_without_a_scorer():
    X = two_factor_data()
    search = GridSearchCV(LatentNetworkModel(min_module_size=3),
                          {"n_components": [0, 1, 2, 4]}, cv=3).fit(X)
    assert search.best_params_ == {"n_components": 2}
    scores = search.cv_results_["mean_test_score"]
    assert scores[0] < scores[1] < scores[2]


def test_graph_backend_has_no_score():
    # its factor model describes graph-smoothed features, not X
    assert not hasattr(GraphNetworkModel(), "score")
    assert hasattr(LatentNetworkModel(), "score")


def test_transform_warns_when_no_module_was_found():
    X = np.random.default_rng(0).normal(size=(60, 8))  # no structure at all
    model = LatentNetworkModel(n_components=0, min_module_size=3).fit(X)
    assert model.n_modules_ == 0
    with pytest.warns(NoModulesWarning, match="min_module_size"):
        assert model.transform(X).shape == (60, 0)
    fitted = LatentNetworkModel(n_components=2, min_module_size=3).fit(two_factor_data())
    with warnings.catch_warnings():
        warnings.simplefilter("error", NoModulesWarning)
        assert fitted.transform(two_factor_data()).shape[1] == fitted.n_modules_ > 0


@pytest.mark.torch
def test_vae_score_is_a_held_out_elbo(one_torch_thread):
    from isograph import VaeNetworkModel

    X = two_factor_data()
    params = dict(latent_dim=2, hidden_layer_sizes=(16,), min_module_size=3, random_state=0)
    trained = VaeNetworkModel(max_epochs=60, **params).fit(X[:100])
    barely = VaeNetworkModel(max_epochs=1, early_stopping=False, **params).fit(X[:100])
    held_out = trained.score(X[100:])
    assert np.isfinite(held_out) and held_out > barely.score(X[100:])
    # an ELBO bounds the log-likelihood: the independent Gaussian fit to the
    # same training samples ignores the factors, and the VAE beats it
    mean, std = X[:100].mean(0), X[:100].std(0)
    gauss = -0.5 * (np.log(2 * np.pi * std**2) + ((X[100:] - mean) / std) ** 2)
    assert held_out > gauss.sum(1).mean()
