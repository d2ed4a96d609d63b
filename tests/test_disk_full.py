"""A write that meets a full disk or the file-size limit (issue 21): one line, exit 2 (cli.DISK_FULL),
nothing left behind, no traceback and no crash, whichever library met it (the OS, NumPy, torch's zip
writer, h5py).  Each case runs in a fresh process under RLIMIT_FSIZE (Python ignores SIGXFSZ, so the
write fails with EFBIG): h5py leaves the HDF5 library unable to exit cleanly after such an error."""

from __future__ import annotations

import resource
import subprocess
import sys
import textwrap

import pytest

from pixelpde.cli import DISK_FULL

pytestmark = pytest.mark.slow

SIMULATE = ["simulate", "heat", "--n", "6", "--steps", "30", "--p", "16", "--seed", "0", "--no-progress"]


def _run(tmp_path, argv, limit: int, patch: str = ""):
    """``pixelpde ARGV`` in ``tmp_path`` as a program (``main()`` reading sys.argv), files capped at ``limit`` bytes;
    ``patch``: Python run first (to pass the checks that would refuse it up front)."""
    script = textwrap.dedent(
        f"""
        import sys
        {patch}
        sys.argv = ["pixelpde", *{argv!r}]
        from pixelpde.cli import main
        sys.exit(main())
        """
    )

    def cap():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    before = set(tmp_path.iterdir())
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, preexec_fn=cap, timeout=300
    )
    left = sorted(p.name for p in set(tmp_path.iterdir()) - before)
    return proc, left


def _one_line(proc, fragment):
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == DISK_FULL, (proc.returncode, proc.stderr[-2000:])
    assert len(lines) == 1, proc.stderr[-2000:]
    assert fragment in lines[0], lines[0]


def test_weights_over_the_file_size_limit(tmp_path):
    """torch.save loses the errno ('unexpected pos'); the full file is recognised all the same."""
    argv = ["weights", "--pde", "u_xx + u*u_x", "--bc", "periodic", "--dx", "1/16", "--out", "w.pt"]
    proc, left = _run(tmp_path, argv, 3000)
    _one_line(proc, "over the file-size limit while writing 'w.pt'")
    assert left == []


def test_rhs_over_the_file_size_limit(tmp_path):
    import numpy as np

    np.save(tmp_path / "U.npy", np.zeros((99, 99)))
    argv = ["rhs", "--pde", "u_xx", "--bc", "dirichlet", "--dx", "0.01", "--input", "U.npy", "--out", "X.npy"]
    proc, left = _run(tmp_path, argv, 20_000)
    _one_line(proc, "while writing 'X.npy'")
    assert left == []


def test_simulate_refuses_a_dataset_over_the_limit_up_front(tmp_path):
    proc, left = _run(tmp_path, [*SIMULATE, "--out", "d.h5"], 100_000)
    _one_line(proc, "may write files of at most")
    assert left == []


def test_simulate_stops_before_hdf5_meets_the_limit(tmp_path):
    """The up-front estimate passed (patched away): the room check before each trajectory stops it."""
    patch = "import pixelpde.fem.generator as g; g.check_bytes = lambda *a, **k: None"
    proc, left = _run(tmp_path, [*SIMULATE, "--out", "d.h5"], 100_000, patch)
    _one_line(proc, "for the dataset in")
    assert left == []


def test_simulate_when_hdf5_itself_meets_the_limit(tmp_path):
    """Both checks patched away: h5py meets EFBIG while writing; still one line, nothing left, no segfault."""
    patch = (
        "import pixelpde.fem.generator as g, pixelpde.fem.dataset as d; "
        "g.check_bytes = lambda *a, **k: None; d.check_room = lambda *a, **k: None"
    )
    proc, left = _run(tmp_path, [*SIMULATE, "--out", "d.h5"], 100_000, patch)
    _one_line(proc, "while writing 'd.h5'")
    assert left == []
