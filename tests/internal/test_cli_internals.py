"""The CLI's private tables and figure helpers.

Internal on purpose: ``alias_table`` (IsoGraph's names -> ours) and
``plot_score_vs_time`` have no public name; the aliases are tested through
``isograph.cli.load_config`` in ``tests/isograph/test_cli_habits.py`` and the
benchmark figure as a file in ``tests/isograph/test_cli.py``. These pin what
only the internals show (that docs/cli.md lists every alias the code knows, one
series per backend); rewrite them when those internals change.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from isograph.cli._aliases import alias_table
from isograph.cli._report import plot_score_vs_time


def test_docs_list_every_alias():
    text = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text()
    for isograph_name, ours in alias_table():
        assert f"`{isograph_name}`" in text and ours.split()[0] in text


def test_benchmark_figure_shows_one_series_per_backend():
    runs = pd.DataFrame({"suite": ["toy"] * 3 + ["toy-permuted"], "status": "ok",
                         "backend": ["a", "a", "b", "a"], "wall_seconds": [1.0, 2.0, 3.0, 1.0],
                         "recovery": [0.5, 0.7, 0.9, np.nan]})
    ax = plot_score_vs_time(runs, "recovery")
    offsets = np.vstack([c.get_offsets() for c in ax.collections])
    assert offsets.shape == (3, 2)  # the permuted run has no score and is left out
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
