"""Benchmark: ``pixelpde weights`` for linear, quadratic and polynomial PDEs.

Prints the wall time of the whole command in a fresh interpreter (imports included) and of
the work after the imports (parse, minimal factorisation, weights, save), each with its ratio
to the linear heat equation in the same run.

    python3 bench/bench_weights.py [--repeats 3]
"""

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time

PDES = {
    "heat (linear, baseline)": "u_t = 0.01*(u_xx + u_yy)",
    "fisher (n=1)": "u_t = 0.01*(u_xx + u_yy) + u*(1 - u)",
    "u*u_x + u*u_y (minimal n=1)": "u_t = u*u_x + u*u_y",
    "allen-cahn (degree 3)": "u_t = 0.0001*(u_xx+u_yy) + u - u**3",
    "nagumo (degree 3)": "u_t = 0.01*(u_xx+u_yy) + u*(1 - u)*(u - 0.3)",
}


def in_process(pde, out):
    from pixelpde.cli import main

    start = time.perf_counter()
    with open(os.devnull, "w") as sink:
        stdout, sys.stdout = sys.stdout, sink
        try:
            main(["weights", "--pde", pde, "--bc", "periodic", "--dx", "1/64", "--out", out])
        finally:
            sys.stdout = stdout
    return time.perf_counter() - start


COLD = """
import os, sys, time
start = time.perf_counter()
import torch, sympy, pixelpde.cli
imported = time.perf_counter()
sys.stdout = open(os.devnull, "w")
pixelpde.cli.main(["weights", "--pde", sys.argv[1], "--bc", "periodic", "--dx", "1/64", "--out", sys.argv[2]])
sys.stderr.write(f"{imported - start} {time.perf_counter() - imported}")
"""


def whole(pde, out):
    """(whole command, imports, work after imports) in a fresh interpreter, cold caches."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", COLD, pde, out], check=True, capture_output=True, text=True)
    total = time.perf_counter() - start
    imports, work = map(float, proc.stderr.split())
    return total, imports, work


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, python {platform.python_version()}"
    )

    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "w.pt")
        in_process(PDES["heat (linear, baseline)"], out)  # warm caches of the imports
        rows = {
            name: (
                min(whole(p, out) for _ in range(args.repeats)),
                min(in_process(p, out) for _ in range(args.repeats)),
            )
            for name, p in PDES.items()
        }
    (base_w, _, base_c), _ = rows["heat (linear, baseline)"]
    print("fresh interpreter: whole command = imports + cold work; warm: the same call repeated in one process")
    print(
        f"{'PDE':30s} {'command [s]':>11s} {'ratio':>6s} {'imports [s]':>11s} {'cold work [s]':>13s} {'ratio':>6s} {'warm [s]':>9s}"
    )
    for name, ((w, imp, cold), i) in rows.items():
        print(f"{name:30s} {w:11.3f} {w / base_w:6.2f} {imp:11.3f} {cold:13.3f} {cold / base_c:6.2f} {i:9.3f}")


if __name__ == "__main__":
    main()
