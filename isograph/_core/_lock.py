"""One writer per output target: an advisory ``flock`` on a file beside the target.

The kernel drops a ``flock`` when its holder dies, however it dies, so a killed
writer never blocks the next one; the lock file it leaves is reused and then
removed by the next holder. Without ``fcntl`` (Windows) no lock is taken and the
final re-check of the target is the only guard.
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - non-POSIX
    fcntl = None

__all__ = ["LockBusyError", "TargetLock"]


class LockBusyError(BlockingIOError):
    """Another process holds the lock; ``owner`` is its pid when known."""

    def __init__(self, message: str, *, owner: int | None = None):
        super().__init__(message)  # one argument: str() is the message, no errno
        self.owner = owner


def _read_owner(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


class TargetLock:
    """Non-blocking exclusive lock on ``file``; :meth:`release` removes the file."""

    def __init__(self, file: Path):
        self.file = Path(file)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`LockBusyError` at once."""
        if fcntl is None:  # pragma: no cover - non-POSIX
            return
        while True:
            fd = os.open(self.file, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                owner = _read_owner(fd)
                os.close(fd)
                raise LockBusyError(f"{self.file} is locked", owner=owner) from None
            # the previous holder unlinks the file on release: if it did so between
            # our open and flock, we hold a lock on a dead inode; take a fresh one
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.file))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        self._fd = fd

    def release(self) -> None:
        """Remove the lock file and drop the lock (unlink first, so no one locks it after)."""
        if self._fd is None:
            return
        try:
            os.unlink(self.file)
        except FileNotFoundError:  # pragma: no cover - removed by hand
            pass
        finally:
            os.close(self._fd)
            self._fd = None
