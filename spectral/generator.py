"""Spectral reference datasets: a preset or a system -> seeded initial states -> ETDRK4 -> HDF5.

A :class:`SpectralSpec` is the request; :func:`plan` validates it before any work (sizes, memory,
and for files the free disk space); :func:`simulate` returns an in-memory array (n, steps+1, C,
p, ..., p); :func:`write_simulation` streams batches of trajectories into an HDF5 file in the format
of :mod:`pixelpde.fem.dataset` (atomically).  A scalar 2-D system keeps that format's exact shape
(n, steps+1, p, p); otherwise ``U`` is (n, steps+1, C, p, ..., p) and the attributes ``fields``
(the names in channel order, comma-separated: ``"u,v"``), ``channels``, ``dim`` and ``system`` say so.

The compute grid has ``refine * p`` nodes per axis; the data are its point values at every
``refine``-th node, i.e. exactly at the pixel nodes :math:`x_h = h/p`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pixelpde import __version__
from pixelpde.fem.dataset import FORMAT_VERSION, check_dataset_path, dataset_writer
from pixelpde.ground.atomic import check_writable
from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import (
    MAX_COUNT,
    MAX_NODES_PER_AXIS,
    MAX_STEPS,
    MAX_SUBSTEPS,
    check_bytes,
    check_float,
    check_int,
    check_memory,
    check_positive,
    check_seed,
)
from pixelpde.spectral import etdrk4
from pixelpde.spectral.presets import Preset, get_preset, random_fourier
from pixelpde.spectral.solver import MIN_NODES, PseudoSpectral, SpectralGrid
from pixelpde.spectral.system import PolynomialSystem, as_system
from pixelpde.stencils.boundary import check_grid_size

#: Largest refinement factor of the compute grid.
MAX_REFINE = 16
#: Working memory per batch when the batch size is automatic.
BATCH_BYTES = 256 * 2**20


@dataclass(frozen=True)
class SpectralSpec:
    """A request: ``preset`` (a name) or ``system`` (a :class:`PolynomialSystem`, a parsed ``PDESystem`` or raw
    terms with ``dim``), ``n`` trajectories of ``steps`` snapshots ``dt`` apart, ``p`` pixels per axis."""

    n: int
    steps: int
    seed: int
    preset: str | None = None
    system: object = None
    dim: int | None = None
    p: int | None = None
    dt: float | None = None
    substeps: int | None = None
    refine: int | None = None  #: None: the preset's default (1 for systems)
    params: dict = field(default_factory=dict)  #: preset parameter overrides


@dataclass
class Plan:
    system: PolynomialSystem
    preset: Preset | None
    params: dict
    n: int
    steps: int
    seed: int
    p: int
    dt: float
    substeps: int
    refine: int

    @property
    def q(self) -> int:
        return self.p * self.refine

    @property
    def frame(self) -> tuple[int, ...]:
        """Shape of one snapshot in the file: (p, p) for a scalar 2-D system, else (C, p, ..., p)."""
        grid = (self.p,) * self.system.dim
        return grid if self.system.channels == 1 and self.system.dim == 2 else (self.system.channels, *grid)

    @property
    def t(self) -> np.ndarray:
        return self.dt * np.arange(self.steps + 1)

    @property
    def ic_columns(self) -> tuple[str, ...]:
        return ("trajectory", *(self.preset.ic_columns if self.preset else ()))

    def initial_state(self, indices) -> tuple[np.ndarray, np.ndarray]:
        """Initial point values (b, C, q, ..., q) on the compute grid and the ic table rows of ``indices``."""
        X = SpectralGrid(self.q, self.system.dim).mesh()
        states, rows = [], []
        for i in indices:
            # = SeedSequence(seed).spawn(n)[i], without building all n children for every batch
            rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(int(i),)))
            if self.preset is None:
                state, row = random_fourier(rng, X, self.system.channels), np.array([])
            else:
                state, row = self.preset.ic(rng, X, self.p, self.params)
            states.append(state)
            rows.append(np.concatenate([[float(i)], np.asarray(row, dtype=np.float64).ravel()]))
        return np.stack(states), np.stack(rows)

    def attrs(self) -> dict:
        s = self.system
        out = {
            "problem": self.preset.name if self.preset else "system",
            "pde": s.text(),
            "system": s.text(),
            "fields": ",".join(s.fields),  # one string: readers of scalar attributes need no change
            "channels": int(s.channels),
            "dim": int(s.dim),
            "bc": "periodic",
            "dt": float(self.dt),
            "dx": 1.0 / self.p,
            "p": int(self.p),
            "seed": int(self.seed),
            "generator": f"pixelpde {__version__} spectral (Fourier pseudo-spectral, ETDRK4)",
            "version": FORMAT_VERSION,
            "scheme": "Fourier pseudo-spectral, alias-free zero-padded products, ETDRK4 (Cox-Matthews 2002; "
            f"phi-functions by a {etdrk4.CONTOUR_POINTS}-point contour, Kassam-Trefethen 2005)",
            "substeps": int(self.substeps),
            "refine": int(self.refine),
            "spectral_nodes": int(self.q),
            "ic_formula": self.preset.ic_formula
            if self.preset
            else "random_fourier: modes |n|_inf <= 4, N(0,1)/(1+|n|^2) coefficients divided by their absolute sum (|u| <= 1)",
        }
        if self.preset is not None:
            out["source"] = self.preset.source
            out["rescaling"] = self.preset.rescaling
            for key, value in self.params.items():
                out[f"param_{key}"] = float(value)
        return out


def plan(spec: SpectralSpec, before_work=None) -> Plan:
    """Validate ``spec``; ``before_work(plan)`` runs after validation and before any simulation."""
    n = check_int(spec.n, "n", 1, MAX_COUNT)
    steps = check_int(spec.steps, "steps", 1, MAX_STEPS)
    seed = check_seed(spec.seed)
    if (spec.preset is None) == (spec.system is None):
        raise InputError("give exactly one of a preset and a system")
    preset = None
    params: dict = {}
    if spec.preset is not None:
        preset = get_preset(spec.preset)
        unknown = sorted(set(spec.params) - set(preset.params))
        if unknown:
            raise InputError(
                f"preset {preset.name} has no parameter(s) {', '.join(unknown)} (it has {', '.join(preset.params)})"
            )
        params = {**preset.params}
        for key, value in spec.params.items():
            params[key] = check_float(value, f"parameter {key}")
        system = PolynomialSystem.from_terms(preset.terms(params), preset.dim, preset.fields)
    else:
        if spec.params:
            raise InputError("parameters are for presets; put the numbers into the system")
        system = as_system(spec.system, spec.dim)
    p_given = spec.p if spec.p is not None else (preset.p if preset else None)
    if p_given is None:
        raise InputError("a system needs the grid size p (presets have a default)")
    p = check_grid_size(p_given)
    refine = spec.refine if spec.refine is not None else (preset.refine if preset else 1)
    refine = check_int(refine, "refine", 1, MAX_REFINE)
    check_int(p * refine, "spectral nodes per axis (p * refine)", MIN_NODES, MAX_NODES_PER_AXIS)
    dt_given = spec.dt if spec.dt is not None else (preset.dt if preset else None)
    if dt_given is None:
        raise InputError("a system needs the time step dt (presets have a default)")
    dt = check_positive(dt_given, "dt", 1e6)
    substeps = check_int(
        spec.substeps if spec.substeps is not None else (preset.substeps if preset else 1), "substeps", 1, MAX_SUBSTEPS
    )
    pl = Plan(system, preset, params, n, steps, seed, p, dt, substeps, refine)
    one = (steps + 1) * math.prod(pl.frame) * 8
    check_memory(one, f"one trajectory of {steps} steps at p={p}")
    if before_work is not None:
        before_work(pl)
    return pl


def _batch(pl: Plan, solver: PseudoSpectral, batch: int | None) -> int:
    per = solver.working_bytes(1) + (pl.steps + 1) * math.prod(pl.frame) * 8
    batch = max(1, min(pl.n, BATCH_BYTES // per)) if batch is None else check_int(batch, "batch", 1, MAX_COUNT)
    check_memory(batch * per, f"a batch of {batch} trajectories on {pl.q}^{pl.system.dim} spectral nodes")
    return batch


def _run(pl: Plan, sink, progress: bool, batch: int | None) -> None:
    from pixelpde.ground.progress import progress_bar

    solver = PseudoSpectral(pl.system, pl.q)
    batch = _batch(pl, solver, batch)
    bar = progress_bar(
        enabled=progress,
        total=pl.n * pl.steps,
        unit=" traj-steps",
        desc=f"{pl.attrs()['problem']} (spectral)",
        leave=False,
    )
    with bar:
        for start in range(0, pl.n, batch):
            idx = range(start, min(pl.n, start + batch))
            U0, rows = pl.initial_state(idx)
            size = len(idx)
            try:
                U = solver.solve(
                    U0, pl.dt, pl.steps, pl.substeps, stride=pl.refine, callback=lambda _j, b=size: bar.update(b)
                )
            except InputError as exc:
                raise InputError(f"{exc} [trajectories {idx.start}..{idx.stop - 1}]") from None
            sink(start, U.reshape((len(idx), pl.steps + 1, *pl.frame)), rows)


def simulate(spec: SpectralSpec, progress: bool = True, batch: int | None = None):
    """In memory: ``(U, t, ic, attrs)`` with ``U`` (n, steps+1, *frame) float64 (see :attr:`Plan.frame`)."""

    def fits_memory(pl):
        check_memory(pl.n * (pl.steps + 1) * math.prod(pl.frame) * 8, f"{pl.n} trajectories in memory")

    pl = plan(spec, before_work=fits_memory)
    U = np.empty((pl.n, pl.steps + 1, *pl.frame))
    ic = np.empty((pl.n, len(pl.ic_columns)))

    def sink(start, block, rows):
        U[start : start + len(block)] = block
        ic[start : start + len(block)] = rows

    _run(pl, sink, progress, batch)
    return U, pl.t, ic, pl.attrs()


def write_simulation(path, spec: SpectralSpec, progress: bool = True, batch: int | None = None, dtype="float64"):
    """As :func:`simulate`, streaming into the HDF5 file ``path`` (atomically); returns the attributes."""
    check_writable(path)
    check_dataset_path(path)
    dtype = np.dtype(dtype)

    def fits_disk(pl):
        check_bytes(
            pl.n * (pl.steps + 1) * math.prod(pl.frame) * dtype.itemsize,
            f"a dataset of {pl.n} trajectories x {pl.steps + 1} snapshots of {'x'.join(map(str, pl.frame))}",
            Path(path).parent,
        )

    pl = plan(spec, before_work=fits_disk)
    ic = np.empty((pl.n, len(pl.ic_columns)))
    with dataset_writer(Path(path), pl.n, pl.steps, pl.p, dtype, frame=pl.frame) as w:

        def sink(start, block, rows):
            w.write(start, block)
            ic[start : start + len(block)] = rows

        _run(pl, sink, progress, batch)
        attrs = {**pl.attrs(), "dtype": str(dtype)}
        w.finish(pl.t, ic, pl.ic_columns, attrs)
    return attrs
