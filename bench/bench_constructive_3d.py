"""Benchmark: the 3-D constructed network (conv3d) against the direct NumPy X(U) on a p^3 field.

Ratios in one run, on this machine, one torch thread (run it niced: ``nice -n 19``).  Prints ms
per evaluation of X(U) (NumPy shifted sum, float64) and of the exact network in full (3x3x3
identity filters) and compact (1x1x1) form, float64 and float32, for the 3-D heat equation
(7-point Laplacian) and PeRCNN's 3-D Gray-Scott right-hand side (5x5x5 fourth-order stencils).

    nice -n 19 python3 bench/bench_constructive_3d.py [--p 64] [--repeats 5]
"""

import argparse
import platform
import time

import numpy as np
import torch

from pixelpde.constructive import exact_network
from pixelpde.stencils import is_system, parse_pde, parse_system

CASES = {
    "heat 3x3x3": ("u_t = 0.1*(u_xx + u_yy + u_zz)", 3, 2),
    "gray-scott 5x5x5": (
        "u_t = 0.2*(u_xx + u_yy + u_zz) - u*v**2 + 0.025*(1 - u); v_t = 0.1*(v_xx + v_yy + v_zz) + u*v**2 - 0.08*v",
        5,
        4,
    ),
}


def timed(fn, repeats):
    fn()  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats * 1e3


def machine() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what ``platform`` says."""
    try:
        with open("/proc/cpuinfo") as fh:
            return next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    except OSError:
        return platform.processor()


def evaluations(sd, U: np.ndarray) -> dict:
    """The four evaluations timed: NumPy X(U), the network in full and compact form (f64), compact f32."""
    x = torch.from_numpy(U)
    full = exact_network(sd)
    compact = full.compacted()
    compact32 = full.compacted().to(torch.float32)  # Module.to works in place: a second copy
    x32 = x.to(torch.float32)
    return {
        "numpy": lambda: sd.rhs(U),
        "full": lambda: full(x),
        "compact": lambda: compact(x),
        "compact32": lambda: compact32(x32),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--p", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    cpu = machine()
    print(f"machine: {cpu}, torch threads {torch.get_num_threads()}, torch {torch.__version__}")
    print(f"one field of {args.p}^3 nodes per component, periodic; ms per evaluation (mean of {args.repeats})")
    print(f"{'case':<18} {'numpy X':>9} {'f64 full':>9} {'f64 comp':>9} {'f32 comp':>9} {'X / f64 comp':>13}")
    rng = np.random.default_rng(0)
    for label, (text, size, order) in CASES.items():
        parse = parse_system if is_system(text) else parse_pde
        sd = parse(text, size=size, order=order, dim=3).discretise(f"1/{args.p}", "periodic")
        C = getattr(sd, "channels", 1)
        U = rng.uniform(0, 1, (1, C, *(args.p,) * 3)) if C > 1 else rng.uniform(0, 1, (args.p,) * 3)
        with torch.no_grad():
            t = {name: timed(fn, args.repeats) for name, fn in evaluations(sd, U).items()}
        print(
            f"{label:<18} {t['numpy']:9.1f} {t['full']:9.1f} {t['compact']:9.1f} {t['compact32']:9.1f} "
            f"{t['numpy'] / t['compact']:13.2f}"
        )


if __name__ == "__main__":
    main()
