"""The ``pixelpde`` command line.

Each subcommand lives in its own module under :mod:`pixelpde.commands`, which
defines ``register(subparsers)``; this file only assembles them and applies
the error contract: bad input (an :class:`~pixelpde.ground.errors.InputError`, an
unreadable or unwritable file, a bad option) prints one line on stderr and
exits with code 2, never a traceback.  SIGINT and SIGTERM stop a command
promptly (:mod:`pixelpde.ground.interrupt`): exit 130 or 143, no partial or
temporary file left.  A command that fails removes the empty directories it
created.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import NoReturn

from pixelpde import __version__
from pixelpde.ground import atomic, interrupt, validate
from pixelpde.ground.errors import InputError, TrainingDiverged

#: Subcommand modules, in the order ``pixelpde --help`` lists them.
COMMANDS = (
    "stencil",
    "weights",
    "apply",
    "rhs",
    "convergence",
    "simulate",
    "show",
    "train",
    "evaluate",
    "reproduce",
    "study",
)


#: Exit code of a command stopped by a full disk or a file-size limit (nothing is left behind).
DISK_FULL = 2


class _Parser(argparse.ArgumentParser):
    """argparse with the one-line error contract (no usage dump)."""

    def error(self, message: str) -> NoReturn:  # pragma: no cover - exercised via CLI tests
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pixelpde",
        description="Exact convolutional networks for PDE dynamics, convergence studies, "
        "finite-element data and learned models (Celledoni et al., pixel-data PDE paper).",
    )
    parser.add_argument("--version", action="version", version=f"pixelpde {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"pixelpde.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    with interrupt.handle_signals():
        try:
            code = _run(argv)
        except KeyboardInterrupt as exc:  # a signal between the command's end and here
            code = _fail(str(exc) or "interrupted", code=interrupt.exit_code(exc))
        if code == 0:
            atomic.forget_created_dirs()
        else:
            with interrupt.held():
                atomic.remove_created_dirs()
    dataset = sys.modules.get("pixelpde.fem.dataset")
    if argv is None and getattr(dataset, "HDF5_FAILED", False):
        # HDF5 met a full disk: its exit handlers would crash after our one line; end here instead
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _run(argv) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a bad option (one line, exit 2)
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    try:
        validate.check_float_flags(args)  # every real flag in its documented range, before any work
        result = args.func(args)
    except InputError as exc:
        return _fail(str(exc))
    except TrainingDiverged as exc:
        return _fail(str(exc), code=3)
    except FileNotFoundError as exc:
        return _fail(f"no such file: {exc.filename or exc}")
    except IsADirectoryError as exc:
        return _fail(f"is a directory: {exc.filename or exc}")
    except PermissionError as exc:
        return _fail(f"permission denied: {exc.filename or exc}")
    except atomic.DiskFull as exc:
        return _fail(exc.strerror or str(exc), code=DISK_FULL)
    except OSError as exc:
        if atomic.disk_full(exc):  # a full disk met outside a file write (a library's own temporary files)
            return _fail(f"no space left on the device or over the file-size limit: {exc.strerror or exc}", DISK_FULL)
        return _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
    except MemoryError:
        return _fail("out of memory (an input beyond the documented limits? see README, Limits)")
    except KeyboardInterrupt as exc:
        return _fail(str(exc) or "interrupted", code=interrupt.exit_code(exc))
    return 0 if result is None else int(result)


def _fail(message: str, code: int = 2) -> int:
    first = " ".join(str(message).split())
    print(f"pixelpde: error: {first}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
