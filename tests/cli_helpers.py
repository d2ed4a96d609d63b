"""The one set of CLI test helpers (imported by the tests/test_*cli*.py modules).

``run_cli`` calls ``pixelpde.cli.main`` in-process (argparse exits included); ``run_console``
runs the real console entry, ``python -m pixelpde``, in a subprocess (exit codes, stderr as a
user sees them); ``assert_one_line_error`` checks the error contract: exit 2 and one line.
"""

import subprocess
import sys

from pixelpde.cli import main


def run_cli(argv, capsys):
    """``main(argv)`` -> (exit code, stdout, stderr), argparse's SystemExit included."""
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def run_console(*args):
    """``python -m pixelpde ARGS`` in a subprocess -> (exit code, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "pixelpde", *args], capture_output=True, text=True)
    return proc.returncode, proc.stdout, proc.stderr


def one_line_error(err: str) -> str:
    """The single non-empty line of ``err``, an ``error:`` message (no traceback)."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "error:" in lines[0], err
    assert "Traceback" not in err, err
    return lines[0]


def assert_one_line_error(code, err: str, fragment: str) -> str:
    """Exit code 2 and one line of stderr containing ``fragment``; returns the line."""
    assert code == 2, err
    line = one_line_error(err)
    assert fragment in line, line
    return line
