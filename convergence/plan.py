r"""What a convergence study computes: the user's request and its ladder.

:class:`StudySpec` is the request (PDE text, boundary condition, what to
vary, integrator, ...; ``None`` fields take the defaults below).
:func:`make_plan` validates it and fixes the ladder of refinements:

* time study (``vary="dt"``): one grid of p nodes per axis,
  :math:`n_i = n_0 2^i` steps of :math:`\delta t_i = T / n_i`;
* space study (``vary="dx"``): :math:`m_i = m_0 2^i` cells per axis
  (:math:`\delta x_i = 1/m_i`), :math:`n_i = n_0 2^{k i}` steps, so that
  :math:`\delta t / \delta x^k` is the same on every level (k from
  :func:`ratio_power`).

Expected orders (:func:`expected_order`): r, the integrator's, in time; in
space :math:`\min(q, r k)` with q the stencils' order -- except for
Dirichlet problems whose kernels reach beyond the central 3 x 3: zero
padding (the paper's :math:`U_D`) is right for the first ghost node (the
boundary, u = 0) but puts 0 on the second one, at :math:`x = -\delta x`, where
the odd reflection :math:`-u(\delta x)` belongs: an O(1/dx) truncation error
on the first row of nodes, and the observed order is 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pixelpde.convergence.exact import ExactSolution, exact_solution
from pixelpde.convergence.grids import cells_for_nodes, nodes_for_cells
from pixelpde.convergence.initial import DEFAULT_IC, InitialCondition, parse_initial_condition
from pixelpde.convergence.norms import NORMS
from pixelpde.convergence.steps import default_steps, refinements_above, solution_rate
from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import MAX_STEPS, MAX_STUDY_STEPS, MAX_STUDY_WORK, MAX_TIME, check_int, check_positive
from pixelpde.integrators import Integrator, get_integrator
from pixelpde.stencils import parse_pde
from pixelpde.stencils.boundary import BoundaryCondition
from pixelpde.stencils.pde import PDE

DEFAULT_T = 0.5
DEFAULT_GRID_DT = 32  #: nodes per axis of a time study's grid
DEFAULT_CELLS_DX = 16  #: cells per axis of a space study's coarsest grid
DEFAULT_REFINEMENTS = {"dt": 4, "dx": 2}
DEFAULT_FACTOR = {"dt": 8, "dx": 4}  #: refinement factor of a computed (non-exact) reference
MAX_REFINEMENTS = 12
MAX_NODES = 4096  #: largest grid (nodes per axis) a study or its reference may use
#: A default time ladder stops where the estimated error of its finest level would fall below this
#: (10x the round-off floor of the fit, :data:`pixelpde.convergence.study.ROUNDOFF_FLOOR`).
ROUNDOFF_MARGIN = 1e-11


@dataclass(frozen=True)
class StudySpec:
    """A convergence-study request, run by :func:`pixelpde.convergence.run_study`; ``None`` means the default.

    ``pde`` is PDE text (:func:`pixelpde.stencils.parse_pde`), ``bc`` ``'periodic'`` or ``'dirichlet'``,
    ``vary`` ``'dt'`` (time study on one grid) or ``'dx'`` (space study, dt / dx^k fixed), ``integrator``
    and ``substeps`` as :func:`pixelpde.integrators.get_integrator`, ``T`` the final time, ``ic`` the initial
    condition u0(x, y) as text, ``size``/``order`` the stencils; the ladder is fixed by ``grid`` (nodes
    per axis of the (coarsest) grid), ``refinements`` (how many halvings), ``steps`` (steps on the coarsest
    level) and ``factor`` (refinement of a computed reference); ``norm`` is the norm whose orders are fitted
    (``'l2'``, ``'max'`` or ``'rel'``)."""

    pde: str
    bc: str | BoundaryCondition  #: parsed once by make_plan; typed from there on
    vary: str
    integrator: str = "rk4"
    substeps: int = 1
    T: float = DEFAULT_T
    ic: str | None = None
    size: int = 3
    order: int = 2
    grid: int | None = None  #: nodes per axis (time study) or of the coarsest grid (space study)
    refinements: int | None = None
    steps: int | None = None  #: steps on the coarsest level (default: convergence.steps)
    factor: int | None = None  #: refinement factor of a computed reference
    norm: str = "l2"


@dataclass(frozen=True)
class Plan:
    """A validated study: parsed inputs and the ladder of levels."""

    spec: StudySpec
    pde: PDE
    bc: BoundaryCondition
    ic: InitialCondition
    integrator: Integrator
    T: float
    cells: tuple[int, ...]
    steps: tuple[int, ...]
    systems: tuple
    U0s: tuple[np.ndarray, ...]
    k: int
    factor: int
    exact: ExactSolution | None = None  #: the exact PDE solution of a space study, when known

    @property
    def vary(self) -> str:
        return self.spec.vary

    @property
    def deltas(self) -> list[float]:
        if self.vary == "dt":
            return [self.T / n for n in self.steps]
        return [1.0 / m for m in self.cells]


def ratio_power(pde, order: int) -> int:
    """k of the fixed ratio dt/dx^k of a space study with an integrator of ``order`` r.

    k = 2 for PDEs with second (or higher) derivatives (explicit stability
    needs dt ~ dx^2), and also when r < q, so that the time error
    O(dt^r) = O(dx^{rk}) does not hide the space error O(dx^q); else k = 1.
    """
    q = spatial_order(pde)
    diffusive = any(sum(a) >= 2 for a in _alphas(pde))
    return 2 if diffusive or (q is not None and order < q) else 1


def spatial_order(pde) -> int | None:
    """The order q of the PDE's least accurate stencil (``None`` if all are exact)."""
    orders = [pde.stencil(a).order for a in _alphas(pde)]
    orders = [q for q in orders if q is not None]
    return min(orders) if orders else None


