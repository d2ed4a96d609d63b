r"""The three problems of Appendix A: schemes, initial conditions, parameters.

All three are Q1 Galerkin in space (:mod:`pixelpde.fem.q1`) and second order,
implicit, in time.  ``U_0``, ``U_1`` are consecutive snapshots and
:math:`U_{1/2} = (U_0 + U_1)/2`.

* **advection** -- eq. (33), implicit midpoint rule, doubly periodic, for
  :math:`u_t = \mathbf b\cdot\nabla u` (eq. (32), section 4):

  .. math:: \int_\Omega \Big(\frac{U_1 - U_0}{\delta t}
            - \mathbf b\cdot\nabla U_{1/2}\Big)\phi = 0 .

  The printed (33) has ``+ b . grad``, which solves u_t = -b.grad u; we
  solve the equation of (32) (see ``docs/fem.md``, "Deviations").  The
  matrix :math:`C = b_x C_x + b_y C_y` is skew-symmetric and has zero
  column sums, so the discrete mass :math:`\int U` and the norm
  :math:`\int U^2` are conserved exactly.
* **heat** -- eq. (37), Crank--Nicolson, zero Dirichlet, u_t = alpha Lap u:

  .. math:: \int_\Omega \frac{U_1 - U_0}{\delta t}\phi
            + \alpha \nabla U_{1/2}\cdot\nabla\phi = 0 ,

  with the dissipation identity (38) in its exact form
  :math:`\int U_1^2 = \int U_0^2 - 2\delta t\,\alpha \int |\nabla U_{1/2}|^2`.
* **fisher** -- eq. (42) with the reaction term in its energy-consistent
  (AVF) form, zero Dirichlet, u_t = alpha Lap u + u(1 - u):

  .. math:: \int_\Omega \frac{U_1 - U_0}{\delta t}\phi
            + \alpha \nabla U_{1/2}\cdot\nabla\phi
            - \Big(U_{1/2} - \tfrac13 (U_1^2 + U_1 U_0 + U_0^2)\Big)\phi = 0 ,

  (the printed (42) has ``+ 1/3 (...)``, the wrong sign), solved by a
  simplified Newton (chord) iteration whose matrix is the linear part of
  the Jacobian, :math:`(1/\delta t - 1/2) M + (\alpha/2) K`, so that it
  reuses the fast solver; iterated until the residual is <= ``tol``.

Initial conditions, drawn from ``numpy.random.default_rng(seed)`` in blocks
of :data:`DRAW_BLOCK` trajectories (so trajectory i depends only on the seed
and i, not on n):

* (34) ``u0 = sin(2 pi a1 (x - xs)) cos(2 pi a2 (y - ys)) + 1``,
  ``a1, a2 ~ U{5, 6, 7, 8}``, ``xs, ys ~ U[0, 1]``;
* (39) and (43) ``u0 = beta sin(k pi (x - 1)) sin(k pi (y - 1))``,
  ``k ~ U{2, ..., 7}``, ``beta ~ N(1, 0.5)`` read as variance 0.5
  (standard deviation sqrt(0.5)); for Fisher only the draws with
  ``||U0||_F > min_norm`` (default 10, section 4.3) are kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from pixelpde.fem.linalg import Pencil, Q1Solver
from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import MAX_NEWTON_ITERATIONS, check_int, check_positive
from pixelpde.stencils.boundary import BoundaryCondition

#: Trajectories per block of random draws.
DRAW_BLOCK = 64
#: Fraction of rejected Fisher draws above which sampling gives up (the filter cannot be met).
MAX_REJECTION = 0.99


def _number(value: float) -> str:
    """Shortest text that reads back as ``value`` (``0.01`` -> ``'0.01'``, ``1.0`` -> ``'1'``)."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def positive_number(value, name: str) -> float:
    """``value`` as a positive finite float, or a one-line :class:`InputError` naming ``name``."""
    return check_positive(value, name)


