"""Atomic file writing: a killed run never leaves a file that looks complete.

Every file the project writes for a user goes through :func:`atomic_path`:
the content is written to a temporary file in the destination's directory
and renamed over the destination only when writing succeeded (``os.replace``
is atomic on POSIX within one file system).  After an interrupt
(:mod:`pixelpde.ground.interrupt`) nothing is published, and the temporary
file is removed while further signals wait.

A write that fails because the disk is full or the file is larger than the
process may write (``ENOSPC``, ``EFBIG``, ``EDQUOT``, whichever library met it
first: the OS, NumPy, h5py, torch's zip writer) is re-raised as one
:class:`DiskFull` (an :class:`OSError`; the CLI prints it in one line and exits
with 2), after the temporary file is removed: nothing is left.

Directories created on the way are recorded; :func:`remove_created_dirs`
(called by the CLI when a command fails) removes those still empty, so a
failed command leaves no empty folder it made.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
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


#: errno values that mean "the disk (or this process's file-size or quota limit) is full".
FULL_ERRNOS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
#: How libraries that wrap the OS error report it in their messages (h5py, torch's zip writer).
_FULL_TEXT = ("no space left on device", "file too large", "disk quota exceeded", "errno = 28", "errno = 27")


class DiskFull(OSError):
    """A write failed for lack of space (or a file-size limit); nothing was published."""


def disk_full(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or an exception it was raised from) is a full disk, file-size or quota error."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in FULL_ERRNOS:
            return True
        if isinstance(exc, (OSError, RuntimeError)) and any(t in str(exc).lower() for t in _FULL_TEXT):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


#: Free bytes below which a failed write is taken for a full disk (torch's zip writer reports one
#: only as "unexpected pos" / "iostream error", without the errno).
NEARLY_FULL_BYTES = 1 << 20


def _no_room(exc: BaseException, tmp: Path | None) -> bool:
    """A write error (OSError, RuntimeError) while the temporary file sits at the file-size limit or on
    a device with (almost) no space left: a library that lost the errno met a full disk."""
    import shutil

    from pixelpde.ground.validate import file_size_limit

    if tmp is None or not isinstance(exc, (OSError, RuntimeError)):
        return False
    try:
        size = tmp.stat().st_size
        free = shutil.disk_usage(tmp.parent).free
    except OSError:
        return False
    return size >= file_size_limit() or free < NEARLY_FULL_BYTES


def _free(path: Path) -> str:
    import shutil

    try:
        return f"{shutil.disk_usage(path.parent).free} bytes free"
    except OSError:  # pragma: no cover
        return "free space unknown"


#: The names :func:`atomic_path` gives its temporary files: ``.NAME.XXXXXXXX.partSUFFIX``.
_TEMPORARY = re.compile(r"\.(?P<name>.+)\.[A-Za-z0-9_]{8}\.part(\.[^.]*)?")


def remove_temporaries(directory: str | os.PathLike[str]) -> list[Path]:
    """Remove what a killed writer left in ``directory`` (temporary files of :func:`atomic_path`);
    only for a folder this process owns (its run lock held).  Returns what was removed."""
    removed = []
    for path in sorted(Path(directory).glob(".*.part*")):
        if path.is_file() and _TEMPORARY.fullmatch(path.name):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    return removed


def _with_sidecars(paths: Iterable[str | os.PathLike[str] | None]) -> list[Path]:
    """``paths`` and, for each weights file ``NAME.pt``, its sidecar ``NAME.json`` (written and read with it)."""
    out = []
    for item in paths:
        if item is None:
            continue
        item = Path(item)
        out.append(item)
        if item.suffix == ".pt":
            out.append(item.with_suffix(".json"))
    return out


def _same(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    return a.exists() and b.exists() and os.path.samefile(a, b)


def check_outputs(
    outputs: Mapping[str, str | os.PathLike[str] | None], inputs: Iterable[str | os.PathLike[str] | None] = ()
) -> None:
    """Refuse any output (``{flag: path}``; a ``.pt`` with its ``.json`` sidecar) that names an input (a
    ``.pt`` with its sidecar too) or another output: a command never overwrites what it reads, and
    never writes two results to one file."""
    named = [(flag, path) for flag, value in outputs.items() for path in _with_sidecars([value])]
    sources = _with_sidecars(inputs)
    for i, (flag, path) in enumerate(named):
        for item in sources:
            if _same(path, item):
                raise InputError(f"{flag} {str(path)!r} is also an input ({str(item)!r}); choose another name")
        for other_flag, other in named[:i]:
            if other_flag != flag and _same(path, other):
                raise InputError(f"{flag} and {other_flag} both name {str(path)!r}; choose two names")


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
    except BaseException as exc:
        full = not isinstance(exc, (DiskFull, KeyboardInterrupt)) and (disk_full(exc) or _no_room(exc, tmp))
        if tmp is not None:
            with interrupt.held(), contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        if full:
            raise DiskFull(
                errno.ENOSPC,
                f"no space left on the device or over the file-size limit while writing {str(path)!r} "
                f"({_free(path)}); nothing was written",
            ) from None
        raise
