"""Every script in examples/ runs to completion (smoke tests: CI keeps them honest)."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py") if p.name != "demo.py")
# scripts whose first argument is an input: without it they use bundled data
OUTPUT_OPTION = {"macrophage.py": "--output"}


def test_examples_are_found():
    assert "quickstart.py" in SCRIPTS


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_example_runs(script, tmp_path):
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / script),
         *([OUTPUT_OPTION[script]] if script in OUTPUT_OPTION else []), str(tmp_path / "out")],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip(), "an example should show its result"