@dataclass
class StepStats:
    """What the nonlinear solves did (Fisher); empty for the linear problems."""

    iterations_max: int = 0
    iterations_total: int = 0
    solves: int = 0
    residual_max: float = 0.0

    def record(self, iterations: np.ndarray, residuals: np.ndarray) -> None:
        """Add one step of a batch: iterations and final residual per trajectory."""
        self.iterations_max = max(self.iterations_max, int(np.max(iterations)))
        self.iterations_total += int(np.sum(iterations))
        self.solves += len(iterations)
        self.residual_max = max(self.residual_max, float(np.max(residuals)))

    @property
    def iterations_mean(self) -> float:
        return self.iterations_total / self.solves if self.solves else 0.0


@dataclass(frozen=True)
class Problem:
    """One Appendix A problem: its grid, PDE text, default parameters, ICs and scheme."""

    name: str
    bc: BoundaryCondition
    equations: str
    ic_columns: tuple[str, ...]
    ic_formula: str
    defaults: dict = field(default_factory=dict)
    #: where the default time step comes from (the paper's rule), set by each problem
    dt_rule: ClassVar[str]

    # -- parameters -----------------------------------------------------------------------
    def parameters(self, params: dict) -> dict:
        """The defaults updated with ``params``; unknown names are refused."""
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise InputError(
                f"unknown parameter(s) {', '.join(unknown)} for {self.name} (known: {', '.join(self.defaults)})"
            )
        out = dict(self.defaults)
        out.update({k: v for k, v in params.items() if v is not None})
        return self.check(out)

    def check(self, params: dict) -> dict:
        return params

    def pde(self, params: dict) -> str:
        """The PDE solved, in the syntax of ``pixelpde.stencils.parse_pde`` / ``pixelpde weights --pde``."""
        raise NotImplementedError

    def default_dt(self, p: int, params: dict) -> float:
        raise NotImplementedError

    # -- initial conditions ----------------------------------------------------------------
    def draw_block(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` candidate IC parameter rows (columns :attr:`ic_columns`)."""
        raise NotImplementedError

    def initial_field(self, table: np.ndarray, p: int) -> np.ndarray:
        """Nodal matrices (n, p, p) of the ICs with parameter rows ``table``."""
        raise NotImplementedError

    def accept(self, U0: np.ndarray, params: dict) -> np.ndarray:
        """Which candidate ICs are kept (all, except for Fisher's norm filter)."""
        return np.ones(U0.shape[0], dtype=bool)

    def draw(self, seed: int, n: int, p: int, params: dict) -> tuple[np.ndarray, int]:
        """The first ``n`` accepted IC parameter rows for ``seed``, and how many draws before them were rejected."""
        rng = np.random.default_rng(seed)
        rows, count, rejected = [], 0, 0
        while count < n:
            block = self.draw_block(rng, DRAW_BLOCK)
            ok = self.accept(self.initial_field(block, p), params)
            used = np.flatnonzero(ok)[: n - count]
            rejected += int(used[-1] + 1 - len(used)) if len(used) == n - count else int((~ok).sum())
            rows.append(block[used])
            count += len(used)
            if rejected > 1000 and rejected > MAX_REJECTION * (rejected + count):
                raise InputError(
                    f"the norm filter ||U0|| > {params.get('min_norm')} rejects more than {MAX_REJECTION:.0%} "
                    f"of the initial conditions on a {p}x{p} grid; lower --min-norm or raise --p"
                )
        return np.concatenate(rows), rejected

    # -- the scheme ------------------------------------------------------------------------
    def run(self, solver: Q1Solver, U0: np.ndarray, steps: int, dt: float, params: dict, stats: StepStats):
        """Yield the snapshots ``U_1, ..., U_steps`` (each (n, p, p)) of the scheme from ``U0``."""
        raise NotImplementedError


class Advection(Problem):
    """u_t = b . grad u, doubly periodic, scheme (33) with the sign of (32); IC (34)."""

    dt_rule = "Appendix A.1: dt = 0.02"

    def check(self, params):
        b = params["b"]
        try:
            b = tuple(float(v) for v in b)
        except (TypeError, ValueError):
            raise InputError(f"b={b!r} must be two numbers") from None
        if len(b) != 2 or not all(math.isfinite(v) for v in b) or b == (0.0, 0.0):
            raise InputError(f"b={b!r} must be two finite numbers, not both zero")
        return {**params, "b": b}

    def pde(self, params):
        terms = []
        for coeff, name in zip(params["b"], ("u_x", "u_y"), strict=True):
            if coeff == 0:
                continue
            terms.append(name if coeff == 1 else f"-{name}" if coeff == -1 else f"{_number(coeff)}*{name}")
        return "u_t = " + " + ".join(terms).replace("+ -", "- ")

    def default_dt(self, p, params):
        return 0.02

    def draw_block(self, rng, size):
        a1 = rng.integers(5, 9, size=size)
        a2 = rng.integers(5, 9, size=size)
        xs = rng.random(size)
        ys = rng.random(size)
        return np.stack([a1, a2, xs, ys], axis=1).astype(np.float64)

    def initial_field(self, table, p):
        x = self.bc.nodes(p)
        a1, a2, xs, ys = (table[:, i, None] for i in range(4))
        sx = np.sin(2 * np.pi * a1 * (x[None, :] - xs))
        cy = np.cos(2 * np.pi * a2 * (x[None, :] - ys))
        return sx[:, :, None] * cy[:, None, :] + 1.0

    def run(self, solver, U0, steps, dt, params, stats):
        bx, by = params["b"]
        half = dt / 2
        lhs = Pencil(mass=1.0, adv_x=-half * bx, adv_y=-half * by)
        rhs = Pencil(mass=1.0, adv_x=half * bx, adv_y=half * by)
        yield from solver.propagate(lhs, rhs, U0, steps)


class Heat(Problem):
    """u_t = alpha (u_xx + u_yy), zero Dirichlet, scheme (37); IC (39)."""

    dt_rule = "section 4.2: dt = 0.24*dx**2/alpha with dx = 1/(p+1)"

    def check(self, params):
        return {**params, "alpha": positive_number(params["alpha"], "alpha")}

    def pde(self, params):
        return f"u_t = {_number(params['alpha'])}*(u_xx + u_yy)"

    def default_dt(self, p, params):
        """Section 4.2: dt = 0.24 dx^2 / alpha with this package's dx = 1/(p+1)."""
        return 0.24 * float(self.bc.spacing(p)) ** 2 / params["alpha"]

    def draw_block(self, rng, size):
        k = rng.integers(2, 8, size=size)
        beta = rng.normal(1.0, math.sqrt(0.5), size=size)
        return np.stack([k, beta], axis=1).astype(np.float64)

    def initial_field(self, table, p):
        x = self.bc.nodes(p)
        k, beta = table[:, 0, None], table[:, 1, None, None]
        s = np.sin(k * np.pi * (x[None, :] - 1.0))
        return beta * s[:, :, None] * s[:, None, :]

    def run(self, solver, U0, steps, dt, params, stats):
        half = dt * params["alpha"] / 2
        yield from solver.propagate(Pencil(mass=1.0, stiffness=half), Pencil(mass=1.0, stiffness=-half), U0, steps)


class Fisher(Heat):
    """u_t = alpha (u_xx + u_yy) + u (1 - u), zero Dirichlet, scheme (42) (AVF reaction); IC (43)."""

    def check(self, params):
        params = super().check(params)
        min_norm = params["min_norm"]
        if min_norm != 0:  # 0 switches the filter off
            min_norm = positive_number(min_norm, "min_norm")
        tol = positive_number(params["tol"], "tol")
        max_iter = params["max_iter"]
        max_iter = check_int(max_iter, "max_iter", 1, MAX_NEWTON_ITERATIONS)
        return {**params, "min_norm": float(min_norm), "tol": tol, "max_iter": max_iter}

    def pde(self, params):
        return f"u_t = {_number(params['alpha'])}*(u_xx + u_yy) + u*(1 - u)"

    def accept(self, U0, params):
        return np.linalg.norm(U0, axis=(-2, -1)) > params["min_norm"]

    def step(self, solver: Q1Solver, U0, V0, dt, params, guess=None):
        """One step of (42) for a batch, in the solver's coefficients.

        ``U0`` and its coefficients ``V0`` in, ``(U1, V1, iterations, residuals)``
        out.  The residual of a trajectory is the Euclidean norm of the vector
        ``r_i = R_i / dx^2``, where ``R_i`` is (42) tested against ``phi_i`` and
        ``dx^2 = int phi_i``; it bounds ``max_i |r_i|``.  Each trajectory is
        iterated until its own residual is <= ``tol``, independently of the
        others in the batch; an unconverged trajectory raises :class:`InputError`.
        """
        alpha, tol, max_iter = params["alpha"], params["tol"], params["max_iter"]
        chord = Pencil(mass=1 / dt - 0.5, stiffness=alpha / 2)
        # The U0-parts of the residual, constant during the iteration; U1^2 + U1 U0 + U0^2 = W^2 + (3/4) U0^2.
        rhs = Pencil(mass=1 / dt + 0.5, stiffness=-alpha / 2)
        const = solver.apply_c(rhs, V0) - 0.25 * solver.forward(solver.product(U0, U0))
        if guess is None:
            U1, V1 = U0.copy(), V0.copy()
        else:
            U1, V1 = solver.inverse(guess), guess.copy()
        n = U0.shape[0]
        iterations = np.zeros(n, dtype=np.int64)
        residuals = np.full(n, np.inf)
        active = slice(None)  # all trajectories, then the index array of those not yet converged
        for iteration in range(max_iter + 1):
            W = U1[active] + 0.5 * U0[active]
            R = solver.apply_c(chord, V1[active]) - const[active] + solver.forward(solver.product(W, W)) / 3
            res = solver.norm_c(R) / solver.dx**2
            residuals[active] = res
            iterations[active] = iteration
            todo = ~(res <= tol)
            if not todo.any() or not np.all(np.isfinite(res)) or iteration == max_iter:
                break
            if not todo.all():
                active, R = np.arange(n)[active][todo], R[todo]
            V1[active] -= solver.solve_c(chord, R)
            U1[active] = solver.inverse(V1[active])
        bad = ~(residuals <= tol)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"Fisher step: the Newton iteration did not reach residual {tol:g} in {max_iter} iterations "
                f"(trajectory {i} of the batch: residual {residuals[i]:.3g}); the solution may be blowing up -- "
                "use a smaller --dt or fewer --steps"
            )
        return U1, V1, iterations, residuals

    def run(self, solver, U0, steps, dt, params, stats):
        history, U = [solver.forward(U0)], U0  # coefficients of the last (up to) three snapshots
        for _ in range(steps):
            # initial guess: polynomial extrapolation of the previous snapshots (second order once possible)
            guess = None
            if len(history) == 2:
                guess = 2.0 * history[-1] - history[-2]
            elif len(history) == 3:
                guess = 3.0 * history[-1] - 3.0 * history[-2] + history[-3]
            U, V, iterations, residuals = self.step(solver, U, history[-1], dt, params, guess)
            stats.record(iterations, residuals)
            history = ([*history, V])[-3:]
            yield U


PROBLEMS: dict[str, Problem] = {
    "advection": Advection(
        "advection",
        BoundaryCondition.PERIODIC,
        "(32)-(33)",
        ("alpha1", "alpha2", "xs", "ys"),
        "(34) u0 = sin(2*pi*alpha1*(x - xs))*cos(2*pi*alpha2*(y - ys)) + 1, "
        "alpha1, alpha2 ~ U{5,6,7,8}, xs, ys ~ U[0,1]",
        {"b": (1.0, 1.0)},
    ),
    "heat": Heat(
        "heat",
        BoundaryCondition.DIRICHLET,
        "(35)-(38)",
        ("k", "beta"),
        "(39) u0 = beta*sin(k*pi*(x - 1))*sin(k*pi*(y - 1)), k ~ U{2,...,7}, beta ~ N(1, variance 0.5)",
        {"alpha": 0.01},
    ),
    "fisher": Fisher(
        "fisher",
        BoundaryCondition.DIRICHLET,
        "(40)-(42)",
        ("k", "beta"),
        "(43) u0 = beta*sin(k*pi*(x - 1))*sin(k*pi*(y - 1)), k ~ U{2,...,7}, beta ~ N(1, variance 0.5), "
        "kept if ||U0||_F > min_norm",
        {"alpha": 0.01, "min_norm": 10.0, "tol": 1e-10, "max_iter": 30},
    ),
}


def get_problem(name: str) -> Problem:
    try:
        return PROBLEMS[str(name).strip().lower()]
    except KeyError:
        raise InputError(f"unknown problem {name!r} (use one of {', '.join(PROBLEMS)})") from None
