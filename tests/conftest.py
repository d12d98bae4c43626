import pytest


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny torch models on a shared 2-core machine: extra intra-op threads only add
    synchronisation (10-100x slower here). Restores the setting after the module."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# --- the `torch` marker --------------------------------------------------------
# Tests that need torch (the `vae` / `regnet` extras) carry the `torch` marker, so
# `pytest -m "not torch"` runs the rest in a venv without torch (make test-matrix's
# py310 job). A test module that imports torch-backed code is marked as a whole
# (found from its namespace, or listed in TORCH_FILES); single tests in otherwise
# torch-free modules are listed in TORCH_TESTS by a substring of their node id.
# Without torch, a module that cannot be imported for want of torch is reported
# as skipped with that reason instead of as a collection error.
import importlib.util  # noqa: E402
import types  # noqa: E402

TORCH_FILES = {
    "tests/isograph/test_vae.py",
    "tests/isograph/test_explain.py",
    "tests/regnet/test_model.py",
    "tests/regnet/test_nn.py",
    "tests/regnet/test_interpret.py",
    "tests/regnet/test_visualization.py",
    "tests/regnet/test_visualize_formats.py",
}
TORCH_TESTS = (
    "test_real_data.py::test_default_fit_puts_the_infection_markers_in_infection_modules[vae",
    "test_examples.py::test_example_runs[regnet_train_interpret.py]",
    "test_faults.py::test_fit_into_a_folder_being_written_fails_before_fitting",  # VAE default
    "test_faults.py::test_hydra_list_without_brackets_is_one_column",  # VAE default
    "test_faults.py::test_regnet_",
)
# code that imports torch when it is imported
_TORCH_PREFIXES = ("torch", "torch_geometric", "captum", "regnet._model", "regnet._readers",
                   "regnet.nn", "regnet.interpret", "regnet._training", "regnet._persistence",
                   "isograph.models.vae", "isograph.explain")
_TORCH_MISSING = ("No module named 'torch'", 'pip install "isograph[vae]"',
                  'pip install "isograph[regnet]"')
TORCH_INSTALLED = importlib.util.find_spec("torch") is not None


def _uses_torch(module) -> bool:
    for value in vars(module).values():
        name = value.__name__ if isinstance(value, types.ModuleType) \
            else getattr(value, "__module__", None)
        if isinstance(name, str) and name.startswith(_TORCH_PREFIXES):
            return True
    return False


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.nodeid.split("::")[0]
        module = getattr(item, "module", None)
        if (path in TORCH_FILES or any(key in item.nodeid for key in TORCH_TESTS)
                or "one_torch_thread" in getattr(item, "fixturenames", ())
                or (module is not None and _uses_torch(module))):
            item.add_marker(pytest.mark.torch)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if (not TORCH_INSTALLED and report.failed and isinstance(collector, pytest.Module)
            and any(text in str(report.longrepr) for text in _TORCH_MISSING)):
        report.outcome = "skipped"
        report.longrepr = (str(collector.path), 0,
                           "Skipped: needs torch (pip install \"isograph[vae]\" / \"[regnet]\")")
