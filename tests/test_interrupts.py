"""Interrupts (issue 12): SIGINT and SIGTERM stop long commands promptly, with exit 130 / 143,
and leave no partial or hidden temporary file (``pixelpde.ground.interrupt``).

Each test starts ``pixelpde`` as a user would (a subprocess), waits until the command is
demonstrably working (its temporary file exists, or its progress bar has started), sends
the signal, and checks the exit code and the directory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="POSIX signals and /proc (Linux)")

STOP_S = 60  #: a hang guard for the stopped process, not a speed assertion


def _start(argv, cwd):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "pixelpde", *argv],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(condition, proc, timeout=120.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        if proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"pixelpde ended before the signal (exit {proc.returncode}): {err[-2000:]}")
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the command never started working")


def _stop(proc, signum):
    proc.send_signal(signum)
    try:
        _, err = proc.communicate(timeout=STOP_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"not stopped {STOP_S} s after {signal.Signals(signum).name}")
    return proc.returncode, err


def _temporaries(d: Path):
    return sorted(str(p.relative_to(d)) for p in d.rglob("*") if ".part" in p.name)


# SIGINT twice on purpose: the signal lands at a different point of the run each time.
@pytest.mark.parametrize(
    ("signum", "code"),
    [
        pytest.param(signal.SIGINT, 130, id="SIGINT"),
        pytest.param(signal.SIGINT, 130, id="SIGINT-again"),
        pytest.param(signal.SIGTERM, 143, id="SIGTERM"),
    ],
)
def test_simulate_is_stopped_and_leaves_nothing(tmp_path, signum, code):
    proc = _start(
        [
            "simulate",
            "heat",
            "--n",
            "400",
            "--steps",
            "50",
            "--seed",
            "0",
            "--p",
            "64",
            "--batch",
            "4",
            "--no-progress",
            "--out",
            "out/big.h5",
        ],
        tmp_path,
    )
    _wait_for(lambda: _temporaries(tmp_path), proc)
    time.sleep(0.3)  # in the middle of writing
    rc, err = _stop(proc, signum)
    assert rc == code, err
    assert "Traceback" not in err, err
    assert "Exception ignored" not in err, err
    assert err.strip().splitlines()[-1] == f"pixelpde: error: interrupted by {signal.Signals(signum).name}"
    assert list(tmp_path.iterdir()) == []  # no file, no temporary file, not even the folder it made


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    from pixelpde.fem import generate, write_dataset

    path = tmp_path_factory.mktemp("data") / "heat.h5"
    write_dataset(path, generate("heat", 4, 8, 0, p=16, progress=False))
    return path


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130)])
def test_train_is_stopped_without_partial_files(tmp_path, small_data, signum, code):
    """An interrupted run keeps only complete files: the last checkpoint (``--resume``), never a
    temporary file or a model."""
    proc = _start(
        [
            "train",
            "heat",
            "--data",
            str(small_data),
            "--out",
            "run",
            "--epochs",
            "100000",
            "--stages",
            "3",
            "--no-progress",
        ],
        tmp_path,
    )
    _wait_for(lambda: (tmp_path / "run" / "checkpoint.pt").exists(), proc)
    time.sleep(0.3)
    rc, err = _stop(proc, signum)
    assert rc == code, err
    assert "Traceback" not in err, err
    assert _temporaries(tmp_path) == []
    assert not (tmp_path / "run" / "model.pt").exists()
    import torch

    torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)  # complete, loadable


def test_convergence_is_stopped_and_writes_nothing(tmp_path):
    proc = _start(
        [
            "convergence",
            "--pde",
            "u_t = u_x + u_y",
            "--bc",
            "periodic",
            "--vary",
            "dt",
            "--grid",
            "64",
            "--T",
            "50",
            "--json",
            "out/s.json",
            "--plot",
            "out/s.png",
        ],
        tmp_path,
    )
    _wait_for(lambda: _cpu_seconds(proc.pid) > 4.0, proc)  # imports take ~2 s of CPU; then it integrates
    rc, err = _stop(proc, signal.SIGINT)
    assert rc == 130, err
    assert "Traceback" not in err, err
    assert list(tmp_path.iterdir()) == []


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of process ``pid`` so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_reproduce_is_stopped_without_partial_files(tmp_path):
    """Terminated while simulating or training: exit 143, no temporary file; what is left is complete
    (a dataset, a checkpoint), for the next run to reuse or continue."""
    proc = _start(["reproduce", "heat", "--quick", "--out", "r", "--no-progress"], tmp_path)
    _wait_for(lambda: (tmp_path / "r" / "data").exists(), proc)
    time.sleep(0.5)
    rc, err = _stop(proc, signal.SIGTERM)
    assert rc == 143, err
    assert "Traceback" not in err, err
    assert _temporaries(tmp_path) == []
    assert not (tmp_path / "r" / "report.md").exists()


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (from /proc: workers, the resource tracker, their threads' owners)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        here = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == here]
        found += kids
        frontier += kids
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_to_the_parent_of_nproc_workers_stops_them_all(tmp_path, small_data, signum, code):
    """Issue 21: SIGTERM/SIGINT to the parent PID only (not its process group) of ``train --nproc 2``:
    every worker stops, the parent exits 128 + signal, nothing is published or left half-written,
    no process survives, and no leaked-semaphore warning.  (It used to wait for its workers to finish.)"""
    proc = _start(
        [
            "train",
            "heat",
            "--data",
            str(small_data),
            "--out",
            "run",
            "--epochs",
            "100000",
            "--stages",
            "3",
            "--batch-size",
            "2",
            "--nproc",
            "2",
            "--threads",
            "1",
            "--no-progress",
        ],
        tmp_path,
    )
    _wait_for(lambda: (tmp_path / "run" / "checkpoint.pt").exists(), proc, timeout=300)
    family = _children(proc.pid)
    assert len(family) >= 2, family  # two workers (and multiprocessing's resource tracker)
    start = time.monotonic()
    rc, err = _stop(proc, signum)  # os.kill(parent pid): the workers get nothing from the shell
    end = time.monotonic() + STOP_S
    while any(_alive(p) for p in family) and time.monotonic() < end:
        time.sleep(0.05)
    seconds = time.monotonic() - start
    assert not [p for p in family if _alive(p)], f"survivors {seconds:.1f} s after the signal"
    assert rc == code, err
    assert err.strip().splitlines() == [f"pixelpde: error: interrupted by {signal.Signals(signum).name}"], err
    assert "leaked semaphore" not in err
    assert _temporaries(tmp_path) == []
    assert not (tmp_path / "run" / "model.pt").exists()
    print(f"all {len(family) + 1} processes gone {seconds:.2f} s after {signal.Signals(signum).name}")
