"""Training throughput of the paper's networks (windows per second), not a test.

One optimisation step of the recurrent loss (forward rollout through the
shared integrator, backward, Adam) on random windows of M+1 snapshots of a
p x p grid, for the three problems' settings of section 4 (Table 2 with
projected Euler x2, Table 3 and Table 4 with Euler x3).  Prints windows/s on
the CPU and, when CUDA is present, on the GPU.

    python3 bench/bench_training.py                 # p = 100, M = 5, batch 32
    python3 bench/bench_training.py --p 32 --M 3 --threads 1
"""

from __future__ import annotations

import argparse
import platform
import time


import torch  # noqa: E402

from pixelpde.integrators import get_integrator  # noqa: E402
from pixelpde.learned.architectures import PRESETS  # noqa: E402
from pixelpde.learned.embedding import random_init_  # noqa: E402
from pixelpde.learned.presets import PROBLEMS  # noqa: E402
from pixelpde.learned.loop import batch_loss  # noqa: E402


def bench(problem: str, device: torch.device, p: int, M: int, batch: int, repeats: int, dtype=torch.float32) -> float:
    pre = PROBLEMS[problem]
    bc = "periodic" if problem == "advection" else "dirichlet"
    model = random_init_(PRESETS[pre.arch].build(bc, torch.float64), torch.Generator().manual_seed(0))
    model = model.to(device=device, dtype=dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    integrator = get_integrator(pre.integrator, pre.substeps)
    windows = torch.rand(batch, M + 1, p, p, device=device, dtype=dtype, generator=None)

    def step():
        loss = batch_loss(model, windows, 1e-3, integrator)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    step()  # warm-up
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return batch * repeats / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--p", type=int, default=100)
    parser.add_argument("--M", type=int, default=5, help="window length M (the last stage of Algorithm 3)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {torch.get_num_threads()} CPU threads")
    print(f"p = {args.p}, M = {args.M}, batch {args.batch}, float32; windows/s (one window = M steps forward + backward)")
    for device in devices:
        name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
        repeats = args.repeats * (20 if device.type == "cuda" else 1)
        for problem, pre in PROBLEMS.items():
            rate = bench(problem, device, args.p, args.M, args.batch, repeats)
            print(f"  {name:>24}  {problem:<9}  {pre.arch}  {pre.integrator} x{pre.substeps}:  {rate:8.1f} windows/s")


if __name__ == "__main__":
    main()
