"""Benchmark of the finite-element dataset generator (issue 4 targets); prints figures, asserts nothing.

    python3 bench/bench_fem.py                      # 100 trajectories x 50 steps at p = 100
    python3 bench/bench_fem.py --problems heat --n 20 --steps 10

For each problem it times, in the same run:

* the fast path (fast diagonalisation, all trajectories at once), end to end
  as ``pixelpde.fem.generate`` (in-memory result included), after a warm-up call,
  median of ``--repeat`` runs; and the scheme alone, writing into a result
  array allocated beforehand (first-touching a 408 MB result costs this VM
  0.05-2 s, depending on the load);
* the sparse-LU path (scikit-fem matrices + ``splu``; scikit-fem assembles
  Fisher's nonlinear loads trajectory by trajectory, so it runs on fewer
  trajectories, ``--lu-n``) and the ratio per trajectory, with the largest
  difference between the two paths;
* the Firedrake backend when Firedrake is importable (``--firedrake-n``
  trajectories), side by side in trajectories per second, with its largest
  relative difference from the embedded data.

Targets (issue 4): heat 100 x 50 at p = 100 under 2 s, Fisher under 20 s, on 2 cores.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import time
from pathlib import Path

import numpy as np
import scipy

from pixelpde.fem import generate

TARGETS = {"heat": 2.0, "fisher": 20.0}


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores; Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}"


def timed(**kwargs):
    start = time.perf_counter()
    sim = generate(progress=False, **kwargs)
    return time.perf_counter() - start, sim


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", nargs="+", default=["heat", "fisher", "advection"])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--p", type=int, default=100)
    parser.add_argument("--lu-n", type=int, default=None, help="trajectories for the LU path (default: n; Fisher 4)")
    parser.add_argument("--firedrake-n", type=int, default=4, help="trajectories for the Firedrake backend")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of the fast path (median reported)")
    args = parser.parse_args()

    have_firedrake = importlib.util.find_spec("firedrake") is not None
    print(f"machine: {machine()}")
    print(f"workload: {args.n} trajectories x {args.steps} steps at p = {args.p} (seed 0)")
    print(
        f"Firedrake: {'importable' if have_firedrake else 'not importable (install: scripts/install-firedrake.sh)'}\n"
    )
    header = f"{'problem':10s} {'path':10s} {'traj':>5s} {'seconds':>9s} {'traj/s':>9s} {'s/traj':>9s}  notes"
    print(header)
    print("-" * len(header))
    for problem in args.problems:
        common = dict(problem=problem, steps=args.steps, seed=0, p=args.p)
        timed(n=1, **{**common, "steps": 1})  # warm-up: imports, BLAS threads, transform matrices
        runs = [timed(n=args.n, **common) for _ in range(max(1, args.repeat))]
        t_fast, fast = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
        note = f"median of {len(runs)} (min {min(r[0] for r in runs):.2f} s, max {max(r[0] for r in runs):.2f} s)"
        if problem in TARGETS and (args.n, args.steps, args.p) == (100, 50, 100):
            verdict = "met" if t_fast < TARGETS[problem] else "NOT met"
            note += f"; target < {TARGETS[problem]:g} s {verdict}"
        if problem == "fisher":
            note += (
                f"; Newton <= {fast.attrs['newton_iterations_max']} it/step "
                f"(mean {fast.attrs['newton_iterations_mean']:.2f}), residual <= {fast.attrs['newton_residual_max']:.1e}"
            )
        row(problem, "fast", args.n, t_fast, note)
        t_scheme = scheme_only(args.n, **common)
        row(problem, "  scheme", args.n, t_scheme, "the same, into an output array allocated and touched beforehand")

        n_lu = args.lu_n or (min(args.n, 4) if problem == "fisher" else args.n)
        t_lu, lu = timed(n=n_lu, solver="lu", **common)
        ratio = (t_lu / n_lu) / (t_fast / args.n)
        diff = np.abs(lu.U - fast.U[:n_lu]).max() / np.abs(fast.U[:n_lu]).max()
        row(problem, "sparse LU", n_lu, t_lu, f"{ratio:.1f}x slower per trajectory than fast; max rel. diff {diff:.1e}")

        if have_firedrake:
            n_fd = min(args.firedrake_n, args.n)
            t_fd, fd = timed(n=n_fd, backend="firedrake", **common)
            diff = np.abs(fd.U - fast.U[:n_fd]).max() / np.abs(fast.U[:n_fd]).max()
            speed = (n_fd / t_fd) / (args.n / t_fast)
            row(
                problem,
                "firedrake",
                n_fd,
                t_fd,
                f"max rel. diff from embedded {diff:.1e}; {1 / speed:.0f}x fewer traj/s than fast",
            )
        print()


def scheme_only(n, **common) -> float:
    """Time the scheme alone: the (N, M+1, p, p) result is allocated and touched before the clock starts."""
    from pixelpde.fem.generator import SimulationSpec, _run, plan

    pl = plan(SimulationSpec(n=n, **common))
    out = np.zeros((pl.n, pl.steps + 1, pl.p, pl.p))
    out[:] = 0.0
    start = time.perf_counter()
    _run(pl, None, False, pl.n, out=out)
    return time.perf_counter() - start


def row(problem, path, n, seconds, note):
    print(f"{problem:10s} {path:10s} {n:5d} {seconds:9.2f} {n / seconds:9.2f} {seconds / n:9.4f}  {note}")


if __name__ == "__main__":
    main()
