r"""Observed orders in time (section 3.1, the classical error term of (15)).

The exact Theorem 3.2 network F_theta = X of each PDE is integrated to T
with dt = T/n, n = n0 * 2^i, on a fixed grid, and compared with the exact
flow of the semi-discrete ODE (11) (advection, heat) or RK4 at an 8 times
smaller step (Fisher): only the time error is measured.  Every observed
order (between consecutive refinements) and the least-squares slope must be
within 0.1 of the declared order below; the default step counts of
:mod:`pixelpde.convergence.steps` are used, so a change there that leaves the
asymptotic regime fails here too.

Projected methods only appear with advection: central differences give a
skew-symmetric, norm-preserving field there (Lemma 2.1); for heat and
Fisher the projection changes the limit (Lemma 2.2).
"""

import pytest

from pixelpde.convergence import StudySpec, run_study

PROBLEMS = {
    # u_t = b . grad u, b = (1, 1) (eq. (32)), periodic
    "advection": dict(pde="u_t = u_x + u_y", bc="periodic", ic="sin(2*pi*x)*sin(2*pi*y)", T=0.25, grid=16),
    # u_t = alpha Laplace u (eq. (35)), Dirichlet, two sine modes as in (39)
    "heat": dict(
        pde="u_t = 0.1*(u_xx + u_yy)",
        bc="dirichlet",
        ic="sin(pi*x)*sin(2*pi*y) + 0.5*sin(3*pi*x)*sin(pi*y)",
        T=0.5,
        grid=15,
    ),
    # u_t = alpha Laplace u + u(1 - u) (eq. (40)), alpha = 0.01 as in A.3, Dirichlet, IC (43) with
    # k = 1 and a small beta, so that [0, T] covers the logistic growth (larger error constants)
    "fisher": dict(
        pde="u_t = 0.01*(u_xx + u_yy) + u*(1 - u)",
        bc="dirichlet",
        ic="0.1*sin(pi*(x - 1))*sin(pi*(y - 1))",
        T=4,
        grid=15,
    ),
}

#: (problem, integrator, substeps) -> declared order of accuracy in dt.
DECLARED = [
    ("advection", "euler", 1, 1),
    ("advection", "projected-euler", 1, 1),
    ("advection", "rk2", 1, 2),
    ("advection", "projected-rk2", 1, 2),
    ("advection", "rk4", 1, 4),
    ("advection", "projected-rk4", 1, 4),
    ("advection", "rk4", 3, 4),
    ("heat", "euler", 1, 1),
    ("heat", "rk2", 1, 2),
    ("heat", "rk4", 1, 4),
    ("heat", "rk2", 2, 2),
    ("fisher", "euler", 1, 1),
    ("fisher", "rk2", 1, 2),
    ("fisher", "rk4", 1, 4),
]


@pytest.mark.parametrize(
    ("problem", "integrator", "substeps", "declared"), DECLARED, ids=[f"{p}-{i}-s{s}" for p, i, s, _ in DECLARED]
)
def test_observed_time_order(problem, integrator, substeps, declared):
    study = run_study(StudySpec(vary="dt", integrator=integrator, substeps=substeps, **PROBLEMS[problem]))
    assert study["expected_order"] == declared
    assert study["fitted_rows"] == list(range(len(study["rows"]))), "a row fell to round-off: the test lost its power"
    orders = [row["order"] for row in study["rows"][1:]]
    assert all(abs(o - declared) <= 0.1 for o in orders), orders
    assert abs(study["fitted_order"] - declared) <= 0.1, study["fitted_order"]
