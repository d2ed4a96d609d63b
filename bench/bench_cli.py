"""Start-up time of the CLI: each command in a fresh interpreter, beside ``python -c pass``.

Runs every command ``--repeats`` times (alternating between commands, so a burst of load on a
shared machine hits all of them alike), prints the machine and its load, then the median and
min..max wall time of each and its ratio to the bare interpreter's median. The commands are those
of the README: ``--help``, ``stencil u_xx``, ``weights`` for Fisher's equation and ``rhs`` on a
64 x 64 field. ``--importtime`` adds, for each command, the modules whose import took longest
(``python -X importtime``, cumulative, the largest top-level packages first).

    nice -n 19 python bench/bench_cli.py --repeats 7
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FISHER = "u_t = 0.01*(u_xx + u_yy) + u*(1 - u)"


def commands(work: Path) -> dict[str, list[str]]:
    script = shutil.which("pixelpde", path=str(Path(sys.executable).parent)) or shutil.which("pixelpde")
    cli = [script] if script else [sys.executable, "-m", "pixelpde"]
    weights = ["weights", "--pde", FISHER, "--bc", "periodic", "--dx", "1/64", "--out", str(work / "w.pt")]
    rhs = ["rhs", "--pde", FISHER, "--bc", "periodic", "--dx", "1/64", "--input", str(work / "U.npy")]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "pixelpde --help": [*cli, "--help"],
        "pixelpde stencil u_xx": [*cli, "stencil", "u_xx"],
        "pixelpde weights (Fisher)": [*cli, *weights],
        "pixelpde rhs (Fisher, 64x64)": [*cli, *rhs, "--out", str(work / "X.npy")],
    }


def run(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return wall


def import_profile(argv: list[str], env: dict[str, str], top: int) -> list[tuple[float, str]]:
    """The ``top`` largest cumulative import times (s) of top-level packages, from -X importtime."""
    if argv[0] != sys.executable:
        argv = [sys.executable, "-X", "importtime", "-m", "pixelpde", *argv[1:]]
    else:
        argv = [sys.executable, "-X", "importtime", *argv[1:]]
    err = subprocess.run(argv, capture_output=True, text=True, env=env).stderr
    rows = []
    for line in err.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if m and len(m.group(2)) <= 1:  # a module imported from the top level (not nested)
            rows.append((int(m.group(1)) / 1e6, m.group(3)))
    return sorted(rows, reverse=True)[:top]


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7, help="runs of each command (default 7)")
    ap.add_argument("--importtime", action="store_true", help="also show where each command's import time goes")
    ap.add_argument("--top", type=int, default=8, help="modules shown per command with --importtime")
    args = ap.parse_args()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        import numpy as np

        np.save(work / "U.npy", np.random.default_rng(0).uniform(0, 1, (64, 64)))
        cmds = commands(work)
        load_before = os.getloadavg()
        times: dict[str, list[float]] = {name: [] for name in cmds}
        for argv in cmds.values():  # one warm-up run each (file-system caches), not timed
            run(argv, env)
        for _ in range(args.repeats):
            for name, argv in cmds.items():
                times[name].append(run(argv, env))
        load_after = os.getloadavg()
        print(
            f"machine: {cpu_model()}, {os.cpu_count()} CPUs; python {platform.python_version()}; "
            f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
            f"{args.repeats} runs each"
        )
        base = statistics.median(times["python -c pass"])
        print(f"{'command':32s} {'median [s]':>10s} {'min..max [s]':>14s} {'ratio':>7s}")
        for name, ts in times.items():
            med = statistics.median(ts)
            print(f"{name:32s} {med:10.3f} {min(ts):6.3f}..{max(ts):6.3f} {med / base:7.1f}")
        if args.importtime:
            for name, argv in list(cmds.items())[1:]:
                print(f"\n{name}: largest imports (cumulative, s)")
                for seconds, module in import_profile(argv, env, args.top):
                    print(f"  {seconds:7.3f}  {module}")


if __name__ == "__main__":
    main()
