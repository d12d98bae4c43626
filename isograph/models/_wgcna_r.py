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

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .._core._stale import make_owned_dir
from ._rprocess import cleanup_on_sigterm, death_signal_setter, kill_group

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
                cleanup_on_sigterm(work) as children:
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
        preexec_fn=death_signal_setter(),
    )
    children.append(proc)
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise WgcnaTimeoutError(
            f"WGCNA did not finish within timeout_seconds={timeout}; the R process "
            f"(pid {proc.pid}) was killed. Raise timeout_seconds, or lower "
            "max_block_size / the number of features.",
            pid=proc.pid, timeout=timeout, returncode=proc.returncode,
        ) from None
    except BaseException:
        kill_group(proc)
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
