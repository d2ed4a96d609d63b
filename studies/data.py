"""Datasets of a study, simulated once into ``OUT/data/`` and shared by all its runs.

The finite-element generator of Appendix A (:func:`pixelpde.fem.generate`);
an existing file is reused only when its attributes match the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pixelpde.learned.data import Trajectories


@dataclass(frozen=True)
class DataSpec:
    """One dataset: problem, trajectories, steps, seed, grid and time step (None: the generator's)."""

    problem: str
    n: int
    steps: int
    seed: int
    p: int
    dt: float | None = None
    min_norm: float | None = None

    @property
    def filename(self) -> str:
        return f"{self.problem}-p{self.p}-n{self.n}-steps{self.steps}-seed{self.seed}.h5"


def data_path(spec: DataSpec, folder) -> Path:
    """Where a study keeps the dataset ``spec``: ``folder/data/FILENAME``."""
    return Path(folder) / "data" / spec.filename


def load_or_simulate(spec: DataSpec, folder, progress: bool = False) -> Trajectories:
    """The trajectories of ``spec`` from ``folder/data`` (simulated and written atomically if absent)."""
    from pixelpde.learned.reproduce import simulate

    path = data_path(spec, folder)
    if path.is_file():
        return Trajectories.open(path)
    return simulate(spec.problem, spec.n, spec.steps, spec.seed, spec.p, path, progress, spec.min_norm, spec.dt)


def paper_dt(problem: str, p: int = 100) -> float:
    """The generator's default time step on the paper's p = 100 grid: coarse quick grids keep the
    paper's physical time per step (as ``reproduce --quick`` does)."""
    from pixelpde.fem import get_problem

    prob = get_problem(problem)
    return float(prob.default_dt(p, prob.parameters({})))
