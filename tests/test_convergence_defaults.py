"""`pixelpde convergence` defaults land in the asymptotic range for every supported kind of PDE.

Each study runs with all defaults (grid, T, initial condition, step counts, refinements), except
explicit Euler on advection (about 2000 steps on the coarsest level, 18 s per study with the
default 4 refinements), which runs 2 refinements: the default ladder only adds finer levels
further into the same range.  Measured with all defaults, every observed order is within 0.07 of
the expected one; before the Dirichlet time-study IC had a second mode, RK4 on the heat equation
gave errors 1.2e-12 .. 1.8e-15 and no order at all, and periodic heat with RK4 reached 2.3e-14
(now the default ladder stops at 2 refinements, 6.1e-12).
"""

import pytest

from pixelpde.convergence.plan import StudySpec, make_plan
from pixelpde.convergence.study import run_study
from pixelpde.ground.errors import InputError

pytestmark = pytest.mark.usefixtures("single_thread")

KINDS = {
    "advection": ("u_t = u_x + u_y", "periodic"),
    "heat-dirichlet": ("u_t = 0.01*(u_xx + u_yy)", "dirichlet"),
    "heat-periodic": ("u_t = 0.01*(u_xx + u_yy)", "periodic"),
    "fisher": ("u_t = 0.01*(u_xx + u_yy) + u*(1 - u)", "dirichlet"),
    "advection-diffusion": ("u_t = 0.05*(u_xx + u_yy) + u_x - 0.5*u_y", "periodic"),
}
TIME = [(kind, integ) for kind in KINDS for integ in ("euler", "rk2", "rk4")] + [
    ("advection", "projected-euler"),
    ("advection", "projected-rk4"),
]
#: Fisher's space study needs a computed reference (tens of seconds), and Euler's space studies of
#: advection take 10^4 steps at dt ~ dx^2: verification/test_space_orders.py covers those.
SPACE = [
    (kind, integ)
    for kind in KINDS
    if kind != "fisher"
    for integ in ("euler", "rk2", "rk4")
    if not (kind.startswith("advection") and integ == "euler")
]


def _check(record):
    orders = [row["order"] for row in record["rows"][1:]]
    assert all(row["error_rel"] > 1e-12 for row in record["rows"]), record[
        "rows"
    ]  # above the round-off floor of the fit
    assert all(abs(o - record["expected_order"]) <= 0.1 for o in orders), orders
    assert abs(record["fitted_order"] - record["expected_order"]) <= 0.1, record["fitted_order"]


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "integrator"), TIME, ids=[f"{k}-{i}" for k, i in TIME])
def test_default_time_study_is_in_the_asymptotic_range(kind, integrator):
    pde, bc = KINDS[kind]
    costly = kind.startswith("advection") and integrator.endswith("euler")
    _check(run_study(StudySpec(pde=pde, bc=bc, vary="dt", integrator=integrator, refinements=2 if costly else None)))


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "integrator"), SPACE, ids=[f"{k}-{i}" for k, i in SPACE])
def test_default_space_study_is_in_the_asymptotic_range(kind, integrator):
    pde, bc = KINDS[kind]
    _check(run_study(StudySpec(pde=pde, bc=bc, vary="dx", integrator=integrator)))


@pytest.mark.parametrize("kind", ["heat-dirichlet", "heat-periodic", "fisher", "advection-diffusion"])
def test_projected_methods_are_refused_where_the_pde_changes_the_norm(kind):
    """They would measure order 0 (an O(1) norm defect on every level): a one-line refusal instead."""
    pde, bc = KINDS[kind]
    with pytest.raises(InputError, match="norm-preserving"):
        make_plan(StudySpec(pde=pde, bc=bc, vary="dt", integrator="projected-euler"))
