"""The one progress bar: drawn on a terminal, quiet in a log file or pipe, off with --no-progress."""

import io
import subprocess
import sys

from pixelpde.ground.progress import progress_bar, shows_progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_bar_only_on_a_terminal_and_only_when_enabled():
    assert shows_progress(True, Terminal())
    assert not shows_progress(False, Terminal())
    assert not shows_progress(True, io.StringIO())  # a log file or a pipe
    assert not shows_progress(True, object())  # no isatty at all


def test_bar_follows_stderr(monkeypatch):
    monkeypatch.setattr(sys, "stderr", Terminal())
    with progress_bar(total=3, enabled=True) as bar:
        assert not bar.disable
        bar.update(3)
    assert "3/3" in sys.stderr.getvalue()
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with progress_bar(total=3, enabled=True) as bar:
        assert bar.disable
        bar.update(3)
    assert sys.stderr.getvalue() == ""


def test_cli_writes_no_carriage_returns_into_a_pipe(tmp_path):
    """`pixelpde simulate` with stderr redirected: the log holds no progress-bar redraws."""
    out = tmp_path / "heat.h5"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pixelpde",
            "simulate",
            "heat",
            "--n",
            "2",
            "--steps",
            "3",
            "--seed",
            "0",
            "--p",
            "8",
            "--out",
            str(out),
        ],
        capture_output=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.is_file()
    assert b"\r" not in proc.stderr
    assert b"traj-steps" not in proc.stderr
