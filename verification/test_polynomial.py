r"""Theorem (polynomial terms, pixelpde.constructive.polynomial).

For the extended system (11)

    X(U) = L * U + sum_i beta_i (D_{2i-1} * U)(D_{2i} * U) + sum_k gamma_k prod_{j <= q_k} (E_{k,j} * U),

q_k <= q_max, the network F = C * T1 + B2 * sigma_2(B1 * T1) + sum_q E2^(q) * sigma_q(E1^(q) * T1),
T1 = A2 * ReLU(A1 * U), sigma_q = ReLU^q, with the weights of
:func:`pixelpde.constructive.polynomial_weights` satisfies F(U) = X(U) for every field U, both
boundary conditions and any odd kernel size.  Proof: the polarisation identity with
eps_1 = +1 and x^q = ReLU(x)^q + (-1)^q ReLU(-x)^q (module docstring).

Checked here: the identity exactly in SymPy for q = 1..6 and repeated factors; F = X in float64
to 1e-12 times the rounding scale |L|*|U| + sum |beta| (|D1|*|U| + |D2|*|U|)^2
+ sum |gamma| (sum_j |E_j|*|U|)^q, for degrees 2..4, 3x3 and 5x5, both BCs, against the
independent NumPy shifted-sum X(U) (:meth:`SemiDiscretePDE.rhs`).
"""

import numpy as np
import pytest
import sympy as sp
import torch
from hypothesis import given
from hypothesis import strategies as st

from pixelpde.constructive import PolynomialNetwork, exact_network, power_sum
from pixelpde.constructive.polynomial import relu_power
from pixelpde.ground.errors import InputError
from pixelpde.stencils import SemiDiscretePDE, parse_pde
from verification.strategies import BCS, fields, finite, kernels, magnitude


@given(x=st.floats(-1e30, 1e30, allow_nan=False, width=64), q=st.integers(1, 6))
def test_power_identity_any_q(x, q):
    """x^q = ReLU(x)^q + (-1)^q ReLU(-x)^q exactly (one of the two terms is 0)."""
    t = torch.tensor(x, dtype=torch.float64)
    assert (relu_power(t, q) + (-1) ** q * relu_power(-t, q)).item() == (t**q).item()


@given(channels=st.lists(st.integers(0, 3), min_size=1, max_size=6))
def test_polarisation_identity_is_exact(channels):
    """prod_j x_{c_j} = sum coeff * (combination . x)^q, in exact arithmetic, repeats allowed,
    with at most 2^(q-1) combinations (eps_1 = +1) -- fewer when factors repeat."""
    x = sp.symbols("x0:4")
    q = len(channels)
    terms = power_sum(tuple(channels))
    total = sum(
        sp.Rational(c.numerator, c.denominator)
        * sum(sp.Rational(k.numerator, k.denominator) * x[ch] for ch, k in combo) ** q
        for combo, c in terms.items()
    )
    assert sp.expand(total - sp.Mul(*[x[c] for c in channels])) == 0
    assert len(terms) <= 2 ** (q - 1)
    if len(set(channels)) == 1:
        assert len(terms) == 1  # x^q: one combination, two ReLU^q channels


@st.composite
def polynomial_systems(draw, size=3, max_degree=4):
    """A random extended system: L, up to 2 quadratic terms, 1..3 terms of degree 3..max_degree
    (factor kernels drawn from a small pool, so factors repeat), either BC."""
    n = draw(st.integers(0, 2))
    pool = [draw(kernels(size)) for _ in range(draw(st.integers(1, 3)))]
    higher = []
    for _ in range(draw(st.integers(1, 3))):
        q = draw(st.integers(3, max_degree))
        higher.append((draw(finite), tuple(pool[draw(st.integers(0, len(pool) - 1))] for _ in range(q))))
    return SemiDiscretePDE(
        L=draw(kernels(size)),
        betas=tuple(draw(st.lists(finite, min_size=n, max_size=n))),
        D=tuple(draw(kernels(size)) for _ in range(2 * n)),
        bc=draw(st.sampled_from(BCS)),
        higher=tuple(higher),
    )


def scale(sd, U):
    A = np.abs(U)
    out = magnitude(sd, U)
    for gamma, Ks in sd.higher:
        out = out + abs(gamma) * sum(sd.correlate(np.abs(K), A) for K in Ks) ** len(Ks)
    return np.maximum(out, 1e-300)


