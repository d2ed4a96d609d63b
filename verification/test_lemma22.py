r"""Lemma 2.2: projected Euler for a field with a small normal component.

Experiment.  :math:`\mathcal M = \{\|X\| = 1\}`; :math:`F = S + \varepsilon N`
with S the semi-discrete advection field of :math:`u_t = u_x + 2u_y`
(periodic central differences: skew-symmetric, tangent to every sphere) and
:math:`N(X) = X / \|X\|` the unit normal, so :math:`F^\parallel = S`,
:math:`F^\perp = \varepsilon N`, :math:`\|F^\perp\| = \varepsilon` exactly.
:math:`\Phi^{\delta t}_{F^\parallel} = e^{\delta t S}` is computed exactly
(FFT).  Measured: :math:`d(\delta t, \varepsilon) = \|\Pi_{\mathcal M}(\Psi_1^{\delta t}(X)) - \Phi^{\delta t}_{F^\parallel}(X)\|`.

Findings, each asserted below:

1. The lemma's bound holds, with the proof's constant
   :math:`\bar c = 2c`, :math:`c = \|S^2 X\|/2` (the :math:`O(\delta t^2)` of
   :math:`\Phi^{\delta t}_{F^\parallel}(X) = X + \delta t F^\parallel(X) + O(\delta t^2)`).
2. It is not sharp in :math:`\varepsilon`: the distance is second order in
   :math:`\delta t` for every :math:`\varepsilon`,
   :math:`d = \delta t^2 \sqrt{\varepsilon^2 \|SX\|^2 + \tfrac14 \|(S^2X)_T\|^2} + O(\delta t^3)`
   (:math:`(\cdot)_T` the tangential part), because the derivative of the
   closest-point projection at X is the tangent projection: the normal
   step :math:`\delta t F^\perp(X)` is removed to first order, leaving only
   its :math:`O(\delta t^2 \varepsilon)` effect of shortening the tangent step.
3. The :math:`\delta t\,\varepsilon` term is real for unprojected Euler:
   :math:`\|\Psi_1^{\delta t}(X) - \Phi^{\delta t}_{F^\parallel}(X)\| = \delta t\,\varepsilon + O(\delta t^2)`.
4. Consequently, for a fixed :math:`\varepsilon > 0` projected Euler still
   converges to the flow of :math:`F^\parallel` at first order over [0, T];
   the paper's remark that this needs :math:`\varepsilon < \bar c\,\delta t`
   is too pessimistic for the orthogonal projection (documented in
   docs/convergence.md, "Deviations").
"""

import numpy as np
import pytest
import torch

from pixelpde.convergence import constructed_network, fitted_order, linear_flow
from pixelpde.convergence.study import torch_threads
from pixelpde.integrators import advance, get_integrator
from pixelpde.stencils import parse_pde
from pixelpde.stencils.boundary import BoundaryCondition

EPSILONS = (0.0, 1.0, 10.0, 30.0)
DTS = [1e-3 / 2**j for j in range(4)]


@pytest.fixture(scope="module")
def setting():
    sd = parse_pde("u_t = u_x + 2*u_y").discretise("1/16", "periodic")
    S = constructed_network(sd)
    X, Y = BoundaryCondition.PERIODIC.mesh(16)
    U = np.sin(2 * np.pi * X) * np.cos(2 * np.pi * Y) + 0.5 * np.cos(2 * np.pi * (X - 2 * Y))
    U /= np.linalg.norm(U)
    with torch.no_grad():
        SX = S(torch.from_numpy(U)).numpy()
        S2X = S(S(torch.from_numpy(U))).numpy()
    assert abs(np.sum(U * SX)) < 1e-12  # S is tangent to the sphere
    return sd, S, U, SX, S2X


def _field(S, eps):
    return lambda V: S(V) + eps * V / torch.linalg.vector_norm(V)


def _distances(setting, method, eps):
    sd, S, U, _, _ = setting
    out = []
    for dt in DTS:
        with torch.no_grad():
            step = get_integrator(method).step(_field(S, eps), torch.from_numpy(U), dt).numpy()
        out.append(np.linalg.norm(step - linear_flow(sd, U, dt)))
    return np.array(out)


@pytest.mark.parametrize("eps", EPSILONS)
def test_projected_euler_meets_the_bound_and_is_second_order_for_every_eps(setting, eps):
    _, _, U, SX, S2X = setting
    d = _distances(setting, "projected-euler", eps)
    dts = np.array(DTS)
    c = np.linalg.norm(S2X) / 2
    assert np.all(d <= 2 * c * dts * (eps + dts))  # 1. Lemma 2.2's bound with the proof's constant
    assert abs(fitted_order(dts, d) - 2) <= 0.03  # 2. ... but the distance is O(dt^2)
    tangential = S2X - np.sum(S2X * U) * U
    leading = dts**2 * np.sqrt(eps**2 * np.linalg.norm(SX) ** 2 + 0.25 * np.linalg.norm(tangential) ** 2)
    assert abs(d[-1] / leading[-1] - 1) <= 0.01, d / leading


@pytest.mark.parametrize("eps", EPSILONS[1:])
def test_unprojected_euler_has_the_dt_eps_term(setting, eps):
    d = _distances(setting, "euler", eps)
    dts = np.array(DTS)
    S2X = setting[4]
    # |dt eps X - dt^2 S^2 X / 2 + O(dt^3)| -> dt eps once dt |S^2 X| << eps
    leading = np.sqrt(
        (dts * eps) ** 2 + (dts**2 * np.linalg.norm(S2X) / 2) ** 2 - dts**3 * eps * np.sum(S2X * setting[2])
    )
    assert np.all(np.abs(d / leading - 1) <= 0.02), d / leading
    if eps >= 10:
        assert abs(d[-1] / (dts[-1] * eps) - 1) <= 0.01


def test_projected_euler_converges_to_the_parallel_flow_for_fixed_eps(setting):
    sd, S, U, _, _ = setting
    T, eps = 0.25, 1.0
    exact = linear_flow(sd, U, T)
    errors, dts = [], []
    for n in (200, 400, 800, 1600):
        with torch.no_grad(), torch_threads(1):
            V = advance(_field(S, eps), torch.from_numpy(U), T / n, n, get_integrator("projected-euler")).numpy()
        errors.append(np.linalg.norm(V - exact))
        dts.append(T / n)
    assert abs(fitted_order(dts, errors) - 1) <= 0.03, errors
    # unprojected Euler follows the flow of F, which leaves the sphere: no convergence to the F-parallel flow
    with torch.no_grad(), torch_threads(1):
        V = advance(_field(S, eps), torch.from_numpy(U), T / 1600, 1600, get_integrator("euler")).numpy()
    assert np.linalg.norm(V - exact) > 0.2
