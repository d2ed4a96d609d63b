"""The convergence package's pieces: norms and fits, grids, initial conditions,
exact solutions, the exact semi-discrete flow, step defaults, plot and the study record."""

import json
import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.linalg
import torch
from hypothesis import given
from hypothesis import strategies as st

from pixelpde.convergence import (
    StudySpec,
    error_norms,
    exact_solution,
    fit_error_model,
    fitted_order,
    linear_flow,
    observed_orders,
    parse_initial_condition,
    plot_study,
    run_study,
)
from pixelpde.convergence.exact import ExactSolution
from pixelpde.convergence.flow import dirichlet_symbol
from pixelpde.convergence.grids import cells_for_nodes, nodes_for_cells, restrict
from pixelpde.convergence.steps import spectrum_rectangle, stable_steps
from pixelpde.ground.errors import InputError
from pixelpde.integrators import get_integrator
from pixelpde.stencils import parse_pde
from pixelpde.stencils.boundary import BoundaryCondition
from pixelpde.stencils.semidiscrete import SemiDiscretePDE

PERIODIC, DIRICHLET = BoundaryCondition.PERIODIC, BoundaryCondition.DIRICHLET


# --- norms, orders, fits --------------------------------------------------------------------------


def test_error_norms_by_hand():
    ref = np.array([[3.0, 4.0], [0.0, 0.0]])
    U = ref + np.array([[0.0, -2.0], [1.0, 0.0]])
    e = error_norms(U, ref, dx=0.5)
    assert (e.max, e.l2, e.rel) == (2.0, 0.5 * math.sqrt(5), math.sqrt(5) / 5)
    with pytest.raises(ValueError, match="differ in shape"):
        error_norms(U, ref[:1], 0.5)


@given(st.floats(0.5, 6), st.floats(1e-6, 1e3), st.integers(2, 7))
def test_orders_of_an_exact_power_law(p, C, levels):
    deltas = [0.1 / 2**i for i in range(levels)]
    errors = [C * d**p for d in deltas]
    orders = observed_orders(deltas, errors)
    assert orders[0] is None
    assert all(abs(o - p) < 1e-9 for o in orders[1:])
    assert abs(fitted_order(deltas, errors) - p) < 1e-9


def test_fitted_order_needs_two_positive_errors():
    assert fitted_order([0.1, 0.05], [1e-3, 0.0]) is None
    assert observed_orders([0.1, 0.05], [1e-3, 0.0]) == [None, None]


@given(
    st.complex_numbers(min_magnitude=0.1, max_magnitude=10, allow_nan=False, allow_infinity=False),
    st.complex_numbers(min_magnitude=0.1, max_magnitude=10, allow_nan=False, allow_infinity=False),
    st.sampled_from([1, 2, 4]),
)
def test_fit_error_model_recovers_signed_constants(C1, C2, r):
    dx = np.repeat([1 / 8, 1 / 16, 1 / 32], 3)
    dt = np.tile([0.1, 0.05, 0.025], 3)
    exact = C1 * dx**2 + C2 * dt**r
    fit = fit_error_model(dx, dt, exact, r=r)
    assert abs(fit.C1 - C1) <= 1e-8 * abs(C1)
    assert abs(fit.C2 - C2) <= 1e-8 * abs(C2)
    assert fit.max_relative_residual < 1e-8
    real = fit_error_model(dx, dt, exact.real + 1e-3, r=r)
    assert isinstance(real.C1, float)


# --- grids ----------------------------------------------------------------------------------------


@given(st.sampled_from(list(BoundaryCondition)), st.integers(4, 40), st.integers(1, 4))
def test_restrict_picks_the_coarse_nodes(bc, m, factor):
    p, pf = nodes_for_cells(bc, m), nodes_for_cells(bc, m * factor)
    assert cells_for_nodes(bc, p) == m
    assert bc.spacing(p) == Fraction(1, m)
    Xf, Yf = bc.mesh(pf)
    X, Y = bc.mesh(p)
    assert np.array_equal(restrict(Xf, bc, p), X)
    assert np.array_equal(restrict(Yf, bc, p), Y)


def test_restrict_refuses_a_grid_that_is_not_a_subgrid():
    with pytest.raises(InputError):
        restrict(np.zeros((12, 12)), PERIODIC, 5)


# --- initial conditions ---------------------------------------------------------------------------


def test_initial_condition_values_and_broadcasting():
    ic = parse_initial_condition("sin(2*pi*x)*cos(pi*y) + 1")
    X, Y = PERIODIC.mesh(8)
    assert np.allclose(ic(X, Y), np.sin(2 * np.pi * X) * np.cos(np.pi * Y) + 1, rtol=0, atol=1e-15)
    assert np.array_equal(parse_initial_condition("2.5").on_grid(DIRICHLET, 5), np.full((5, 5), 2.5))
    assert parse_initial_condition("x^2").on_grid(PERIODIC, 4)[2, 0] == 0.25  # ^ is a power


