"""The spectral reference generator (pixelpde.spectral) checked against exact solutions and theory.

* Linear diagonal systems are integrated exactly (ETDRK4 reduces to e^{hL}): 1e-12 on Fourier modes.
* phi-function coefficients (contour / closed forms) against 50-digit mpmath values: 1e-13 relative.
* Products are alias-free (zero padding): a cubic of the highest carried mode is exact to 1e-13.
* lambda-omega plane waves u + iv = A exp(i(omega t - k.x)), A^2 = 1 - D|k|^2, omega = -beta A^2: 1e-10.
* ETDRK4 order 4 +- 0.1 in dt: the plane wave (exact reference) and a 1-D FitzHugh-Nagumo pair
  (reference: the same run with a 16 times smaller step).
* Exponential decay in dx on a smooth 1-D viscous Burgers solution.
* Agreement with the project's finite differences (5x5, order 4, RK4) on a scalar Allen-Cahn equation:
  the difference falls at order 4 +- 0.15 in dx (the FD error), i.e. both converge to the same solution.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pixelpde.integrators import rk4
from pixelpde.spectral.etdrk4 import CONTOUR_BELOW, etdrk4_coefficients
from pixelpde.spectral.presets import get_preset
from pixelpde.spectral.solver import PseudoSpectral
from pixelpde.stencils import parse_pde


def _slope(hs, errors) -> float:
    return float(np.polyfit(np.log(hs), np.log(errors), 1)[0])


# ---------------------------------------------------------------------------------------------- linear modes
@pytest.mark.parametrize("dim", [1, 2, 3])
@settings(max_examples=8, deadline=None)
@given(
    c2=st.floats(0.0, 0.05),
    c1=st.floats(-1.0, 1.0),
    c4=st.floats(0.0, 1e-4),
    c0=st.floats(-1.0, 1.0),
    modes=st.lists(st.tuples(st.integers(-3, 3), st.integers(-3, 3), st.integers(-3, 3)), min_size=1, max_size=3),
)
def test_linear_diagonal_system_is_exact_on_fourier_modes(dim, c2, c1, c4, c0, modes):
    """u_t = c2 u_xx + c1 u_x - c4 u_xxxx + c0 u (and a second field with the roles of the axes turned):
    each mode exp(2 pi i n.x) is multiplied by exp(t lambda_n); ETDRK4 must reproduce it to rounding."""
    e = lambda i, a: tuple(a if j == i else 0 for j in range(dim))
    last = dim - 1
    terms = [
        [(c2, ((0, e(0, 2)),)), (c1, ((0, e(0, 1)),)), (-c4, ((0, e(0, 4)),)), (c0, ((0, e(0, 0)),))],
        [(c2, ((1, e(last, 2)),)), (-c1, ((1, e(last, 1)),)), (c0, ((1, e(0, 0)),))],
    ]
    q = 12
    solver = PseudoSpectral(terms, q, dim=dim)
    X = solver.grid.mesh()
    ns = [np.array(n[:dim]) for n in modes]

    def exact(t):
        u = np.zeros_like(X[0])
        v = np.zeros_like(X[0])
        for n in ns:
            k = 2 * np.pi * n
            phase = sum(ki * x for ki, x in zip(k, X, strict=True))
            lu = -c2 * k[0] ** 2 + 1j * c1 * k[0] - c4 * k[0] ** 4 + c0
            lv = -c2 * k[last] ** 2 - 1j * c1 * k[last] + c0
            u += np.real(np.exp(lu * t + 1j * phase))
            v += np.real(np.exp(lv * t + 1j * phase))
        return np.stack([u, v])

    out = solver.solve(exact(0.0)[None], dt=0.37, steps=4)
    err = max(np.abs(out[0, j] - exact(0.37 * j)).max() for j in range(5))
    assert err < 1e-12


# ---------------------------------------------------------------------------------------------- coefficients
def test_phi_coefficients_match_mpmath():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    zs = [1e-12, -1e-6, 0.3, -0.49, 0.49j, -0.2 + 0.3j, -0.51, 0.51, -1.0, 1.0 + 2j, -3.7, -40.0, -1e4, 5.0, 20j]
    c = etdrk4_coefficients(np.array(zs))

    def ref(z):
        z = mpmath.mpc(z)
        ez = mpmath.exp(z)
        return {
            "Q": (mpmath.exp(z / 2) - 1) / z,
            "f1": (-4 - z + ez * (4 - 3 * z + z**2)) / z**3,
            "f2": (2 + z + ez * (z - 2)) / z**3,
            "f3": (-4 - 3 * z - z**2 + ez * (4 - z)) / z**3,
        }

    worst = 0.0
    for i, z in enumerate(zs):
        r = ref(z)
        for key in ("Q", "f1", "f2", "f3"):
            exact = complex(r[key])
            worst = max(worst, abs(c[key][i] - exact) / abs(exact))
    assert worst < 1e-13, worst
    assert CONTOUR_BELOW == 0.5


# ---------------------------------------------------------------------------------------------- dealiasing
@pytest.mark.parametrize("q", [15, 16])
def test_cubic_of_the_highest_mode_is_alias_free(q):
    """u_t = u^3 with u = cos(2 pi K x), K the highest carried mode: N(u) is 3/4 cos(2 pi K x) exactly
    (the 3K part is not carried); an aliased product would leak into mode 3K - q."""
    solver = PseudoSpectral([[(1.0, ((0, (0,)), (0, (0,)), (0, (0,))))]], q, dim=1)
    K = solver.grid.K
    x = solver.grid.nodes()
    N = solver.grid.inverse(solver.N(solver.initial(np.cos(2 * np.pi * K * x)[None, None])))
    assert np.abs(N[0, 0] - 0.75 * np.cos(2 * np.pi * K * x)).max() < 1e-13


# ---------------------------------------------------------------------------------------------- lambda-omega
def _lambda_omega_plane_wave(n=(1, 2), q=32):
    preset = get_preset("lambda-omega")
    D, beta = preset.params["D"], preset.params["beta"]
    solver = PseudoSpectral(preset.terms(), q, dim=2)
    k = 2 * np.pi * np.array(n)
    A = np.sqrt(1 - D * (k @ k))
    omega = -beta * A**2
    X, Y = solver.grid.mesh()

    def exact(t):
        theta = omega * t - (k[0] * X + k[1] * Y)
        return np.stack([A * np.cos(theta), A * np.sin(theta)])

    return solver, exact


def test_lambda_omega_plane_wave_to_1e10():
    solver, exact = _lambda_omega_plane_wave()
    out = solver.solve(exact(0.0)[None], dt=0.25, steps=4, substeps=64)
    err = max(np.abs(out[0, j] - exact(0.25 * j)).max() for j in range(5))
    assert err < 1e-10, err


# ---------------------------------------------------------------------------------------------- orders
def test_etdrk4_order_4_on_the_plane_wave():
    solver, exact = _lambda_omega_plane_wave()
    T, counts = 1.0, [4, 8, 16, 32]
    errors = [np.abs(solver.solve(exact(0.0)[None], T, 1, substeps=m)[0, -1] - exact(T)).max() for m in counts]
    assert abs(_slope([T / m for m in counts], errors) - 4) < 0.1, errors


def _fhn_1d():
    """u_t = 1e-3 u_xx + u - u^3 - v - 0.005, v_t = 5e-3 v_xx + u - v on [0, 1] (PDEBench's FitzHugh-Nagumo, 1-D)."""
    u, v = (0, (0,)), (1, (0,))
    return [
        [(1e-3, ((0, (2,)),)), (1.0, (u,)), (-1.0, (u, u, u)), (-1.0, (v,)), (-0.005, ())],
        [(5e-3, ((1, (2,)),)), (1.0, (u,)), (-1.0, (v,))],
    ]


def test_etdrk4_order_4_on_a_reaction_diffusion_pair():
    solver = PseudoSpectral(_fhn_1d(), 32, dim=1)
    x = solver.grid.nodes()
    U0 = np.stack([np.sin(2 * np.pi * x) + 0.5 * np.cos(4 * np.pi * x), 0.3 * np.cos(2 * np.pi * x)])[None]
    T, counts = 0.5, [8, 16, 32, 64]  # h = 1/16 .. 1/128: asymptotic (local slopes 4.09, 4.05, 4.03)
    ref = solver.solve(U0, T, 1, substeps=16 * counts[-1])[0, -1]
    errors = [np.abs(solver.solve(U0, T, 1, substeps=m)[0, -1] - ref).max() for m in counts]
    assert abs(_slope([T / m for m in counts], errors) - 4) < 0.1, errors
    assert errors[-1] > 1e-11  # the finest level still sits well above rounding


def test_exponential_decay_in_dx_on_smooth_burgers():
    """u_t = 0.05 u_xx - u u_x, u0 = sin(2 pi x) + 0.3 cos(4 pi x), T = 0.1, the same small step for all q:
    the error against q = 96 falls geometrically in the number K of carried modes, log(error) ~ a - b K.
    Checked: the points lie on that line within a factor 3 and b > 0.5; an algebraic rate K^-s would
    curve away (its local rate per mode s/K shrinks by half from K = 5 to K = 11)."""
    terms = [[(0.05, ((0, (2,)),)), (-1.0, ((0, (0,)), (0, (1,))))]]

    def run(q):
        solver = PseudoSpectral(terms, q, dim=1)
        x = solver.grid.nodes()
        u0 = np.sin(2 * np.pi * x) + 0.3 * np.cos(4 * np.pi * x)
        return solver.solve(u0[None, None], 0.1, 1, substeps=200)[0, -1, 0]

    ref = run(96)
    qs = [8, 12, 16, 24, 32]
    Ks = np.array([(q - 1) // 2 for q in qs])
    errors = np.array([np.abs(run(q) - ref[:: 96 // q]).max() for q in qs])
    b, a = np.polyfit(Ks, np.log(errors), 1)
    assert -b > 0.5, errors
    assert np.abs(np.log(errors) - (a + b * Ks)).max() < np.log(3), errors
    assert errors[-1] < 1e-6, errors


# ---------------------------------------------------------------------------------------------- vs finite differences
def test_agreement_with_fourth_order_finite_differences():
    """Allen-Cahn u_t = 0.01 lap u + u - u^3 in 2-D: the project's FD (5x5, order 4, periodic) with RK4
    against the spectral solution at the same nodes.  The spectral solution is exact to ~1e-12 here, so the
    difference is the FD error: it must fall like dx^4 (slope 4 +- 0.15; measured 3.94) and be below 1e-5 at p = 64."""
    pde = "u_t = 0.01*u_xx + 0.01*u_yy + u - u**3"
    spectral = PseudoSpectral(
        [[(0.01, ((0, (2, 0)),)), (0.01, ((0, (0, 2)),)), (1.0, ((0, (0, 0)),)), (-1.0, ((0, (0, 0)),) * 3)]],
        128,
        dim=2,
    )
    X, Y = spectral.grid.mesh()
    u0 = 0.5 * np.sin(2 * np.pi * X) * np.cos(2 * np.pi * Y) + 0.3 * np.cos(4 * np.pi * X)
    T, steps = 0.5, 400
    ref = spectral.solve(u0[None, None], T, 1, substeps=50)[0, -1, 0]
    errors = []
    ps = [32, 64]
    for p in ps:
        F = parse_pde(pde, size=5, order=4).discretise(Fraction(1, p), "periodic").rhs
        U = u0[:: 128 // p, :: 128 // p].copy()
        for _ in range(steps):
            U = rk4(F, U, T / steps)
        errors.append(np.abs(U - ref[:: 128 // p, :: 128 // p]).max())
    assert abs(_slope([1 / p for p in ps], errors) - 4) < 0.15, errors
    assert errors[-1] < 1e-5, errors


@pytest.mark.slow
def test_agreement_with_fourth_order_finite_differences_on_a_system():
    """2-D Burgers (u, v), nu = 0.05, through the lead's parse_system X(U) (5x5, order 4, periodic) with RK4
    against the spectral solution (exact to ~1e-12 here) at the same nodes: first derivatives, products
    across fields and the Laplacian together.  The difference falls like dx^4 (4 +- 0.15; measured 3.97,
    2.4e-5 at p = 32, 1.5e-6 at p = 64)."""
    from pixelpde.stencils import parse_system

    text = "u_t = 0.05*(u_xx + u_yy) - u*u_x - v*u_y; v_t = 0.05*(v_xx + v_yy) - u*v_x - v*v_y"
    spectral = PseudoSpectral(parse_system(text), 128)
    X, Y = spectral.grid.mesh()
    U0 = np.stack([0.5 * np.sin(2 * np.pi * X) * np.cos(2 * np.pi * Y), 0.4 * np.cos(2 * np.pi * (X + Y))])
    T, steps = 0.25, 250
    ref = spectral.solve(U0[None], T, 1, substeps=50)[0, -1]
    errors = []
    ps = [32, 64]
    for p in ps:
        F = parse_system(text, size=5, order=4).discretise(Fraction(1, p), "periodic").rhs
        U = U0[:, :: 128 // p, :: 128 // p].copy()
        for _ in range(steps):
            U = rk4(F, U, T / steps)
        errors.append(np.abs(U - ref[:, :: 128 // p, :: 128 // p]).max())
    assert abs(_slope([1 / p for p in ps], errors) - 4) < 0.15, errors
    assert errors[-1] < 1e-5, errors
