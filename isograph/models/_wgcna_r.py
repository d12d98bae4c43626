"""Running ``wgcna.R`` with ``Rscript`` in a subprocess: files in, files out.

No Python–R bridge: inputs are written to a temporary directory (the matrix
as raw little-endian float64, the parameters with :mod:`json`), R writes its
results with ``write.csv`` and ``jsonlite``, and the directory is removed
whatever happens (success, R error, timeout, interrupt, SIGTERM).

R never outlives Python: on Linux the kernel sends it SIGKILL when Python
dies, however it dies (``PR_SET_PDEATHSIG``); a SIGTERM to Python ends R's
process group and removes the directory before Python ends as SIGTERM would
have ended it. A directory left by a SIGKILLed Python (``isograph-wgcna-<pid>-*``
under :func:`tempfile.gettempdir`) is removed by the next run.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .._core._stale import make_owned_dir

#: Environment variable naming the ``Rscript`` executable (else ``PATH``).
RSCRIPT_ENV = "ISOGRAPH_RSCRIPT"
_INSTALL_HINT = (
    "install R and WGCNA, e.g. `apt-get install r-base-core r-cran-wgcna` on Debian/Ubuntu, "
    "or in R: install.packages('BiocManager'); BiocManager::install('WGCNA')"
)
_MISSING_PACKAGE_STATUS = 3
_STDERR_TAIL = 4000
#: Temporary folders of R runs: ``<gettempdir()>/isograph-wgcna-<pid>-<hex>``.
TMP_PREFIX = "isograph-wgcna-"
_PR_SET_PDEATHSIG = 1


class WgcnaUnavailableError(RuntimeError):
    """``Rscript`` or the WGCNA R package cannot be found."""


class WgcnaError(RuntimeError):
    """R stopped with an error; ``stderr`` holds what R wrote.

    Attributes
    ----------
    stderr : str
    returncode : int
    """

    def __init__(self, message: str, *, stderr: str = "", returncode: int | None = None):
        super().__init__(message)
        self.stderr = stderr
        self.returncode = returncode


class WgcnaTimeoutError(TimeoutError):
    """R ran past ``timeout_seconds``; the process (``pid``) was killed.

    Attributes
    ----------
    pid : int
    timeout : float
    returncode : int
        The killed process's status (``-SIGKILL`` on POSIX).
    """

    def __init__(self, message: str, *, pid: int, timeout: float, returncode: int | None = None):
        super().__init__(message)
        self.pid = pid
        self.timeout = timeout
        self.returncode = returncode


@dataclass
class WgcnaRun:
    """What one ``wgcna.R`` run returned (labels are WGCNA's: 0 = grey)."""

    labels: np.ndarray
    eigengenes: pd.DataFrame
    soft_threshold: pd.DataFrame
    edges: tuple[np.ndarray, np.ndarray, np.ndarray] | None
    info: dict
    stderr: str = ""


def find_rscript(rscript=None) -> str:
    """Path of the ``Rscript`` executable.

    Parameters
    ----------
    rscript : str or path, optional
        Explicit executable; otherwise the ``ISOGRAPH_RSCRIPT`` environment
        variable, otherwise ``Rscript`` on ``PATH``.

    Raises
    ------
    WgcnaUnavailableError
        Nothing executable found; the message says how to install R and WGCNA.
    """
    candidate = rscript if rscript is not None else os.environ.get(RSCRIPT_ENV) or "Rscript"
    found = shutil.which(str(candidate))
    if found is None:
        where = ("rscript=" if rscript is not None else
                 f"${RSCRIPT_ENV}=" if os.environ.get(RSCRIPT_ENV) else "PATH lookup of ")
        raise WgcnaUnavailableError(
            f"Rscript not found ({where}{str(candidate)!r}); the WGCNA backend runs R's WGCNA "
            f"through Rscript: {_INSTALL_HINT}"
        )
    return found


def write_inputs(directory: Path, X: np.ndarray, params: dict) -> None:
    """Write ``X.bin`` (row-major little-endian float64) and ``params.json``."""
    X = np.ascontiguousarray(X, dtype="<f8")
    X.tofile(directory / "X.bin")
    meta = dict(params, n_samples=int(X.shape[0]), n_features=int(X.shape[1]))
    (directory / "params.json").write_text(json.dumps(meta), encoding="utf-8")


def read_outputs(directory: Path, stderr: str = "") -> WgcnaRun:
    """Parse the files ``wgcna.R`` wrote."""
    labels = pd.read_csv(directory / "labels.csv")["label"].to_numpy(dtype=np.int64)
    eigengenes = pd.read_csv(directory / "eigengenes.csv")
    soft = pd.read_csv(directory / "soft_threshold.csv")
    info = json.loads((directory / "info.json").read_text(encoding="utf-8"))
    edges = None
    if (directory / "edges.csv").exists():
        table = pd.read_csv(directory / "edges.csv")
        edges = (table["source"].to_numpy(dtype=np.int64) - 1,
                 table["target"].to_numpy(dtype=np.int64) - 1,
                 table["weight"].to_numpy(dtype=np.float32))
    return WgcnaRun(labels, eigengenes, soft, edges, info, stderr)


def _kill(proc: subprocess.Popen, *, wait: bool = True) -> None:
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


def _death_signal_setter():
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
def _cleanup_on_sigterm(work: Path):
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
            _kill(proc, wait=False)
        shutil.rmtree(work, ignore_errors=True)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)  # end as SIGTERM would have (status -15)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield children
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run_wgcna_script(
    X: np.ndarray, params: dict, *, rscript=None, timeout: float | None = None
) -> WgcnaRun:
    """Run ``wgcna.R`` on ``X`` (samples x features) and parse its results.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    params : dict
        JSON-serializable parameters read by ``wgcna.R``.
    rscript : str or path, optional
        See :func:`find_rscript`.
    timeout : float, optional
        Seconds before R is killed.

    Raises
    ------
    WgcnaUnavailableError
        No ``Rscript``, or R lacks WGCNA / jsonlite.
    WgcnaError
        R stopped with an error (its stderr is attached).
    WgcnaTimeoutError
        R ran past ``timeout``; it was killed.

    Notes
    -----
    Linux delivers the death signal when the *thread* that started R exits;
    that thread waits for R here, so R outlives neither it nor the process.
    The SIGTERM clean-up is installed only from the main thread and only
    while SIGTERM has its default action.
    """
    executable = find_rscript(rscript)
    # named after our pid (0700: it holds the data), so a run after a SIGKILL removes it
    work = make_owned_dir(tempfile.gettempdir(), TMP_PREFIX)
    try:
        with resources.as_file(resources.files(__package__) / "wgcna.R") as script, \
                _cleanup_on_sigterm(work) as children:
            return _run(executable, script, work, X, params, timeout, children)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(executable, script, work: Path, X, params, timeout, children: list) -> WgcnaRun:
    tmp = str(work)
    write_inputs(work, X, params)
    # R's own session directory goes inside ours, so it is removed with it
    env = dict(os.environ, TMPDIR=tmp, TMP=tmp, TEMP=tmp)
    proc = subprocess.Popen(
        [executable, str(script), tmp],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp,
        start_new_session=True, text=True, errors="replace",
        preexec_fn=_death_signal_setter(),
    )
    children.append(proc)
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise WgcnaTimeoutError(
            f"WGCNA did not finish within timeout_seconds={timeout}; the R process "
            f"(pid {proc.pid}) was killed. Raise timeout_seconds, or lower "
            "max_block_size / the number of features.",
            pid=proc.pid, timeout=timeout, returncode=proc.returncode,
        ) from None
    except BaseException:
        _kill(proc)
        raise
    if proc.returncode == _MISSING_PACKAGE_STATUS:
        raise WgcnaUnavailableError(f"{stderr.strip()} ({executable}): {_INSTALL_HINT}")
    if proc.returncode != 0:
        tail = stderr.strip()[-_STDERR_TAIL:]
        raise WgcnaError(
            f"WGCNA failed in R (exit status {proc.returncode}); R's stderr:\n{tail}",
            stderr=stderr, returncode=proc.returncode,
        )
    return read_outputs(work, stderr)
