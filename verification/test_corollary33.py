r"""Corollary 3.3: the constructed network integrated by a method of order r
approximates the PDE with total error :math:`C_1 \delta x^2 + C_2 \delta t^r`.

Experiment.  Advection :math:`u_t = u_x + u_y` (periodic), one Fourier mode
:math:`u_0 = \cos\theta`, :math:`\theta = 2\pi(x + y)`, exact solution
:math:`\cos(\theta + \omega t)`, :math:`\omega = 4\pi`.  The mode is an
eigenvector of the Theorem 3.2 network (F_theta = X) with eigenvalue
:math:`i\omega_h`, so the computed field is :math:`\mathrm{Re}(a\,e^{i\theta})`
and its complex amplitude a, read off by projection, carries the whole error.
The signed measure :math:`\ell = \log(a / e^{i\omega T})` splits exactly into
the two error terms of (15) (the network term vanishes):

.. math::

    \ell = \underbrace{i(\omega_h - \omega)T}_{\text{space}} +
    \underbrace{n\,(\log R(i\omega_h\delta t) - i\omega_h \delta t)}_{\text{time}},
    \qquad \omega_h = 2\sin(2\pi\delta x)/\delta x \text{ (3 x 3)},\;
    \tfrac{2}{6\delta x}(8\sin(2\pi\delta x) - \sin(4\pi\delta x)) \text{ (5 x 5)},

R the stability function :math:`\sum_{k \le r} z^k/k!` of Euler, Heun,
RK4.  To leading order :math:`\ell = C_1 \delta x^q + C_2 \delta t^r` with
:math:`C_1 = -i\omega T (2\pi)^q / 6` (q = 2) or :math:`/30` (q = 4) and
:math:`C_2 = -T (i\omega)^{r+1} / (r+1)!`.  Also :math:`\|E\| / \|u\| = |e^\ell - 1|`.
"""

import math

import numpy as np
import pytest
import torch

from pixelpde.convergence import constructed_network, error_norms, fit_error_model
from pixelpde.convergence.study import torch_threads
from pixelpde.integrators import advance, get_integrator
from pixelpde.stencils import parse_pde
from pixelpde.stencils.boundary import BoundaryCondition

T = 0.5
OMEGA = 4 * math.pi


def measure(size, order, m, n, method):
    """(ell, relative error) of the network rollout on m x m cells with n steps."""
    sd = parse_pde("u_t = u_x + u_y", size=size, order=order).discretise(f"1/{m}", "periodic")
    X, Y = BoundaryCondition.PERIODIC.mesh(m)
    theta = 2 * np.pi * (X + Y)
    with torch.no_grad(), torch_threads(1):
        U = advance(constructed_network(sd), torch.from_numpy(np.cos(theta)), T / n, n, get_integrator(method)).numpy()
    amplitude = 2 * np.sum(U * np.exp(-1j * theta)) / U.size
    exact = np.cos(theta + OMEGA * T)
    return np.log(amplitude / np.exp(1j * OMEGA * T)), error_norms(U, exact, 1 / m).rel


def predicted(size, m, n, r):
    """The exact space + time split of ell (module docstring)."""
    k = 2 * math.pi / m
    omega_h = 2 * math.sin(k) * m if size == 3 else 2 * (8 * math.sin(k) - math.sin(2 * k)) * m / 6
    z = 1j * omega_h * T / n
    R = sum(z**j / math.factorial(j) for j in range(r + 1))
    return 1j * (omega_h - OMEGA) * T, n * (np.log(R) - z)


def leading(q, r):
    C1 = -1j * OMEGA * T * (2 * math.pi) ** q / (6 if q == 2 else 30)
    C2 = -T * (1j * OMEGA) ** (r + 1) / math.factorial(r + 1)
    return C1, C2


@pytest.mark.parametrize(
    ("method", "size", "order", "m", "n"),
    [
        ("euler", 3, 2, 32, 512),
        ("rk2", 3, 2, 32, 64),
        ("rk4", 3, 2, 16, 12),
        ("rk4", 5, 4, 32, 17),
        ("rk2", 5, 4, 16, 70),
    ],
)
def test_total_error_is_space_error_plus_time_error(method, size, order, m, n):
    """Error splitting (15) with F_theta = X: the measured error is exactly the
    sum of the semi-discretisation error and the integrator's error on (11)."""
    r = get_integrator(method).order
    ell, rel = measure(size, order, m, n, method)
    space, time = predicted(size, m, n, r)
    assert abs(ell - (space + time)) <= 1e-11 * abs(ell)
    assert abs(rel - abs(np.exp(ell) - 1)) <= 1e-9 * rel