def check(sd, U, net, rtol=1e-12):
    with torch.no_grad():
        F = net(torch.from_numpy(U)).numpy()
    X = sd.rhs(U)
    worst = float(np.max(np.abs(F - X) / scale(sd, U)))
    assert F.shape == X.shape
    assert worst <= rtol, f"network differs from X(U): {worst:.3e}"
    return worst


@given(sd=polynomial_systems(), U=fields())
def test_network_equals_X_3x3(sd, U):
    check(sd, U, PolynomialNetwork.from_system(sd))


@given(sd=polynomial_systems(size=5), U=fields(min_side=5))
def test_network_equals_X_5x5(sd, U):
    check(sd, U, PolynomialNetwork.from_system(sd))


@given(sd=polynomial_systems(), U=fields())
def test_compact_equals_full(sd, U):
    full = PolynomialNetwork.from_system(sd)
    compact = full.compacted()
    assert compact.E1_3.shape[-1] == 1 if "E1_3" in dict(compact.named_parameters()) else True
    check(sd, U, compact)
    for name, w in compact.expanded().weights().items():
        assert torch.equal(w, full.weights()[name])


def test_reference_is_the_pointwise_polynomial():
    """The NumPy reference X(U) of a zero-order cubic is U - U^3 pixel by pixel (identity stencils)."""
    U = np.random.default_rng(3).uniform(-2, 2, size=(9, 7))
    for bc in BCS:
        sd = parse_pde("u - u**3").discretise("1/8", bc)
        np.testing.assert_allclose(sd.rhs(U), U - U * U * U, rtol=0, atol=1e-15)


NAMED = {
    "allen-cahn": "u_t = 0.0001*(u_xx+u_yy) + u - u**3",
    "nagumo": "u_t = 0.01*(u_xx+u_yy) + u*(1 - u)*(u - 0.3)",
    "zeldovich": "u_t = 0.01*(u_xx+u_yy) + u**2*(1 - u)",
    "quartic": "u_t = u_xx + u_x*u_y*u - u**4 + 2*u*u_x*u_y*u_yy",
    "mixed": "u_t = u_x*u_y + u*u_x**2 - u_xy**3 + u_yy",
}


@pytest.mark.parametrize("name", NAMED)
@pytest.mark.parametrize("bc", BCS)
@pytest.mark.parametrize("size", [3, 5])
def test_named_pdes(name, bc, size):
    pde = parse_pde(NAMED[name], size=size, order=2 if size == 3 else 4, max_degree=4)
    assert pde.degree >= 3
    sd = pde.discretise("1/24", bc)
    U = np.random.default_rng(size).uniform(-1, 1, size=(2, 24, 21))
    net = exact_network(sd, compact=True)
    assert isinstance(net, PolynomialNetwork)
    check(sd, U, net, rtol=1e-13)


def test_check_is_sharp():
    """A wrong sign in the ReLU^3 output layer is caught by many orders of magnitude."""
    sd = parse_pde(NAMED["nagumo"]).discretise("1/16", "periodic")
    net = PolynomialNetwork.from_system(sd)
    with torch.no_grad():
        net.E2_3[0, 1] *= -1
    U = np.random.default_rng(0).uniform(-1, 1, size=(16, 16))
    with pytest.raises(AssertionError):
        check(sd, U, net)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("sin(u)", "unknown function"),
        ("1/u", "not a polynomial"),
        ("u**0.5", "non-negative integer"),
        ("u**(-1)", "non-negative integer"),
        ("u**4", "above the limit 3"),
        ("u*u_x*u_y*u_xx", "above the limit 3"),
        ("exp(u)", "unknown function"),
        (
            "(u + u_x + u_y + u_xx + u_xy + u_yy)**16",
            "degree 16|more than 2000 terms",
        ),  # refused before a minutes-long expansion (by whichever bound fires first)
        ("(3*u_x - 2*u_y)**16", "degree 16"),
    ],
)
def test_refusals(text, why):
    with pytest.raises(InputError, match=why):
        parse_pde(text)


@pytest.mark.parametrize("limit", [1, 7, 2.5, True])
def test_degree_limit_is_bounded(limit):
    with pytest.raises(InputError, match="max degree"):
        parse_pde("u**3", max_degree=limit)


def test_degree_limit_is_configurable():
    assert parse_pde("u**6", max_degree=6).degree == 6
    with pytest.raises(InputError, match="degree 3"):
        parse_pde("u**3", max_degree=2)