@pytest.mark.parametrize(
    "text", ["__import__('os')", "x.__class__", "[x]", "lambda: 1", "sin", "x if y else 1", "'a'", "u"]
)
def test_initial_condition_refuses_anything_but_arithmetic(text):
    with pytest.raises(InputError):
        parse_initial_condition(text)


def test_boundary_defect():
    assert parse_initial_condition("sin(pi*x)*sin(3*pi*y)").boundary_defect(DIRICHLET) < 1e-14
    assert parse_initial_condition("sin(2*pi*x)*cos(2*pi*y) + 1").boundary_defect(PERIODIC) < 1e-14
    assert parse_initial_condition("x*y").boundary_defect(DIRICHLET) == 1.0
    assert parse_initial_condition("x").boundary_defect(PERIODIC) == 1.0


# --- exact PDE solutions --------------------------------------------------------------------------

modes = st.tuples(st.integers(1, 4), st.integers(1, 4), st.floats(-2, 2))


@given(st.lists(modes, min_size=1, max_size=3), st.floats(0.01, 0.3), st.floats(0, 1))
def test_heat_sine_series_is_the_sum_of_decaying_modes(terms, alpha, t):
    text = " + ".join(f"({b})*sin({a}*pi*x)*sin({c}*pi*y)" for a, c, b in terms)
    sol = exact_solution(parse_pde(f"u_t = {alpha}*(u_xx + u_yy)"), DIRICHLET, parse_initial_condition(text))
    assert sol.kind == "sine series"
    X, Y = DIRICHLET.mesh(15)
    closed = sum(
        b * math.exp(-alpha * math.pi**2 * (a * a + c * c) * t) * np.sin(a * np.pi * X) * np.sin(c * np.pi * Y)
        for a, c, b in terms
    )
    assert np.allclose(sol(t, 15), closed, rtol=0, atol=1e-12)


@given(st.floats(-2, 2), st.floats(-2, 2), st.floats(-1, 1), st.floats(0, 2))
def test_translation_agrees_with_the_fourier_series(b1, b2, c, t):
    pde = parse_pde(f"u_t = {b1}*u_x + {b2}*u_y + {c}*u")
    ic = parse_initial_condition("sin(2*pi*x)*cos(4*pi*y) + 0.3*cos(2*pi*(x - y)) + 1")
    translation = exact_solution(pde, PERIODIC, ic)
    assert translation.kind == "translation"
    fourier = ExactSolution("fourier series", pde, PERIODIC, ic)
    assert np.allclose(translation(t, 16), fourier(t, 16), rtol=0, atol=1e-12 * math.exp(abs(c) * t))


def test_no_exact_solution_for_nonlinear_or_odd_dirichlet_problems():
    ic = parse_initial_condition("sin(pi*x)*sin(pi*y)")
    assert exact_solution(parse_pde("u_t = u_xx + u*(1 - u)"), DIRICHLET, ic) is None
    assert exact_solution(parse_pde("u_t = u_xx + u_x"), DIRICHLET, ic) is None
    assert exact_solution(parse_pde("u_t = u_xx + u_x"), PERIODIC, ic).kind == "fourier series"


# --- the exact flow of (11) -----------------------------------------------------------------------

kernels = st.lists(st.floats(-3, 3), min_size=9, max_size=9).map(lambda v: np.array(v).reshape(3, 3))


@given(kernels, st.sampled_from(list(BoundaryCondition)), st.floats(0, 0.5))
def test_linear_flow_is_the_matrix_exponential(L, bc, t):
    sd = SemiDiscretePDE(L=L, betas=(), D=(), bc=bc)
    U0 = np.random.default_rng(0).standard_normal((2, 6, 5))
    A = sd.linear_matrix(6, 5).toarray()
    expected = np.stack([(scipy.linalg.expm(t * A) @ u.ravel()).reshape(6, 5) for u in U0])
    assert np.allclose(linear_flow(sd, U0, t), expected, rtol=1e-10, atol=1e-10)


