"""Atomic file writing: a killed run never leaves a file that looks complete.

Every file the project writes for a user goes through :func:`atomic_path`:
the content is written to a temporary file in the destination's directory
and renamed over the destination only when writing succeeded (``os.replace``
is atomic on POSIX within one file system).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from pixelpde.ground.errors import InputError


def check_writable(path: str | os.PathLike) -> Path:
    """Fail early, with one line, if ``path`` cannot be written."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError(f"output path {str(path)!r} is a directory")
    if parent.exists() and not parent.is_dir():
        raise InputError(f"cannot write to {str(path)!r}: {str(parent)!r} is not a directory")
    if not parent.exists():
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create directory {str(parent)!r}: {exc.strerror}") from None
    if not os.access(parent, os.W_OK):
        raise InputError(f"cannot write to {str(path)!r}: directory is not writable")
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` on success.

    On any exception the temporary file is removed and ``path`` is untouched.
    The temporary name keeps the destination's suffix, so libraries that
    choose a format by extension (matplotlib, numpy) behave as for ``path``.
    """
    path = check_writable(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".part{path.suffix}", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file ordinary permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
