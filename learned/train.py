r"""Recurrent training (section 2.3 and 4) with the schedule of Algorithm 3.

The loss of a batch of b windows :math:`[U_i^0, \dots, U_i^M]` is

.. math::

    \mathrm{Loss} = \frac{1}{bM} \sum_{i=1}^{b} \sum_{j=1}^{M}
        \| \mathcal{N}_\theta^j(U_i^0) - U_i^j \|^2,

:math:`\|\cdot\|` the Frobenius norm (a sum over pixels, not a mean), and
:math:`\mathcal{N}_\theta = \Psi^{\delta t}_{F_\theta}` one step of the shared
integrator (:mod:`pixelpde.integrators`: Euler, projected Euler, RK, with substeps);
the rollout :math:`\mathcal{N}^j_\theta` is :func:`pixelpde.integrators.rollout`.

Algorithm 3 (all numbers are :class:`TrainConfig` fields, defaults the
paper's): stages M = 3, 4, 5; 100 epochs per stage; Adam; batch 32; the
learning rate of epoch e (0-based) of stage k (0-based) is

.. math::  \mathrm{lr} = 10^{-2} \cdot 5^{-k} \cdot 10^{-\lfloor e / 30 \rfloor}.

(Algorithm 3 as printed divides "if e is divisible by 30" after epoch e,
which would already divide after epoch 0; we read it as the step schedule
"divided by 10 every 30 epochs" of the text, see docs/learned.md.)  One Adam
optimiser runs through all stages; only its learning rate is reset.

Reproducibility: the initialisation is drawn from a generator seeded with
``seed``; the window order of each epoch is a permutation seeded by
``(seed, stage, epoch)``, so an interrupted run resumed from its checkpoint
takes the same steps as an uninterrupted one and ends with the same weights.
A checkpoint (model, optimiser, position, log) is written atomically after
every epoch; a non-finite loss or gradient stops training with
:class:`TrainingDiverged`, leaving the last good checkpoint in place.
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import torch

from pixelpde.integrators import get_integrator, rollout
from pixelpde.learned.data import Trajectories, gather_windows, window_index
from pixelpde.ground.atomic import atomic_path
from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import MAX_COUNT, MAX_LAYERS, MAX_STEPS, MAX_SUBSTEPS, check_int, check_seed

CHECKPOINT = "checkpoint.pt"
MODEL = "model.pt"
DTYPES = {"float32": torch.float32, "float64": torch.float64}
DT_RTOL = 1e-9
INITS = ("random", "constructive", "fitted")  #: fitted: pixelpde.learned.fitted


class TrainingDiverged(RuntimeError):
    """A non-finite loss or gradient; the message says where and what was kept."""


@dataclass
class TrainConfig:
    """Every number of Algorithm 3 and of the model's time stepping; defaults are the paper's."""

    arch: str = "table4"
    integrator: str = "euler"
    substeps: int = 1
    init: str = "random"
    init_noise: float = 0.0
    stages: tuple[int, ...] = (3, 4, 5)
    epochs: int = 100
    lr: float = 1e-2
    lr_step: int = 30
    lr_gamma: float = 0.1
    stage_lr_factor: float = 0.2
    batch_size: int = 32
    seed: int = 0
    dtype: str = "float32"
    device: str = "auto"
    dt: float | None = None
    allow_dt_mismatch: bool = False
    window_stride: int = 1
    relu_bias: bool | None = None
    relu2_bias: bool | None = None
    name: str | None = None

    def __post_init__(self):
        if not self.stages or len(self.stages) > MAX_LAYERS:
            raise InputError(f"stages {self.stages} must be 1 to {MAX_LAYERS} window lengths M")
        self.stages = tuple(check_int(m, "stage window length M", 1, MAX_STEPS) for m in self.stages)
        for key in ("epochs", "batch_size", "lr_step", "substeps", "window_stride"):
            high = MAX_SUBSTEPS if key == "substeps" else MAX_COUNT
            setattr(self, key, check_int(getattr(self, key), key.replace("_", "-"), 1, high))
        self.seed = check_seed(self.seed)
        for key in ("lr", "lr_gamma", "stage_lr_factor"):
            if not (math.isfinite(getattr(self, key)) and getattr(self, key) > 0):
                raise InputError(f"{key.replace('_', '-')}={getattr(self, key)!r} must be a positive number")
        if self.init not in INITS:
            raise InputError(f"init {self.init!r} must be one of {', '.join(INITS)}")
        if not (math.isfinite(self.init_noise) and self.init_noise >= 0):
            raise InputError(f"init-noise={self.init_noise!r} must be >= 0")
        if self.dtype not in DTYPES:
            raise InputError(f"dtype {self.dtype!r} must be float32 or float64")
        if self.device not in ("auto", "cpu", "cuda") and not self.device.startswith("cuda:"):
            raise InputError(f"device {self.device!r} must be auto, cpu or cuda")
        get_integrator(self.integrator, self.substeps)  # validates the name
        if self.dt is not None and not (isinstance(self.dt, (int, float)) and math.isfinite(self.dt) and self.dt > 0):
            raise InputError(f"dt={self.dt!r} must be a positive number")
        if self.name is None:
            self.name = {"constructive": "learned-constructive-init", "fitted": "learned-fitted-init"}.get(self.init, "learned")

    def learning_rate(self, stage: int, epoch: int) -> float:
        """lr of 0-based ``epoch`` in 0-based ``stage`` (module docstring)."""
        return self.lr * self.stage_lr_factor**stage * self.lr_gamma ** (epoch // self.lr_step)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["stages"] = list(self.stages)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


#: Fields that may differ between an interrupted run and its resumption.
RESUME_FREE = ("device",)


def pick_device(name: str = "auto") -> torch.device:
    """CUDA when present (``auto``), else CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"device {name!r} requested but CUDA is not available")
    return torch.device(name)


