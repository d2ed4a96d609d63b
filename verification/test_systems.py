r"""Systems of PDEs: the exact network of C fields equals X(U) (Theorem 3.2 across fields).

For every random polynomial system of 1-3 fields, degrees 2-4, 3 x 3 and 5 x 5 stencils and
both boundary conditions, the constructed network (shared products, Lemma 3.1 across fields,
ReLU^q branches, constant sources as a bias) equals X(U) evaluated as written
(:func:`verification.systems.as_written`, independent of the construction) to 1e-12 of the
rounding scale; in full and compact form.  Sharpness: swapping two fields' channels, or a
missing 1/2 in the products, fails by many orders of magnitude.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pixelpde.constructive import exact_network, product_weights, two_layer
from pixelpde.constructive.polynomial import structure_of
from pixelpde.stencils import SemiDiscreteSystem, parse_system
from verification.systems import as_written, system_texts, worst_relative

BCS = ("periodic", "dirichlet")
STENCILS = ((3, 2), (5, 4))
GRAY_SCOTT = "u_t = 2e-5*(u_xx + u_yy) - u*v**2 + 0.04*(1 - u); v_t = 1e-5*(v_xx + v_yy) + u*v**2 - 0.1*v"


def _field(rng, C, p=11, batch=2):
    return rng.uniform(-1.5, 1.5, size=(batch, C, p, p))


@settings(max_examples=12, deadline=None)
@given(data=st.data(), stencil=st.sampled_from(STENCILS), bc=st.sampled_from(BCS), seed=st.integers(0, 2**32 - 1))
def test_network_equals_x_as_written(data, stencil, bc, seed):
    size, order = stencil
    text = data.draw(system_texts(size=size))
    system = parse_system(text, size=size, order=order, max_degree=4)
    sd = system.discretise("1/8", bc)
    U = _field(np.random.default_rng(seed), system.channels)
    X = as_written(system, sd.dx, bc, U)
    np.testing.assert_allclose(sd.rhs(U), X, rtol=0, atol=1e-12 * max(1.0, np.abs(X).max()) * 10)
    for compact in (False, True):
        F = exact_network(sd, compact=compact)(torch.as_tensor(U)).detach().numpy()
        assert worst_relative(sd, U, F, X) <= 1e-12, text


@settings(max_examples=15, deadline=None)
@given(
    C=st.integers(1, 3),
    n=st.integers(0, 3),
    size=st.sampled_from((3, 5)),
    bc=st.sampled_from(BCS),
    seed=st.integers(0, 2**32 - 1),
)
def test_network_equals_rhs_for_arbitrary_kernels(C, n, size, bc, seed):
    """For all L (C, C, k, k), factor kernels (C, k, k), betas (C, n) and sources: F = X."""
    rng = np.random.default_rng(seed)
    k = (size, size)
    sd = SemiDiscreteSystem(
        L=rng.uniform(-4, 4, (C, C, *k)),
        betas=rng.uniform(-4, 4, (C, n)),
        D=tuple(rng.uniform(-4, 4, (C, *k)) for _ in range(2 * n)),
        bc=bc,
        source=rng.uniform(-4, 4, C) * rng.integers(0, 2),
        higher=((rng.uniform(-2, 2, C), tuple(rng.uniform(-1, 1, (C, *k)) for _ in range(3))),)
        if rng.integers(0, 2)
        else (),
    )
    U = _field(rng, C)
    F = exact_network(sd)(torch.as_tensor(U)).detach().numpy()
    assert worst_relative(sd, U, F, sd.rhs(U)) <= 1e-12


@pytest.mark.parametrize("bc", BCS)
def test_lemma31_across_fields(bc):
    """(D1 * u)(D2 * v) = M2 * sigma_2(M1 * [u, v]) with kernels on different fields."""
    rng = np.random.default_rng(1)
    D1 = np.stack([rng.standard_normal((3, 3)), np.zeros((3, 3))])
    D2 = np.stack([np.zeros((3, 3)), rng.standard_normal((3, 3))])
    M1, M2 = product_weights(D1, D2)
    assert tuple(M1.shape) == (6, 2, 3, 3)
    U = rng.standard_normal((4, 2, 9, 9))
    sd = SemiDiscreteSystem(L=np.zeros((2, 2, 3, 3)), betas=np.zeros((2, 0)), D=(), bc=bc)
    want = sd.apply(D1, U) * sd.apply(D2, U)
    got = two_layer(torch.as_tensor(U), M1, M2, bc)[:, 0].numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-13 * np.abs(want).max())


def test_a_product_two_equations_use_is_formed_once():
    """Gray-Scott's u*v**2 feeds both equations: one set of ReLU^3 channels with a row per equation."""
    sd = parse_system(GRAY_SCOTT).discretise("1/16", "periodic")
    assert len(sd.higher) == 1
    np.testing.assert_array_equal(sd.higher[0][0], [-1.0, 1.0])
    structure = structure_of(sd)
    assert structure["branches"] == {"3": 6}  # u*v*v: 3 distinct polarisation combinations, a ReLU pair each
    net = exact_network(sd)
    assert tuple(net.E2_3.shape) == (2, 6, 3, 3)


