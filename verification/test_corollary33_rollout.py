r"""Corollary 3.3 for a nonlinear PDE, with a measurement error, over the recursive rollout.

Experiment.  The nonlinear PDE :math:`u_t = u_x + u_y + u^2` (periodic, one quadratic interaction
in eq. (11)) is solved along its characteristics: :math:`u = g / (1 - t g)` with
:math:`g = u_0(x + t, y + t)`; with :math:`u_0 = \tfrac12\sin 2\pi x \sin 2\pi y` and
:math:`T = 1/2` it stays smooth (:math:`1 - tg \ge 3/4`).  Without diffusion the time error is not
hidden by a stability limit: both error terms show at these sizes.

The snapshots carry a measurement error of order 2 in space and r in time, as the corollary
assumes, :math:`U^j = u(t_j) + \varepsilon^j` with
:math:`\varepsilon^j = \delta x^2 a(x, y)(1 + t_j) + \delta t^r b(x, y)`, and the network is the exact
Theorem 3.2 network of the PDE, rolled out recursively from the noisy :math:`U^0`:
:math:`\hat U^{j+1} = \Psi^{\delta t}_{F_\theta}(\hat U^j)`.  Claim: :math:`\max_j \|\hat U^j - U^j\|`
is :math:`O(\delta x^2 + \delta t^r)`; refined with :math:`\delta t \propto \delta x^{2/r}`, order 2 in
:math:`\delta x`.  A measurement error of order 1 in space (outside the corollary's assumption)
gives order 1: the test sees the difference.
"""

import numpy as np
import pytest
import torch

from pixelpde.constructive import Theorem32Network
from pixelpde.convergence.study import torch_threads
from pixelpde.integrators import get_integrator, rollout
from pixelpde.stencils import parse_pde
from pixelpde.stencils.boundary import BoundaryCondition

from .smooth import fitted_order

PDE = "u_t = u_x + u_y + u^2"
T = 0.5


def exact(X, Y, t):
    """u = g / (1 - t g), g = u0(x + t, y + t): solves u_t = u_x + u_y + u^2."""
    g = 0.5 * np.sin(2 * np.pi * (X + t)) * np.sin(2 * np.pi * (Y + t))
    return g / (1 - t * g)


def rollout_error(p, steps, method, space_power=2):
    """max over j of max |U_hat^j - U^j| for noisy snapshots U^j on a p x p periodic grid."""
    bc = BoundaryCondition.PERIODIC
    X, Y = bc.mesh(p)
    dx, dt = 1 / p, T / steps
    r = get_integrator(method).order
    a = np.cos(2 * np.pi * (X - 2 * Y) + 0.3)
    b = np.sin(2 * np.pi * X + 1) * np.cos(4 * np.pi * Y)
    times = dt * np.arange(steps + 1)
    data = np.stack([exact(X, Y, t) + dx**space_power * a * (1 + t) + dt**r * b for t in times])
    sd = parse_pde(PDE).discretise(f"1/{p}", bc)
    assert sd.n == 1  # genuinely nonlinear: one quadratic interaction
    with torch.no_grad(), torch_threads(1):
        U = rollout(Theorem32Network.from_system(sd), torch.from_numpy(data[0]), dt, steps, get_integrator(method))
    return float(np.abs(U.numpy() - data).max())


#: method -> (grids, steps on the coarsest grid, growth of the steps per halving of dx): dt = dx/4 for
#: Heun (dt^2 ~ dx^2), dt = 2 dx^2 for Euler (dt ~ dx^2), so both terms fall at order 2 together.
CASES = {"rk2": ((16, 32, 64), 32, 2), "euler": ((16, 32, 64), 64, 4)}


@pytest.mark.parametrize("method", sorted(CASES))
def test_rollout_of_noisy_nonlinear_data_is_second_order(method):
    grids, n0, growth = CASES[method]
    steps = [n0 * growth**i for i in range(len(grids))]
    errors = [rollout_error(p, n, method) for p, n in zip(grids, steps, strict=True)]
    observed = fitted_order([1 / p for p in grids], errors)
    print(method, "errors", errors, "order", observed)
    assert abs(observed - 2) <= 0.1, (errors, observed)


def test_measurement_error_of_order_one_in_space_breaks_the_order():
    """Outside the corollary's assumption, eps = O(dx): the rollout error is first order."""
    grids, steps = (16, 32, 64), (16, 32, 64)
    errors = [rollout_error(p, n, "rk2", space_power=1) for p, n in zip(grids, steps, strict=True)]
    observed = fitted_order([1 / p for p in grids], errors)
    assert abs(observed - 1) <= 0.1, (errors, observed)
