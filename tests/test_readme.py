"""The README's Python snippets run as written (they are the first code a user copies)."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_shows_the_two_commands():
    text = README.read_text()
    assert "make demo" in text and "make test" in text


@pytest.mark.slow
def test_readme_python_snippets_run(tmp_path, monkeypatch):
    blocks = python_blocks()
    assert len(blocks) >= 2
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:  # later snippets reuse names from earlier ones
        exec(compile(block, str(README), "exec"), namespace)
    assert (tmp_path / "my_fit" / "modules.parquet").exists()
    assert namespace["eigengenes"].shape[0] == namespace["sim"].data.n_samples
