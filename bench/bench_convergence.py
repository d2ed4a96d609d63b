"""Benchmark: a 256 x 256 RK4 time study with 6 refinements (issue 3).

Linear advection u_t = u_x + u_y (periodic), u0 = sin(10 pi x) cos(12 pi y) + 1
(eq. (34) with alpha = (5, 6), no shift), T = 0.1, the exact Theorem 3.2
network integrated by RK4 with n0 * 2^i steps, i = 0..6 (default n0: stable
on the 256-node grid), against the exact semi-discrete flow (FFT).

    python3 bench/bench_convergence.py [--grid 256] [--refinements 6] [--threads 1]

Prints the machine, the study table and the wall-clock time; not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import time


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=256)
    parser.add_argument("--refinements", type=int, default=6)
    parser.add_argument("--T", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=1, help="torch threads while stepping (0: torch's default)")
    args = parser.parse_args()

    import torch

    from pixelpde.commands.convergence import format_table
    from pixelpde.convergence import StudySpec, run_study

    print(
        f"machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}; torch {torch.__version__}, "
        f"{args.threads or torch.get_num_threads()} thread(s)"
    )
    spec = StudySpec(
        pde="u_t = u_x + u_y",
        bc="periodic",
        vary="dt",
        integrator="rk4",
        T=args.T,
        ic="sin(10*pi*x)*cos(12*pi*y) + 1",
        grid=args.grid,
        refinements=args.refinements,
    )
    start = time.perf_counter()
    study = run_study(spec, progress=True, threads=args.threads or None)
    elapsed = time.perf_counter() - start
    print(format_table(study))
    steps = sum(study["steps"])
    print(
        f"total: {elapsed:.1f} s wall for {steps} RK4 steps ({4 * steps} network evaluations) "
        f"on {args.grid}x{args.grid}, {1e3 * elapsed / steps:.2f} ms per step"
    )


if __name__ == "__main__":
    main()
