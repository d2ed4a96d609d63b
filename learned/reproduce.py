"""``pixelpde reproduce``: simulate -> train -> evaluate -> compare, end to end.

For one problem of section 4 (advection, heat, fisher) with the paper's
network and integrator (:mod:`pixelpde.learned.presets`), or one system (gray-scott,
lambda-omega: spectral data, a two-channel Algorithm 2 network, a PeRCNN-style baseline and
metrics per field, ``metrics-fields.json``):

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

Running it again into the same ``out`` is safe.  ``OUT/reproduce-config.json``
records the configuration and its fingerprint (SHA-256 of the canonical JSON)
before any work starts; a second call with the same configuration reports a
finished reproduction and reuses it, or continues an incomplete one (reuses the
data files and finished runs, resumes a run from its checkpoint, re-evaluates);
``force=True`` starts over; a folder holding another configuration is refused.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import asdict
from pathlib import Path

from pixelpde.ground.atomic import atomic_path
from pixelpde.ground.errors import InputError
from pixelpde.learned.data import Trajectories
from pixelpde.learned.presets import SIZES, SYSTEMS, min_norm, preset


def simulate(
    problem: str, n: int, steps: int, seed: int, p: int, path: Path, progress: bool, min_norm_value=None, dt=None
) -> Trajectories:
    """Generate ``n`` trajectories with :func:`pixelpde.fem.generate` (or, for a system, the spectral
    generator's preset of the same name, :mod:`pixelpde.spectral`) and write them to ``path``.

    For Fisher the generator keeps only initial conditions with
    ``||U^0|| > min_norm_value`` (section 4.3)."""
    if preset(problem).generator == "spectral":
        from pixelpde.spectral import SpectralSpec, write_simulation

        path.parent.mkdir(parents=True, exist_ok=True)
        write_simulation(path, SpectralSpec(n=n, steps=steps, seed=seed, preset=problem, p=p, dt=dt), progress=progress)
        return Trajectories.open(path)
    from pixelpde.fem import generate, write_dataset

    params = {} if min_norm_value is None else {"min_norm": min_norm_value}
    arrays = generate(problem, n, steps, seed, p=p, dt=dt, progress=progress, **params)
    write_dataset(path, arrays)
    return Trajectories.from_arrays(arrays, source=str(path))


#: What ``reproduce`` writes into ``out`` (``--force`` removes exactly these).
OUTPUTS = (
    "data",
    "runs",
    "metrics.json",
    "metrics-fields.json",
    "metrics.csv",
    "evaluation.json",
    "errors.png",
    "report.md",
    "reproduce.json",
)
CONFIG = "reproduce-config.json"


def training_configs(problem: str, size, seed: int, device: str, constructive: bool) -> list:
    """The training runs of one reproduction: random init, constructive init, other integrators."""
    from pixelpde.learned.config import TrainConfig

    pre = preset(problem)
    common = dict(
        arch=pre.arch,
        integrator=pre.integrator,
        substeps=pre.substeps,
        stages=size.stages,
        epochs=size.epochs,
        lr_step=size.lr_step,
        batch_size=size.batch_size,
        seed=seed,
        device=device,
        windows=size.windows,
    )
    configs = [TrainConfig(**common)]
    if constructive:
        configs.append(
            TrainConfig(**common, init="constructive", lr=pre.constructive_lr, init_noise=size.constructive_noise)
        )
    for name in pre.also_integrators:
        configs.append(TrainConfig(**{**common, "integrator": name}, name=f"learned-{name}"))
    if pre.baseline is not None:
        configs.append(TrainConfig(**{**common, "arch": pre.baseline}, name=f"baseline-{pre.baseline.split(':')[0]}"))
    return configs


def configuration(problem: str, quick: bool, size, seed: int, configs) -> dict:
    """What determines the results (not the device): recorded, and fingerprinted."""
    return {
        "problem": problem,
        "mode": "quick" if quick else "full",
        "size": asdict(size),
        "seed": seed,
        "configs": [{k: v for k, v in c.to_dict().items() if k != "device"} for c in configs],
    }


def fingerprint(config: dict) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


def _remove_outputs(out: Path) -> None:
    for name in (*OUTPUTS, CONFIG):
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    for fig in out.glob("figure1-*.png"):
        fig.unlink()


def _claim(out: Path, config: dict, force: bool) -> bool:
    """Make ``out`` this configuration's folder; whether a finished reproduction is there."""
    record_path = out / CONFIG
    mine = fingerprint(config)
    if force:
        _remove_outputs(out)
    elif record_path.is_file():
        try:
            theirs = json.loads(record_path.read_text()).get("fingerprint")
        except (ValueError, AttributeError):
            theirs = None
        if theirs != mine:
            raise InputError(
                f"{str(out)!r} holds a reproduction of another configuration; use --force to start over or choose another --out"
            )
        return (out / "reproduce.json").is_file() and (out / "report.md").is_file() and (out / "metrics.json").is_file()
    elif any((out / name).exists() for name in OUTPUTS):
        raise InputError(
            f"{str(out)!r} holds files of an unrecorded reproduction; use --force to start over or choose another --out"
        )
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(record_path) as tmp:
        tmp.write_text(json.dumps({"fingerprint": mine, "configuration": config}, indent=1, default=str) + "\n")
    return False


def _dataset(problem, n, steps, seed, p, path: Path, progress, threshold, dt, echo) -> Trajectories:
    """The data file at ``path``, reused when a previous call wrote it (files are written atomically)."""
    if path.is_file():
        echo(f"      reusing {path}")
        return Trajectories.open(path)
    return simulate(problem, n, steps, seed, p, path, progress, threshold, dt)


def reproduce(
    problem: str,
    out,
    quick: bool = False,
    seed: int = 0,
    progress: bool = True,
    device: str = "auto",
    constructive: bool = True,
    echo=print,
    force: bool = False,
    nproc: int = 1,
) -> dict:
    """Run the whole pipeline into ``out`` (or reuse / continue what is there); returns the metrics
    (``nproc``: data-parallel training workers)."""
    from pixelpde.learned.device import pick_device
    from pixelpde.learned.evaluate import evaluate_runs
    from pixelpde.learned.io import load_run
    from pixelpde.learned.report import write_evaluation, write_report
    from pixelpde.learned.runfiles import CHECKPOINT, MODEL
    from pixelpde.learned.train import train, train_parallel

    size = SIZES["quick" if quick else "full"]
    out = Path(out)
    configs = training_configs(problem, size, seed, device, constructive)
    recorded = configuration(problem, quick, size, seed, configs)
    if _claim(out, recorded, force):
        echo(f"{str(out)!r} already holds this reproduction, finished: see {out / 'report.md'} (--force starts over)")
        from pixelpde.ground.schema import Field, check_value, read_json
        from pixelpde.learned.report import with_unit_keys

        metrics = out / "metrics.json"
        curve = Field("list", item=Field("float", nullable=True), max_len=10**6 + 1)
        table = Field("map", item=Field("map", item=curve, max_len=16), max_len=64)
        checked = check_value(read_json(metrics, "metrics"), table, f"metrics {str(metrics)!r}", "metrics")
        return {name: with_unit_keys(m) for name, m in checked.items()}
    threshold = min_norm(problem, size.p)
    dt = size.dt(problem)
    timings = {}

    start = time.perf_counter()
    echo(f"[1/3] simulating {problem}: {size.n_train} training and {size.n_test} test trajectories, p = {size.p}")
    train_data = _dataset(
        problem, size.n_train, size.train_steps, seed, size.p, out / "data" / "train.h5", progress, threshold, dt, echo
    )
    test_data = _dataset(
        problem, size.n_test, size.test_steps, seed + 1, size.p, out / "data" / "test.h5", progress, threshold, dt, echo
    )
    timings["simulate_s"] = time.perf_counter() - start

    runs = []
    for config in configs:
        start = time.perf_counter()
        run_dir = out / "runs" / config.name
        if (run_dir / MODEL).is_file():
            echo(f"[2/3] reusing the finished run {run_dir}")
        else:
            resume = (run_dir / CHECKPOINT).is_file()
            echo(
                f"[2/3] {'resuming' if resume else 'training'} {config.name}: {config.arch}, {config.integrator} x{config.substeps}, init {config.init}, lr {config.lr}"
            )
            if nproc > 1:
                train_parallel(nproc, out / "data" / "train.h5", config, run_dir, progress=progress, resume=resume)
            else:
                train(train_data, config, run_dir, resume=resume, progress=progress)
        timings[f"train_{config.name}_s"] = time.perf_counter() - start
        runs.append(load_run(run_dir))

    start = time.perf_counter()
    echo(f"[3/3] evaluating on {test_data.n_trajectories} test trajectories, {size.test_steps} steps")
    evaluation = evaluate_runs(
        runs, test_data, size.test_steps, device=pick_device(device), progress=progress, dtype=size.eval_dtype
    )
    metrics = write_evaluation(out, evaluation, test_data)
    per_field = _field_metrics(out, evaluation, test_data)
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
        "fingerprint": fingerprint(recorded),
        "timings": timings,
    }
    with atomic_path(out / "reproduce.json") as tmp:
        tmp.write_text(json.dumps(setup, indent=1) + "\n")
    sections = [
        ("Setup", _setup_text(setup, train_data, test_data, configs)),
        *([("Per field", _field_text(per_field, size.test_steps))] if per_field else []),
        ("Timings", "\n".join(f"- {k[:-2].replace('_', ' ')}: {v:.1f} s" for k, v in timings.items())),
    ]
    figures = ["errors.png"] + [f"figure1-{name}.png" for name in metrics]
    after = [("The paper-size run", _paper_size_text(problem, quick, seed))] if problem not in SYSTEMS else []
    write_report(out, f"pixelpde reproduce {problem}{' --quick' if quick else ''}", sections, metrics, figures, after)
    return metrics


