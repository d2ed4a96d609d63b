"""One run per output folder at a time: an exclusive ``fcntl.flock`` on ``DIR/.pixelpde.lock``.

Two commands that write the same ``--out`` folder at once (two ``train`` runs
started together, a ``study`` resumed while it still runs) would overwrite each
other's files, and both would report success.  :func:`folder_lock` takes an
exclusive, non-blocking lock on a file in the folder for the whole command; a
second writer is refused in one line that names the holder's PID.

The lock belongs to the open file, so the kernel releases it when its process
ends, however it ends: a lock file left by a crashed or killed run (``kill -9``,
a power cut) is *stale*: it is not locked, and the next run takes it over
(recognised by the failed lock attempt not happening, not by guessing from PIDs).
On a clean exit the lock file is removed, while still locked; a waiting process
that opened the removed file notices (its inode is no longer the path's) and
tries again, so two processes never hold two different lock files of one folder.
``flock`` is advisory and per machine: processes on other machines sharing the
folder over NFS are not excluded (torchrun across machines: rank 0 alone writes).
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from pixelpde.ground.atomic import make_dirs
from pixelpde.ground.errors import InputError

#: The lock file's name inside a locked folder.
LOCK_NAME = ".pixelpde.lock"


@contextlib.contextmanager
def folder_lock(directory: str | os.PathLike[str], flag: str = "--out") -> Iterator[Path]:
    """Hold the exclusive lock of ``directory`` (created if missing) within the block; one-line
    :class:`InputError` if another process holds it."""
    import fcntl

    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise InputError(f"{flag} {str(directory)!r} is a file, not a folder")
    make_dirs(directory)
    path = directory / LOCK_NAME
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise InputError(f"{flag} {str(directory)!r}: cannot create its lock file: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _read_pid(fd)
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                who = f" (pid {holder})" if holder else ""
                raise InputError(
                    f"{flag} {str(directory)!r} is in use by another pixelpde run{who}; "
                    "wait for it to finish or choose another folder"
                ) from None
            raise InputError(f"{flag} {str(directory)!r}: cannot lock it: {exc.strerror}") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed the file we opened as it finished: lock the new one
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # while still locked: see the module docstring
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:  # pragma: no cover
        return None
    return int(text) if text.isdigit() else None


__all__ = ["LOCK_NAME", "folder_lock"]
