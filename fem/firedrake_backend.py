r"""Optional backend: the same three schemes in Firedrake (the paper's own generator).

``pixelpde simulate ... --backend firedrake`` runs schemes (33), (37) and
(42) -- with the sign decisions of :mod:`pixelpde.fem.problems` -- as UFL forms on
Firedrake's ``UnitSquareMesh(p+1, p+1, quadrilateral=True)`` (Dirichlet) or
``PeriodicUnitSquareMesh(p, p, quadrilateral=True)`` (periodic) with the
continuous Q1 space, from the same initial conditions and with the same
time step, and the results go into the same file format.  Linear steps use
a direct LU factorisation reused across steps; Fisher's (42) uses PETSc's
Newton solver (SNES) with an absolute tolerance ``tol * dx^2`` on the l2 norm
of the residual vector, which implies the embedded solver's criterion
(max_i |R_i| / dx^2 <= tol).

Firedrake is not a dependency of pixelpde: install it with
``scripts/install-firedrake.sh`` (see ``docs/fem.md``).  When the process
runs as root, ``OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM)`` are set (if unset) before
Firedrake starts MPI, and ``OMP_NUM_THREADS`` defaults to 1 as Firedrake asks.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from pixelpde.fem.problems import Problem, StepStats
from pixelpde.ground.errors import InputError
from pixelpde.stencils.boundary import BoundaryCondition


def import_firedrake():
    """Import Firedrake, or raise :class:`InputError` saying why it is unavailable and how to get it."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    argv, sys.argv = sys.argv, sys.argv[:1]  # PETSc would read (and warn about) our command-line options
    try:
        import firedrake
    except Exception as exc:  # ImportError, or MPI/PETSc failing to start
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise InputError(
            f"--backend firedrake needs Firedrake, which is not importable here ({reason}); "
            "install it with scripts/install-firedrake.sh (optional, about 21 minutes)"
        ) from None
    finally:
        sys.argv = argv
    return firedrake


def firedrake_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("firedrake")
    except PackageNotFoundError:  # pragma: no cover - a source checkout
        return "unknown"


class FiredrakeRunner:
    """Schemes (33), (37), (42) in Firedrake for one problem, grid and time step."""

    def __init__(self, problem: Problem, p: int, dt: float, params: dict):
        fd = import_firedrake()
        self.fd, self.problem, self.p, self.dt, self.params = fd, problem, p, dt, params
        periodic = problem.bc is BoundaryCondition.PERIODIC
        cells = p if periodic else p + 1
        if periodic:
            mesh = fd.PeriodicUnitSquareMesh(p, p, quadrilateral=True)
        else:
            mesh = fd.UnitSquareMesh(cells, cells, quadrilateral=True)
        V = fd.FunctionSpace(mesh, "Q", 1)
        X = fd.Function(fd.VectorFunctionSpace(mesh, "Q", 1)).interpolate(fd.SpatialCoordinate(mesh))
        node = np.rint(X.dat.data_ro * cells).astype(np.int64)
        if periodic:
            node %= cells
            keep = np.arange(len(node))
        else:
            keep = np.flatnonzero(np.all((node >= 1) & (node <= p), axis=1))
            node = node - 1
        self.dofs = np.empty(p * p, dtype=np.int64)
        self.dofs[node[keep, 0] * p + node[keep, 1]] = keep
        self.u0, self.u1 = fd.Function(V), fd.Function(V)
        self.solver, self.nonlinear = self._solver(fd, V, periodic)

    def _solver(self, fd, V, periodic):
        u0, u1, dt = self.u0, self.u1, fd.Constant(self.dt)
        v = fd.TestFunction(V)
        dx = fd.dx
        lu = {"ksp_type": "preonly", "pc_type": "lu"}
        if self.problem.name == "advection":  # (33) with the sign of (32): u_t = b . grad u
            b = fd.as_vector([fd.Constant(c) for c in self.params["b"]])
            u = fd.TrialFunction(V)
            a = (u * v / dt - 0.5 * fd.inner(b, fd.grad(u)) * v) * dx
            L = (u0 * v / dt + 0.5 * fd.inner(b, fd.grad(u0)) * v) * dx
            problem = fd.LinearVariationalProblem(a, L, u1, constant_jacobian=True)
            return fd.LinearVariationalSolver(problem, solver_parameters=lu), False
        alpha = fd.Constant(self.params["alpha"])
        bcs = [fd.DirichletBC(V, 0.0, "on_boundary")]
        if self.problem.name == "heat":  # (37)
            u = fd.TrialFunction(V)
            a = (u * v / dt + 0.5 * alpha * fd.inner(fd.grad(u), fd.grad(v))) * dx
            L = (u0 * v / dt - 0.5 * alpha * fd.inner(fd.grad(u0), fd.grad(v))) * dx
            problem = fd.LinearVariationalProblem(a, L, u1, bcs=bcs, constant_jacobian=True)
            return fd.LinearVariationalSolver(problem, solver_parameters=lu), False
        # (42) with the AVF reaction term U_1/2 - (U1^2 + U1 U0 + U0^2)/3
        half = 0.5 * (u0 + u1)
        F = (
            (u1 - u0) / dt * v
            + alpha * fd.inner(fd.grad(half), fd.grad(v))
            - (half - (u1 * u1 + u1 * u0 + u0 * u0) / 3.0) * v
        ) * dx
        dx2 = (1.0 / (self.p + 1)) ** 2
        params = {
            **lu,
            "snes_type": "newtonls",
            "snes_linesearch_type": "basic",
            "snes_atol": self.params["tol"] * dx2,
            "snes_rtol": 0.0,
            "snes_stol": 0.0,
            "snes_max_it": self.params["max_iter"],
        }
        problem = fd.NonlinearVariationalProblem(F, u1, bcs=bcs)
        return fd.NonlinearVariationalSolver(problem, solver_parameters=params), True

    def _set(self, f, U: np.ndarray) -> None:
        f.dat.data[:] = 0.0
        f.dat.data[self.dofs] = U.reshape(-1)

    def _get(self, f) -> np.ndarray:
        return f.dat.data_ro[self.dofs].reshape(self.p, self.p).copy()

    def run(self, U0: np.ndarray, steps: int, stats: StepStats):
        """Yield ``U_1 .. U_steps`` for the batch ``U0`` (n, p, p), solved trajectory by trajectory."""
        out = np.empty((len(U0), steps, self.p, self.p))
        dx2 = (1.0 / (self.p + 1)) ** 2
        for i, U in enumerate(U0):
            self._set(self.u0, U)
            for j in range(steps):
                self.u1.assign(self.u0)
                self.solver.solve()
                if self.nonlinear:
                    snes = self.solver.snes
                    if snes.getConvergedReason() <= 0:
                        raise InputError(
                            f"Firedrake's Newton solver did not converge (trajectory {i}, step {j + 1}, "
                            f"reason {snes.getConvergedReason()}); use a smaller --dt or fewer --steps"
                        )
                    stats.record(np.array([snes.getIterationNumber()]), np.array([snes.getFunctionNorm() / dx2]))
                out[i, j] = self._get(self.u1)
                self.u0.assign(self.u1)
        yield from (out[:, j] for j in range(steps))
