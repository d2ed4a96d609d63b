r"""Trajectories for training and testing, and the windows of Algorithm 3.

:class:`Trajectories` holds N trajectories ``U[i, j] = U_i^j`` (shape
(N, M+1, p, p), float64, in memory) with what training needs from the
dataset's attributes: the PDE text, boundary condition, dx and the snapshot
spacing dt.  It is read from a finite-element dataset file
(:class:`pixelpde.fem.Dataset`, via ``trajectory(i)``), from the arrays returned by
:func:`pixelpde.fem.generate`, or built from tensors (tests).

Training cuts windows ``[U_i^s, ..., U_i^{s+M}]`` of length M+1 from every
trajectory, starting at every ``stride``-th snapshot (all overlapping
windows by default), or only the window that starts at the initial
condition (``first``: one window per trajectory, as the paper's code);
:func:`window_index` / :func:`training_windows` list them and
:func:`gather_windows` gathers a batch on the training device.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import torch

from pixelpde.ground.errors import InputError
from pixelpde.stencils.boundary import BoundaryCondition
from pixelpde.stencils.expr import positive_fraction


@dataclass
class Trajectories:
    """N trajectories of M+1 snapshots on a p x p grid, with their dataset attributes:
    ``U`` is (N, M+1, p, p) for a scalar PDE and (N, M+1, C, p, p) for a system of C fields."""

    U: torch.Tensor
    dt: float
    dx: Fraction
    bc: BoundaryCondition
    pde: str
    attrs: dict = field(default_factory=dict)
    source: str = "memory"

    def __post_init__(self):
        U = torch.as_tensor(self.U)
        if U.ndim not in (4, 5) or U.shape[-1] != U.shape[-2]:
            raise InputError(
                f"{self.source}: trajectories must have shape (N, M+1, p, p) or (N, M+1, C, p, p), got {tuple(U.shape)}"
            )
        if not torch.is_floating_point(U):
            raise InputError(f"{self.source}: trajectories must be floating point, got {U.dtype}")
        self.U = U.to(torch.float64)
        self.bc = BoundaryCondition.parse(self.bc)
        self.dx = positive_fraction(self.dx, "dx")
        exact = self.bc.spacing(self.p)
        if abs(float(self.dx) - float(exact)) <= 1e-12 * float(exact):
            self.dx = exact  # the grid's exact spacing (1/p or 1/(p+1))
        if not (isinstance(self.dt, (int, float)) and np.isfinite(self.dt) and self.dt > 0):
            raise InputError(f"{self.source}: time step dt={self.dt!r} must be a positive number")
        self.dt = float(self.dt)
        if not isinstance(self.pde, str) or not self.pde.strip():
            raise InputError(f"{self.source}: the dataset does not name its PDE")

    # -- construction -----------------------------------------------------------
    @classmethod
    def from_dataset(cls, ds, indices=None, source: str | None = None) -> Trajectories:
        """Read trajectories ``indices`` (default all) from an open :class:`pixelpde.fem.Dataset`."""
        n = ds.n_trajectories
        indices = range(n) if indices is None else list(indices)
        bad = [i for i in indices if not 0 <= i < n]
        if bad:
            raise InputError(f"{source or 'dataset'}: trajectory index {bad[0]} outside 0..{n - 1}")
        U = torch.stack([torch.as_tensor(np.asarray(ds.trajectory(i), dtype=np.float64)) for i in indices])
        return cls(U, ds.dt, ds.dx, ds.bc, ds.pde, dict(ds.attrs), source or "dataset")

    @classmethod
    def open(cls, path, indices=None) -> Trajectories:
        """Read a dataset file written by :func:`pixelpde.fem.write_dataset`."""
        from pixelpde.fem import Dataset

        with Dataset.open(path) as ds:
            return cls.from_dataset(ds, indices, source=str(path))

    @classmethod
    def from_arrays(cls, arrays, source: str = "memory") -> Trajectories:
        """From the result of :func:`pixelpde.fem.generate` (``.U``, ``.attrs``)."""
        a = arrays.attrs
        try:
            return cls(torch.as_tensor(np.asarray(arrays.U)), a["dt"], a["dx"], a["bc"], a["pde"], dict(a), source)
        except KeyError as exc:
            raise InputError(f"{source}: dataset attributes lack {exc.args[0]!r}") from None

    # -- properties ---------------------------------------------------------------
    @property
    def n_trajectories(self) -> int:
        return self.U.shape[0]

    @property
    def n_steps(self) -> int:
        """M: the number of steps in each trajectory (M+1 snapshots)."""
        return self.U.shape[1] - 1

    @property
    def p(self) -> int:
        return self.U.shape[-1]

    @property
    def channels(self) -> int:
        """C: 1 for a scalar PDE, the number of fields of a system."""
        return 1 if self.U.ndim == 4 else self.U.shape[2]

    @property
    def problem(self) -> str | None:
        return self.attrs.get("problem")

    def semidiscrete(self, size: int = 3, order: int = 2):
        """The semi-discrete system (11) of the dataset's PDE (or system of PDEs) on its grid."""
        from pixelpde.stencils import is_system, parse_pde, parse_system

        parse = parse_system if is_system(self.pde) else parse_pde
        sd = parse(self.pde, size=size, order=order, max_degree=6).discretise(self.dx, self.bc)
        if getattr(sd, "channels", 1) != self.channels:
            raise InputError(f"{self.source}: the data have {self.channels} field(s), the PDE {sd.channels}")
        return sd

    def fingerprint(self) -> str:
        """SHA-256 of the snapshots and the attributes training depends on."""
        h = hashlib.sha256(self.U.numpy().tobytes())
        h.update(json.dumps([self.dt, str(self.dx), str(self.bc), self.pde]).encode())
        return h.hexdigest()

    def describe(self) -> dict:
        return {
            "source": self.source,
            "problem": self.problem,
            "pde": self.pde,
            "bc": str(self.bc),
            "dx": str(self.dx),
            "dt": self.dt,
            "p": self.p,
            "trajectories": self.n_trajectories,
            "steps": self.n_steps,
            "sha256": self.fingerprint(),
        }

    # -- selection ------------------------------------------------------------------
    def subset(self, indices) -> Trajectories:
        indices = list(indices)
        return Trajectories(self.U[indices], self.dt, self.dx, self.bc, self.pde, self.attrs, self.source)

    def select(self, count: int | None = None, min_norm: float | None = None, steps: int | None = None) -> Trajectories:
        """Keep trajectories with ``||U^0|| > min_norm`` (the paper's Fisher
        filter), then the first ``count`` of them, truncated to ``steps`` steps."""
        keep = list(range(self.n_trajectories))
        if min_norm is not None:
            norms = torch.linalg.vector_norm(self.U[:, 0].reshape(self.n_trajectories, -1), dim=-1)
            keep = [i for i in keep if norms[i] > min_norm]
        if count is not None:
            if count > len(keep):
                extra = f" with ||U^0|| > {min_norm}" if min_norm is not None else ""
                raise InputError(f"{self.source}: {count} trajectories requested but only {len(keep)} available{extra}")
            keep = keep[:count]
        if not keep:
            raise InputError(f"{self.source}: no trajectory left (||U^0|| > {min_norm} selects none)")
        out = self.subset(keep)
        if steps is not None:
            if steps > self.n_steps:
                raise InputError(f"{self.source}: {steps} steps requested but trajectories have {self.n_steps}")
            out.U = out.U[:, : steps + 1]
        return out