def _alphas(pde) -> set:
    higher = {a for t in getattr(pde, "higher", ()) for a in t.factors}
    return {a for a, _ in pde.linear} | {a for t in pde.quadratic for a in (t.first, t.second)} | higher


def reaches_beyond_3x3(sd) -> bool:
    """Whether some kernel of ``sd`` has a non-zero tap outside its central 3 x 3."""
    c = sd.size // 2
    inner = np.zeros(sd.L.shape, dtype=bool)
    inner[c - 1 : c + 2, c - 1 : c + 2] = True
    higher = [K for _, Ks in getattr(sd, "higher", ()) for K in Ks]
    return any(np.any(K[~inner] != 0) for K in (sd.L, *sd.D, *higher))


def padding_lowers_order(plan: Plan) -> bool:
    """Whether zero Dirichlet padding lowers a space study's order to 1 (kernels wider than 3 x 3:
    the second ghost node holds 0 instead of -u(dx); the documented deviation 8)."""
    return plan.vary == "dx" and plan.bc is BoundaryCondition.DIRICHLET and reaches_beyond_3x3(plan.systems[0])


def expected_order(plan: Plan, lowered: bool = True) -> int | None:
    """The order the study should observe: r, the integrator's, in time; in space min(q, r k), q the
    stencils' order, or 1 when :func:`padding_lowers_order` (``lowered=False``: the order without it)."""
    r = plan.integrator.order
    if plan.vary == "dt":
        return r
    q = 1 if lowered and padding_lowers_order(plan) else spatial_order(plan.pde)
    return r * plan.k if q is None else min(q, r * plan.k)


def expected_order_note(plan: Plan) -> str | None:
    """One line saying why the expected order is lower than the stencils' (``None`` when it is not)."""
    if not padding_lowers_order(plan):
        return None
    return (
        f"expected order {expected_order(plan)}, not {expected_order(plan, lowered=False)}: zero padding with "
        "kernels wider than 3x3 is first order at a Dirichlet boundary (the second ghost node holds 0 instead "
        "of -u(dx)); a documented deviation from the paper (8)"
    )


#: |<U, X(U)>| / (||U|| ||X(U)||) above this: X changes the norm, a projected method cannot converge.
NORM_DRIFT_TOL = 1e-10


def _require_norm_preserving(sd, U0: np.ndarray, integrator: Integrator) -> None:
    """Projected methods (eq. (31)) keep ||U|| fixed, so they converge to the flow of X only when X
    preserves the norm, <U, X(U)> = 0 (Lemma 2.1); otherwise every level's error is the same O(1)
    norm defect and no order exists (measured: order 0.000 for heat, Fisher, advection-diffusion)."""
    X0 = sd.rhs(U0)
    scale = float(np.linalg.norm(U0) * np.linalg.norm(X0))
    drift = abs(float(np.sum(U0 * X0))) / scale if scale > 0 else 0.0
    if drift > NORM_DRIFT_TOL:
        raise InputError(
            f"{integrator.name} keeps ||U|| fixed and converges only for a norm-preserving PDE (Lemma 2.1), "
            f"but this one changes the norm (<U0, X(U0)> = {drift:.2g} ||U0|| ||X(U0)||); use {integrator.method}"
        )


