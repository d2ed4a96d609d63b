"""Training throughput (windows per second) against the paper's plain training loop, not a test.

One window = M steps of the recurrent loss forward and backward (p x p grid,
batch 32, float32).  Three trainers on the same windows, in one run, for the
three problems' settings of section 4 (advection: Table 2, projected Euler x2,
periodic; heat: Table 3, Euler x3; Fisher: Table 4, Euler x3; Dirichlet):

* ``baseline``: the loop as the paper's published code writes it -- eager
  ``nn.Conv2d`` layers (padding by the layer), the Euler substeps inside
  ``forward``, ``nn.MSELoss`` summed over the M steps, Adam, one process;
* ``pixelpde``: :func:`pixelpde.learned.loop.run_epoch`, the code ``pixelpde train``
  runs, in one process;
* ``pixelpde --nproc N``: the same in N data-parallel workers
  (:func:`pixelpde.learned.distributed.launch`, gloo), ``--threads`` each.

Each figure is the best of ``--rounds`` timed passes over ``--batches`` batches
after a warm-up batch (the machine may be shared: the best pass is the least
disturbed); the ratios are against the baseline of the same run.  On a busy
machine wall-clock rates mostly measure the share of the CPU a process gets;
the last columns divide by the CPU time the process used instead (windows per
CPU-second, one process each), which is what a change to the step itself buys.

    python3 bench/bench_training.py                       # p = 100, M = 5, batch 32, N = 2, 1 thread
    python3 bench/bench_training.py --p 32 --M 3 --batches 2 --rounds 1 --problems heat
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

from pixelpde.integrators import get_integrator
from pixelpde.learned.architectures import PRESETS
from pixelpde.learned.config import TrainConfig
from pixelpde.learned.distributed import World, all_reduce_sum, finish, init, launch, world_from_env
from pixelpde.learned.embedding import random_init_
from pixelpde.learned.loop import run_epoch
from pixelpde.learned.presets import PROBLEMS

BC = {"advection": "periodic", "heat": "dirichlet", "fisher": "dirichlet"}


# -- the paper-style loop (the baseline) ------------------------------------------------------------
class PaperStyleNet(nn.Module):
    """Algorithm 2 with ``nn.Conv2d`` layers and the integrator's substeps inside ``forward``."""

    def __init__(self, spec, bc: str, dt: float, substeps: int, projected: bool):
        super().__init__()
        mode = "circular" if bc == "periodic" else "zeros"

        def chain(channels, bias):
            last = len(channels) - 2
            return nn.ModuleList(
                nn.Conv2d(a, b, 3, padding=1, padding_mode=mode, bias=bias and i < last)
                for i, (a, b) in enumerate(itertools.pairwise(channels))
            )

        self.relu = chain(spec.relu, spec.relu_bias)
        self.relu2 = chain(spec.relu2, spec.relu2_bias)
        self.h, self.substeps, self.projected = dt / substeps, substeps, projected

    def vector_field(self, x):
        L, Q = x, x
        for i, conv in enumerate(self.relu):
            L = conv(L)
            if i < len(self.relu) - 1:
                L = torch.relu(L)
        for i, conv in enumerate(self.relu2):
            Q = conv(Q)
            if i < len(self.relu2) - 1:
                Q = torch.relu(Q) ** 2
        return L + Q

    def forward(self, x):
        for _ in range(self.substeps):
            new = x + self.h * self.vector_field(x)
            if self.projected:
                new = new * (
                    torch.linalg.vector_norm(x, dim=(1, 2, 3), keepdim=True)
                    / torch.linalg.vector_norm(new, dim=(1, 2, 3), keepdim=True)
                )
            x = new
        return x


def baseline_rate(problem, U, batch, batches, rounds, dt=1e-3) -> float:
    pre = PROBLEMS[problem]
    torch.manual_seed(0)
    net = PaperStyleNet(PRESETS[pre.arch], BC[problem], dt, pre.substeps, pre.integrator.startswith("projected")).to(
        U.device
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-4)
    criterion = nn.MSELoss()
    M = U.shape[1] - 1

    def step(windows):
        optimizer.zero_grad()
        x, loss = windows[:, :1], 0.0
        for j in range(1, M + 1):
            x = net(x)
            loss = loss + criterion(x, windows[:, j : j + 1])
        loss.backward()
        optimizer.step()
        return loss.item()

    step(U[:batch])  # warm-up
    best, best_cpu = float("inf"), float("inf")
    for _ in range(rounds):
        start, cpu = time.perf_counter(), time.process_time()
        for b in range(batches):
            step(U[b * batch : (b + 1) * batch])
        best, best_cpu = min(best, time.perf_counter() - start), min(best_cpu, time.process_time() - cpu)
    return batch * batches / best, batch * batches / best_cpu