def _setup_text(setup, train_data, test_data, configs) -> str:
    size = setup["size"]
    lines = [
        f"- PDE `{setup['pde']}`, {setup['bc']} boundary conditions, p = {size['p']}, dx = {setup['dx']}, dt = {setup['dt']:.6g}",
        f"- training data: {train_data.n_trajectories} {_kind(setup['problem'])} trajectories of {train_data.n_steps} steps (seed {setup['seed']})",
        f"- test data: {test_data.n_trajectories} trajectories of {test_data.n_steps} steps (seed {setup['seed'] + 1})",
    ]
    if size["dt_grid"] is not None and preset(setup["problem"]).generator == "fem":
        lines.append(
            f"- dt is the data generator's default for p = {size['dt_grid']}, so that {size['test_steps']} steps cover the paper's physical time"
        )
    if setup["min_norm"] is not None:
        lines.append(f"- trajectories kept when ||U^0|| > {setup['min_norm']:.4g} (the paper's 10 at p = 100)")
    for c in configs:
        lines.append(
            f"- `{c.name}`: {c.arch}, {c.integrator} with {c.substeps} substeps, init {c.init}"
            f"{f' (noise {c.init_noise})' if c.init == 'constructive' else ''}, stages M = {list(c.stages)}, "
            f"{c.epochs} epochs each, lr {c.lr} (/10 every {c.lr_step} epochs, /5 per stage), batch {c.batch_size}, {c.dtype}"
        )
    lines.append(
        f"- evaluation in {size['eval_dtype']} against the constructed networks with {configs[0].integrator} x{configs[0].substeps}"
    )
    if setup["mode"] == "quick":
        lines.append(
            "- **quick mode**: a coarse grid and a few epochs, so that it runs in minutes on a CPU; "
            "the numbers are real but are not the paper's configuration."
        )
    return "\n".join(lines)


