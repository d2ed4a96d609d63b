r"""The recurrent loss of section 2.3 (j = 1), against closed forms and against teacher forcing.

.. math::

    \mathrm{Loss}(\theta) = \frac{1}{B M}\sum_{i=1}^B \sum_{m=1}^M \|\hat U_i^m - U_i^m\|_F^2,
    \qquad \hat U_i^0 = U_i^0,\ \hat U_i^{m} = \mathcal N_\theta(\hat U_i^{m-1}).

Experiment.  A linear F whose powers are known: the Theorem 3.2 network of the periodic heat
equation :math:`u_t = \Delta u` on a p x p grid, for which every Fourier mode
:math:`\cos(2\pi(k x + l y))` is an eigenvector with eigenvalue
:math:`\sigma = -4(\sin^2(\pi k/p) + \sin^2(\pi l/p))/\delta x^2`.  The one-step map is
:math:`\mathcal N = R(\sigma\delta t/s)^s` on it (R the stability function of the method, s substeps),
so :math:`\mathcal N^m(U^0) = \rho^m U^0` with :math:`\rho = R(\sigma\delta t/s)^s`.  The data are the
exact semi-discrete flow, :math:`U^m = c^m U^0`, :math:`c = e^{\sigma\delta t}`.  Then

* recurrent: :math:`\mathrm{Loss} = \frac1{BM}\sum_i \|U_i^0\|^2 \sum_m (\rho_i^m - c_i^m)^2`;
* teacher forcing (every step from the data): :math:`\frac1{BM}\sum_i \|U_i^0\|^2 \sum_m (\rho_i - c_i)^2 c_i^{2(m-1)}`.

The two differ for M > 1 (the recurrent loss sees the accumulated error) and coincide for M = 1.
"""

import math

import numpy as np
import pytest
import torch

from pixelpde.constructive import Theorem32Network
from pixelpde.integrators import get_integrator
from pixelpde.learned.train import batch_loss
from pixelpde.stencils import parse_pde
from pixelpde.stencils.boundary import BoundaryCondition

P = 12
DT = 2e-4
#: (kx, ky, amplitude): modes of very different decay and norms spanning 1e-2..1e2
ORDER = {"euler": 1, "rk2": 2, "rk4": 4}
MODES = [(1, 0, 1e-2), (2, 3, 1.0), (5, 4, 1e2), (6, 6, 3.0)]


def windows_and_factors(M, method, substeps):
    X, Y = BoundaryCondition.PERIODIC.mesh(P)
    fields, rho, c, norms2 = [], [], [], []
    for kx, ky, a in MODES:
        U0 = a * np.cos(2 * np.pi * (kx * X + ky * Y))
        sigma = -4 * (math.sin(math.pi * kx / P) ** 2 + math.sin(math.pi * ky / P) ** 2) * P**2
        z = sigma * DT / substeps  # R = the degree-q Taylor polynomial of exp (q stages of order q)
        rho.append(sum(z**i / math.factorial(i) for i in range(ORDER[method] + 1)) ** substeps)
        c.append(math.exp(sigma * DT))
        fields.append(np.stack([c[-1] ** m * U0 for m in range(M + 1)]))
        norms2.append(float(np.sum(U0**2)))
    return torch.from_numpy(np.stack(fields)), np.array(rho), np.array(c), np.array(norms2)


def closed_forms(M, rho, c, norms2):
    m = np.arange(1, M + 1)[None, :]
    recurrent = np.sum(norms2[:, None] * (rho[:, None] ** m - c[:, None] ** m) ** 2) / (len(rho) * M)
    teacher = np.sum(norms2[:, None] * ((rho - c)[:, None] * c[:, None] ** (m - 1)) ** 2) / (len(rho) * M)
    return recurrent, teacher


@pytest.fixture(scope="module")
def heat_network():
    sd = parse_pde("u_t = u_xx + u_yy").discretise(f"1/{P}", "periodic")
    return Theorem32Network.from_system(sd)


@pytest.mark.parametrize(("method", "substeps"), [("euler", 1), ("euler", 3), ("rk2", 2), ("rk4", 1)])
def test_recurrent_loss_equals_its_closed_form(heat_network, method, substeps):
    M = 5
    windows, rho, c, norms2 = windows_and_factors(M, method, substeps)
    recurrent, teacher = closed_forms(M, rho, c, norms2)
    loss = batch_loss(heat_network, windows, DT, get_integrator(method, substeps)).item()
    print(method, substeps, "loss", loss, "closed form", recurrent, "teacher forcing", teacher)
    assert loss == pytest.approx(recurrent, rel=1e-10)
    assert abs(recurrent / teacher - 1) > 0.5  # M = 5: the accumulated error is not the one-step error


def test_recurrent_loss_with_one_step_is_teacher_forcing(heat_network):
    """M = 1: both closed forms agree, and so does the loss; and the mean of the M = 1 losses over
    every one-step window of a longer sequence is the teacher-forcing loss of that sequence."""
    M = 5
    integrator = get_integrator("rk2", 1)
    windows, rho, c, norms2 = windows_and_factors(M, "rk2", 1)
    recurrent1, teacher1 = closed_forms(1, rho, c, norms2)
    assert recurrent1 == pytest.approx(teacher1, rel=1e-14)
    assert batch_loss(heat_network, windows[:, :2], DT, integrator).item() == pytest.approx(teacher1, rel=1e-10)
    one_step = torch.cat([windows[:, m : m + 2] for m in range(M)])  # every (U^{m-1}, U^m) pair
    _, teacher = closed_forms(M, rho, c, norms2)
    assert batch_loss(heat_network, one_step, DT, integrator).item() == pytest.approx(teacher, rel=1e-10)
