"""The paper's per-problem settings (section 4) and the sizes of ``reproduce``.

=========  ========  =======================  ========  ==========================
problem    network   integrator               substeps  data selection
=========  ========  =======================  ========  ==========================
advection  table2    projected Euler (31)     2 (30)    all
                     and Euler (30), Figure 3
heat       table3    explicit Euler           3         all
fisher     table4    explicit Euler           3         ||U^0|| > 10 at p = 100
=========  ========  =======================  ========  ==========================

The Fisher filter is applied by the data generator (:func:`pixelpde.fem.generate`,
parameter ``min_norm``); ``reproduce`` keeps it scale-free on other grids as
``||U^0|| > 0.1 p`` (:func:`min_norm`), so the same fields pass it at every
resolution (||beta sin sin|| ~ |beta| p / 2).
"""

from __future__ import annotations

from dataclasses import dataclass

from pixelpde.ground.errors import InputError


@dataclass(frozen=True)
class ProblemPreset:
    """The paper's network and integrator; ``constructive_lr`` is our starting
    learning rate for fine-tuning from the constructive initialisation (the
    paper's 1e-2 would throw the exact weights away in the first Adam steps)."""

    arch: str
    integrator: str
    substeps: int
    min_rms: float | None = None
    constructive_lr: float = 1e-4
    #: further integrators that ``reproduce`` trains the same network with (random init,
    #: same substeps), for the paper's comparisons: Figure 3 sets Psi_1 (Euler, eq. (30))
    #: beside Psi_2 (projected Euler, eq. (31)) on the advection data.
    also_integrators: tuple[str, ...] = ()
    #: where the data come from: the finite elements of Appendix A (``fem``) or the spectral
    #: ETDRK4 generator of systems (``spectral``, its preset of the same name)
    generator: str = "fem"
    #: a peer's architecture trained on the same data with the same budget (random init)
    baseline: str | None = None


PROBLEMS = {
    "advection": ProblemPreset("table2", "projected-euler", 2, constructive_lr=1e-3, also_integrators=("euler",)),
    "heat": ProblemPreset("table3", "euler", 3),
    "fisher": ProblemPreset("table4", "euler", 3, min_rms=0.1),
    # Systems (issue 17): spectral data of the presets of pixelpde.spectral (PeRCNN's parameters), an
    # Algorithm 2 network with two channels in and out and the ReLU^3 branch the cubic terms need
    # (Gray-Scott's shared u v^2: 6 channels; lambda-omega's u^3, u^2 v, u v^2, v^3: 16), beside
    # a PeRCNN-style cell (percnn:8: three parallel 5 x 5 convolutions of 8 channels per field).
    "gray-scott": ProblemPreset(
        "2-8-16-8-2/2-6-2/3:2-6-2", "euler", 1, constructive_lr=1e-5, generator="spectral", baseline="percnn:8"
    ),
    "lambda-omega": ProblemPreset(
        "2-8-16-8-2/2-6-2/3:2-16-2", "euler", 1, constructive_lr=1e-5, generator="spectral", baseline="percnn:8"
    ),
}

#: The problems whose data are systems (several fields) from the spectral generator.
SYSTEMS = tuple(name for name, pre in PROBLEMS.items() if pre.generator == "spectral")


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
    batch_size: int
    constructive_noise: float
    eval_dtype: str = "float64"
    dt_grid: int | None = None
    windows: str = "all"

    def dt(self, problem: str) -> float | None:
        """The time step of the data: the generator's default for ``dt_grid``
        nodes (so a coarse grid covers the paper's physical time), or ``None``
        for the default of the grid itself (a spectral preset's own dt)."""
        if self.dt_grid is None or preset(problem).generator != "fem":
            return None
        from pixelpde.fem import get_problem

        prob = get_problem(problem)
        return prob.default_dt(self.dt_grid, prob.parameters({}))


#: ``--quick``: a real but small run (minutes on a 2-core CPU): a 32 x 32 grid with the time
#: step of the paper's p = 100 grid (so that 40 steps cover the paper's physical time: with
#: dt = 0.24 dx^2/alpha of p = 32 they would cover 10 times more, and the negative lobes of the
#: Fisher initial conditions blow up), 12 training trajectories, 12 epochs per stage at a
#: constant lr per stage, batches of 8 (more Adam steps for the few windows), evaluated in
#: float32.  ``full``: the paper's data and protocol: p = 100, 1000 training trajectories of 10
#: steps, one window per trajectory from its initial condition (the paper's code), 30 test
#: trajectories of 40 steps, Algorithm 3 as printed (100 epochs per stage, lr/10 every 30, batch 32).
SIZES = {
    "quick": ReproduceSize(
        p=32,
        n_train=12,
        train_steps=8,
        n_test=30,
        test_steps=40,
        stages=(3, 4, 5),
        epochs=12,
        lr_step=12,
        batch_size=8,
        constructive_noise=0.0,
        eval_dtype="float32",
        dt_grid=100,
    ),
    "full": ReproduceSize(
        p=100,
        n_train=1000,
        train_steps=10,
        n_test=30,
        test_steps=40,
        stages=(3, 4, 5),
        epochs=100,
        lr_step=30,
        batch_size=32,
        constructive_noise=0.0,
        windows="first",
    ),
}