#: method -> cells and steps of the table.  The tables sit where both terms show (time / space
#: from 0.06 to 1) and omega*dt <= 0.1.
TABLES = {
    "euler": {32: (512, 1024, 2048), 64: (2048, 4096, 8192)},
    "rk2": {32: (64, 96, 128), 64: (128, 192, 256)},
}

#: The time error's next term relative to its leading one, a multiple of z = i omega_h dt, from the
#: series of log R(z) - z: Euler -z^2/2 (1 - 2z/3), Heun -z^3/6 (1 - 3z/4).  The space error's next
#: term, relatively (2 pi dx)^2 / 20 <= 0.2 % here, is what bounds C1's fit.
NEXT_TIME_TERM = {1: 2 / 3, 2: 3 / 4}
C1_TOLERANCE = 0.01


@pytest.mark.parametrize("method", sorted(TABLES))
def test_total_error_tracks_C1_dx2_plus_C2_dtr(method):
    """C1 within 1 %; C2 within the largest next-order time term over the rows, |c_r omega dt|,
    plus the 1 % that C1's misfit can pass on to it (the bound: Euler 1.8 %, Heun 8.4 %; measured
    1.0 % and 6.6 %)."""
    table = TABLES[method]
    r = get_integrator(method).order
    rows = [(1 / m, T / n, *measure(3, 2, m, n, method)) for m, steps in table.items() for n in steps]
    dx, dt, ell, rel = (np.array(col) for col in zip(*rows, strict=True))
    C1, C2 = leading(2, r)
    model = C1 * dx**2 + C2 * dt**r
    assert np.all(np.abs(model - ell) <= 0.03 * np.abs(ell))  # the theoretical model, every row
    assert np.all(np.abs(np.abs(model) - rel) <= 0.04 * rel)  # ... and in the relative norm
    fit = fit_error_model(dx, dt, ell, r=r, q=2)  # the fitted model
    tol2 = NEXT_TIME_TERM[r] * OMEGA * dt.max() + C1_TOLERANCE
    print(method, "C1 off by", abs(fit.C1 / C1 - 1), "C2 off by", abs(fit.C2 / C2 - 1), "bound", tol2)
    assert abs(fit.C1 / C1 - 1) <= C1_TOLERANCE, (fit.C1, C1)
    assert abs(fit.C2 / C2 - 1) <= tol2, (fit.C2, C2)
    assert fit.max_relative_residual <= 0.01


def test_rk4_time_error_hides_under_the_space_error_at_stable_steps():
    """With 3 x 3 stencils and RK4 at explicit-stable steps (|z_max| <= 2.8 on the grid's fastest
    mode bounds omega*dt by 2.8 * 2 pi dx) the dt^4 term is a few per cent of the dx^2 term, so the
    total error is C1 dx^2: fitted C1 within 1 %, and the measured time part (the rollout minus a
    rollout with 8x the steps, whose time error is 4096x smaller) is < 3 % of the total on every row."""
    cases = ((16, 12), (32, 24), (64, 46))
    rows = [(1 / m, T / n, *measure(3, 2, m, n, "rk4")) for m, n in cases]
    dx, dt, ell, _ = (np.array(col) for col in zip(*rows, strict=True))
    space = np.array([measure(3, 2, m, 8 * n, "rk4")[0] for m, n in cases])
    time_part = np.abs(ell - space)
    print("rk4 time part / total", time_part / np.abs(ell))
    assert np.all(time_part <= 0.03 * np.abs(ell))
    assert np.all(time_part >= 1e-4 * np.abs(ell))  # ... but it is there: a genuine dt^4 term, not round-off
    C1, _ = leading(2, 4)
    fit = fit_error_model(dx, dt, ell, r=4, q=2)
    assert abs(fit.C1 / C1 - 1) <= 0.01
