"""The quick commands import only what they need: each runs with the heavy libraries it has no use for
made unimportable.

``sys.modules[name] = None`` makes ``import name`` raise ImportError, so a command that reaches for a
library it should not need fails here (exit 1 and a traceback) instead of silently paying its import
time on every call. ``--help`` imports no numerical library at all; ``stencil`` and ``rhs`` no torch;
nothing quick imports SciPy, matplotlib, h5py, scikit-fem or tqdm. How fast they are is measured in
``bench/bench_cli.py``, never asserted here.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

FISHER = "u_t = 0.01*(u_xx + u_yy) + u*(1 - u)"
NOT_NUMERICAL = ("scipy", "matplotlib", "h5py", "skfem", "tqdm")

CASES = {
    "help": (["--help"], ("numpy", "sympy", "torch", *NOT_NUMERICAL), "stencil"),
    "stencil": (["stencil", "u_xx"], ("torch", *NOT_NUMERICAL), "truncation error: dx**2*u_xxxx/12"),
    "rhs-periodic": (
        ["rhs", "--pde", FISHER, "--bc", "periodic", "--dx", "1/16", "--input", "U.npy", "--out", "X.npy"],
        ("torch", *NOT_NUMERICAL),
        "written to X.npy",
    ),
    "rhs-dirichlet": (
        ["rhs", "--pde", FISHER, "--bc", "dirichlet", "--dx", "1/17", "--input", "U.npy", "--out", "X.npy"],
        ("torch", *NOT_NUMERICAL),
        "written to X.npy",
    ),
    # torch itself imports tqdm where it is installed, so tqdm stays importable here
    "weights": (
        ["weights", "--pde", FISHER, "--bc", "periodic", "--dx", "1/64", "--out", "w.pt"],
        ("scipy", "matplotlib", "h5py", "skfem"),
        "wrote w.pt",
    ),
}

BLOCKED_RUN = """
import sys
for name in sys.argv[1].split(","):
    sys.modules[name] = None  # import name -> ImportError
from pixelpde.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("case", sorted(CASES))
def test_quick_command_runs_without_libraries_it_does_not_need(tmp_path, case):
    argv, blocked, expected = CASES[case]
    np.save(tmp_path / "U.npy", np.random.default_rng(0).uniform(0, 1, (16, 16)))
    proc = subprocess.run(
        [sys.executable, "-c", BLOCKED_RUN, ",".join(blocked), *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"pixelpde {' '.join(argv)} with {blocked} unimportable:\n{proc.stderr[-3000:]}"
    assert expected in proc.stdout, proc.stdout
