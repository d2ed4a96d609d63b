"""One run per folder (issue 21): an exclusive lock in --out; a second writer is refused in one line
naming the holder; a lock file left by a killed run is stale and taken over; nothing is left after."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from pixelpde.cli import main
from pixelpde.ground.errors import InputError
from pixelpde.ground.lock import LOCK_NAME, folder_lock

HOLD = textwrap.dedent(
    """
    import os, sys, time
    from pixelpde.ground.lock import folder_lock
    with folder_lock(sys.argv[1]):
        print("locked", flush=True)
        if sys.argv[2] == "crash":
            os._exit(9)  # no clean-up: the lock file stays, unlocked
        time.sleep(600)
    """
)


def _holder(directory, mode="hold"):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(directory), mode], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_holder_is_refused_and_the_lock_file_goes_with_the_first(tmp_path):
    d = tmp_path / "out"
    with folder_lock(d) as path:
        assert path == d / LOCK_NAME
        assert path.read_text().strip() == str(os.getpid())
        with (
            pytest.raises(InputError, match=rf"is in use by another pixelpde run \(pid {os.getpid()}\)"),
            folder_lock(d),
        ):
            pass
    assert list(d.iterdir()) == []
    with folder_lock(d):  # free again
        pass


def test_a_lock_left_by_a_killed_run_is_stale_and_taken_over(tmp_path):
    d = tmp_path / "out"
    proc = _holder(d, "crash")
    proc.wait(timeout=60)
    assert (d / LOCK_NAME).exists()  # left behind by the crash
    with folder_lock(d):
        assert (d / LOCK_NAME).read_text().strip() == str(os.getpid())
    assert not (d / LOCK_NAME).exists()


def test_another_process_holding_the_folder_is_named(tmp_path):
    d = tmp_path / "out"
    proc = _holder(d)
    try:
        with pytest.raises(InputError, match=rf"\(pid {proc.pid}\)"), folder_lock(d):
            pass
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with folder_lock(d):  # the kernel released it with the process
        pass


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "heat", "--data", "{data}", "--out", "{out}", "--no-progress"],
        ["study", "capacity", "--size", "tiny", "--out", "{out}", "--no-progress"],
        ["reproduce", "heat", "--quick", "--out", "{out}", "--no-progress"],
    ],
    ids=["train", "study", "reproduce"],
)
def test_commands_refuse_a_folder_another_run_writes(tmp_path, capsys, argv):
    d = tmp_path / "out"
    d.mkdir()
    (d / "keep.txt").write_text("theirs")
    proc = _holder(d)
    try:
        start = time.monotonic()
        code = main([a.format(out=d, data=tmp_path / "none.h5") for a in argv])
        err = capsys.readouterr().err.strip().splitlines()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert code == 2
    assert len(err) == 1
    assert f"is in use by another pixelpde run (pid {proc.pid})" in err[0]
    assert sorted(p.name for p in d.iterdir()) == [LOCK_NAME, "keep.txt"]  # untouched
    assert time.monotonic() - start < 60  # refused at once, not after the work (a hang guard)