def same_dt(a: float, b: float) -> bool:
    """Whether time steps ``a`` and ``b`` agree to :data:`DT_RTOL` relative to ``b``."""
    return abs(a - b) <= DT_RTOL * abs(b)


def model_dt(config: TrainConfig, data_dt: float) -> float:
    """The network's dt: ``config.dt`` or the dataset's; a mismatch is refused
    unless ``allow_dt_mismatch`` (the paper's heat model was once trained with
    the wrong dt)."""
    if config.dt is None:
        return float(data_dt)
    if not same_dt(config.dt, data_dt) and not config.allow_dt_mismatch:
        raise InputError(
            f"the network's dt={config.dt!r} differs from the dataset's dt={data_dt!r}; "
            "drop --dt, or pass --allow-dt-mismatch if this is intended"
        )
    return float(config.dt)


def build_model(config: TrainConfig, data: Trajectories, generator: torch.Generator):
    """The architecture of ``config.arch``, initialised (float64, CPU); returns (spec, sd, model)."""
    from pixelpde.learned.architectures import parse_arch
    from pixelpde.learned.embedding import constructive_init_, random_init_

    sd = data.semidiscrete()
    spec = parse_arch(config.arch, n=sd.n, relu_bias=config.relu_bias, relu2_bias=config.relu2_bias)
    model = spec.build(data.bc, dtype=torch.float64)
    if config.init == "constructive":
        constructive_init_(model, spec, sd, config.init_noise, generator)
    elif config.init == "fitted":
        from pixelpde.learned.fitted import fitted_init_

        fitted_init_(model, spec, data, model_dt(config, data.dt), get_integrator(config.integrator, config.substeps), generator)
    else:
        random_init_(model, generator)
    return spec, sd, model


def batch_loss(model, windows: torch.Tensor, dt: float, integrator) -> torch.Tensor:
    """The recurrent loss of one batch of windows (b, M+1, p, p)."""
    b, length = windows.shape[:2]
    M = length - 1
    pred = rollout(model, windows[:, 0], dt, M, integrator, grad=True)
    return (pred[:, 1:] - windows[:, 1:]).square().sum() / (b * M)


