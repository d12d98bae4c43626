"""The API reference builds from the docstrings with warnings as errors (as `make docs`)."""

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx", reason="the docs extra (sphinx, numpydoc) is not installed")
pytest.importorskip("numpydoc", reason="the docs extra (sphinx, numpydoc) is not installed")
pytest.importorskip("torch", reason="the API reference documents the torch parts too")

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.slow
def test_api_reference_builds_without_warnings(tmp_path):
    out = tmp_path / "html"
    run = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    # every estimator page exists and carries its numpydoc sections and methods
    page = (out / "api" / "generated" / "isograph.models.LatentNetworkModel.html").read_text()
    assert "Parameters" in page and "Attributes" in page and "score" in page
    assert (out / "api" / "generated" / "regnet.RegNet.html").exists()
    assert (out / "api" / "generated" / "isograph.fit_dataset.html").exists()
