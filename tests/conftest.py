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
# torch-free jobs). Whole files are listed by path; single tests in otherwise
# torch-free files by a substring of their node id.
TORCH_FILES = {
    "tests/isograph/test_vae.py",
    "tests/isograph/test_explain.py",
    "tests/regnet/test_model.py",
    "tests/regnet/test_nn.py",
    "tests/regnet/test_interpret.py",
    "tests/regnet/test_visualization.py",
    "tests/regnet/test_visualize_formats.py",
}
TORCH_TESTS = ()


def _torch_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


# Without torch, the torch-only files cannot even be imported: leave them out.
collect_ignore = [] if _torch_installed() else [
    path.removeprefix("tests/") for path in sorted(TORCH_FILES)
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.nodeid.split("::")[0]
        if (path in TORCH_FILES or any(key in item.nodeid for key in TORCH_TESTS)
                or "one_torch_thread" in getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.torch)
