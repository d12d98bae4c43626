"""The machinery both packages share: JSON sanitizing and seeds (torch-free).

Internal on purpose: these tests import ``isograph._core`` (no public name) to
pin its contract for both packages; rewrite them when that machinery changes.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from isograph._core import draw_seed, int_seed, to_jsonable


def test_to_jsonable_gives_standard_json_from_numpy_pandas_and_paths():
    value = {
        1: np.float32(0.5), "n": np.int64(3), "ok": np.bool_(True), "nan": float("nan"),
        "inf": np.float64(np.inf), "set": {"b", "a"}, "path": Path("/x/y"),
        "when": pd.Timestamp("2024-01-02T03:04:05"), "array": np.arange(3),
        "series": pd.Series([1.5, np.nan]), "frame": pd.DataFrame({"a": [1, 2]}),
        "nested": [(np.int32(1), None)],
    }
    out = to_jsonable(value)
    assert out == {
        "1": 0.5, "n": 3, "ok": True, "nan": None, "inf": None, "set": ["a", "b"],
        "path": "/x/y", "when": "2024-01-02T03:04:05", "array": [0, 1, 2],
        "series": [1.5, None], "frame": {"a": [1, 2]}, "nested": [[1, None]],
    }
    assert type(out["n"]) is int and type(out["ok"]) is bool
    json.loads(json.dumps(out, allow_nan=False))  # standard JSON: no NaN literal


def test_to_jsonable_strict_refuses_unknown_types_and_lenient_keeps_their_repr():
    with pytest.raises(TypeError, match="of type object is not JSON-serializable"):
        to_jsonable({"model": object()}, strict=True)
    assert to_jsonable({"model": Ellipsis}) == {"model": "Ellipsis"}


def test_draw_seed_reads_random_state_as_sklearn_does():
    assert draw_seed(7) == draw_seed(7)
    rng = np.random.RandomState(0)
    assert draw_seed(rng) != draw_seed(rng)  # an instance advances
    # None is a fresh seed per call (sklearn's meaning), never a fixed 0
    assert len({draw_seed(None) for _ in range(5)}) > 1


def test_int_seed_passes_an_int_through_and_draws_otherwise():
    assert int_seed(42) == 42 and int_seed(np.int64(7)) == 7
    assert int_seed(np.random.RandomState(3)) == draw_seed(np.random.RandomState(3))
    assert len({int_seed(None) for _ in range(5)}) > 1