# -- pixelpde's loop -------------------------------------------------------------------------------
def pixelpde_rate(problem, U, batch, batches, rounds, world: World | None = None, dt=1e-3, compile=False) -> float:
    world = World() if world is None else world
    pre = PROBLEMS[problem]
    config = TrainConfig(arch=pre.arch, integrator=pre.integrator, substeps=pre.substeps, batch_size=batch, lr=1e-4)
    model = random_init_(PRESETS[pre.arch].build(BC[problem], torch.float64), torch.Generator().manual_seed(0))
    model = model.to(device=U.device, dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    integrator = get_integrator(pre.integrator, pre.substeps)
    M = U.shape[1] - 1
    index = torch.stack([torch.arange(len(U)), torch.zeros(len(U), dtype=torch.long)], dim=1)
    loss_fn = None
    if compile:
        from pixelpde.learned.train import compiled_loss

        loss_fn = compiled_loss()
    run_epoch(model, optimizer, U, index[:batch], M, dt, integrator, config, 0, 0, world, loss_fn=loss_fn)  # warm-up
    best, best_cpu = float("inf"), float("inf")
    for r in range(rounds):
        cpu = time.process_time()
        row = run_epoch(
            model, optimizer, U, index[: batch * batches], M, dt, integrator, config, 0, r + 1, world, loss_fn=loss_fn
        )
        seconds = torch.tensor([row["seconds"], time.process_time() - cpu], dtype=torch.float64)
        all_reduce_sum(seconds, world)  # wall: the mean over workers; CPU: the sum
        best, best_cpu = min(best, float(seconds[0]) / world.size), min(best_cpu, float(seconds[1]))
    return batch * batches / best, batch * batches / best_cpu


def _worker(options) -> int:
    world = world_from_env()
    init(world, torch.device("cpu"))
    try:
        U = windows(options)
        rate = pixelpde_rate(
            options["problem"],
            U,
            options["batch"],
            options["batches"],
            options["rounds"],
            world,
            compile=options.get("compile", False),
        )[0]
        if world.main:
            Path(options["result"]).write_text(json.dumps(rate))
    finally:
        finish()
    return 0


def parallel_rate(nproc: int, options: dict, threads: int) -> float:
    """windows/s of ``nproc`` data-parallel pixelpde workers (all workers' windows counted)."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "rate.json"
        code, message = launch(nproc, _worker, {**options, "result": str(result)}, threads=threads)
        if code:
            raise SystemExit(f"--nproc {nproc} failed: {message}")
        return json.loads(result.read_text())


def windows(options) -> torch.Tensor:
    g = torch.Generator().manual_seed(1)
    n = options["batch"] * options["batches"]
    return torch.rand(n, options["M"] + 1, options["p"], options["p"], generator=g)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--p", type=int, default=100)
    parser.add_argument("--M", type=int, default=5, help="window length M (the last stage of Algorithm 3)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--batches", type=int, default=3, help="batches per timed pass")
    parser.add_argument("--rounds", type=int, default=2, help="timed passes; the best counts")
    parser.add_argument(
        "--threads", type=int, default=1, help="CPU threads of the baseline and of each pixelpde process"
    )
    parser.add_argument("--nproc", type=int, default=2, help="workers of the data-parallel run (0: skip it)")
    parser.add_argument("--problems", default="advection,heat,fisher")
    parser.add_argument(
        "--compile", action="store_true", help="also time pixelpde with torch.compile (compiles for minutes)"
    )
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or auto (the --nproc run: CPU only)")
    args = parser.parse_args()
    from pixelpde.learned.device import pick_device

    device = pick_device(args.device)
    torch.set_num_threads(args.threads)
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    print(
        f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start"
    )
    print(
        f"p = {args.p}, M = {args.M}, batch {args.batch}, float32, {args.threads} thread(s) per process; "
        f"windows/s, best of {args.rounds} x {args.batches} batches"
    )
    header = f"  {'problem':<10} {'baseline':>9} {'pixelpde':>9} {'ratio':>6}"
    if args.nproc > 1:
        header += f" {f'--nproc {args.nproc}':>10} {'ratio':>6}"
    header += "   | per CPU-second: baseline, pixelpde, ratio"
    print(f"device: {torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'}")
    print(header)
    options = {k: getattr(args, k) for k in ("p", "M", "batch", "batches", "rounds")}
    for problem in args.problems.split(","):
        U = windows(options).to(device)
        base, base_cpu = baseline_rate(problem, U, args.batch, args.batches, args.rounds)
        ours, ours_cpu = pixelpde_rate(problem, U, args.batch, args.batches, args.rounds)
        line = f"  {problem:<10} {base:9.2f} {ours:9.2f} {ours / base:5.2f}x"
        if args.compile:
            fast, fast_cpu = pixelpde_rate(problem, U, args.batch, args.batches, args.rounds, compile=True)
            print(
                f"  {problem:<10} --compile: {fast:.2f} windows/s ({fast / base:.2f}x), {fast_cpu:.2f} per CPU-second "
                f"({fast_cpu / base_cpu:.2f}x)",
                flush=True,
            )
        tail = f"   | {base_cpu:.2f}, {ours_cpu:.2f}, {ours_cpu / base_cpu:.2f}x"
        if args.nproc > 1:
            many = parallel_rate(args.nproc, {**options, "problem": problem}, args.threads)
            line += f" {many:10.2f} {many / base:5.2f}x"
        print(line + tail, flush=True)
        if args.nproc > 1 and args.compile:
            many = parallel_rate(args.nproc, {**options, "problem": problem, "compile": True}, args.threads)
            print(
                f"  {problem:<10} --compile --nproc {args.nproc}: {many:.2f} windows/s ({many / base:.2f}x)", flush=True
            )
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at end")


if __name__ == "__main__":
    main()