def window_index(
    n_trajectories: int, n_steps: int, length: int, stride: int = 1, first_only: bool = False
) -> torch.Tensor:
    """(W, 2) int64 tensor of (trajectory, start) for every window of ``length`` snapshots
    (with ``first_only``, only the window starting at snapshot 0 of each trajectory)."""
    if length - 1 > n_steps:
        raise InputError(f"windows of {length} snapshots need trajectories of >= {length - 1} steps, got {n_steps}")
    if stride < 1:
        raise InputError(f"window stride {stride} must be >= 1")
    starts = torch.arange(0, 1 if first_only else n_steps - length + 2, stride)
    traj = torch.arange(n_trajectories)
    return torch.cartesian_prod(traj, starts).reshape(-1, 2)


def training_windows(data: Trajectories, length: int, windows: str = "all", stride: int = 1) -> torch.Tensor:
    """The windows training draws from: ``windows='all'`` (every ``stride``-th start) or
    ``'first'`` (one per trajectory, at its initial condition)."""
    if windows not in ("all", "first"):
        raise InputError(f"windows {windows!r} must be 'all' or 'first'")
    return window_index(data.n_trajectories, data.n_steps, length, stride, first_only=windows == "first")


def gather_windows(U: torch.Tensor, index: torch.Tensor, length: int) -> torch.Tensor:
    """Windows ``U[i, s:s+length]`` for the rows (i, s) of ``index``: (b, length, p, p)."""
    index = index.to(U.device)
    steps = index[:, 1:2] + torch.arange(length, device=U.device)
    return U[index[:, 0:1], steps]
