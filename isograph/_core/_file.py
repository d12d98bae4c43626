"""One file written under a temporary name beside it and renamed into place."""

from __future__ import annotations

import os
from contextlib import contextmanager

from ._output import _absolute, _token
from ._stale import sweep_stale_folders

__all__ = ["atomic_file"]


@contextmanager
def atomic_file(path, mode: str = "wb", *, encoding: str | None = None,
                newline: str | None = None):
    """Write one file under a temporary name beside it and rename it into place.

    An interrupted write leaves the old file (or none); the temporary file of a
    killed writer (``.<name>.tmp-<pid>-<hex>``) is removed by the next write of
    the same file. The file gets the user's umask, not ``mkstemp``'s 0600.

    Parameters
    ----------
    path : path
        The file to write; an existing file is replaced, a folder is refused.
    mode : {"wb", "w"}
    encoding, newline : str, optional
        For text mode, as in :func:`open` (``newline=""`` for the csv module
        and ``DataFrame.to_csv``).

    Yields
    ------
    file object
    """
    path = _absolute(path)
    if path.is_dir():
        raise IsADirectoryError(f"{str(path)!r} is a folder; expected a file name to write")
    sweep_stale_folders(path.parent, f".{path.name}.tmp-")
    tmp = path.parent / f".{path.name}.tmp-{_token()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
