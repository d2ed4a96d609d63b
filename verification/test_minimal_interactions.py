"""Minimal interactions (pixelpde.stencils.quadratic_form): the quadratic part of X needs
exactly max(p, q) products, p and q the numbers of positive and negative eigenvalues of its
symmetric matrix; the factorisation is exact and its network equals X(U) to rounding."""

import itertools

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pixelpde.constructive import Theorem32Network
from pixelpde.stencils import derive_stencil, parse_pde
from pixelpde.stencils.finite_difference import derivative_name
from pixelpde.stencils.quadratic_form import form_matrix, minimal_products, signature
from verification.strategies import BCS, fields, magnitude

ALPHAS = [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]


def sym(alpha):
    return sp.Symbol(derivative_name(alpha))


REQUIRED = [
    ("u*u_x + u*u_y", 1, (1, 1)),
    ("u_x**2 + u_y**2", 2, (2, 0)),
    ("u_x**2 - u_y**2", 1, (1, 1)),
    ("u*u_xx - u_x**2", 2, (1, 2)),
    ("u*(1 - u)", 1, (0, 1)),
    ("u_x*u_y - 2*u_xy + 3*u^2", 2, (2, 1)),
]


@pytest.mark.parametrize(("text", "n", "sig"), REQUIRED, ids=[r[0] for r in REQUIRED])
def test_required_minimal_n(text, n, sig):
    pde = parse_pde(text)
    assert pde.signature() == sig
    assert len(pde.products("minimal")) == n == max(sig)
    assert pde.discretise("1/8", "periodic").n == n
    assert pde.discretise("1/8", "periodic", interactions="as-written").n == pde.n


def test_required_factorisations_are_rational_and_readable():
    text = {t: parse_pde(t).discretise("1/8", "periodic").describe()["products"] for t, _, _ in REQUIRED[:4]}
    assert text["u*u_x + u*u_y"] == ["u*(u_x + u_y)"]
    assert text["u_x**2 - u_y**2"] == ["(u_x + u_y)*(u_x - u_y)"]
    assert text["u_x**2 + u_y**2"] == ["u_x**2", "u_y**2"]


def descartes_signature(M: sp.Matrix) -> tuple[int, int]:
    """Independent exact (p, q): the characteristic polynomial of a symmetric matrix has only
    real roots, so Descartes' rule of signs counts its positive (and, at -x, negative) roots exactly."""
    x = sp.Symbol("x")
    poly = sp.Poly(M.charpoly(x).as_expr(), x)

    def changes(coeffs):
        signs = [c > 0 for c in coeffs if c != 0]
        return sum(1 for a, b in itertools.pairwise(signs) if a != b)

    return changes(poly.all_coeffs()), changes(sp.Poly(poly.as_expr().subs(x, -x), x).all_coeffs())


coefficients = st.fractions(min_value=-5, max_value=5, max_denominator=6).filter(lambda f: f != 0)


@st.composite
def quadratic_terms(draw, max_terms=8):
    """A random quadratic part sum beta * v_a * v_b over the six basic derivatives."""
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(ALPHAS), st.sampled_from(ALPHAS)), min_size=1, max_size=max_terms, unique=True
        )
    )
    pairs = list({tuple(sorted(p)) for p in pairs})
    return [
        (sp.Rational(draw(coefficients)) * sp.Integer(10) ** draw(st.integers(-4, 4)), a, b) for a, b in sorted(pairs)
    ]


def variables_of(terms):
    return sorted({a for _, a, b in terms} | {b for _, a, b in terms})


@given(terms=quadratic_terms())
def test_minimal_factorisation_is_exact_and_has_max_pq_products(terms):
    variables = variables_of(terms)
    products = minimal_products(terms, variables)
    Q = sp.expand(sum(beta * sym(a) * sym(b) for beta, a, b in terms))
    assert sp.expand(sum(p.expression(sym) for p in products) - Q) == 0
    M = form_matrix(terms, variables)
    assert signature(M) == descartes_signature(M)
    assert len(products) == max(descartes_signature(M))