def _kind(problem: str) -> str:
    return "spectral (ETDRK4)" if preset(problem).generator == "spectral" else "finite-element"


def _field_metrics(out: Path, evaluation, test: Trajectories) -> dict:
    """Metrics (23)-(25) of every model on each field of a system, written to ``metrics-fields.json``
    (``{model: {field: {"maxE": [...], "mse": [...], "rE_frac": [...]}}}``, fractions); ``{}`` for a scalar PDE."""
    from pixelpde.learned.evaluate import field_metrics

    if test.channels == 1:
        return {}
    fields = str(test.attrs.get("fields", "")).split(",")
    if len(fields) != test.channels:
        fields = [f"field {c}" for c in range(test.channels)]
    steps = evaluation.record["steps"]
    out_metrics = {
        name: field_metrics(pred, test.U[:, : steps + 1], fields) for name, pred in evaluation.predictions.items()
    }
    with atomic_path(out / "metrics-fields.json") as tmp:
        tmp.write_text(json.dumps(out_metrics, indent=1, default=lambda x: None) + "\n")
    return out_metrics


def _field_text(per_field: dict, steps: int) -> str:
    from pixelpde.learned.report import percent

    fields = list(next(iter(per_field.values())))
    lines = [
        f"rE({steps}) of each field (eq. (25), in per cent):",
        "",
        "| model | " + " | ".join(fields) + " |",
        "|---|" + "---|" * len(fields),
    ]
    for name, by_field in per_field.items():
        cells = [percent(by_field[f]["rE_frac"][-1], 4) for f in fields]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _paper_size_text(problem: str, quick: bool, seed: int) -> str:
    full = SIZES["full"]
    command = f"pixelpde reproduce {problem} --out runs/{problem}-full" + (f" --seed {seed}" if seed else "")
    text = (
        f"The paper's configuration (p = {full.p}, {full.n_train} training trajectories, Algorithm 3 in full: "
        f"{full.epochs} epochs per stage M = {', '.join(map(str, full.stages))}) runs with\n\n```bash\n{command}\n```\n\n"
        "It wants a GPU (hours per trained network on a CPU); rerunning the same command continues an interrupted run."
    )
    return text if quick else "This report is the paper-size run:\n\n```bash\n" + command + "\n```"
