r"""Eq. (31): the projected integrator with substeps, for a nonlinear F, on a batch.

.. math::

    \Psi^{\delta t} = (n_h \varphi^h_F) \circ \dots \circ (n_h \varphi^h_F),\quad h = \delta t / s,
    \qquad n_h(U) = \|U\| / \|\varphi^h_F(U)\|,

the norm projection after *every* substep, with the Frobenius norm of *each sample*.

Experiment.  F is the Theorem 3.2 network of a nonlinear PDE (two quadratic interactions);
the reference is written independently in NumPy: one sample at a time, F evaluated by the
direct finite-difference X(U) of eq. (11) (``SemiDiscretePDE.rhs``), the base step, then the
rescaling, s times.  The batch holds fields whose norms span 1e-2..1e2, so a batch-wide norm,
or a projection only at the end of the step, is caught.
"""

import numpy as np
import pytest
import torch

from pixelpde.constructive import Theorem32Network
from pixelpde.integrators import get_integrator
from pixelpde.stencils import parse_pde

PDE = "u_t = 0.01*(u_xx + u_yy) + u_x*u_y - 0.5*u^2 + u_x"
P = 10
DT = 1e-3
SCALES = (1e-2, 1e-1, 1.0, 1e1, 1e2)


def base_step(method, X, U, h):
    """Euler, Heun, classical RK4 in NumPy for one field."""
    if method == "euler":
        return U + h * X(U)
    if method == "rk2":
        k1 = X(U)
        return U + h / 2 * (k1 + X(U + h * k1))
    k1 = X(U)
    k2 = X(U + h / 2 * k1)
    k3 = X(U + h / 2 * k2)
    k4 = X(U + h * k3)
    return U + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def reference(method, X, U, dt, substeps, every_substep=True):
    h = dt / substeps
    norm = np.linalg.norm(U)
    for _ in range(substeps):
        new = base_step(method, X, U, h)
        U = new * (np.linalg.norm(U) / np.linalg.norm(new)) if every_substep else new
    return U if every_substep else U * (norm / np.linalg.norm(U))


@pytest.fixture(scope="module")
def system():
    sd = parse_pde(PDE).discretise(f"1/{P}", "periodic")
    rng = np.random.default_rng(0)
    batch = np.stack([s * rng.standard_normal((P, P)) / P for s in SCALES])
    return sd, Theorem32Network.from_system(sd), batch


@pytest.mark.parametrize("method", ["euler", "rk2", "rk4"])
@pytest.mark.parametrize("substeps", [1, 3])
def test_projected_step_is_eq31_per_sample(system, method, substeps):
    sd, net, batch = system
    norms = np.linalg.norm(batch, axis=(1, 2))
    assert norms.min() < 2e-2
    assert norms.max() > 50
    with torch.no_grad():
        got = get_integrator(f"projected-{method}", substeps).step(net, torch.from_numpy(batch), DT).numpy()
    X = lambda U: sd.rhs(U)
    for i, U in enumerate(batch):
        expected = reference(method, X, U, DT, substeps)
        assert np.linalg.norm(got[i] - expected) <= 1e-12 * np.linalg.norm(expected), (i, SCALES[i])
        assert abs(np.linalg.norm(got[i]) / norms[i] - 1) <= 1e-14, (i, SCALES[i])  # each sample keeps its norm
        if substeps > 1:  # projecting only at the end is a different method (F is nonlinear)
            at_end = reference(method, X, U, DT, substeps, every_substep=False)
            assert np.linalg.norm(at_end - expected) > 1e-9 * np.linalg.norm(expected), (i, SCALES[i])
    # the shapes (N, 1, r, s) and (r, s) give the same numbers
    with torch.no_grad():
        nchw = get_integrator(f"projected-{method}", substeps).step(net, torch.from_numpy(batch[:, None]), DT)
        single = get_integrator(f"projected-{method}", substeps).step(net, torch.from_numpy(batch[-1]), DT)
    np.testing.assert_allclose(nchw[:, 0].numpy(), got, rtol=0, atol=1e-15 * np.abs(got).max())
    np.testing.assert_allclose(single.numpy(), got[-1], rtol=0, atol=1e-15 * np.abs(got[-1]).max())
