r"""Lemma 2.1: the projected Euler method :math:`\Psi_2` keeps the Frobenius norm
and, for a norm-preserving field, is still first-order accurate.

Central differences make the semi-discrete advection field skew-symmetric,
:math:`\langle U, L * U\rangle = 0`, so its flow preserves :math:`\|U\|`
(Appendix A.1: the data conserve the discrete momentum).  Explicit Euler
drifts, :math:`\|U + \delta t\, LU\|^2 = \|U\|^2 + \delta t^2 \|LU\|^2`; the
projection :math:`n_{\delta t}(U) = \|U\| / \|U + \delta t F(U)\|` removes the
drift exactly, to round-off, step after step.  First order is checked with
the other declared orders in ``test_time_orders.py`` (advection,
projected-euler: 1) and below on this very run.
"""

import numpy as np
import torch

from pixelpde.convergence import constructed_network, fitted_order, linear_flow, periodic_symbol
from pixelpde.convergence.study import torch_threads
from pixelpde.integrators import advance, get_integrator, rollout
from pixelpde.stencils import parse_pde
from pixelpde.stencils.boundary import BoundaryCondition

STEPS = 1000
DT = 1e-3


def _advection(p=32):
    sd = parse_pde("u_t = u_x + u_y").discretise(f"1/{p}", "periodic")
    X, Y = BoundaryCondition.PERIODIC.mesh(p)
    U0 = np.sin(2 * np.pi * X) * np.cos(4 * np.pi * Y) + 1  # eq. (34) with alpha = (1, 2), no shift
    return sd, U0


def test_projected_euler_keeps_the_norm_over_1000_advection_steps():
    sd, U0 = _advection()
    net = constructed_network(sd)
    with torch.no_grad(), torch_threads(1):
        projected = rollout(net, torch.from_numpy(U0), DT, STEPS, get_integrator("projected-euler"))
        plain = rollout(net, torch.from_numpy(U0), DT, STEPS, get_integrator("euler"))
    norm0 = np.linalg.norm(U0)
    drift = np.abs(torch.linalg.vector_norm(projected, dim=(1, 2)).numpy() / norm0 - 1)
    assert drift.max() <= 1e-12, drift.max()
    # explicit Euler does drift: each Fourier mode grows by |1 + dt sigma|^n exactly (sigma = i omega)
    sigma = periodic_symbol(sd.L, *U0.shape)
    predicted = np.linalg.norm(np.fft.ifft2((1 + DT * sigma) ** STEPS * np.fft.fft2(U0)))
    assert abs(float(torch.linalg.vector_norm(plain[-1])) / predicted - 1) < 1e-12
    assert predicted / norm0 - 1 > 1e-2  # a drift of over 1 %, ten orders of magnitude above the projected one


def test_projected_euler_is_first_order_for_the_norm_preserving_flow():
    sd, U0 = _advection(16)
    net = constructed_network(sd)
    T = 0.25
    exact = linear_flow(sd, U0, T)
    assert abs(np.linalg.norm(exact) / np.linalg.norm(U0) - 1) < 1e-13  # the flow preserves the norm
    dts, errors = [], []
    for n in (400, 800, 1600, 3200):
        with torch.no_grad(), torch_threads(1):
            U = advance(net, torch.from_numpy(U0), T / n, n, get_integrator("projected-euler")).numpy()
        dts.append(T / n)
        errors.append(np.linalg.norm(U - exact))
    assert abs(fitted_order(dts, errors) - 1) <= 0.02