def test_sharpness_swapped_fields_and_missing_half():
    sd = parse_system(GRAY_SCOTT.replace("2e-5", "0.5").replace("1e-5", "0.2")).discretise("1/16", "periodic")
    rng = np.random.default_rng(2)
    U = rng.uniform(0, 1, (2, 2, 16, 16))
    X = sd.rhs(U)
    net = exact_network(sd)
    swapped = net(torch.as_tensor(U[:, ::-1].copy())).detach().numpy()[:, ::-1]
    assert worst_relative(sd, U, swapped, X) > 1e-3
    burgers = parse_system("u_t = -u*u_x - v*u_y; v_t = -u*v_x - v*v_y").discretise("1/16", "periodic")
    net = exact_network(burgers)
    with torch.no_grad():
        net.B2.mul_(2)  # a missing 1/2 of the polarisation
    F = net(torch.as_tensor(U)).detach().numpy()
    assert worst_relative(burgers, U, F, burgers.rhs(U)) > 1e-3


def test_percnn_lambda_omega_cell():
    """PeRCNN's lambda-omega right-hand side (its 4th-order 5-point Laplacian -1/12, 4/3, -5/2 per
    axis, periodic, with the true reaction terms) is reproduced by our 5 x 5 order-4 network."""
    D, beta, p = 0.1, 1.0, 24
    dx = 20 / p  # PeRCNN's [-10, 10]^2, written on our unit grid: dx given as it is
    text = (
        f"u_t = {D}*(u_xx + u_yy) + (1 - u**2 - v**2)*u + {beta}*(u**2 + v**2)*v;"
        f"v_t = {D}*(v_xx + v_yy) - {beta}*(u**2 + v**2)*u + (1 - u**2 - v**2)*v"
    )
    sd = parse_system(text, size=5, order=4).discretise(f"20/{p}", "periodic")
    U = np.random.default_rng(3).uniform(-1, 1, (2, 2, p, p))

    def laplacian(W):
        w = (-1 / 12, 4 / 3, -5 / 2, 4 / 3, -1 / 12)
        return sum(c * (np.roll(W, 2 - j, -1) + np.roll(W, 2 - j, -2)) for j, c in enumerate(w)) / dx**2

    u, v = U[:, 0], U[:, 1]
    A = u**2 + v**2
    X = np.stack([D * laplacian(u) + (1 - A) * u + beta * A * v, D * laplacian(v) - beta * A * u + (1 - A) * v], 1)
    F = exact_network(sd)(torch.as_tensor(U)).detach().numpy()
    assert worst_relative(sd, U, F, X) <= 1e-12
