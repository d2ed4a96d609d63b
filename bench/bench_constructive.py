"""Benchmark: Theorem 3.2 network, full 3x3 form vs compact 1x1 form vs direct X(U).

Prints milliseconds per evaluation of F_theta on a batch of fields, float64 and
float32, for the Fisher equation (n = 1) and a PDE with n = 3 interactions.

    python3 bench/bench_constructive.py [--p 256] [--batch 8] [--repeats 20]
"""

import argparse
import platform
import time
from functools import partial

import numpy as np
import torch

from pixelpde.constructive import Theorem32Network
from pixelpde.stencils import parse_pde

PDES = {
    "fisher (n=1)": "u_t = 0.01*(u_xx + u_yy) + u*(1 - u)",
    "n=3": "u_t = 0.01*(u_xx + u_yy) - u*u_x - u*u_y + u_x*u_y",
}


def timed(fn, repeats):
    fn()  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats * 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--p", type=int, default=256)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    with open("/proc/cpuinfo") as info:
        cpu = next(
            (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), platform.processor()
        )
    print(f"machine: {cpu}, torch threads {torch.get_num_threads()}, torch {torch.__version__}")
    print(f"batch {args.batch} x {args.p} x {args.p}, ms per evaluation (mean of {args.repeats})")
    U = np.random.default_rng(0).uniform(-1, 1, (args.batch, args.p, args.p))
    print(f"{'PDE':<14} {'dtype':<8} {'full':>9} {'compact':>9} {'numpy X':>9} {'params full/compact':>22}")
    for label, text in PDES.items():
        sd = parse_pde(text).discretise(f"1/{args.p + 1}", "dirichlet")
        for dtype in (torch.float64, torch.float32):
            full = Theorem32Network.from_system(sd, dtype=dtype)
            compact = full.compacted()
            x = torch.from_numpy(U).to(dtype)
            with torch.no_grad():
                t_full = timed(partial(full, x), args.repeats)
                t_compact = timed(partial(compact, x), args.repeats)
            t_ref = timed(partial(sd.rhs, U), max(3, args.repeats // 4)) if dtype == torch.float64 else float("nan")
            counts = f"{full.num_parameters()}/{compact.num_parameters()}"
            print(f"{label:<14} {str(dtype)[6:]:<8} {t_full:9.2f} {t_compact:9.2f} {t_ref:9.2f} {counts:>22}")


if __name__ == "__main__":
    main()
