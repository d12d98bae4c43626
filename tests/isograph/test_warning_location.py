"""A warning names the line the user wrote, not a line inside isograph or scikit-learn.

The same warning is reached at different depths (a backend's ``fit``, a
``Pipeline``, ``fit_dataset``), so a fixed ``stacklevel`` is right for one path
only; each test here goes through a different one.
"""

import warnings

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from isograph import fit_dataset
from isograph.benchmark import make_isoform_dataset
from isograph.features import SampleQC
from isograph.models import EmptyResultWarning, LatentNetworkModel, NoModulesWarning


def _noise(n=30, p=12, seed=0):
    return np.random.default_rng(seed).normal(size=(n, p))


def _all_from_here(records, category):
    ours = [r for r in records if issubclass(r.category, category)]
    assert ours, f"no {category.__name__} was raised"
    assert {r.filename for r in ours} == {__file__}, [(r.filename, r.lineno) for r in ours]
    return ours


def test_backend_fit_warning_points_at_the_callers_line():
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        LatentNetworkModel(n_components=0).fit(_noise())
    _all_from_here(records, EmptyResultWarning)


def test_warning_inside_a_pipeline_points_at_pipe_fit():
    pipe = make_pipeline(StandardScaler(), LatentNetworkModel(n_components=0))
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        pipe.fit(_noise())
    _all_from_here(records, EmptyResultWarning)


def test_transform_of_a_model_without_modules_points_at_transform():
    X = _noise()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LatentNetworkModel(n_components=0).fit(X)
    with pytest.warns(NoModulesWarning) as records:
        model.transform(X)
    _all_from_here(records, NoModulesWarning)


def test_transformer_warning_points_at_fit():
    counts = np.random.default_rng(1).poisson(50, size=(8, 40)).astype(float)
    counts[0] *= 100  # one sample sequenced 100x deeper
    with pytest.warns(UserWarning, match="fail QC") as records:
        SampleQC().fit(counts)
    assert all(r.filename == __file__ for r in records)


def test_fit_dataset_warning_points_at_fit_dataset():
    data = make_isoform_dataset("toy", random_state=0).data
    data.samples["constant"] = 1.0
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        fit_dataset(data, "latent", traits=["constant"], n_components=2)
    trait = [r for r in records if "constant" in str(r.message)]
    assert trait and {r.filename for r in trait} == {__file__}


def test_warning_from_a_comparison_points_at_compare_backends():
    from isograph.benchmark import compare_backends, make_isoform_dataset, permute_genes

    null = permute_genes(make_isoform_dataset("toy", random_state=0).data, random_state=0)
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        compare_backends(null, ["latent"])  # nothing to find: an empty result
    _all_from_here(records, EmptyResultWarning)


def test_benchmark_records_each_runs_warnings_in_its_row():
    from isograph.benchmark import run_benchmark

    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        runs = run_benchmark(["toy", "toy-permuted"], "latent", 1)
    assert not [r for r in records if issubclass(r.category, EmptyResultWarning)]
    real, null = runs.set_index("suite").loc[["toy", "toy-permuted"], "warnings"]
    assert real is None  # the planted modules are found without a warning
    assert "EmptyResultWarning: " in null
