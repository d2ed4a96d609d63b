"""The paper's per-problem settings (section 4) and the sizes of ``reproduce``.

=========  ========  =======================  ========  ==========================
problem    network   integrator               substeps  data selection
=========  ========  =======================  ========  ==========================
advection  table2    projected Euler (31)     2 (30)    all
heat       table3    explicit Euler           3         all
fisher     table4    explicit Euler           3         ||U^0|| > 10 at p = 100
=========  ========  =======================  ========  ==========================

The Fisher filter is applied by the data generator (:func:`fem.generate`,
parameter ``min_norm``); ``reproduce`` keeps it scale-free on other grids as
``||U^0|| > 0.1 p`` (:func:`min_norm`), so the same fields pass it at every
resolution (||beta sin sin|| ~ |beta| p / 2).
"""

from __future__ import annotations

from dataclasses import dataclass

from pixelpde.errors import InputError


@dataclass(frozen=True)
class ProblemPreset:
    arch: str
    integrator: str
    substeps: int
    min_rms: float | None = None


PROBLEMS = {
    "advection": ProblemPreset("table2", "projected-euler", 2),
    "heat": ProblemPreset("table3", "euler", 3),
    "fisher": ProblemPreset("table4", "euler", 3, min_rms=0.1),
}


def preset(problem: str) -> ProblemPreset:
    if problem not in PROBLEMS:
        raise InputError(f"unknown problem {problem!r} (use one of {', '.join(PROBLEMS)})")
    return PROBLEMS[problem]


def min_norm(problem: str, p: int) -> float | None:
    """The paper's ``||U^0|| > 10`` (p = 100) as ``||U^0|| > 0.1 p``; ``None`` if no filter."""
    rms = preset(problem).min_rms
    return None if rms is None else rms * p


@dataclass(frozen=True)
class ReproduceSize:
    """How much ``pixelpde reproduce`` simulates and trains."""

    p: int
    n_train: int
    train_steps: int
    n_test: int
    test_steps: int
    stages: tuple[int, ...]
    epochs: int
    lr_step: int
    constructive_lr: float
    constructive_noise: float


#: ``--quick``: a real but small run (minutes on a 2-core CPU); the full size is the paper's.
SIZES = {
    "quick": ReproduceSize(p=32, n_train=8, train_steps=8, n_test=30, test_steps=40, stages=(3, 4, 5), epochs=4, lr_step=30, constructive_lr=1e-4, constructive_noise=0.0),
    "full": ReproduceSize(p=100, n_train=50, train_steps=10, n_test=30, test_steps=40, stages=(3, 4, 5), epochs=100, lr_step=30, constructive_lr=1e-4, constructive_noise=0.0),
}
