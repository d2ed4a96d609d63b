"""Every default stencil has its claimed order: symbolically and under grid refinement.

The expected orders are data: one table, one test per claim, as in diffrax's
``test_ode_order`` and scikit-fem's ``rateL2`` tables.
"""

import numpy as np
import pytest
import sympy as sp

from pixelpde.stencils import BoundaryCondition, derive_stencil
from pixelpde.stencils.finite_difference import DX
from verification.smooth import derivative, fitted_order, on_grid

ALPHAS = [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]

#: (multi-index, kernel size, requested order) -> declared order (None: exact)
EXPECTED_ORDERS = {
    **{(a, 3, 2): (None if a == (0, 0) else 2) for a in ALPHAS},
    **{(a, 5, 4): (None if a == (0, 0) else 4) for a in ALPHAS},
}

#: Tolerance on the observed order under refinement, per kernel size.
ORDER_TOL = {3: 0.1, 5: 0.2}

a_, b_, h_ = sp.symbols("a b h")


@pytest.mark.parametrize("key", sorted(EXPECTED_ORDERS, key=str), ids=str)
def test_declared_order(key):
    alpha, size, order = key
    assert derive_stencil(alpha, size, order).order == EXPECTED_ORDERS[key]


@pytest.mark.parametrize("key", sorted(EXPECTED_ORDERS, key=str), ids=str)
def test_truncation_error_symbolically(key):
    """Independent of the moment computation: apply the stencil to exp(a x + b y)
    and expand in h; the result must be a^i b^j + (claimed error) + O(h^(q+1))."""
    alpha, size, order = key
    st = derive_stencil(alpha, size, order)
    c = size // 2
    applied = sum(
        st.weights[c + i, c + j] * sp.exp(a_ * i * h_ + b_ * j * h_)
        for i in range(-c, c + 1)
        for j in range(-c, c + 1)
        if st.weights[c + i, c + j] != 0
    ) / h_ ** sum(alpha)
    q = EXPECTED_ORDERS[key] or 6
    series = sp.series(applied, h_, 0, q + 1).removeO()
    # derivatives of exp(a x + b y) at the origin: d_x^m d_y^n -> a^m b^n
    claimed = st.error.replace(
        lambda e: isinstance(e, sp.Derivative),
        lambda d: a_ ** d.variables.count(sp.Symbol("x")) * b_ ** d.variables.count(sp.Symbol("y")),
    ).subs(DX, h_)
    assert sp.expand(series - a_ ** alpha[0] * b_ ** alpha[1] - claimed) == 0


@pytest.mark.parametrize("key", sorted(k for k in EXPECTED_ORDERS if EXPECTED_ORDERS[k]), ids=str)
def test_observed_order_under_refinement(key):
    """max |K*U/dx^|alpha| - d^alpha u| on periodic grids p = 32, 64, 128: slope = declared order."""
    alpha, size, order = key
    bc = BoundaryCondition.PERIODIC
    st = derive_stencil(alpha, size, order)
    from pixelpde.stencils import SemiDiscretePDE

    deltas, errors = [], []
    for p in (32, 64, 128):
        sd = SemiDiscretePDE(L=st.array(bc.spacing(p)), betas=(), D=(), bc=bc)
        err = np.max(np.abs(sd.rhs(on_grid(derivative((0, 0)), p, bc)) - on_grid(derivative(alpha), p, bc)))
        deltas.append(1 / p)
        errors.append(err)
    observed = fitted_order(deltas, errors)
    assert abs(observed - EXPECTED_ORDERS[key]) <= ORDER_TOL[size], f"observed order {observed:.3f}"


def test_identity_stencil_is_exact():
    bc = BoundaryCondition.PERIODIC
    st = derive_stencil((0, 0))
    U = on_grid(derivative((0, 0)), 16, bc)
    from pixelpde.stencils import SemiDiscretePDE

    np.testing.assert_array_equal(SemiDiscretePDE(L=st.array(1), betas=(), D=(), bc=bc).rhs(U), U)


def test_standard_stencils_are_the_textbook_ones():
    half = sp.Rational(1, 2)
    assert derive_stencil((1, 0)).weights == sp.Matrix([[0, -half, 0], [0, 0, 0], [0, half, 0]])
    assert derive_stencil((0, 2)).weights == sp.Matrix([[0, 0, 0], [1, -2, 1], [0, 0, 0]])
    q = sp.Rational(1, 4)
    assert derive_stencil((1, 1)).weights == sp.Matrix([[q, 0, -q], [0, 0, 0], [-q, 0, q]])
    lap = derive_stencil((2, 0)).weights + derive_stencil((0, 2)).weights
    assert lap == sp.Matrix([[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    five = derive_stencil((2, 0), 5, 4).weights[:, 2]
    assert list(five) == [
        sp.Rational(-1, 12),
        sp.Rational(4, 3),
        sp.Rational(-5, 2),
        sp.Rational(4, 3),
        sp.Rational(-1, 12),
    ]
