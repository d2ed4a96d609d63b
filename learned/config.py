r"""The settings of one training run (Algorithm 3 and the model's time stepping).

:class:`TrainConfig` holds every number of Algorithm 3 (defaults the paper's:
stages M = 3, 4, 5; 100 epochs per stage; Adam; batch 32; lr 1e-2 divided by 10
every 30 epochs and by 5 per stage) and the options of the paper's protocol
(section 4 and its published code):

* ``windows``: ``all`` (every window of M+1 snapshots, every start) or ``first``
  (one window per trajectory, starting at its initial condition, as the
  paper's code);
* ``mean_free``: with ``init='random'``, subtract each first-layer filter's
  mean (ReLU chain and ReLU^2 branch) after the orthogonal draw, as the
  paper's code does;
* ``input_noise``: uniform noise in [-a, a] added to each window's initial
  state (the paper's later code: a = 1e-2), drawn from ``(seed, stage, epoch)``;
* ``kernel_size``: k x k filters in every convolution (5 for the later code's
  5 x 5 networks; default: the architecture's, 3);
* ``tied_pairs``: with ``init='fitted'``, every gradient projected onto the tied
  ReLU pairs (biases and the ReLU^2 branch held at zero), so that fine-tuning
  keeps the network exactly linear (:mod:`pixelpde.learned.fitted`, step 5);
* ``curve_data``, ``curve_every``, ``curve_n``, ``curve_steps``: the learning
  curve (:mod:`pixelpde.learned.curve`), rE on held-out trajectories every few
  epochs; it changes no training step, so it may change on ``--resume``.

Learning rate of 0-based epoch e of 0-based stage k:
:math:`\mathrm{lr} = 10^{-2} \cdot 5^{-k} \cdot 10^{-\lfloor e / 30 \rfloor}`
(Algorithm 3 as printed divides "if e is divisible by 30", already after
epoch 0; we follow the text, see docs/learned.md).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import torch

from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import (
    MAX_COUNT,
    MAX_LAYERS,
    MAX_STEPS,
    MAX_SUBSTEPS,
    check_int,
    check_kernel_size,
    check_name,
    check_seed,
)

INITS = ("random", "constructive", "fitted")  #: fitted: pixelpde.learned.fitted
DTYPES = {"float32": torch.float32, "float64": torch.float64}
WINDOWS = ("all", "first")

#: Fields that may differ between an interrupted run and its resumption (they
#: change where and how fast it runs, not which steps it takes).
RESUME_FREE = ("device", "compile", "curve_data", "curve_every", "curve_n", "curve_steps")


@dataclass
class TrainConfig:
    """Every number of Algorithm 3 and of the model's time stepping; defaults are the paper's."""

    arch: str = "table4"
    integrator: str = "euler"
    substeps: int = 1
    init: str = "random"
    init_noise: float = 0.0
    mean_free: bool = False
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
    windows: str = "all"
    input_noise: float = 0.0
    kernel_size: int | None = None
    relu_bias: bool | None = None
    relu2_bias: bool | None = None
    compile: bool = False
    tied_pairs: bool = False  #: keep the fitted start's exact linear pairs (pixelpde.learned.fitted.tied_projection)
    name: str | None = None
    curve_data: str | None = None  #: held-out trajectories for the learning curve (pixelpde.learned.curve)
    curve_every: int = 10
    curve_n: int = 30
    curve_steps: int = 40

    def __post_init__(self):
        from pixelpde.integrators import get_integrator

        if not self.stages or len(self.stages) > MAX_LAYERS:
            raise InputError(f"stages {self.stages} must be 1 to {MAX_LAYERS} window lengths M")
        self.stages = tuple(check_int(m, "stage window length M", 1, MAX_STEPS) for m in self.stages)
        for key in ("epochs", "batch_size", "lr_step", "substeps", "window_stride", "curve_every", "curve_n"):
            high = MAX_SUBSTEPS if key == "substeps" else MAX_COUNT
            setattr(self, key, check_int(getattr(self, key), key.replace("_", "-"), 1, high))
        self.seed = check_seed(self.seed)
        self.curve_steps = check_int(self.curve_steps, "curve-steps", 1, MAX_STEPS)
        if self.curve_data is not None and not isinstance(self.curve_data, str):
            raise InputError(f"curve-data {self.curve_data!r} must be a file name")
        for key in ("lr", "lr_gamma", "stage_lr_factor"):
            if not (math.isfinite(getattr(self, key)) and getattr(self, key) > 0):
                raise InputError(f"{key.replace('_', '-')}={getattr(self, key)!r} must be a positive number")
        if self.init not in INITS:
            raise InputError(f"init {self.init!r} must be one of {', '.join(INITS)}")
        if self.mean_free and self.init != "random":
            raise InputError("--mean-free-filters is an option of --init random")
        if self.tied_pairs and self.init != "fitted":
            raise InputError("--tied-pairs is an option of --init fitted (it keeps the fitted linear network)")
        for key in ("init_noise", "input_noise"):
            if not (math.isfinite(getattr(self, key)) and getattr(self, key) >= 0):
                raise InputError(f"{key.replace('_', '-')}={getattr(self, key)!r} must be >= 0")
        if self.windows not in WINDOWS:
            raise InputError(f"windows {self.windows!r} must be 'all' or 'first'")
        if self.kernel_size is not None:
            self.kernel_size = check_kernel_size(self.kernel_size, "kernel-size")
        if self.dtype not in DTYPES:
            raise InputError(f"dtype {self.dtype!r} must be float32 or float64")
        if self.device not in ("auto", "cpu", "cuda") and not self.device.startswith("cuda:"):
            raise InputError(f"device {self.device!r} must be auto, cpu or cuda")
        get_integrator(self.integrator, self.substeps)  # validates the name
        if self.dt is not None and not (isinstance(self.dt, (int, float)) and math.isfinite(self.dt) and self.dt > 0):
            raise InputError(f"dt={self.dt!r} must be a positive number")
        if self.name is None:
            self.name = {"constructive": "learned-constructive-init", "fitted": "learned-fitted-init"}.get(
                self.init, "learned"
            )
        self.name = check_name(self.name, "--name")

    def learning_rate(self, stage: int, epoch: int) -> float:
        """lr of 0-based ``epoch`` in 0-based ``stage`` (module docstring)."""
        return self.lr * self.stage_lr_factor**stage * self.lr_gamma ** (epoch // self.lr_step)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["stages"] = list(self.stages)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def resume_differences(self, saved: dict) -> list[str]:
        """Fields (not :data:`RESUME_FREE`) in which ``saved`` (a checkpoint's config) differs from this one."""
        saved = TrainConfig.from_dict(saved).to_dict()
        now = self.to_dict()
        return [k for k in now if k not in RESUME_FREE and saved.get(k) != now[k]]
