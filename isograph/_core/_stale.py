"""Temporary folders named after the process that owns them, removed once it is gone.

A process killed with SIGKILL runs no cleanup, so a temporary folder holding a
copy of the user's data would outlive it. Folders made here carry the owner's
pid in their name (``<prefix><pid>-<random>``); the next call for the same
prefix removes every such folder whose owner no longer runs.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from pathlib import Path

__all__ = ["make_owned_dir", "pid_alive", "sweep_stale_folders"]


def pid_alive(pid: int) -> bool:
    """Whether a process with id ``pid`` exists (one of another user counts as alive)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - os.kill would terminate the process there
        return True  # so nothing is swept: a leftover beats killing a bystander
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:  # pragma: no cover - e.g. no signals on this platform: keep the folder
        return True
    return True


def sweep_stale_folders(parent, prefix: str) -> list[Path]:
    """Remove ``parent/<prefix><pid>-*`` entries whose owner ``pid`` no longer runs.

    Parameters
    ----------
    parent : path
        The folder to look in (missing: nothing to do).
    prefix : str
        The fixed start of the names, e.g. ``"isograph-wgcna-"``.

    Returns
    -------
    list of Path
        The entries removed.
    """
    pattern = re.compile(re.escape(prefix) + r"(\d+)-[0-9a-f]+$")
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.match(entry.name)
        if match is None or pid_alive(int(match.group(1))):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except FileNotFoundError:  # another sweeper was faster
            pass
        except OSError:  # not ours to remove (other user): leave it
            continue
        removed.append(Path(entry.path))
    return removed


def make_owned_dir(parent, prefix: str) -> Path:
    """Create ``parent/<prefix><pid>-<random>`` (mode 0700: it holds user data).

    Stale folders of dead owners with the same prefix are removed first.
    """
    sweep_stale_folders(parent, prefix)
    for _ in range(100):
        folder = Path(parent) / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:
            continue
        return folder
    raise FileExistsError(f"could not create a unique folder {prefix}* in {str(parent)!r}")
