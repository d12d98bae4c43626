"""Output folders and files that never lose anything.

The rule, for every command and ``save`` of both packages:

- a folder is replaced only when it holds the marker file(s) of the same kind of
  output (checked when the writer starts and again just before the swap); never
  a regular file, the current directory or a folder that contains it;
- one writer per target at a time (an advisory lock beside it, see ``_lock``);
  a second writer fails at once, and a target filled meanwhile by anyone else
  makes the final rename fail instead of replacing it;
- the result is built in a sibling folder ``.<name>.tmp-<pid>-<hex>`` created
  with the user's umask and swapped in with one atomic exchange (Linux
  ``renameat2(RENAME_EXCHANGE)``), so a crash at any point leaves the old or
  the new folder under the user's name; elsewhere two renames are used and a
  backup ``.<name>.old-*`` left by a crash between them is restored;
- the next writer of the same target removes stale temporary folders of ours.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import re
import secrets
import shutil
import sys
from pathlib import Path

from ._lock import LockBusyError, TargetLock
from ._stale import pid_alive

__all__ = ["OutputFolder", "output_folder"]

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _token() -> str:
    return f"{os.getpid()}-{secrets.token_hex(4)}"


def _absolute(path) -> Path:
    # realpath: a symlink names the folder it points to, which is what gets replaced
    return Path(os.path.realpath(os.fspath(path)))


@functools.lru_cache(maxsize=1)
def _renameat2():
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # pragma: no cover - glibc < 2.28, musl
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False where the system cannot (then nothing moved)."""
    fn = _renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # e.g. a file system without it
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


def _rename(src: Path, dst: Path) -> None:
    os.rename(src, dst)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