def epoch_permutation(n: int, seed: int, stage: int, epoch: int) -> torch.Tensor:
    """The window order of one epoch, a function of (seed, stage, epoch) only."""
    state = np.random.SeedSequence([int(seed), int(stage), int(epoch)]).generate_state(2)
    g = torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))
    return torch.randperm(n, generator=g)


@dataclass
class TrainResult:
    model: torch.nn.Module
    spec: object
    config: TrainConfig
    dt: float
    log: list = field(default_factory=list)
    finished: bool = True
    out: Path | None = None


def train(
    data: Trajectories,
    config: TrainConfig,
    out: str | Path,
    resume: bool = False,
    progress: bool = True,
    max_epochs: int | None = None,
) -> TrainResult:
    """Train ``config.arch`` on the windows of ``data`` (Algorithm 3) into ``out``.

    Writes ``out/checkpoint.pt`` after every epoch, ``out/log.csv`` and
    ``out/log.json``, and at the end ``out/model.pt`` with its JSON sidecar
    (loadable by ``pixelpde apply``).  ``max_epochs`` stops after that many
    epochs of this call (an interruption, for tests) with ``finished=False``.
    """
    out = Path(out)
    dt = model_dt(config, data.dt)
    device = pick_device(config.device)
    dtype = DTYPES[config.dtype]
    if device.type == "cuda":
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    integrator = get_integrator(config.integrator, config.substeps)
    indices = [window_index(data.n_trajectories, data.n_steps, M + 1, config.window_stride) for M in config.stages]
    fingerprint = data.fingerprint()

    generator = torch.Generator().manual_seed(int(config.seed))
    spec, sd, model = build_model(config, data, generator)
    model = model.to(device=device, dtype=dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate(0, 0))
    U = data.U.to(device=device, dtype=dtype)

    position, log = (0, 0), []
    checkpoint_path = out / CHECKPOINT
    if resume:
        position, log = _load_checkpoint(checkpoint_path, config, fingerprint, model, optimizer, device)
    elif checkpoint_path.exists():
        raise InputError(f"{str(out)!r} already holds a training run; pass --resume to continue it or choose another --out")

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

    bar = progress_bar(enabled=progress, total=remaining, unit="batch", dynamic_ncols=True)
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
                row = _run_epoch(model, optimizer, U, index, M, dt, integrator, config, k, e, bar, out)
                row.update(lr=lr)
                log.append(row)
                epochs_run += 1
                next_position = (k, e + 1) if e + 1 < config.epochs else (k + 1, 0)
                _save_checkpoint(checkpoint_path, config, fingerprint, model, optimizer, next_position, log)
                write_log(out, log)
            if not finished:
                break
    finally:
        bar.close()

    result = TrainResult(model, spec, config, dt, log, finished, out)
    if finished:
        meta["final_loss"] = log[-1]["loss"] if log else None
        meta["epochs"] = len(log)
        meta["train_seconds"] = sum(r["seconds"] for r in log)
        save_model(out / MODEL, model, spec, meta)
    return result


def _run_epoch(model, optimizer, U, index, M, dt, integrator, config, k, e, bar, out) -> dict:
    order = index[epoch_permutation(len(index), config.seed, k, e)]
    start = time.perf_counter()
    total, count = 0.0, 0
    for b, first in enumerate(range(0, len(order), config.batch_size)):
        rows = order[first : first + config.batch_size]
        windows = gather_windows(U, rows, M + 1)
        loss = batch_loss(model, windows, dt, integrator)
        where = f"stage {k + 1} (M={M}), epoch {e + 1}, batch {b + 1}"
        if not torch.isfinite(loss):
            raise TrainingDiverged(
                f"training diverged: loss is {loss.item()} at {where}; {_kept_message(out / CHECKPOINT)}; "
                "try a smaller --lr or more --substeps"
            )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if not all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None):
            raise TrainingDiverged(f"training diverged: non-finite gradient at {where}; {_kept_message(out / CHECKPOINT)}")
        optimizer.step()
        total += loss.item() * len(rows)
        count += len(rows)
        bar.update(1)
        bar.set_postfix(loss=f"{total / count:.4g}")
    seconds = time.perf_counter() - start
    return {
        "stage": k + 1,
        "M": M,
        "epoch": e + 1,
        "loss": total / count,
        "windows": count,
        "seconds": seconds,
        "windows_per_s": count / seconds if seconds > 0 else None,
    }


