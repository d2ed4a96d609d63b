r"""Allen-Cahn, u_t = 0.0001 (u_xx + u_yy) + u - u^3, through the convergence studies with its
exact polynomial network (a ReLU^3 branch): the theoretical orders in dt (1, 2, 4 for Euler,
Heun, RK4, every observed order within 0.05 against an RK4 reference of the semi-discrete
system) and in dx (2 with 3x3 stencils, 4 with 5x5 periodic ones, against a 4x finer grid,
whose own error biases the observed order slightly upward, cf. test_space_orders).
"""

import pytest

from pixelpde.convergence import StudySpec, run_study

ALLEN_CAHN = dict(pde="u_t = 0.0001*(u_xx+u_yy) + u - u**3", bc="periodic", ic="0.5*sin(2*pi*x)*sin(2*pi*y)")

#: (integrator, coarsest steps, declared order) on a 16 x 16 grid, T = 1, three halvings.
TIME = [("euler", 40, 1), ("rk2", 16, 2), ("rk4", 4, 4)]
#: (stencil size, order, T, declared order, tolerance): grids 16, 32, 64, 8 steps on the coarsest.
SPACE = [(3, 2, 0.5, 2, 0.1), (5, 4, 0.25, 4, 0.2)]


@pytest.mark.parametrize(("integrator", "steps", "declared"), TIME, ids=[t[0] for t in TIME])
def test_allen_cahn_time_order(integrator, steps, declared):
    spec = StudySpec(vary="dt", integrator=integrator, T=1, grid=16, steps=steps, refinements=3, **ALLEN_CAHN)
    study = run_study(spec, progress=False)
    assert study["expected_order"] == declared
    assert study["reference"]["kind"] == "RK4 reference"
    orders = [row["order"] for row in study["rows"][1:]]
    assert all(abs(o - declared) <= 0.05 for o in orders), orders
    assert abs(study["fitted_order"] - declared) <= 0.05


@pytest.mark.parametrize(("size", "order", "T", "declared", "tol"), SPACE, ids=["3x3", "5x5"])
def test_allen_cahn_space_order(size, order, T, declared, tol):
    spec = StudySpec(vary="dx", size=size, order=order, T=T, grid=16, steps=8, refinements=2, **ALLEN_CAHN)
    study = run_study(spec, progress=False)
    assert study["expected_order"] == declared
    assert study["reference"]["kind"].startswith("fine grid")
    orders = [row["order"] for row in study["rows"][1:]]
    assert all(abs(o - declared) <= tol for o in orders), orders
    assert abs(study["fitted_order"] - declared) <= tol
