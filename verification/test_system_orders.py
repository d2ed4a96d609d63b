r"""Observed orders for systems of PDEs: delta t 1/2/4 and delta x 2 (3 x 3) and 4 (5 x 5, periodic).

Two systems with exact solutions (:mod:`pixelpde.convergence.systems`):

* the nonlinear lambda-omega system (PeRCNN's benchmark, D = 0.01, beta = 1) with its travelling
  plane wave: the semi-discrete wave is an exact solution of (11), so the time study measures the
  time error alone; the continuous wave is the reference of the space study;
* a linear coupled system (diffusion, cross-advection, cross-reaction) whose Fourier modes evolve
  by 2 x 2 matrix exponentials, for the PDE and for (11).

F is the exact network of each system (compact form, float64).  Orders as data: each row is
(system, integrator, step counts) -> the declared order; the order between the two finest levels
and the least-squares slope must both be within 0.05 of it (time) or 0.1 (space), and every
error must lie above round-off (1e-12 relative), so a ladder that drifts into round-off fails.
"""

import numpy as np
import pytest
import torch

from pixelpde.constructive import exact_network
from pixelpde.convergence.systems import LambdaOmegaWave, continuous_symbol, fourier_flow, semidiscrete_symbol
from pixelpde.integrators import advance, get_integrator
from pixelpde.stencils import parse_system

T = 1.0
WAVE = LambdaOmegaWave(D=0.01, beta=1.0, m=(1, 1))
LINEAR = "u_t = 0.02*(u_xx + u_yy) + 0.5*v_x; v_t = -0.5*u_y + 0.03*(v_xx + v_yy) - 0.3*u"


def linear_initial(p):
    x = np.arange(p) / p
    X, Y = np.meshgrid(x, x, indexing="ij")
    return np.stack([np.sin(2 * np.pi * X) * np.cos(2 * np.pi * Y), np.cos(2 * np.pi * (X + Y))])


def discretise(name, p, size=3, order=2):
    text = WAVE.text() if name == "lambda-omega" else LINEAR
    return parse_system(text, size=size, order=order).discretise(f"1/{p}", "periodic")


def laplacian(sd):
    """The discrete Laplacian of the lambda-omega system: L_uu = D * Laplacian + identity."""
    eye = np.zeros_like(sd.L[0, 0])
    eye[sd.size // 2, sd.size // 2] = 1
    return (sd.L[0, 0] - eye) / WAVE.D


def solve(sd, U0, method, steps):
    net = exact_network(sd, compact=True)
    with torch.no_grad():
        return advance(net, torch.as_tensor(U0), T / steps, steps, get_integrator(method)).numpy()


def time_problem(name, p=16):
    sd = discretise(name, p)
    if name == "lambda-omega":
        return sd, WAVE.semidiscrete(laplacian(sd), 0, p), WAVE.semidiscrete(laplacian(sd), T, p)
    U0 = linear_initial(p)
    return sd, U0, fourier_flow(semidiscrete_symbol(sd, p), U0, T)


def space_problem(name, p, size, order):
    sd = discretise(name, p, size, order)
    if name == "lambda-omega":
        return sd, WAVE.exact(0, p), WAVE.exact(T, p)
    U0 = linear_initial(p)
    return sd, U0, fourier_flow(continuous_symbol(sd.system, p), U0, T)


def slopes(deltas, errors):
    errors = np.asarray(errors)
    assert np.all(errors > 1e-12 * 0.1), errors  # above round-off: the ladder is in the asymptotic regime
    last = np.log(errors[-2] / errors[-1]) / np.log(deltas[-2] / deltas[-1])
    fitted = np.polyfit(np.log(deltas), np.log(errors), 1)[0]
    return last, fitted


def rms(a):
    return float(np.sqrt(np.mean(a**2)))


#: (system, integrator, step counts) -> declared order in delta t (grid p = 16, 3 x 3 stencils).
TIME = [
    ("lambda-omega", "euler", (20, 40, 80), 1),
    ("lambda-omega", "rk2", (10, 20, 40), 2),
    ("lambda-omega", "rk4", (16, 32, 64), 4),
    ("linear", "euler", (40, 80, 160), 1),
    ("linear", "rk2", (20, 40, 80), 2),
    ("linear", "rk4", (40, 80, 160), 4),
]


@pytest.mark.parametrize(("name", "method", "steps", "order"), TIME)
def test_time_order(name, method, steps, order, single_thread):
    sd, U0, reference = time_problem(name)
    errors = [rms(solve(sd, U0, method, n) - reference) for n in steps]
    last, fitted = slopes([T / n for n in steps], errors)
    assert abs(last - order) <= 0.05, (errors, last)
    assert abs(fitted - order) <= 0.05, (errors, fitted)


#: (system, kernel size, stencil order) -> declared order in delta x (RK4, 400 steps: time error below 1e-10).
SPACE = [
    ("lambda-omega", 3, 2, (16, 32, 64), 2),
    ("lambda-omega", 5, 4, (8, 16, 32), 4),
    ("linear", 3, 2, (16, 32, 64), 2),
    ("linear", 5, 4, (8, 16, 32), 4),
]


@pytest.mark.parametrize(("name", "size", "order", "grids", "declared"), SPACE)
def test_space_order(name, size, order, grids, declared, single_thread):
    errors = []
    for p in grids:
        sd, U0, reference = space_problem(name, p, size, order)
        errors.append(rms(solve(sd, U0, "rk4", 400) - reference))
    last, fitted = slopes([1 / p for p in grids], errors)
    assert abs(last - declared) <= 0.1, (errors, last)
    assert abs(fitted - declared) <= 0.1, (errors, fitted)