def make_plan(spec: StudySpec) -> Plan:
    """Validate ``spec`` (one-line :class:`InputError` for bad input) and fix the ladder."""
    if spec.vary not in ("dt", "dx"):
        raise InputError(f"vary={spec.vary!r} must be 'dt' or 'dx'")
    if spec.norm not in NORMS:
        raise InputError(f"norm={spec.norm!r} must be one of {', '.join(NORMS)}")
    T = check_positive(spec.T, "final time T", MAX_TIME)
    bc = BoundaryCondition.parse(spec.bc)
    pde = parse_pde(spec.pde, size=spec.size, order=spec.order)
    ic = parse_initial_condition(spec.ic if spec.ic is not None else DEFAULT_IC[spec.vary, bc])
    integ = get_integrator(spec.integrator, spec.substeps)
    default_r = DEFAULT_REFINEMENTS[spec.vary]
    refinements = check_int(
        default_r if spec.refinements is None else spec.refinements, "refinements", 1, MAX_REFINEMENTS
    )
    factor = check_int(DEFAULT_FACTOR[spec.vary] if spec.factor is None else spec.factor, "reference factor", 2, 64)

    exact = None
    if spec.vary == "dt":
        p = check_int(DEFAULT_GRID_DT if spec.grid is None else spec.grid, "grid", 3, MAX_NODES)
        cells = [cells_for_nodes(bc, p)] * (refinements + 1)
    else:
        p0 = nodes_for_cells(bc, DEFAULT_CELLS_DX) if spec.grid is None else check_int(spec.grid, "grid", 3, MAX_NODES)
        m0 = cells_for_nodes(bc, p0)
        cells = [m0 * 2**i for i in range(refinements + 1)]
        exact = exact_solution(pde, bc, ic)
        finest = cells[-1] * (1 if exact is not None else factor)
        if (
            finest > MAX_NODES + 1 or nodes_for_cells(bc, finest) > MAX_NODES
        ):  # (p <= cells; spacing() refuses p > MAX_NODES)
            what = "finest grid" if exact is not None else "reference grid"
            raise InputError(
                f"a space study from grid {p0} with {refinements} refinements needs a {finest}-cell {what} "
                f"(at most {MAX_NODES} nodes); use fewer refinements or a smaller grid"
            )
        defect = ic.boundary_defect(bc)
        if defect > 1e-9:
            raise InputError(
                f"initial condition {ic.text!r} does not satisfy the {bc} boundary condition "
                f"(mismatch {defect:.3g}); a space study would measure that, not the stencils"
            )
    if nodes_for_cells(bc, cells[0]) < pde.size:
        raise InputError(f"grid {nodes_for_cells(bc, cells[0])} is smaller than the {pde.size}x{pde.size} kernel")
    systems = tuple(pde.discretise(Fraction(1, m), bc) for m in cells)
    U0s = tuple(ic.on_grid(bc, nodes_for_cells(bc, m)) for m in cells)
    if integ.projected:
        _require_norm_preserving(systems[0], U0s[0], integ)

    k = ratio_power(pde, integ.order) if spec.vary == "dx" else 0
    growth = 2 if spec.vary == "dt" else 2**k
    n0 = check_int(
        default_steps(systems, U0s, T, integ, growth) if spec.steps is None else spec.steps, "steps", 1, MAX_STEPS
    )
    if spec.vary == "dt" and spec.refinements is None:  # stop the default ladder above round-off
        rate = solution_rate(systems[0], U0s[0])
        refinements = refinements_above(ROUNDOFF_MARGIN, integ.order, rate, T, n0, refinements)
        cells, systems, U0s = cells[: refinements + 1], systems[: refinements + 1], U0s[: refinements + 1]
    steps = tuple(n0 * growth**i for i in range(refinements + 1))
    total = sum(steps)
    work = sum(n * nodes_for_cells(bc, m) ** 2 for n, m in zip(steps, cells, strict=True))
    if total > MAX_STUDY_STEPS or work > MAX_STUDY_WORK:
        raise InputError(
            f"the study would take {total} time steps ({work:.3g} node-steps; T={T:g}, {n0} steps on the coarsest "
            f"level, {refinements} refinements); at most {MAX_STUDY_STEPS} steps and {MAX_STUDY_WORK:.0e} node-steps are "
            "accepted: a smaller T, --steps, --grid or fewer --refinements"
        )
    return Plan(spec, pde, bc, ic, integ, T, tuple(cells), steps, systems, U0s, k, factor, exact)
