"""``pixelpde reproduce``: simulate -> train -> evaluate -> compare, end to end.

For one problem of section 4 (advection, heat, fisher) with the paper's
network and integrator (:mod:`pixelpde.learned.presets`):

1. simulate training and test trajectories with the finite-element
   generator (:func:`pixelpde.fem.generate`, Appendix A), written to ``OUT/data``;
2. train the network from a random initialisation (``OUT/runs/learned``),
   from the constructive initialisation (``OUT/runs/learned-constructive-init``)
   and, where the paper compares integrators (advection, Figure 3), from a
   random initialisation with each other integrator (``OUT/runs/learned-euler``);
3. evaluate them beside the constructed networks (3 x 3 second order and
   5 x 5 fourth order) on the test trajectories: ``OUT/metrics.json``,
   ``metrics.csv``, ``evaluation.json``, PNG figures and ``OUT/report.md``.

``quick`` uses :data:`pixelpde.learned.presets.SIZES` ``["quick"]`` (a coarse grid, few
trajectories and epochs: minutes on a 2-core CPU); otherwise the paper's
sizes (p = 100, Algorithm 3 in full), which want a GPU.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path

from pixelpde.learned.data import Trajectories
from pixelpde.learned.presets import SIZES, min_norm, preset
from pixelpde.ground.atomic import atomic_path
from pixelpde.ground.errors import InputError


def simulate(problem: str, n: int, steps: int, seed: int, p: int, path: Path, progress: bool, min_norm_value=None, dt=None) -> Trajectories:
    """Generate ``n`` trajectories with :func:`pixelpde.fem.generate` and write them to ``path``.

    For Fisher the generator keeps only initial conditions with
    ``||U^0|| > min_norm_value`` (section 4.3)."""
    from pixelpde.fem import generate, write_dataset

    params = {} if min_norm_value is None else {"min_norm": min_norm_value}
    arrays = generate(problem, n, steps, seed, p=p, dt=dt, progress=progress, **params)
    write_dataset(path, arrays)
    return Trajectories.from_arrays(arrays, source=str(path))


def reproduce(problem: str, out, quick: bool = False, seed: int = 0, progress: bool = True, device: str = "auto", constructive: bool = True, echo=print, nproc: int = 1) -> dict:
    """Run the whole pipeline into ``out``; returns the metrics (``nproc``: data-parallel training workers)."""
    from pixelpde.learned.io import load_run
    from pixelpde.learned.report import evaluate_runs, write_report
    from pixelpde.learned.config import TrainConfig
    from pixelpde.learned.device import pick_device
    from pixelpde.learned.train import train, train_parallel

    pre = preset(problem)
    size = SIZES["quick" if quick else "full"]
    out = Path(out)
    if (out / "runs").exists():
        raise InputError(f"{str(out)!r} already holds a reproduction; choose another --out")
    threshold = min_norm(problem, size.p)
    dt = size.dt(problem)
    timings = {}

    start = time.perf_counter()
    echo(f"[1/3] simulating {problem}: {size.n_train} training and {size.n_test} test trajectories, p = {size.p}")
    train_data = simulate(problem, size.n_train, size.train_steps, seed, size.p, out / "data" / "train.h5", progress, threshold, dt)
    test_data = simulate(problem, size.n_test, size.test_steps, seed + 1, size.p, out / "data" / "test.h5", progress, threshold, dt)
    timings["simulate_s"] = time.perf_counter() - start

    common = dict(
        arch=pre.arch, integrator=pre.integrator, substeps=pre.substeps, stages=size.stages, epochs=size.epochs,
        lr_step=size.lr_step, batch_size=size.batch_size, seed=seed, device=device, windows=size.windows,
    )
    configs = [TrainConfig(**common)]
    if constructive:
        configs.append(TrainConfig(**common, init="constructive", lr=pre.constructive_lr, init_noise=size.constructive_noise))
    for name in pre.also_integrators:
        configs.append(TrainConfig(**{**common, "integrator": name}, name=f"learned-{name}"))
    runs = []
    for config in configs:
        start = time.perf_counter()
        echo(f"[2/3] training {config.name}: {config.arch}, {config.integrator} x{config.substeps}, init {config.init}, lr {config.lr}")
        if nproc > 1:
            train_parallel(nproc, out / "data" / "train.h5", config, out / "runs" / config.name, progress=progress)
        else:
            train(train_data, config, out / "runs" / config.name, progress=progress)
        timings[f"train_{config.name}_s"] = time.perf_counter() - start
        runs.append(load_run(out / "runs" / config.name))

    start = time.perf_counter()
    echo(f"[3/3] evaluating on {test_data.n_trajectories} test trajectories, {size.test_steps} steps")
    metrics = evaluate_runs(runs, test_data, out, size.test_steps, device=pick_device(device), progress=progress, dtype=size.eval_dtype)
    timings["evaluate_s"] = time.perf_counter() - start

    setup = {
        "problem": problem,
        "mode": "quick" if quick else "full",
        "pde": train_data.pde,
        "bc": str(train_data.bc),
        "size": asdict(size),
        "dt": train_data.dt,
        "dx": str(train_data.dx),
        "min_norm": threshold,
        "seed": seed,
        "configs": [c.to_dict() for c in configs],
        "timings": timings,
    }
    with atomic_path(out / "reproduce.json") as tmp:
        tmp.write_text(json.dumps(setup, indent=1) + "\n")
    sections = [
        ("Setup", _setup_text(setup, train_data, test_data, configs)),
        ("Timings", "\n".join(f"- {k[:-2].replace('_', ' ')}: {v:.1f} s" for k, v in timings.items())),
    ]
    figures = ["errors.png"] + [f"figure1-{name}.png" for name in metrics]
    write_report(out, f"pixelpde reproduce {problem}{' --quick' if quick else ''}", sections, metrics, figures)
    return metrics


def _setup_text(setup, train_data, test_data, configs) -> str:
    size = setup["size"]
    lines = [
        f"- PDE `{setup['pde']}`, {setup['bc']} boundary conditions, p = {size['p']}, dx = {setup['dx']}, dt = {setup['dt']:.6g}",
        f"- training data: {train_data.n_trajectories} finite-element trajectories of {train_data.n_steps} steps (seed {setup['seed']})",
        f"- test data: {test_data.n_trajectories} trajectories of {test_data.n_steps} steps (seed {setup['seed'] + 1})",
    ]
    if size["dt_grid"] is not None:
        lines.append(f"- dt is the data generator's default for p = {size['dt_grid']}, so that {size['test_steps']} steps cover the paper's physical time")
    if setup["min_norm"] is not None:
        lines.append(f"- trajectories kept when ||U^0|| > {setup['min_norm']:.4g} (the paper's 10 at p = 100)")
    for c in configs:
        lines.append(
            f"- `{c.name}`: {c.arch}, {c.integrator} with {c.substeps} substeps, init {c.init}"
            f"{f' (noise {c.init_noise})' if c.init == 'constructive' else ''}, stages M = {list(c.stages)}, "
            f"{c.epochs} epochs each, lr {c.lr} (/10 every {c.lr_step} epochs, /5 per stage), batch {c.batch_size}, {c.dtype}"
        )
    lines.append(f"- evaluation in {size['eval_dtype']} against the constructed networks with {configs[0].integrator} x{configs[0].substeps}")
    if setup["mode"] == "quick":
        lines.append("- **quick mode**: a coarse grid and a few epochs, so that it runs in minutes on a CPU; "
                     "the numbers are real but are not the paper's configuration.")
    return "\n".join(lines)
