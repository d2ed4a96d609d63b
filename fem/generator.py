"""Generating datasets: seeded initial conditions -> scheme -> snapshots.

A :class:`SimulationSpec` is the request (problem, n, steps, seed, grid, dt,
backend, solver, parameters); :func:`plan` validates it once.
:func:`simulate` returns an in-memory :class:`~pixelpde.fem.dataset.Simulation`;
:func:`write_simulation` streams batches of trajectories into an HDF5 file
(atomically), so a dataset need not fit in memory.  Both run the same
:func:`_run` and give the same numbers for the same spec.  :func:`generate`
and :func:`simulate_to_file` are the same with the spec's fields as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pixelpde import __version__
from pixelpde.fem.dataset import FORMAT_VERSION, Simulation, check_dataset_path, dataset_bytes, dataset_writer
from pixelpde.fem.linalg import SOLVERS, get_solver
from pixelpde.fem.problems import Problem, StepStats, get_problem, positive_number
from pixelpde.ground.atomic import check_writable
from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import MAX_COUNT, MAX_STEPS, check_bytes, check_int, check_memory, check_seed
from pixelpde.stencils.boundary import check_grid_size

BACKENDS = ("embedded", "firedrake")
#: Output buffer per batch when streaming to a file (the batch size is derived from it).
BATCH_BYTES = 256 * 2**20


@dataclass(frozen=True)
class SimulationSpec:
    """A dataset request: ``n`` trajectories of ``steps`` steps of the Appendix A ``problem`` (``'advection'``,
    ``'heat'``, ``'fisher'``) on p x p nodes, initial conditions drawn from ``seed``.

    Run it with :func:`simulate` (in memory) or :func:`write_simulation` (an HDF5 file); :func:`plan` validates
    it (the defaults are the paper's)."""

    problem: str
    n: int
    steps: int
    seed: int
    p: int = 100
    dt: float | None = None  #: None: the problem's rule (0.02 advection, 0.24 dx^2/alpha otherwise)
    backend: str = "embedded"
    solver: str = "fast"
    params: dict = field(default_factory=dict)  #: b, alpha, min_norm, tol, max_iter


@dataclass
class Plan:
    """Everything a run needs, validated: the problem, grid, step, ICs and provenance."""

    problem: Problem
    params: dict
    n: int
    steps: int
    seed: int
    p: int
    dt: float
    dt_rule: str
    backend: str
    solver: str
    table: np.ndarray
    rejected: int

    @property
    def t(self) -> np.ndarray:
        return self.dt * np.arange(self.steps + 1)

    def attrs(self, stats: StepStats) -> dict:
        out = {
            "problem": self.problem.name,
            "pde": self.problem.pde(self.params),
            "bc": str(self.problem.bc),
            "dt": float(self.dt),
            "dx": float(self.problem.bc.spacing(self.p)),
            "p": int(self.p),
            "seed": int(self.seed),
            "generator": _generator(self.backend, self.solver),
            "version": FORMAT_VERSION,
            **self.params,
            "backend": self.backend,
            "solver": self.solver if self.backend == "embedded" else "firedrake",
            "scheme": f"Appendix A {self.problem.equations}",
            "ic_formula": self.problem.ic_formula,
            "dt_rule": self.dt_rule,
        }
        if self.problem.name == "fisher":
            out["ic_rejected"] = int(self.rejected)
            out["newton_iterations_max"] = int(stats.iterations_max)
            out["newton_iterations_mean"] = float(stats.iterations_mean)
            out["newton_residual_max"] = float(stats.residual_max)
        return out


def _generator(backend: str, solver: str) -> str:
    if backend == "firedrake":
        from pixelpde.fem.firedrake_backend import firedrake_version

        return f"pixelpde {__version__} fem/firedrake (Firedrake {firedrake_version()})"
    import skfem

    how = "fast diagonalisation" if solver == "fast" else "sparse LU"
    return f"pixelpde {__version__} fem/embedded ({how}; scikit-fem {skfem.__version__})"


def plan(spec: SimulationSpec, before_draw=None) -> Plan:
    """Validate ``spec`` and draw the initial conditions (see :func:`generate`).

    ``before_draw(n, steps, p)``, if given, runs after validation and before any work
    (the callers check memory or disk for the whole dataset there)."""
    prob = get_problem(spec.problem)
    params = prob.parameters(dict(spec.params))
    n = check_int(spec.n, "n", 1, MAX_COUNT)
    steps = check_int(spec.steps, "steps", 1, MAX_STEPS)  # 0 steps would be an empty dataset
    seed = check_seed(spec.seed)
    p = check_grid_size(spec.p)
    check_memory((steps + 1) * p * p * 8, f"one trajectory of {steps} steps at p={p}")
    if spec.backend not in BACKENDS:
        raise InputError(f"unknown backend {spec.backend!r} (use one of {', '.join(BACKENDS)})")
    if spec.solver not in SOLVERS:
        raise InputError(f"unknown linear solver {spec.solver!r} (use one of {', '.join(SOLVERS)})")
    if spec.dt is None:
        dt, rule = prob.default_dt(p, params), prob.dt_rule
    else:
        dt, rule = positive_number(spec.dt, "dt"), "given by the user"
    if before_draw is not None:
        before_draw(n, steps, p)
    table, rejected = prob.draw(seed, n, p, params)
    return Plan(prob, params, n, steps, seed, p, dt, rule, spec.backend, spec.solver, table, rejected)


def _run(pl: Plan, sink, progress: bool, batch: int | None, out: np.ndarray | None = None) -> StepStats:
    """Simulate ``pl`` in batches of trajectories.

    Each batch is written into ``out[start:start+b]`` when ``out`` (N, M+1, p, p)
    is given, else into one reused buffer handed to ``sink(start, block)``.
    """
    from pixelpde.ground.progress import progress_bar

    per_trajectory = (pl.steps + 1) * pl.p * pl.p * 8
    batch = (
        max(1, min(pl.n, BATCH_BYTES // per_trajectory)) if batch is None else check_int(batch, "batch", 1, MAX_COUNT)
    )
    stats = StepStats()
    if pl.backend == "firedrake":
        from pixelpde.fem.firedrake_backend import FiredrakeRunner

        runner = FiredrakeRunner(pl.problem, pl.p, pl.dt, pl.params)
    else:
        solver = get_solver(pl.solver, pl.problem.bc, pl.p)
    buffer = None if out is not None else np.empty((min(batch, pl.n), pl.steps + 1, pl.p, pl.p))
    bar = progress_bar(
        enabled=progress,
        total=pl.n * pl.steps,
        unit=" traj-steps",
        desc=f"{pl.problem.name} ({pl.backend})",
        leave=False,
    )
    with bar:
        for start in range(0, pl.n, batch):
            U0 = pl.problem.initial_field(pl.table[start : start + batch], pl.p)
            if out is not None:
                block = out[start : start + len(U0)]
            else:
                assert buffer is not None  # allocated above exactly when there is no output dataset
                block = buffer[: len(U0)]
            block[:, 0] = U0
            done = 0
            if pl.backend == "firedrake":
                snapshots = runner.run(U0, pl.steps, stats)
            else:
                snapshots = pl.problem.run(solver, U0, pl.steps, pl.dt, pl.params, stats)
            try:
                for U in snapshots:
                    done += 1
                    block[:, done] = U
                    bar.update(len(U0))
            except InputError as exc:
                where = f"batch of trajectories {start}..{start + len(U0) - 1}, step {done + 1}"
                raise InputError(f"{exc} [{where}]") from None
            if sink is not None:
                sink(start, block)
    return stats


def simulate(spec: SimulationSpec, progress: bool = True, batch: int | None = None) -> Simulation:
    """Simulate ``spec`` in memory: a :class:`~pixelpde.fem.dataset.Simulation` with ``U``
    (n, steps+1, p, p) float64, ``t``, ``ic`` and ``attrs`` (those of the HDF5 file)."""

    def fits_memory(n, steps, p):
        check_memory(n * (steps + 1) * p**2 * 8, f"{n} trajectories of {steps} steps at p={p} in memory")

    pl = plan(spec, before_draw=fits_memory)
    U = np.empty((pl.n, pl.steps + 1, pl.p, pl.p))
    stats = _run(pl, None, progress, batch=pl.n if batch is None else batch, out=U)
    return Simulation(U=U, t=pl.t, ic=pl.table, attrs=pl.attrs(stats))


def write_simulation(
    path, spec: SimulationSpec, progress: bool = True, batch: int | None = None, dtype="float64"
) -> dict:
    """As :func:`simulate`, streaming batches into the HDF5 file ``path`` (atomically); returns the attributes."""
    check_writable(path)
    check_dataset_path(path)

    def fits_disk(n, steps, p):
        check_bytes(
            dataset_bytes(n, steps, p, np.dtype(dtype).itemsize),
            f"a dataset of {n} trajectories x {steps + 1} snapshots of {p}x{p}",
            Path(path).parent,
        )

    pl = plan(spec, before_draw=fits_disk)
    with dataset_writer(Path(path), pl.n, pl.steps, pl.p, dtype) as w:
        stats = _run(pl, w.write, progress, batch)
        attrs = {**pl.attrs(stats), "dtype": str(np.dtype(dtype))}
        w.finish(pl.t, pl.table, pl.problem.ic_columns, attrs)
    return attrs


def generate(
    problem, n, steps, seed, p=100, dt=None, backend="embedded", progress=True, solver="fast", batch=None, **params
) -> Simulation:
    """Simulate ``n`` trajectories of ``steps`` steps of an Appendix A problem, in memory.

    ``problem`` is ``'advection'``, ``'heat'`` or ``'fisher'``; ``p`` the
    number of (interior) nodes per axis; ``dt`` defaults to 0.02 (advection)
    or 0.24 dx^2/alpha (heat, Fisher; section 4.2).  ``params`` override the
    problem's parameters: ``b`` (advection), ``alpha`` (heat, Fisher),
    ``min_norm``, ``tol``, ``max_iter`` (Fisher).  ``solver`` is ``'fast'``
    (fast diagonalisation) or ``'lu'`` (scikit-fem matrices + sparse LU);
    ``backend='firedrake'`` runs the same schemes in Firedrake.  The same as
    :func:`simulate` of ``SimulationSpec(problem, n, steps, seed, p, dt, backend, solver, params)``.
    """
    return simulate(SimulationSpec(problem, n, steps, seed, p, dt, backend, solver, params), progress, batch)


def simulate_to_file(
    path,
    problem,
    n,
    steps,
    seed,
    p=100,
    dt=None,
    backend="embedded",
    progress=True,
    solver="fast",
    batch=None,
    dtype="float64",
    **params,
) -> dict:
    """As :func:`generate`, streaming batches into the HDF5 file ``path`` (:func:`write_simulation`)."""
    return write_simulation(
        path, SimulationSpec(problem, n, steps, seed, p, dt, backend, solver, params), progress, batch, dtype
    )