def _kept_message(path: Path) -> str:
    if not path.is_file():
        return "no checkpoint was written (it diverged in the first epoch)"
    try:
        position = torch.load(path, map_location="cpu", weights_only=True)["position"]
    except Exception:  # pragma: no cover - the checkpoint is ours and atomic
        return f"the last good checkpoint is kept in {str(path)!r}"
    return f"the last good checkpoint {str(path)!r} (resumes at stage {position[0] + 1}, epoch {position[1] + 1}) is kept"


# -- files ------------------------------------------------------------------------------
LOG_FIELDS = ("stage", "M", "epoch", "lr", "loss", "windows", "seconds", "windows_per_s")


def write_log(out: Path, log: list[dict]) -> None:
    """``log.json`` (a list of per-epoch rows) and ``log.csv`` (the same), atomically."""
    with atomic_path(out / "log.json") as tmp:
        tmp.write_text(json.dumps(log, indent=1) + "\n")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=LOG_FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(log)
    with atomic_path(out / "log.csv") as tmp:
        tmp.write_text(buf.getvalue())


def _save_checkpoint(path: Path, config, fingerprint: str, model, optimizer, position, log) -> None:
    state = {
        "format": "pixelpde-checkpoint",
        "version": 1,
        "config": config.to_dict(),
        "data_sha256": fingerprint,
        "position": list(position),
        "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "optimizer": optimizer.state_dict(),
        "log": log,
    }
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def read_checkpoint(path, device="cpu") -> dict:
    """The state saved by a training run in ``path``; one-line errors for a
    missing, unreadable or foreign file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"--resume: no checkpoint {str(path)!r} to resume from")
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt files
        raise InputError(f"cannot read checkpoint {str(path)!r}: {type(exc).__name__}") from None
    if not isinstance(state, dict) or state.get("format") != "pixelpde-checkpoint":
        raise InputError(f"{str(path)!r} is not a pixelpde training checkpoint")
    return state


def _load_checkpoint(path: Path, config, fingerprint: str, model, optimizer, device):
    state = read_checkpoint(path, device)
    saved = TrainConfig.from_dict(state["config"]).to_dict()
    now = config.to_dict()
    differ = [k for k in now if k not in RESUME_FREE and saved.get(k) != now[k]]
    if differ:
        key = differ[0]
        raise InputError(f"--resume: {key} was {saved.get(key)!r} in the checkpoint, now {now[key]!r}; resume with the same settings")
    if state.get("data_sha256") != fingerprint:
        raise InputError(f"--resume: the training data differ from those of the checkpoint {str(path)!r}")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    return tuple(state["position"]), list(state["log"])


def save_model(path: Path, model, spec, meta: dict) -> dict:
    """``model.pt`` + sidecar via :func:`pixelpde.constructive.io.save_tensors` (float64).

    Theorem 3.2 architectures are saved as kind ``theorem32`` (loadable by
    :func:`pixelpde.constructive.io.load_network`), the others as ``algorithm2`` /
    ``algorithm1`` (loaded by :func:`pixelpde.learned.io.load_network`).
    """
    from pixelpde.constructive.io import save_tensors

    desc = spec.describe()
    extra = {"size": spec.size, "n": spec.n} if desc["kind"] == "theorem32" else {}
    return save_tensors(path, model.state_dict(), {"network": desc["kind"], **extra, **meta})
