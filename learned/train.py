r"""Recurrent training with the schedule of Algorithm 3 (section 2.3 and 4): the entry point.

:func:`train` is the one function that trains a network, in one process or
as one of several data-parallel workers; it puts together

* :mod:`pixelpde.learned.config` -- :class:`TrainConfig`, every number of Algorithm 3;
* :mod:`pixelpde.learned.timestep` -- the dt policy (the dataset's dt, mismatches refused);
* :mod:`pixelpde.learned.device` -- CUDA when present, one GPU per worker;
* :mod:`pixelpde.learned.loop` -- the loss and one epoch of Adam steps;
* :mod:`pixelpde.learned.distributed` -- the workers' shards and the gradient all-reduce;
* :mod:`pixelpde.learned.runfiles` -- checkpoint, logs and ``model.pt``, written atomically;
* :mod:`pixelpde.learned.curve` -- the learning curve (rE on held-out data every few epochs).

Algorithm 3 (defaults of :class:`TrainConfig`): stages M = 3, 4, 5; 100
epochs per stage; Adam; batch 32; lr of epoch e of stage k
:math:`10^{-2} \cdot 5^{-k} \cdot 10^{-\lfloor e / 30 \rfloor}`.  One Adam
optimiser runs through all stages; only its learning rate is reset.

Reproducibility: the initialisation is drawn from a generator seeded with
``seed``; the window order of each epoch is a permutation seeded by
``(seed, stage, epoch)``, so an interrupted run resumed from its checkpoint
takes the same steps as an uninterrupted one and ends with the same weights,
and N workers take the same steps as one process (to rounding: the global
batch's sum is split into N partial sums).  A checkpoint is written
atomically after every epoch; a non-finite loss or gradient stops training
with :class:`TrainingDiverged`, leaving the last good checkpoint in place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import torch

from pixelpde.ground.errors import InputError
from pixelpde.integrators import get_integrator
from pixelpde.learned import loop
from pixelpde.learned.config import DTYPES, TrainConfig
from pixelpde.learned.curve import Curve, write_curve
from pixelpde.learned.data import Trajectories, training_windows
from pixelpde.learned.device import deterministic, pick_device
from pixelpde.learned.distributed import SINGLE, World, check_world
from pixelpde.learned.loop import TrainingDiverged, batch_loss
from pixelpde.learned.runfiles import (
    CHECKPOINT,
    MODEL,
    kept_message,
    load_checkpoint,
    save_checkpoint,
    save_model,
    write_log,
)
from pixelpde.learned.timestep import model_dt

__all__ = [
    "CHECKPOINT",
    "MODEL",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "batch_loss",
    "build_model",
    "train",
]


def build_model(config: TrainConfig, data: Trajectories, generator: torch.Generator, initialise: bool = True):
    """The architecture of ``config.arch``, initialised (float64, CPU); returns (spec, sd, model).

    ``initialise=False`` skips the initialisation (for ``--resume``, whose checkpoint holds every
    weight: the fitted initialisation alone costs minutes of least squares and L-BFGS at p = 100)."""
    from pixelpde.learned.architectures import parse_arch
    from pixelpde.learned.embedding import constructive_init_, random_init_

    arch_sd = data.semidiscrete()
    spec = parse_arch(
        config.arch,
        n=arch_sd.n,
        relu_bias=config.relu_bias,
        relu2_bias=config.relu2_bias,
        size=config.kernel_size,
        fields=data.channels,
    )
    if getattr(spec, "fields", 1) != data.channels:
        raise InputError(
            f"architecture {config.arch!r} has {getattr(spec, 'fields', 1)} field channel(s), the data {data.channels}"
        )
    sd = arch_sd if spec.size == arch_sd.size else data.semidiscrete(size=spec.size)
    model = spec.build(data.bc, dtype=torch.float64)
    if not initialise:
        pass
    elif config.init == "constructive":
        constructive_init_(model, spec, sd, config.init_noise, generator)
    elif config.init == "fitted":
        from pixelpde.learned.fitted import fitted_init_

        fitted_init_(
            model, spec, data, model_dt(config, data.dt), get_integrator(config.integrator, config.substeps), generator
        )
    else:
        random_init_(model, generator, mean_free=config.mean_free)
    return spec, sd, model


@dataclass
class TrainResult:
    model: torch.nn.Module
    spec: object
    config: TrainConfig
    dt: float
    log: list = field(default_factory=list)
    finished: bool = True
    out: Path | None = None

    @property
    def final_loss(self) -> float | None:
        """The loss of the last epoch trained (None before any)."""
        return self.log[-1]["loss"] if self.log else None


def train(
    data: Trajectories,
    config: TrainConfig,
    out: str | Path,
    resume: bool = False,
    progress: bool = True,
    max_epochs: int | None = None,
    world: World = SINGLE,
) -> TrainResult:
    """Train ``config.arch`` on the windows of ``data`` (Algorithm 3) into ``out``.

    Writes ``out/checkpoint.pt`` after every epoch, ``out/log.csv`` and
    ``out/log.json``, and at the end ``out/model.pt`` with its JSON sidecar
    (loadable by ``pixelpde apply``).  ``max_epochs`` stops after that many
    epochs of this call (an interruption, for tests) with ``finished=False``.

    ``world`` (:mod:`pixelpde.learned.distributed`): this process's rank among
    data-parallel workers, which must have joined the process group; every rank
    calls :func:`train` with the same arguments, rank 0 writes the files.
    """
    out = Path(out)
    dt = model_dt(config, data.dt)
    check_world(world, config.batch_size)
    device = pick_device(config.device, world.local_rank if world.size > 1 else None)
    dtype = DTYPES[config.dtype]
    deterministic(device)
    integrator = get_integrator(config.integrator, config.substeps)
    indices = [training_windows(data, M + 1, config.windows, config.window_stride) for M in config.stages]
    fingerprint = data.fingerprint()

    generator = torch.Generator().manual_seed(int(config.seed))
    checkpoint_path = out / CHECKPOINT
    if not resume and checkpoint_path.exists():
        raise InputError(
            f"{str(out)!r} already holds a training run; pass --resume to continue it or choose another --out"
        )
    curve = Curve.open(config, data, integrator, dt) if world.main else None
    spec, _, model = build_model(config, data, generator, initialise=not resume)
    model = model.to(device=device, dtype=dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate(0, 0))
    U = data.U.to(device=device, dtype=dtype)
    loss_fn = compiled_loss() if config.compile else None

    position, log = (0, 0), []
    if resume:
        position, log = load_checkpoint(checkpoint_path, config, fingerprint, model, optimizer, device)
    project = None
    if config.tied_pairs:
        from pixelpde.learned.fitted import tied_projection

        project = tied_projection(model)  # after the checkpoint: it checks the network is still tied

    meta = {
        "name": config.name,
        "arch": spec.describe(),
        "pde": data.pde,
        "bc": str(data.bc),
        "dx": str(data.dx),
        "dt": dt,
        "integrator": integrator.name,
        "substeps": integrator.substeps,
        "config": config.to_dict(),
        "data": data.describe(),
    }
    remaining = sum(
        math.ceil(len(indices[k]) / config.batch_size) * (config.epochs - (position[1] if k == position[0] else 0))
        for k in range(position[0], len(config.stages))
    )
    from pixelpde.ground.progress import progress_bar

    bar = progress_bar(enabled=progress and world.main, total=remaining, unit="batch", dynamic_ncols=True)
    epochs_run = 0
    finished = True
    try:
        for k in range(position[0], len(config.stages)):
            M, index = config.stages[k], indices[k]
            first = position[1] if k == position[0] else 0
            for e in range(first, config.epochs):
                if max_epochs is not None and epochs_run >= max_epochs:
                    finished = False
                    break
                lr = config.learning_rate(k, e)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                bar.set_description(f"stage {k + 1}/{len(config.stages)} M={M} epoch {e + 1}/{config.epochs}")
                try:
                    row = loop.run_epoch(
                        model,
                        optimizer,
                        U,
                        index,
                        M,
                        dt,
                        integrator,
                        config,
                        k,
                        e,
                        world,
                        loss_fn=loss_fn,
                        on_batch=lambda: bar.update(1),
                        project=project,
                    )
                except TrainingDiverged as exc:
                    hint = "; try a smaller --lr or more --substeps" if "loss is" in str(exc) else ""
                    raise TrainingDiverged(f"{exc}; {kept_message(checkpoint_path)}{hint}") from None
                row.update(lr=lr)
                bar.set_postfix(loss=f"{row['loss']:.4g}")
                next_position = (k, e + 1) if e + 1 < config.epochs else (k + 1, 0)
                log.append(row)
                epochs_run += 1
                if world.main:
                    save_checkpoint(checkpoint_path, config, fingerprint, model, optimizer, next_position, log)
                    write_log(out, log)
                    # measured after the epoch's checkpoint: an interrupt while measuring loses no training
                    if curve is not None and curve.due(len(log), next_position == (len(config.stages), 0)):
                        row["curve"] = curve.measure(model)
                        save_checkpoint(checkpoint_path, config, fingerprint, model, optimizer, next_position, log)
                        write_log(out, log)
                        write_curve(out, log, config.batch_size)
            if not finished:
                break
    finally:
        bar.close()

    result = TrainResult(model, spec, config, dt, log, finished, out)
    if finished and world.main:
        meta["final_loss"] = result.final_loss
        meta["epochs"] = len(log)
        meta["train_seconds"] = sum(r["seconds"] for r in log)
        meta["workers"] = world.size
        save_model(out / MODEL, model, spec, meta)
    return result


def train_parallel(
    nproc: int,
    data_path,
    config: TrainConfig,
    out,
    progress: bool = False,
    threads: int | None = None,
    resume: bool = False,
    count: int | None = None,
    min_norm: float | None = None,
):
    """:func:`train` in ``nproc`` local data-parallel workers (spawned by
    :func:`pixelpde.learned.distributed.launch`), each reading the dataset file ``data_path``
    and keeping the trajectories ``Trajectories.select(count, min_norm)`` keeps.  Returns the
    finished run as rank 0 saved it (:func:`pixelpde.learned.io.load_run`: the network, and
    ``meta`` with ``epochs`` and ``final_loss``); raises what :func:`train` raises, with its one line.  ``pixelpde train --nproc``, ``reproduce --nproc``
    and ``study --nproc`` all train through here (under torchrun every launched
    ``pixelpde train`` process is one worker itself)."""
    from pixelpde.learned.distributed import launch

    payload = (str(data_path), count, min_norm, config.to_dict(), str(out), progress, resume)
    try:
        code, message = launch(nproc, _train_worker, payload, threads=threads)
    except BaseException:  # interrupted: the workers are stopped; a worker killed mid-write leaves a temporary
        from pixelpde.ground.atomic import remove_temporaries

        remove_temporaries(out)
        raise
    if code:
        from pixelpde.ground.atomic import remove_temporaries

        remove_temporaries(out)
    if code == 3:
        raise TrainingDiverged(message)
    if code:
        raise InputError(message)
    from pixelpde.learned.io import load_run

    return load_run(out)


def _train_worker(payload) -> int:
    from pixelpde.learned import distributed

    data_path, count, min_norm, config, out, progress, resume = payload
    config = TrainConfig.from_dict(config)
    world = distributed.world_from_env()
    assert world is not None, "launch's worker entry sets the launcher variables"
    distributed.check_world(world, config.batch_size)
    distributed.init(world, pick_device(config.device, world.local_rank))  # left by launch's worker entry
    data = Trajectories.open(data_path).select(count=count, min_norm=min_norm)
    train(data, config, out, resume=resume, progress=progress, world=world)
    return 0


def compiled_loss():
    """:func:`pixelpde.learned.loop.batch_loss` through :func:`torch.compile` (``--compile``).

    Measured on the 2-core CPU (p = 100, M = 5, batch 32, Fisher's network, one thread):
    3.8 CPU-seconds per Adam step against 7.8 eager, after 285 s of compilation (under a
    load of 10); each new window length M and batch (or shard) size compiles again, so it
    pays for long runs only."""
    return torch.compile(loop.batch_loss)
