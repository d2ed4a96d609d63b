r"""Grids of one, two and three dimensions: stencils, X(U) and the exact networks in d = 1, 2, 3.

Nothing in Lemma 3.1 or Theorem 3.2 depends on there being two axes: a derivative is a
multi-index of length d, a stencil a k^d kernel, a convolution conv1d/conv2d/conv3d.  Stated here:

* for random scalar PDEs and systems (1-3 fields, degrees 2-4) in d = 1, 2, 3, 3- and 5-point
  stencils per axis, both boundary conditions, the constructed network (full and compact) equals
  X(U) evaluated monomial by monomial (:func:`verification.systems.as_written`) to 1e-12 of the
  rounding scale; and likewise for arbitrary kernels (C, C, k^d);
* every stencil in d = 1, 3 has its declared order, symbolically (applied to exp(a.x), expanded
  in h, independently of the moment computation) and under refinement;
* KdV's u_xxx with a 5-point stencil is second order (as declared);
* PeRCNN's 3-D Gray-Scott cell (5 x 5 x 5 fourth-order Laplacian -1/12, 4/3, -5/2 per axis,
  periodic, the true reaction terms, 48^3 cells of dx = 100/48) is reproduced by our
  5 x 5 x 5 order-4 network to 1e-12 of the rounding scale.
"""

import itertools

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pixelpde.constructive import exact_network
from pixelpde.stencils import (
    BoundaryCondition,
    SemiDiscretePDE,
    SemiDiscreteSystem,
    derive_stencil,
    parse_pde,
    parse_system,
)
from pixelpde.stencils.finite_difference import DX
from verification.systems import as_written, system_texts, worst_relative

BCS = ("periodic", "dirichlet")
STENCILS = ((3, 2), (5, 4))
#: Nodes per axis of the random fields, by dimension (a 5 x 5 x 5 kernel needs p >= 5).
SIDES = {1: 17, 2: 11, 3: 7}


def _field(rng, C, dim, batch=2):
    return rng.uniform(-1.5, 1.5, size=(batch, C, *(SIDES[dim],) * dim))


@settings(max_examples=16, deadline=None)
@given(
    data=st.data(),
    dim=st.sampled_from((1, 2, 3)),
    stencil=st.sampled_from(STENCILS),
    bc=st.sampled_from(BCS),
    seed=st.integers(0, 2**32 - 1),
)
def test_network_equals_x_as_written(data, dim, stencil, bc, seed):
    """Random systems (and, for one field u, the same text as a scalar PDE) in d = 1, 2, 3."""
    size, order = stencil
    text = data.draw(system_texts(size=size, dim=dim))
    system = parse_system(text, size=size, order=order, max_degree=4, dim=dim)
    sd = system.discretise("1/8", bc)
    assert sd.dim == dim
    assert sd.L.shape[2:] == (size,) * dim
    U = _field(np.random.default_rng(seed), system.channels, dim)
    X = as_written(system, sd.dx, bc, U)
    np.testing.assert_allclose(sd.rhs(U), X, rtol=0, atol=1e-12 * max(1.0, np.abs(X).max()) * 10)
    for compact in (False, True):
        F = exact_network(sd, compact=compact)(torch.as_tensor(U)).detach().numpy()
        assert worst_relative(sd, U, F, X) <= 1e-12, text
    if system.fields == ("u",):
        scalar = parse_pde(text, size=size, order=order, max_degree=4, dim=dim).discretise("1/8", bc)
        u = U[:, 0]
        np.testing.assert_allclose(scalar.rhs(u), X[:, 0], rtol=0, atol=1e-12 * max(1.0, np.abs(X).max()) * 10)
        F = exact_network(scalar, compact=True)(torch.as_tensor(u)).detach().numpy()
        assert F.shape == u.shape
        assert worst_relative(sd, U, F[:, None], X) <= 1e-12, text


