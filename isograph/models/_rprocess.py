"""Keeping a child process (R) from outliving Python: process groups, death signal, SIGTERM.

Used by :mod:`isograph.models._wgcna_r`; see its module docstring for the guarantees.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

# prctl option: the signal the kernel sends this child when its parent thread dies
_PR_SET_PDEATHSIG = 1


def kill_group(proc: subprocess.Popen, *, wait: bool = True) -> None:
    """Kill R and anything it started (it leads its own process group)."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - non-POSIX
            proc.kill()
    except ProcessLookupError:
        pass
    if wait:
        proc.communicate()


def death_signal_setter():
    """A ``preexec_fn`` that makes Linux SIGKILL the child when Python dies, or None.

    The death signal survives ``exec`` (Rscript execs R), and unlike a cleanup
    handler it also fires when Python is SIGKILLed. libc is looked up here, in
    the parent: the child only makes one system call before ``exec``.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - unusual libc
        return None
    parent = os.getpid()

    def set_death_signal():  # pragma: no cover - runs in the child
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return set_death_signal


@contextmanager
def cleanup_on_sigterm(work: Path):
    """While R runs, a SIGTERM to Python first kills R's group and removes ``work``.

    Yields the list to append the child to. Only when Python would die of
    SIGTERM anyway (default handler, main thread): a handler the program
    installed itself is left alone, and the program's own cleanup (``except
    BaseException``) then ends R.
    """
    children: list[subprocess.Popen] = []
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield children
        return

    def on_sigterm(signum, frame):
        for proc in children:
            kill_group(proc, wait=False)
        shutil.rmtree(work, ignore_errors=True)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)  # end as SIGTERM would have (status -15)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield children
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