class OutputFolder:
    """A folder written whole or not at all; see the module docstring for the rule.

    Use it as a context manager: ``with OutputFolder(...) as tmp:`` yields an
    empty temporary folder to write into; on a clean exit it becomes ``path``.

    Parameters
    ----------
    path : path
        The folder the user named.
    marker : str or tuple of str
        File(s) every folder of this kind holds; only such a folder is replaced.
    what : str
        The kind, for messages, e.g. ``"an isograph fit output"``.
    overwrite : bool
        Replace an existing folder of this kind.
    param, flag : str
        How the caller names the path and the overwrite switch in messages
        (``"--output-dir"`` / ``"--overwrite"`` on a command line).
    """

    def __init__(self, path, *, marker, what: str, overwrite: bool = False,
                 param: str = "directory", flag: str = "overwrite=True"):
        self.path = _absolute(path)
        self.given = os.fspath(path)
        self.markers = (marker,) if isinstance(marker, str) else tuple(marker)
        self.what = what
        self.overwrite = overwrite
        self.param = param
        self.flag = flag
        self.tmp: Path | None = None
        self._lock = TargetLock(self.path.parent / f".{self.path.name}.lock")
        self._created: list[Path] = []

    # ------------------------------------------------------------------ checks
    def _name(self) -> str:
        return f"{self.param} {self.given!r}"

    def check(self) -> str:
        """Raise if writing would lose data; return ``"new"``, ``"empty"`` or ``"ours"``."""
        path, cwd = self.path, _absolute(os.getcwd())
        if path == cwd or path in cwd.parents:
            where = "the current directory" if path == cwd else "a folder above the current one"
            raise IsADirectoryError(f"{self._name()} is {where}, which is never replaced; "
                                    f"name a new folder, e.g. {self.param} results")
        existing = path.parent
        while not existing.exists():
            existing = existing.parent
        if not existing.is_dir():
            raise NotADirectoryError(f"cannot write {self._name()}: {str(existing)!r} is a "
                                     f"file, not a folder; choose another path")
        if not os.access(existing, os.W_OK | os.X_OK):  # fail now, not after hours of work
            raise PermissionError(f"cannot write {self._name()}: {str(existing)!r} is not "
                                  f"writable; choose a folder you can write to")
        if not os.path.lexists(path):
            return "new"
        if not path.is_dir():
            raise NotADirectoryError(f"{self._name()} exists and is not a folder; it is "
                                     f"never replaced: choose a new folder name for {self.param}")
        if not any(path.iterdir()):
            return "empty"
        if not self.overwrite:
            raise FileExistsError(f"{self._name()} exists and is not empty; pass {self.flag} "
                                  f"to replace it")
        missing = [m for m in self.markers if not (path / m).is_file()]
        if missing:
            raise FileExistsError(f"{self._name()} is not empty and holds no "
                                  f"{', '.join(missing)}, so it is not {self.what}; {self.flag} "
                                  f"only replaces {self.what}: choose a new folder")
        return "ours"

    # ------------------------------------------------------------------ enter
    def __enter__(self) -> Path:
        try:
            self.check()  # before anything is created
        except FileExistsError:
            self._tidy()  # a refused run still removes what a killed one left
            raise
        parent = self.path.parent
        try:
            self._created = _make_parents(parent)
            self._lock.acquire()
        except LockBusyError as exc:
            self._drop_parents()
            who = f" (pid {exc.owner})" if exc.owner else ""
            raise LockBusyError(f"{self._name()} is being written by another process{who}; "
                                f"wait for it to finish or choose another folder",
                                owner=exc.owner) from None
        except PermissionError as exc:
            self._drop_parents()
            raise PermissionError(f"cannot write {self._name()}: {exc.strerror} "
                                  f"({exc.filename}); choose a folder you can write to") from None
        try:
            self._recover()
            self.check()  # again under the lock: the target may have changed meanwhile
            self.tmp = _make_dir(parent, f".{self.path.name}.tmp-")
        except BaseException:
            self._lock.release()
            self._drop_parents()
            raise
        return self.tmp

    def _tidy(self) -> None:
        """Recover and sweep if no one else writes the target; never raises."""
        try:
            self._lock.acquire()
        except OSError:
            return
        try:
            self._recover()
        except OSError:
            pass
        finally:
            self._lock.release()

    def _recover(self) -> None:
        """Restore a backup that a crash left instead of the target; remove stale folders."""
        parent, name = self.path.parent, self.path.name
        # ours and left by a dead process (a live one may be a writer where no lock
        # exists); leading dots also catch the temporaries of a writer nested in ours
        pattern = re.compile(r"(\.+)" + re.escape(name) + r"\.(tmp|old)-(\d+)-[0-9a-f]{8}")
        stale = []
        for entry in parent.iterdir():
            match = pattern.match(entry.name)
            if match and entry != self.path and not pid_alive(int(match.group(3))):
                stale.append((entry, match.group(1) == "." and match.group(2) == "old"))
        backups = [entry for entry, backup in stale if backup]
        if backups and not os.path.lexists(self.path):
            _rename(max(backups, key=lambda p: p.stat().st_mtime), self.path)
        for entry, _ in stale:
            if os.path.lexists(entry):
                _remove(entry)

    # ------------------------------------------------------------------ exit
    def __exit__(self, exc_type, exc, tb) -> bool:
        ok = False
        try:
            if exc_type is None:
                self._commit()
                ok = True
        finally:
            if self.tmp is not None and os.path.lexists(self.tmp):
                _remove(self.tmp)
            self._lock.release()
            if not ok:
                self._drop_parents()
        return False

    def _commit(self) -> None:
        missing = [m for m in self.markers if not (self.tmp / m).is_file()]
        if missing:  # a folder without its marker could never be replaced again
            raise RuntimeError(f"{self.what} was written without {', '.join(missing)}")
        state = self.check()  # the marker rule at the end too
        if state == "ours":
            if not _exchange(self.tmp, self.path):
                backup = self.path.parent / f".{self.path.name}.old-{_token()}"
                _rename(self.path, backup)  # a crash from here on: restored by the next run
                try:
                    _rename(self.tmp, self.path)
                except BaseException:
                    _rename(backup, self.path)
                    raise
                self.tmp = backup
            return  # self.tmp now holds the old folder; __exit__ removes it
        try:  # replaces at most an empty folder: refuses one filled meanwhile
            _rename(self.tmp, self.path)
        except OSError as err:
            if err.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
                raise
            raise FileExistsError(f"{self._name()} was filled by another process while this "
                                  f"one ran; it was left as it is and this run's output was "
                                  f"discarded (pass {self.flag} to replace it)") from None

    def _drop_parents(self) -> None:
        for folder in reversed(self._created):
            try:
                folder.rmdir()
            except OSError:
                break
        self._created = []


def output_folder(path, *, marker, what: str, overwrite: bool = False,
                  param: str = "directory", flag: str = "overwrite=True") -> OutputFolder:
    """An :class:`OutputFolder` (same parameters)."""
    return OutputFolder(path, marker=marker, what=what, overwrite=overwrite, param=param,
                        flag=flag)


def _make_parents(parent: Path) -> list[Path]:
    """Create missing parent folders; return those created, outermost first."""
    missing = []
    folder = parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    parent.mkdir(parents=True, exist_ok=True)
    return list(reversed(missing))


def _make_dir(parent: Path, prefix: str) -> Path:
    for _ in range(100):
        folder = parent / f"{prefix}{_token()}"
        try:
            os.mkdir(folder)  # mode 0777 & ~umask, unlike mkdtemp's 0700
        except FileExistsError:  # pragma: no cover - a random clash
            continue
        return folder
    raise FileExistsError(f"could not create a temporary folder {prefix}* in {str(parent)!r}")