@settings(max_examples=20, deadline=None)
@given(
    dim=st.sampled_from((1, 2, 3)),
    C=st.integers(1, 3),
    n=st.integers(0, 3),
    size=st.sampled_from((3, 5)),
    bc=st.sampled_from(BCS),
    seed=st.integers(0, 2**32 - 1),
)
def test_network_equals_rhs_for_arbitrary_kernels(dim, C, n, size, bc, seed):
    """For all L (C, C, k^d), factor kernels (C, k^d), betas (C, n), sources and a cubic term: F = X."""
    rng = np.random.default_rng(seed)
    k = (size,) * dim
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
    U = _field(rng, C, dim)
    for compact in (False, True):
        F = exact_network(sd, compact=compact)(torch.as_tensor(U)).detach().numpy()
        assert worst_relative(sd, U, F, sd.rhs(U)) <= 1e-12


def test_shapes_and_convolutions_follow_the_dimension():
    """A1 is (2(2n+C), C, k^d), the identity-multiple layers 3^d (1^d compact): conv1d / conv3d."""
    for dim in (1, 3):
        sd = parse_pde("u_xx + u*u_x", size=5, order=4, dim=dim).discretise("1/16", "periodic")
        net = exact_network(sd)
        assert tuple(net.A1.shape) == (6, 1, *(5,) * dim)
        assert tuple(net.B2.shape) == (1, 6, *(3,) * dim)
        assert tuple(net.compacted().B2.shape) == (1, 6, *(1,) * dim)


# -- stencil orders in d dimensions ------------------------------------------------------------

_AXES = sp.symbols("a b c")
_H = sp.Symbol("h")


def _alphas(dim: int, max_degree: int):
    return [a for a in itertools.product(range(max_degree + 1), repeat=dim) if sum(a) <= max_degree]


#: (multi-index, kernel size, requested order) -> declared order (None: exact) in d = 1 and 3,
#: and KdV's u_xxx (5 points, order 2).
EXPECTED_ORDERS = {
    **{(a, size, order): (None if sum(a) == 0 else order) for a in _alphas(1, 2) for size, order in STENCILS},
    **{(a, size, order): (None if sum(a) == 0 else order) for a in _alphas(3, 2) for size, order in STENCILS},
    ((1, 1, 1), 3, 2): 2,
    ((3,), 5, 2): 2,
    ((4,), 5, 2): 2,
}


def _exp_taylor(t, degree: int):
    """sum_{m <= degree} (t h)^m / m!: exp(t h) to the order the test needs, as a polynomial."""
    return sum((t * _H) ** m / sp.factorial(m) for m in range(degree + 1))


@pytest.mark.parametrize("key", sorted(EXPECTED_ORDERS, key=str), ids=str)
def test_declared_order_and_truncation_error_symbolically(key):
    """Independent of the moment computation: apply the stencil to exp(a x + b y + c z), expand in
    h; the result must be a^alpha + (claimed leading error) + O(h^(q+1))."""
    alpha, size, order = key
    st_ = derive_stencil(alpha, size, order)
    assert st_.order == EXPECTED_ORDERS[key]
    dim, c = len(alpha), size // 2
    q = EXPECTED_ORDERS[key] or 4
    top = sum(alpha) + q
    applied = sp.Integer(0)
    for index in itertools.product(range(size), repeat=dim):
        w = st_.weights[index]
        if w != 0:
            applied += w * _exp_taylor(sum(t * (i - c) for t, i in zip(_AXES, index, strict=False)), top)
    applied = sp.expand(applied / _H ** sum(alpha))
    series = sum(applied.coeff(_H, m) * _H**m for m in range(q + 1))
    symbols = sp.symbols("x y z")[:dim]
    claimed = st_.error.replace(
        lambda e: isinstance(e, sp.Derivative),
        lambda d: sp.Mul(*[t ** d.variables.count(s) for t, s in zip(_AXES, symbols, strict=False)]),
    ).subs(DX, _H)
    exact = sp.Mul(*[t**a for t, a in zip(_AXES, alpha, strict=False)])
    assert sp.expand(series - exact - claimed) == 0


def _smooth(dim: int):
    """A smooth periodic function of d variables with no symmetry that would hide a transposed kernel."""
    x = sp.symbols("x y z")[:dim]
    phase = sum((j + 1) * v for j, v in enumerate(x))
    return x, sp.sin(2 * sp.pi * phase + 1) + sp.Rational(1, 2) * sp.cos(2 * sp.pi * x[0] + 2)


REFINED = [
    ((2,), 3, 2),
    ((3,), 5, 2),
    ((4,), 5, 2),
    ((1,), 5, 4),
    ((0, 0, 2), 3, 2),
    ((1, 0, 1), 3, 2),
    ((2, 0, 0), 5, 4),
]


