"""The PDE parser: whitelist, normal form (11), and one-line errors naming the culprit."""

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from pixelpde.ground.errors import InputError
from pixelpde.stencils import parse_pde
from pixelpde.stencils.expr import parse_expression, positive_fraction


def test_fisher_normal_form():
    pde = parse_pde("u_t = 0.01*(u_xx + u_yy) + u*(1 - u)")
    assert dict(pde.linear) == {(0, 0): 1, (2, 0): sp.Rational(1, 100), (0, 2): sp.Rational(1, 100)}
    assert len(pde.quadratic) == 1
    term = pde.quadratic[0]
    assert (term.beta, term.first, term.second) == (-1, (0, 0), (0, 0))


def test_lhs_is_optional_and_u_yx_is_u_xy():
    assert parse_pde("u_yx").linear == parse_pde("u_t = u_xy").linear == (((1, 1), 1),)


def test_caret_binds_like_a_power():
    a, b = parse_pde("u + 3*u^2"), parse_pde("u + 3*u**2")
    assert (a.linear, a.quadratic) == (b.linear, b.quadratic)
    assert parse_pde("-u^2").quadratic[0].beta == -1


def test_numbers_are_exact():
    assert dict(parse_pde("0.1*u_x + 1e-2*u_y + 1/3*u").linear) == {
        (0, 0): sp.Rational(1, 3),
        (1, 0): sp.Rational(1, 10),
        (0, 1): sp.Rational(1, 100),
    }


def test_products_are_grouped_by_monomial():
    pde = parse_pde("u*u_x + u_x*u + 2*u_y*u_x")
    assert [(t.beta, t.first, t.second) for t in pde.quadratic] == [(2, (0, 0), (1, 0)), (2, (1, 0), (0, 1))]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("u**4", "degree 4"),
        ("u*u_x*u_y*u_xx", "degree 4"),
        ("sin(u)", "unknown function"),
        ("v + u", "'v' is an unknown symbol"),
        ("u_xxx", "needs a kernel of at least 5x5"),
        ("u_x(", "syntax error"),
        ("__import__('os').system('true')", "unknown function"),
        ("u.__class__", "not allowed"),
        ("[u]", "not allowed"),
        ("lambda: u", "not allowed"),
        ("'u'", "not a number"),
        ("u / u_x", "not a polynomial"),
        ("u_tt = u", "left-hand side must be u_t"),
        ("u**-1", "non-negative integer"),
        ("u**0.5", "non-negative integer"),
        ("u**99", "exponent larger"),
        ("u / 0", "divides by zero"),
        ("", "empty"),
        ("u % 2", "operator that is not allowed"),
        ("True*u", "not a number"),
        ("u if u else u", "not allowed"),
        ("1e400*u + u", "overflows float64"),
        ("1e-400*u + u", "underflows float64"),
        ("1e200*1e200*u", "overflows float64"),
        ("1e99999999*u", "out of range"),
        ("\uff55_xx", "U+FF55"),
        ("((u+u_x+u_y+u_xx+u_xy+u_yy+1)**16)**16", "more than 2000 terms"),
        ("(u**4)**5", "total degree 20"),
        ("(1e300**16)**16*u", "overflows float64"),
        ("1e-200*u*1e-200*u", "underflows float64"),
    ],
)
def test_bad_input_is_refused_in_one_line(text, fragment):
    with pytest.raises(InputError) as info:
        parse_pde(text)
    message = str(info.value)
    assert "\n" not in message
    assert fragment in message


def test_nothing_executes(tmp_path, monkeypatch):
    """Text that would run code under eval/sympify is only ever parsed."""
    marker = tmp_path / "ran"
    monkeypatch.chdir(tmp_path)
    attempts = [
        f"__import__('pathlib').Path('{marker}').touch()",
        f"open('{marker}', 'w')",
        "exec('import os')",
        "(lambda: 1)()",
    ]
    for text in attempts:
        with pytest.raises(InputError):
            parse_pde(text)
    assert not marker.exists()


def test_overlong_and_deep_input():
    with pytest.raises(InputError, match="longer than"):
        parse_pde("u+" * 2000 + "u")
    with pytest.raises(InputError):
        parse_pde("(" * 900 + "u" + ")" * 900)


def test_initial_condition_whitelist():
    x, y = sp.symbols("x y")
    expr = parse_expression(
        "sin(2*pi*x)*cos(2*pi*y) + 1",
        {"x": x, "y": y, "pi": sp.pi},
        {"sin": sp.sin, "cos": sp.cos},
        what="initial condition",
        integer_powers=False,
    )
    assert expr == sp.sin(2 * sp.pi * x) * sp.cos(2 * sp.pi * y) + 1
    with pytest.raises(InputError, match="unknown function"):
        parse_expression("tan(x)", {"x": x}, {"sin": sp.sin}, what="initial condition")


@pytest.mark.parametrize(("value", "expected"), [("0.01", (1, 100)), ("1/64", (1, 64)), (0.1, (1, 10)), (5, (5, 1))])
def test_positive_fraction(value, expected):
    f = positive_fraction(value)
    assert (f.numerator, f.denominator) == expected


@pytest.mark.parametrize("value", ["-1", "0", "abc", float("nan"), float("inf"), True, "1/0"])
def test_positive_fraction_refuses(value):
    with pytest.raises(InputError):
        positive_fraction(value)


names = st.sampled_from(["u", "u_x", "u_y", "u_xx", "u_xy", "u_yy"])
coeffs = st.fractions(min_value=-5, max_value=5, max_denominator=20).filter(lambda f: f != 0)


@st.composite
def polynomial_pdes(draw):
    linear = draw(st.lists(st.tuples(coeffs, names), max_size=4))
    quadratic = draw(st.lists(st.tuples(coeffs, names, names), min_size=0 if linear else 1, max_size=4))
    parts = [f"({c})*{a}" for c, a in linear] + [f"({c})*{a}*{b}" for c, a, b in quadratic]
    return " + ".join(parts)


@given(text=polynomial_pdes())
def test_canonical_form_round_trips(text):
    """For all polynomial PDEs: str(pde) parses back to the same PDE."""
    pde = parse_pde(text)
    again = parse_pde(str(pde))
    assert (again.linear, again.quadratic) == (pde.linear, pde.quadratic)
    assert sp.expand(pde.rhs_expression() - again.rhs_expression()) == 0


def test_a_constant_source_term_is_kept_exactly():
    """A constant is a source (the network's bias), for scalars as for systems; str() round-trips."""
    pde = parse_pde("u_t = u_xx + 0.04*(1 - u)")
    assert pde.constant == sp.Rational(1, 25)
    assert dict(pde.linear)[(0, 0)] == sp.Rational(-1, 25)
    again = parse_pde(str(pde))
    assert (again.linear, again.constant) == (pde.linear, pde.constant)