even_kernels = st.tuples(*[st.floats(-3, 3)] * 4, st.sampled_from([3, 5])).map(
    lambda v: np.pad(np.array([[v[3], v[2], v[3]], [v[1], v[0], v[1]], [v[3], v[2], v[3]]]), (v[4] - 3) // 2)
)


@given(even_kernels, st.floats(0, 0.5), st.integers(5, 8), st.integers(5, 8))
def test_dirichlet_sine_transform_flow_is_the_matrix_exponential(L, t, r, s):
    """The DST-I fast path (kernels even in each axis, reach 1) against expm of the matrix."""
    assert dirichlet_symbol(L, r, s) is not None
    sd = SemiDiscretePDE(L=L, betas=(), D=(), bc=DIRICHLET)
    U0 = np.random.default_rng(1).standard_normal((2, r, s))
    A = sd.linear_matrix(r, s).toarray()
    assert np.allclose(
        np.sort(np.linalg.eigvalsh(A)), np.sort(dirichlet_symbol(L, r, s).ravel()), rtol=1e-12, atol=1e-12
    )
    expected = np.stack([(scipy.linalg.expm(t * A) @ u.ravel()).reshape(r, s) for u in U0])
    assert np.abs(linear_flow(sd, U0, t) - expected).max() <= 1e-12 * max(1.0, np.abs(expected).max())


def test_dirichlet_symbol_only_for_kernels_the_sine_transform_diagonalises():
    laplacian = parse_pde("u_t = u_xx + u_yy").discretise("1/9", "dirichlet").L
    assert dirichlet_symbol(laplacian, 8, 8) is not None
    for text, kw in [("u_t = u_x", {}), ("u_t = u_xy", {}), ("u_t = u_xx + u_yy", {"size": 5, "order": 4})]:
        assert dirichlet_symbol(parse_pde(text, **kw).discretise("1/9", "dirichlet").L, 8, 8) is None, text


def test_linear_flow_refuses_nonlinear_systems():
    with pytest.raises(ValueError, match="needs a linear system"):
        linear_flow(parse_pde("u_t = u*u").discretise("1/8", "periodic"), np.zeros((8, 8)), 0.1)


# --- step defaults --------------------------------------------------------------------------------


def test_stable_steps_for_euler_on_central_advection():
    """Purely imaginary spectrum |lambda| <= 2/dx: Euler grows by (1 + z^2)^(n/2);
    the count keeps n * log sqrt(1 + (T rho / n)^2) <= 1, about (T rho)^2 / 2."""
    sd = parse_pde("u_t = u_x + u_y").discretise("1/32", "periodic")
    a, b, c = spectrum_rectangle(sd, np.zeros((32, 32)))
    assert (a, b, c) == (0.0, 0.0, 64.0)
    n = stable_steps(get_integrator("euler"), (a, b, c), 0.5)
    growth = lambda k: k * 0.5 * math.log1p((32 / k) ** 2)
    assert growth(n) <= 1 < growth(n - 1)


def test_stable_steps_for_rk4_on_the_heat_equation():
    """Real spectrum in [-8 alpha/dx^2, 0]: RK4 is stable up to |z| = 2.785..."""
    sd = parse_pde("u_t = 0.01*(u_xx + u_yy)").discretise("1/33", "dirichlet")
    rect = spectrum_rectangle(sd, np.zeros((32, 32)))
    assert rect[0] == pytest.approx(-8 * 0.01 * 33**2)
    assert rect[1] == 0
    assert rect[2] == 0
    n = stable_steps(get_integrator("rk4"), rect, 0.5)
    assert n == math.ceil(0.5 * 8 * 0.01 * 33**2 / 2.785293563405282)


def test_default_steps_keep_a_wide_dirichlet_ladder_stable():
    """Regression: with a fixed dt/dx^2 every level has the same |z| but more steps, so
    stability must be judged on the finest level (5 x 5 kernels, positive Gershgorin edge)."""
    spec = StudySpec(pde="u_t = 0.01*(u_xx + u_yy)", bc="dirichlet", vary="dx", size=5, order=4, grid=7, refinements=4)
    study = run_study(spec)
    assert all(np.isfinite(row["error_max"]) and row["error_rel"] < 0.01 for row in study["rows"])


# --- studies, records and plots -------------------------------------------------------------------


def test_a_network_with_F_not_X_shows_its_error_floor():
    """Eq. (17): a network 1e-4 away from X converges to its own flow; against the
    flow of X the error stops at ~ T ||F - X||, and the fitted order collapses."""
    from pixelpde.constructive import Theorem32Network

    def perturbed(sd):
        net = Theorem32Network.from_system(sd, compact=True)
        with torch.no_grad():
            net.A1.mul_(1 + 1e-4)
        return net

    spec = StudySpec(pde="u_t = u_x + u_y", bc="periodic", vary="dt", T=0.25, grid=16)
    exact, floored = run_study(spec), run_study(spec, field=perturbed, field_name="perturbed")
    assert abs(exact["fitted_order"] - 4) < 0.1
    assert floored["fitted_order"] < 1
    assert floored["field"] == "perturbed"
    rel = [row["error_rel"] for row in floored["rows"]]
    # u0 = (cos 2pi(x - y) - cos 2pi(x + y)) / 2: only the second half moves, at omega_h = 2 sin(2 pi dx)/dx,
    # and the network moves it 1e-4 faster: a phase error 1e-4 T omega_h on a 1/sqrt(2) share of the norm
    phase = 1e-4 * 0.25 * 4 * math.pi * math.sin(math.pi / 8) / (math.pi / 8) / math.sqrt(2)
    assert abs(rel[-1] / phase - 1) < 0.01


def test_plot_from_a_saved_record(tmp_path):
    study = run_study(StudySpec(pde="u_t = u_x + u_y", bc="periodic", vary="dt", T=0.25, grid=8, refinements=2))
    record = json.loads(json.dumps(study))  # what a user gets back from --json
    plot_study(record, tmp_path / "p.png")
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    assert [p.name for p in tmp_path.iterdir()] == ["p.png"]


def test_threads_setting_is_restored():
    before = torch.get_num_threads()
    run_study(StudySpec(pde="u_t = u_x", bc="periodic", vary="dt", grid=8, refinements=1), threads=1)
    assert torch.get_num_threads() == before