@pytest.mark.parametrize("key", REFINED, ids=str)
def test_observed_order_under_refinement(key):
    """max |K*U/dx^|alpha| - d^alpha u| on periodic grids: slope = declared order (KdV's u_xxx: 2)."""
    alpha, size, order = key
    dim = len(alpha)
    bc = BoundaryCondition.PERIODIC
    st_ = derive_stencil(alpha, size, order)
    x, u = _smooth(dim)
    du = sp.diff(u, *[(v, a) for v, a in zip(x, alpha, strict=True) if a]) if sum(alpha) else u
    grids = (32, 64, 128) if dim == 1 else (16, 32, 64)
    deltas, errors = [], []
    for p in grids:
        mesh = bc.mesh(p, dim)
        sample = lambda e, mesh=mesh: np.broadcast_to(sp.lambdify(x, e, "numpy")(*mesh), mesh[0].shape)
        sd = SemiDiscretePDE(L=st_.array(bc.spacing(p)), betas=(), D=(), bc=bc)
        errors.append(np.max(np.abs(sd.rhs(sample(u)) - sample(du))))
        deltas.append(1 / p)
    observed = float(np.polyfit(np.log(deltas), np.log(errors), 1)[0])
    assert abs(observed - st_.order) <= {3: 0.1, 5: 0.2}[size], f"observed order {observed:.3f}"


def test_kdv_network_with_a_five_point_u_xxx():
    """u_t = -6 u u_x - u_xxx on a line: the 5-point u_xxx is declared order 2, and F = X."""
    pde = parse_pde("u_t = -6*u*u_x - u_xxx", size=5, order=2, dim=1)
    assert pde.stencil((3,)).order == 2
    sd = pde.discretise("1/64", "periodic")
    U = np.random.default_rng(4).uniform(-1, 1, (3, 64))
    F = exact_network(sd, compact=True)(torch.as_tensor(U)).detach().numpy()
    assert worst_relative(sd.as_system(), U[:, None], F[:, None], sd.rhs(U)[:, None]) <= 1e-12


# -- PeRCNN's 3-D Gray-Scott cell -----------------------------------------------------------------


def test_percnn_gray_scott_3d_cell():
    """PeRCNN's 3-D Gray-Scott right-hand side, written independently here (np.roll, its
    5 x 5 x 5 fourth-order Laplacian -1/12, 4/3, -5/2 per axis, periodic, D_u = 0.2, D_v = 0.1,
    f = 0.025, k = 0.055, 48^3 cells on [0, 100]^3) equals our 5 x 5 x 5 order-4 network."""
    Du, Dv, f, k, p = 0.2, 0.1, 0.025, 0.055, 48
    dx = 100 / p
    text = (
        f"u_t = {Du}*(u_xx + u_yy + u_zz) - u*v**2 + {f}*(1 - u); "
        f"v_t = {Dv}*(v_xx + v_yy + v_zz) + u*v**2 - ({f} + {k})*v"
    )
    sd = parse_system(text, size=5, order=4, dim=3).discretise(f"100/{p}", "periodic")
    rng = np.random.default_rng(5)
    U = rng.uniform(0, 1, (1, 2, p, p, p))

    def laplacian(W):
        w = (-1 / 12, 4 / 3, -5 / 2, 4 / 3, -1 / 12)
        return sum(c * sum(np.roll(W, 2 - j, axis) for axis in (-1, -2, -3)) for j, c in enumerate(w)) / dx**2

    u, v = U[:, 0], U[:, 1]
    X = np.stack([Du * laplacian(u) - u * v**2 + f * (1 - u), Dv * laplacian(v) + u * v**2 - (f + k) * v], 1)
    F = exact_network(sd, compact=True)(torch.as_tensor(U)).detach().numpy()
    assert worst_relative(sd, U, F, X) <= 1e-12
    # sharp: the second-order 3 x 3 x 3 Laplacian differs from PeRCNN's far above rounding
    coarse = parse_system(text, dim=3).discretise(f"100/{p}", "periodic")
    G = exact_network(coarse, compact=True)(torch.as_tensor(U)).detach().numpy()
    assert worst_relative(sd, U, G, X) > 1e-3
