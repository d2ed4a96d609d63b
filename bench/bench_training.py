"""Training throughput at equal hardware: pixelpde's best configuration on N cores against the
paper's plain training loop given the same N cores; not a test.

One window = M steps of the recurrent loss forward and backward (p x p grid,
batch 32, float32), for the three problems' settings of section 4 (advection:
Table 2, projected Euler x2, periodic; heat: Table 3, Euler x3; Fisher: Table
4, Euler x3; Dirichlet).  The trainers, on the same windows, in one run:

* ``baseline``: the loop as the paper's published code writes it -- eager
  ``nn.Conv2d`` layers (padding by the layer), the Euler substeps inside
  ``forward``, ``nn.MSELoss`` summed over the M steps, Adam, one process --
  with every thread count t = 1..N (:func:`configurations`); its best counts;
* ``pixelpde``: :func:`pixelpde.learned.loop.run_epoch` (what ``pixelpde train``
  runs) as n data-parallel processes of N // n threads for every divisor n of N
  (``--nproc n --threads N/n``; n = 1 is one process with N threads), eager and
  with ``--compile``; the best eager and the best compiled configuration count.

Each rate is the best of ``--rounds`` timed passes over ``--batches`` batches
after a warm-up batch (the machine may be shared: the best pass is the least
disturbed).  The compiled configurations' warm-up batch holds the compilation;
its time is reported separately, and :func:`equal_hardware` amortises it over
a paper-size run (Algorithm 3 with ``--windows first``: 3 stages x 100 epochs x
1000 windows, :data:`PAPER_WINDOWS`; one compilation per stage and batch shape,
:data:`PAPER_COMPILES`).  The load average is printed at the start and the end
of every problem: on a busy machine the rates measure the share of the CPU
each trainer was given, not the step.

    python3 bench/bench_training.py                        # p = 100, M = 5, batch 32, N = all cores
    python3 bench/bench_training.py --cores 2 --no-compile --problems heat
    python3 bench/bench_training.py --dry                  # tiny sizes (p = 8): checks the pipeline in seconds
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from pixelpde.integrators import get_integrator
from pixelpde.learned.architectures import PRESETS
from pixelpde.learned.config import TrainConfig
from pixelpde.learned.distributed import SINGLE, World, all_reduce_sum, finish, init, launch, world_from_env
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


def baseline_rate(problem, U, batch, batches, rounds, dt=1e-3):
    """(windows/s, windows per CPU-second) of the paper-style loop, in this process and its threads."""
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
def pixelpde_rate(problem, U, batch, batches, rounds, world: World = SINGLE, dt=1e-3, compile=False):
    """(windows/s, windows per CPU-second, warm-up seconds) of :func:`run_epoch`; with ``compile`` the
    warm-up batch holds the compilation (the wall time of rank 0's)."""
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
    start = time.perf_counter()
    run_epoch(model, optimizer, U, index[:batch], M, dt, integrator, config, 0, 0, world, loss_fn=loss_fn)  # warm-up
    warmup = time.perf_counter() - start
    best, best_cpu = float("inf"), float("inf")
    for r in range(rounds):
        cpu = time.process_time()
        row = run_epoch(
            model, optimizer, U, index[: batch * batches], M, dt, integrator, config, 0, r + 1, world, loss_fn=loss_fn
        )
        seconds = torch.tensor([row["seconds"], time.process_time() - cpu], dtype=torch.float64)
        all_reduce_sum(seconds, world)  # wall: the mean over workers; CPU: the sum
        best, best_cpu = min(best, float(seconds[0]) / world.size), min(best_cpu, float(seconds[1]))
    return batch * batches / best, batch * batches / best_cpu, warmup


def _worker(options) -> int:
    world = world_from_env()
    init(world, torch.device("cpu"))
    try:
        U = windows(options)
        rate, _, warmup = pixelpde_rate(
            options["problem"],
            U,
            options["batch"],
            options["batches"],
            options["rounds"],
            world,
            compile=options.get("compile", False),
        )
        if world.main:
            Path(options["result"]).write_text(json.dumps([rate, warmup]))
    finally:
        finish()
    return 0


def parallel_rate(nproc: int, options: dict, threads: int) -> tuple[float, float]:
    """(windows/s, warm-up seconds) of ``nproc`` data-parallel pixelpde workers (all workers' windows counted)."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "rate.json"
        code, message = launch(nproc, _worker, {**options, "result": str(result)}, threads=threads)
        if code:
            raise SystemExit(f"--nproc {nproc} failed: {message}")
        rate, warmup = json.loads(result.read_text())
        return rate, warmup


def windows(options) -> torch.Tensor:
    g = torch.Generator().manual_seed(1)
    n = options["batch"] * options["batches"]
    return torch.rand(n, options["M"] + 1, options["p"], options["p"], generator=g)


# -- equal hardware: the configurations and the comparison ------------------------------------------
#: A paper-size run of Algorithm 3 with --windows first: 3 stages x 100 epochs x 1000 windows.
PAPER_WINDOWS = 3 * 100 * 1000
#: Compilations of such a run: per stage (window length M), one for the full batches of 32 and one
#: for the last, short batch (1000 = 31 x 32 + 8).
PAPER_COMPILES = 3 * 2


@dataclass(frozen=True)
class Config:
    """One way to use the N cores: ``nproc`` processes of ``threads`` threads each."""

    trainer: str  # "baseline" or "pixelpde"
    nproc: int
    threads: int
    compiled: bool = False

    def label(self) -> str:
        if self.trainer == "baseline":
            return f"{self.threads} thread{'s' if self.threads > 1 else ''}"
        many = f"--nproc {self.nproc} --threads {self.threads}" if self.nproc > 1 else f"--threads {self.threads}"
        return many + (" --compile" if self.compiled else "")


def configurations(cores: int, compiled: bool = True) -> list[Config]:
    """Everything timed on ``cores`` cores: the baseline (one process) with 1..cores threads; pixelpde
    as n processes of cores // n threads for every divisor n of ``cores``, eager and (``compiled``)
    compiled.  No configuration uses more than ``cores`` threads in all."""
    if not (isinstance(cores, int) and cores >= 1):
        raise SystemExit(f"--cores {cores!r} must be a positive integer")
    out = [Config("baseline", 1, t) for t in range(1, cores + 1)]
    for compile_ in (False, True) if compiled else (False,):
        out += [Config("pixelpde", n, cores // n, compile_) for n in range(1, cores + 1) if cores % n == 0]
    return out


@dataclass
class Timing:
    config: Config
    rate: float  # windows per second (all processes' windows)
    warmup_s: float = 0.0  # the warm-up batch's wall time: holds the compilation when compiled


def _best(timings: list[Timing], trainer: str, compiled: bool) -> Timing | None:
    chosen = [t for t in timings if t.config.trainer == trainer and t.config.compiled == compiled]
    return max(chosen, key=lambda t: t.rate, default=None)


def equal_hardware(timings: list[Timing], paper_windows: int = PAPER_WINDOWS, compiles: int = PAPER_COMPILES) -> dict:
    """Best baseline, best pixelpde eager and best pixelpde compiled configuration, and the ratios
    of their rates.  ``amortised``: the compiled ratio over a run of ``paper_windows`` windows that
    compiles ``compiles`` times, each costing the compiled configuration's warm-up time
    (``paper_windows / (paper_windows / rate + compiles * warmup)`` windows/s)."""
    base = _best(timings, "baseline", False)
    if base is None:
        raise ValueError("no baseline timing")
    out = {"baseline": {"config": base.config.label(), "rate": base.rate}}
    for name, compiled in (("eager", False), ("compiled", True)):
        best = _best(timings, "pixelpde", compiled)
        if best is None:
            continue
        row = {"config": best.config.label(), "rate": best.rate, "ratio": best.rate / base.rate}
        if compiled:
            seconds = paper_windows / best.rate + compiles * best.warmup_s
            row.update(compile_s=best.warmup_s, amortised=paper_windows / seconds / base.rate)
        out[name] = row
    return out


def _load() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"


def time_configuration(config: Config, problem: str, options: dict, device) -> Timing:
    """Rate of one configuration on ``problem`` (processes spawned for nproc > 1)."""
    if config.nproc > 1:
        rate, warmup = parallel_rate(
            config.nproc, {**options, "problem": problem, "compile": config.compiled}, config.threads
        )
        return Timing(config, rate, warmup)
    torch.set_num_threads(config.threads)
    U = windows(options).to(device)
    args = (problem, U, options["batch"], options["batches"], options["rounds"])
    if config.trainer == "baseline":
        return Timing(config, baseline_rate(*args)[0])
    rate, _, warmup = pixelpde_rate(*args, compile=config.compiled)
    return Timing(config, rate, warmup)


DRY = {"p": 8, "M": 2, "batch": 4, "batches": 1, "rounds": 1}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--p", type=int, default=100)
    parser.add_argument("--M", type=int, default=5, help="window length M (the last stage of Algorithm 3)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--batches", type=int, default=3, help="batches per timed pass")
    parser.add_argument("--rounds", type=int, default=2, help="timed passes; the best counts")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1, help="N: the cores every trainer gets")
    parser.add_argument("--problems", default="advection,heat,fisher")
    parser.add_argument("--no-compile", action="store_true", help="skip the compiled configurations (minutes each)")
    parser.add_argument("--dry", action="store_true", help=f"tiny sizes {DRY}: checks the pipeline in seconds")
    parser.add_argument("--json", default=None, help="also write every timing and the comparison here")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or auto (multi-process runs: CPU only)")
    args = parser.parse_args(argv)
    from pixelpde.learned.device import pick_device

    device = pick_device(args.device)
    options = {k: getattr(args, k) for k in ("p", "M", "batch", "batches", "rounds")}
    if args.dry:
        options = dict(DRY)
    configs = configurations(args.cores, compiled=not args.no_compile)
    threads_before = torch.get_num_threads()
    print(
        f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"N = {args.cores} cores for every trainer; load average {_load()} at start"
    )
    print(
        f"p = {options['p']}, M = {options['M']}, batch {options['batch']}, float32; windows/s, best of "
        f"{options['rounds']} x {options['batches']} batches; device "
        f"{torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'}"
    )
    report = {"options": options, "cores": args.cores, "load_start": _load(), "problems": {}}
    try:
        for problem in args.problems.split(","):
            load = _load()
            timings = [time_configuration(c, problem, options, device) for c in configs]
            summary = equal_hardware(timings)
            report["problems"][problem] = {
                "timings": [{**asdict(t.config), "rate": t.rate, "warmup_s": t.warmup_s} for t in timings],
                "summary": summary,
                "load": [load, _load()],
            }
            print(f"{problem} (load {load} -> {_load()})")
            for t in timings:
                extra = f", warm-up {t.warmup_s:.1f} s" if t.config.compiled else ""
                print(f"  {t.config.trainer:<8} {t.config.label():<34} {t.rate:9.3f} windows/s{extra}")
            b = summary["baseline"]
            line = f"  equal hardware: baseline best {b['rate']:.3f} ({b['config']})"
            for name in ("eager", "compiled"):
                if name in summary:
                    s = summary[name]
                    line += f"; pixelpde {name} {s['rate']:.3f} ({s['config']}) {s['ratio']:.2f}x"
                    if name == "compiled":
                        line += (
                            f", compile {s['compile_s']:.0f} s, amortised over a paper-size run {s['amortised']:.2f}x"
                        )
            print(line, flush=True)
    finally:
        torch.set_num_threads(threads_before)
    report["load_end"] = _load()
    print(f"load average {report['load_end']} at end")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
    return report


if __name__ == "__main__":
    main()
