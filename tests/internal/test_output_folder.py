"""Output folders and files: kill points, the final check, the lock, modes (issue 17).

Internal on purpose: ``isograph._core`` has no public name. The public writers
(``write_dataset``, ``FitResult.save``, the CLIs) are tested in
``tests/test_faults.py``; these tests reach the mechanism's own kill and failure
points (between its renames, around the exchange), which no public call exposes.
Rewrite them when the mechanism changes.
"""

import os
import signal
import subprocess
import sys

import pandas as pd
import pytest

from isograph._core import _output, atomic_file, output_folder
from isograph._core._lock import TargetLock
from isograph.data import read_dataset, write_dataset
from tests.test_faults import ENV, hidden, tiny_data

KILL_CHILD = r"""
import os, signal, sys
from pathlib import Path
from isograph._core import _output
target, point = Path(sys.argv[1]), sys.argv[2]

def die(*args):
    os.kill(os.getpid(), signal.SIGKILL)

if point == "two-renames":  # file systems without an atomic exchange: die between renames
    _output._exchange = lambda a, b: False
    real_rename = _output._rename
    def rename(src, dst):
        real_rename(src, dst)
        die()
    _output._rename = rename
elif point == "before-swap":
    _output._exchange = die
elif point == "after-swap":  # the new folder is in place, the old one not yet removed
    real_exchange = _output._exchange
    _output._exchange = lambda a, b: (real_exchange(a, b), die())
with _output.output_folder(target, marker="marker.txt", what="a test output",
                           overwrite=True) as tmp:
    (tmp / "data.txt").write_text("new")
    if point == "writing":
        die()
    (tmp / "marker.txt").write_text("new")
"""


def write_version(target, version, *, overwrite=True):
    with output_folder(target, marker="marker.txt", what="a test output",
                       overwrite=overwrite) as tmp:
        (tmp / "data.txt").write_text(version)
        (tmp / "marker.txt").write_text(version)


@pytest.mark.parametrize("point", ["writing", "before-swap", "after-swap", "two-renames"])
def test_kill_at_any_point_keeps_old_or_new_and_next_run_cleans_up(tmp_path, point):
    target = tmp_path / "out" / "fit"
    write_version(target, "old")
    child = subprocess.run([sys.executable, "-c", KILL_CHILD, str(target), point],
                           env=ENV, capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert hidden(target.parent)  # the kill left a temporary folder and the lock file
    if point != "two-renames":  # with an atomic exchange the name never goes missing
        expected = "new" if point == "after-swap" else "old"
        assert (target / "data.txt").read_text() == expected
        assert (target / "marker.txt").read_text() == expected
    # the next writer restores a stranded backup and removes the litter, even when it
    # is itself refused (no overwrite)
    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        write_version(target, "next", overwrite=False)
    assert {(target / "data.txt").read_text(), (target / "marker.txt").read_text()} \
        <= {"old", "new"}
    assert os.listdir(target.parent) == ["fit"]


def test_final_check_refuses_a_folder_filled_meanwhile(tmp_path, monkeypatch):
    # without the lock (e.g. no fcntl), the last rename is the guard
    monkeypatch.setattr(TargetLock, "acquire", lambda self: None)
    target = tmp_path / "fit"
    slow = output_folder(target, marker="marker.txt", what="a test output")
    tmp = slow.__enter__()
    (tmp / "marker.txt").write_text("slow")
    write_version(target, "fast", overwrite=False)
    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        slow.__exit__(None, None, None)
    assert (target / "marker.txt").read_text() == "fast"
    assert hidden(tmp_path) == [".fit.lock"] or hidden(tmp_path) == []


def test_outputs_get_the_users_umask_not_0700(tmp_path):
    old = os.umask(0o022)
    try:
        write_dataset(tiny_data(), tmp_path / "ds")
        with atomic_file(tmp_path / "file.bin") as handle:
            handle.write(b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "ds").stat().st_mode & 0o777 == 0o755  # mkdtemp gave 0700
    assert (tmp_path / "file.bin").stat().st_mode & 0o777 == 0o644  # mkstemp gave 0600


def test_failing_swap_restores_the_old_folder(tmp_path, monkeypatch):
    write_dataset(tiny_data(), tmp_path / "ds")
    real_rename = _output._rename
    calls = []

    def flaky_rename(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # moving the new folder into place
            raise OSError("disk trouble")
        return real_rename(src, dst)

    # the two-rename path (file systems without an atomic exchange)
    monkeypatch.setattr(_output, "_exchange", lambda a, b: False)
    monkeypatch.setattr(_output, "_rename", flaky_rename)
    with pytest.raises(OSError, match="disk trouble"):
        write_dataset(tiny_data(scale=2), tmp_path / "ds", overwrite=True)
    monkeypatch.undo()
    pd.testing.assert_frame_equal(read_dataset(tmp_path / "ds").transcript_counts,
                                  tiny_data().transcript_counts, check_dtype=False)
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]
