"""Atomic file writing: a killed run never leaves a file that looks complete.

Every file the project writes for a user goes through :func:`atomic_path`:
the content is written to a temporary file in the destination's directory
and renamed over the destination only when writing succeeded (``os.replace``
is atomic on POSIX within one file system).  After an interrupt
(:mod:`pixelpde.ground.interrupt`) nothing is published, and the temporary
file is removed while further signals wait.

Directories created on the way are recorded; :func:`remove_created_dirs`
(called by the CLI when a command fails) removes those still empty, so a
failed command leaves no empty folder it made.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from pixelpde.ground import interrupt
from pixelpde.ground.errors import InputError

#: Directories :func:`make_dirs` created in this process, in creation order.
_created: list[Path] = []


def make_dirs(directory: str | os.PathLike[str]) -> Path:
    """``mkdir -p directory``, recording each directory it creates (see :func:`remove_created_dirs`)."""
    directory = Path(directory)
    missing = []
    for d in (directory, *directory.parents):
        if d.exists() or d == d.parent:
            break
        missing.append(d)
    for d in reversed(missing):
        try:
            d.mkdir()
        except FileExistsError:
            continue
        _created.append(d)
    return directory


def remove_created_dirs() -> None:
    """Remove the directories :func:`make_dirs` created that are (still) empty, deepest first."""
    while _created:
        d = _created.pop()
        with contextlib.suppress(OSError):
            d.rmdir()  # only succeeds when empty


def forget_created_dirs() -> None:
    """Keep what was created (the command succeeded)."""
    _created.clear()


def check_writable(path: str | os.PathLike[str]) -> Path:
    """Fail early, with one line, if ``path`` cannot be written."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError(f"output path {str(path)!r} is a directory")
    if parent.exists() and not parent.is_dir():
        raise InputError(f"cannot write to {str(path)!r}: {str(parent)!r} is not a directory")
    if not parent.exists():
        try:
            make_dirs(parent)
        except OSError as exc:
            raise InputError(f"cannot create directory {str(parent)!r}: {exc.strerror}") from None
    if not os.access(parent, os.W_OK):
        raise InputError(f"cannot write to {str(path)!r}: directory is not writable")
    return path


def check_distinct(
    output: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str] | None], what: str = "output"
) -> None:
    """Refuse an output path that names one of the ``inputs`` (it would be overwritten while read)."""
    out = Path(output)
    for item in inputs:
        if item is None:
            continue
        item = Path(item)
        same = out.resolve() == item.resolve()
        if not same and out.exists() and item.exists():
            same = os.path.samefile(out, item)
        if same:
            raise InputError(f"{what} {str(out)!r} is also an input ({str(item)!r}); choose another name")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` on success.

    On any exception the temporary file is removed and ``path`` is untouched.
    The temporary name keeps the destination's suffix, so libraries that
    choose a format by extension (matplotlib, numpy) behave as for ``path``.
    """
    path = check_writable(path)
    tmp = None
    try:
        with interrupt.held():  # no interrupt between creating the temporary file and owning it
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".part{path.suffix}", dir=path.parent)
            os.close(fd)
            tmp = Path(name)
        yield tmp
        with interrupt.held():
            interrupt.check()  # an interrupt that arrived while writing: publish nothing
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file ordinary permissions
            os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            with interrupt.held(), contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        raise