@settings(max_examples=20)  # an exact characteristic polynomial per example
@given(
    factors=st.lists(
        st.tuples(
            st.lists(st.integers(-3, 3), min_size=6, max_size=6), st.lists(st.integers(-3, 3), min_size=6, max_size=6)
        ),
        min_size=1,
        max_size=4,
    )
)
def test_no_smaller_factorisation_exists(factors):
    """The rank bound: any sum of n' products has a minimal factorisation of at most n' products
    (p, q <= n'), so max(p, q) is a lower bound for every factorisation."""
    v = [sym(a) for a in ALPHAS]
    Q = sp.expand(
        sum(
            sum(c * x for c, x in zip(a, v, strict=True)) * sum(c * x for c, x in zip(b, v, strict=True))
            for a, b in factors
        )
    )
    poly = sp.Poly(Q, *v) if Q != 0 else None
    terms = []
    if poly is not None:
        for monom, coeff in poly.terms():
            idx = [i for i, k in enumerate(monom) for _ in range(k)]
            terms.append((coeff, ALPHAS[idx[0]], ALPHAS[idx[1]]))
    if not terms:
        return
    variables = variables_of(terms)
    p, q = descartes_signature(form_matrix(terms, variables))
    assert max(p, q) <= len(factors)
    assert len(minimal_products(terms, variables)) <= len(factors)


def test_distinct_derivatives_have_independent_stencils():
    """Minimality carries over from derivatives to pixels: the stencils of distinct derivatives
    (all those the 3x3 order-2 and 5x5 order-4 kernels reach) are linearly independent."""
    for size, order in ((3, 2), (5, 4)):
        stencils = []
        for a in range(5):
            for b in range(5 - a):
                try:
                    stencils.append(derive_stencil((a, b), size, order).weights)
                except Exception:
                    continue
        S = sp.Matrix([list(w) for w in stencils])
        assert S.rank() == len(stencils) >= 6


def pde_text(terms) -> str:
    return (
        " + ".join(f"({sp.sstr(beta)})*{derivative_name(a)}*{derivative_name(b)}" for beta, a, b in terms) + " + u_xx"
    )


@given(
    terms=quadratic_terms(max_terms=6),
    U=fields(),
    bc=st.sampled_from(BCS),
    p=st.integers(4, 32),
    size=st.sampled_from([3, 5]),
)
def test_minimal_network_equals_X(terms, U, bc, p, size):
    """The network of the minimal factorisation equals X(U) of the terms as written, in float64,
    to rounding error relative to the as-written terms' rounding scale (coefficients spanning
    eight orders of magnitude: the pivoting keeps the factors of the size of the form)."""
    if size == 5 and min(U.shape[-2:]) < 5:
        U = np.tile(U, (1,) * (U.ndim - 2) + (2, 2))
    pde = parse_pde(pde_text(terms), size=size, order=4 if size == 5 else 2)
    minimal = pde.discretise(f"1/{p}", bc)
    written = pde.discretise(f"1/{p}", bc, interactions="as-written")
    assert minimal.n == max(pde.signature()) <= written.n
    with torch.no_grad():
        F = Theorem32Network.from_system(minimal, compact=True)(torch.from_numpy(U)).numpy()
    X = written.rhs(U)
    scale = np.maximum(magnitude(written, U), 1e-300)
    assert float(np.max(np.abs(F - X) / scale)) <= 1e-13


def test_minimal_check_is_sharp():
    """A wrong factor sign is caught: (u_x + u_y)(u_x + u_y) in place of (u_x + u_y)(u_x - u_y)."""
    pde = parse_pde("u_x**2 - u_y**2")
    sd = pde.discretise("1/16", "periodic")
    U = np.random.default_rng(0).normal(size=(16, 16))
    wrong = type(sd)(L=sd.L, betas=sd.betas, D=(sd.D[0], sd.D[0]), bc=sd.bc)
    written = pde.discretise("1/16", "periodic", interactions="as-written")
    scale = magnitude(written, U)
    assert np.max(np.abs(sd.rhs(U) - written.rhs(U)) / scale) <= 1e-13
    assert np.max(np.abs(wrong.rhs(U) - written.rhs(U)) / scale) > 1e-2


def test_balanced_factors_keep_the_rounding_error_small():
    """With u next to u_yy / dx^2 the paper's polarisation loses the factors' ratio; the minimal
    system balances each product's kernels by a power of two, exactly, and loses nothing."""
    pde = parse_pde("u*u_yy + u_xx")
    U = np.random.default_rng(1).uniform(-1, 1, size=(4, 64, 64))
    X = pde.discretise("1/64", "periodic", interactions="as-written").rhs(U)
    errors = {}
    for mode in ("minimal", "as-written"):
        sd = pde.discretise("1/64", "periodic", interactions=mode)
        with torch.no_grad():
            F = Theorem32Network.from_system(sd, compact=True)(torch.from_numpy(U)).numpy()
        errors[mode] = float(np.max(np.abs(F - X)) / np.max(np.abs(X)))
    D1, D2 = pde.discretise("1/64", "periodic").D
    assert 0.5 <= np.abs(D1).sum() / np.abs(D2).sum() <= 2  # balanced (to a factor 2)
    assert errors["minimal"] <= 1e-15 < 1e-13 <= errors["as-written"], errors
