r"""PDE text -> the class (8) with polynomial interactions, as data.

A user writes the right-hand side of

.. math::

    \partial_t u = \mathcal{L} u + \sum_{i=1}^{n} \beta_i\,
        \partial_{\alpha_{i,1}} u \; \partial_{\alpha_{i,2}} u \qquad (8)

as a string such as ``"u_t = 0.01*(u_xx + u_yy) + u*(1 - u)"`` (the
``u_t =`` is optional).  Allowed: the names ``u, u_x, u_y, u_xx, u_xy
(= u_yx), u_yy`` (and higher ``u_xxx...`` when the kernel reaches them),
numbers, ``+ - * /``, parentheses and non-negative integer powers.  The text is
parsed by :func:`pixelpde.stencils.expr.parse_expression` (no ``eval``), expanded as a
polynomial in the derivatives, and sorted into

* the linear part :math:`\mathcal{L} u = \sum_\alpha c_\alpha \partial_\alpha u`,
* one quadratic term :math:`(\beta_i, \alpha_{i,1}, \alpha_{i,2})` per distinct
  product monomial (so ``u*(1 - u)`` gives ``u`` in the linear part and
  ``beta = -1`` on ``(u, u)``),
* one :class:`PolynomialTerm` per distinct monomial of degree 3..``max_degree``
  (the paper's (8) allows products of any number of factors; Allen-Cahn's
  ``u - u**3`` gives ``beta = -1`` on ``(u, u, u)``).

The user's terms are kept as written (for display, ``str(pde)``); the network
is built by default from the minimal factorisation of the quadratic part
(:meth:`PDE.products`, :mod:`pixelpde.stencils.quadratic_form`), with
``interactions="as-written"`` from one product per monomial.

A constant source term is kept apart (``constant``: a bias of the network).  Degrees above ``max_degree`` (default
:data:`DEFAULT_MAX_DEGREE`, at most :data:`MAX_NETWORK_DEGREE`), unknown names and
functions (``sin(u)``), division by u and non-integer or negative powers are
refused with a one-line :class:`~pixelpde.ground.errors.InputError` naming the
term.  :meth:`PDE.discretise` turns the result into the semi-discrete system
(11) on a grid.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import check_int
from pixelpde.stencils.expr import parse_expression
from pixelpde.stencils.finite_difference import Stencil, derivative_name, derive_stencil, parse_derivative

#: Highest degree accepted unless asked otherwise (Allen-Cahn, Nagumo, Zeldovich are cubic).
DEFAULT_MAX_DEGREE = 3
#: Hard limit of ``max_degree``: a product of q factors takes up to 2^q ReLU^q channels.
MAX_NETWORK_DEGREE = 6
#: How the quadratic part becomes products: ``minimal`` (max(p, q) products) or ``as-written``.
INTERACTIONS = ("minimal", "as-written")

#: The names listed in error messages (higher derivatives are accepted too).
BASIC_NAMES = ("u", "u_x", "u_y", "u_xx", "u_xy", "u_yy")


class _DerivativeNames(Mapping):
    """Whitelist of identifiers: ``u`` and ``u_`` followed by x's and y's."""

    def __contains__(self, name) -> bool:
        try:
            parse_derivative(name)
        except InputError:
            return False
        return True

    def __getitem__(self, name: str) -> sp.Symbol:
        return sp.Symbol(derivative_name(parse_derivative(name)))

    def __iter__(self):
        return iter(BASIC_NAMES)

    def __len__(self) -> int:
        return len(BASIC_NAMES)


def _alpha_key(alpha: tuple[int, int]) -> tuple[int, int, int]:
    return (sum(alpha), -alpha[0], alpha[1])


@dataclass(frozen=True)
class QuadraticTerm:
    """``beta * (d^first u) * (d^second u)`` with ``first <= second`` canonically."""

    beta: sp.Rational
    first: tuple[int, int]
    second: tuple[int, int]

    def __str__(self) -> str:
        a, b = derivative_name(self.first), derivative_name(self.second)
        product = f"{a}**2" if a == b else f"{a}*{b}"
        return sp.sstr(self.beta * sp.Symbol(product))


@dataclass(frozen=True)
class PolynomialTerm:
    """``beta * prod_j d^{factors[j]} u``, a monomial of degree ``len(factors)`` >= 3, factors sorted."""

    beta: sp.Rational
    factors: tuple[tuple[int, int], ...]

    @property
    def degree(self) -> int:
        return len(self.factors)

    def __str__(self) -> str:
        names = [derivative_name(a) for a in self.factors]
        parts = []
        for name in dict.fromkeys(names):
            k = names.count(name)
            parts.append(name if k == 1 else f"{name}**{k}")
        return sp.sstr(self.beta * sp.Symbol("*".join(parts)))


def check_interactions(value: str) -> str:
    """``'minimal'`` or ``'as-written'``; anything else is an InputError."""
    if value not in INTERACTIONS:
        raise InputError(f"interactions {value!r} must be one of: {', '.join(INTERACTIONS)}")
    return value


def check_max_degree(value) -> int:
    return check_int(value, "max degree", 2, MAX_NETWORK_DEGREE)


@dataclass(frozen=True)
class PDE:
    """A PDE of class (8): ``u_t = sum_alpha c_alpha d^alpha u + sum_i beta_i d^a u d^b u``.

    ``source`` is the user's text; ``str(pde)`` is a canonical form that parses
    back to the same PDE.  ``size`` and ``order`` fix the stencils used by
    :meth:`discretise` (default: the 3 x 3 second-order stencils of the paper).
    """

    source: str
    linear: tuple[tuple[tuple[int, int], sp.Rational], ...]
    quadratic: tuple[QuadraticTerm, ...]
    size: int = 3
    order: int = 2
    higher: tuple[PolynomialTerm, ...] = ()
    #: A constant source term (a bias of the network); 0 for the paper's class (8).
    constant: sp.Rational = sp.S.Zero

    @property
    def n(self) -> int:
        """Number of quadratic monomials as written (the minimal n: :meth:`products`)."""
        return len(self.quadratic)

    @property
    def is_linear(self) -> bool:
        return self.n == 0 and not self.higher

    @property
    def degree(self) -> int:
        """Highest degree of a term (1 for a linear PDE, 0 for u_t = 0)."""
        if self.higher:
            return max(t.degree for t in self.higher)
        return 2 if self.quadratic else 1 if self.linear else 0

    def as_system(self):
        """This PDE as the one-field system ``u_t = ...`` (:class:`pixelpde.stencils.system.PDESystem`)."""
        from pixelpde.stencils.system import Equation, PDESystem

        monomials = [(((0, a),), c) for a, c in self.linear]
        monomials += [(((0, t.first), (0, t.second)), t.beta) for t in self.quadratic]
        monomials += [(tuple((0, a) for a in t.factors), t.beta) for t in self.higher]
        if self.constant != 0:
            monomials.append(((), self.constant))
        return PDESystem(self.source, ("u",), (Equation.from_monomials(monomials),), self.size, self.order)

    def quadratic_variables(self) -> list[tuple[int, int]]:
        """The distinct derivatives of the quadratic part, in canonical order."""
        return sorted({a for t in self.quadratic for a in (t.first, t.second)}, key=_alpha_key)

    def products(self, interactions: str = "minimal"):
        """The quadratic part as products ``beta * a(v) * b(v)`` of linear forms in the derivatives
        (:class:`~pixelpde.stencils.quadratic_form.Product`): ``minimal`` gives max(p, q) of them
        (the theorem of :mod:`pixelpde.stencils.quadratic_form`), ``as-written`` one per monomial."""
        from pixelpde.stencils.quadratic_form import LinearForm, Product

        check_interactions(interactions)
        if interactions == "as-written":
            one = sp.Integer(1)
            return tuple(
                Product(t.beta, LinearForm(((t.first, one),)), LinearForm(((t.second, one),))) for t in self.quadratic
            )
        return _minimal_cached(self.quadratic, tuple(self.quadratic_variables()))

    def signature(self) -> tuple[int, int]:
        """``(p, q)`` of the quadratic part's symmetric matrix (exact)."""
        from pixelpde.stencils.quadratic_form import form_matrix, signature

        terms = [(t.beta, t.first, t.second) for t in self.quadratic]
        return signature(form_matrix(terms, self.quadratic_variables()))

    def stencil(self, alpha: tuple[int, int]) -> Stencil:
        return derive_stencil(alpha, self.size, self.order)

    def rhs_expression(self) -> sp.Expr:
        """The right-hand side as a SymPy polynomial in the derivative symbols."""
        sym = lambda a: sp.Symbol(derivative_name(a))
        expr = sum((c * sym(a) for a, c in self.linear), sp.Integer(0))
        expr += sum((t.beta * sym(t.first) * sym(t.second) for t in self.quadratic), sp.Integer(0))
        expr += sum((t.beta * sp.Mul(*[sym(a) for a in t.factors]) for t in self.higher), sp.Integer(0))
        return expr + self.constant

    def __str__(self) -> str:
        terms = [sp.sstr(c * sp.Symbol(derivative_name(a))) for a, c in self.linear]
        terms += [str(t) for t in self.quadratic]
        terms += [str(t) for t in self.higher]
        if self.constant != 0:
            terms.append(sp.sstr(self.constant))
        if not terms:
            return "u_t = 0"
        text = " + ".join(terms).replace("+ -", "- ")
        return f"u_t = {text}"

    def discretise(self, dx, bc, interactions: str = "minimal"):
        """The semi-discrete system (11) on a grid of spacing ``dx`` with boundary condition ``bc``;
        its quadratic products are :meth:`products` (``interactions``)."""
        from pixelpde.stencils.semidiscrete import SemiDiscretePDE

        return SemiDiscretePDE.from_pde(self, dx, bc, interactions=interactions)


def _degree_lower_bound(expr: sp.Expr, symbols) -> int:
    """A lower bound of the total degree of the polynomial ``expr``, without expanding it in
    many variables: the degree in t of expr(c * t) for two fixed integer points c (exact
    unless the top homogeneous part vanishes at both points; then the full expansion decides)."""
    t = sp.Dummy("t")
    best = 0
    for shift in (0, 7):
        point = {s: (sp.prime(i + 1) + shift) * t for i, s in enumerate(symbols)}
        univariate = sp.expand(expr.xreplace(point))
        best = max(best, int(sp.degree(univariate, t)) if univariate != 0 else 0)
    return best


@functools.lru_cache(maxsize=256)
def _minimal_cached(quadratic, variables):
    from pixelpde.stencils.quadratic_form import minimal_products

    return minimal_products([(t.beta, t.first, t.second) for t in quadratic], list(variables))


def _check_kernel_and_degree(max_degree: int, size: int, order: int) -> int:
    max_degree = check_max_degree(max_degree)
    derive_stencil((0, 0), size, order)  # validates size and order
    return max_degree


def expand_polynomial(
    text: str, names: Mapping, key, max_degree: int, size: int, order: int, what: str, alpha_of=lambda v: v
):
    """The right-hand side ``text`` as ``{monomial: coefficient}``, exactly.

    ``names`` is the identifier whitelist handed to :func:`parse_expression`; ``key(symbol)``
    maps a symbol to its variable (an ``alpha`` for a scalar PDE, ``(field, alpha)`` for a system)
    and orders them; ``alpha_of(variable)`` is its multi-index.  A monomial is the sorted tuple of its variables (``()`` for a constant).
    Refused with one line: a non-polynomial, a degree above ``max_degree`` (checked before
    expanding, which could take minutes), a derivative the k x k kernel cannot reach.
    """
    expr = parse_expression(text, names, what=what)
    symbols = sorted(expr.free_symbols, key=key)
    if not symbols:
        return {(): sp.Rational(expr)} if expr != 0 else {}
    if not expr.is_polynomial(*symbols):
        raise InputError(
            f"{what} {text.strip()!r} is not a polynomial in the fields and their derivatives (division by an expression in them?)"
        )
    degree = _degree_lower_bound(expr, symbols)
    if degree > max_degree:
        raise InputError(
            f"{what} {text.strip()!r}: a term is of degree {degree}, above the limit {max_degree} "
            f"(raise it with --max-degree, at most {MAX_NETWORK_DEGREE})"
        )
    poly = sp.Poly(sp.expand(expr), *symbols)
    out = {}
    for monom, coeff in poly.terms():
        if coeff == 0:
            continue
        factors = tuple(key(s) for s, k in zip(symbols, monom, strict=True) for _ in range(k))
        if len(factors) > max_degree:
            term = sp.Mul(*[s**k for s, k in zip(symbols, monom, strict=True)])
            raise InputError(
                f"{what} {text.strip()!r}: term {coeff * term} is of degree {len(factors)}, above the limit "
                f"{max_degree} (raise it with --max-degree, at most {MAX_NETWORK_DEGREE})"
            )
        for variable in factors:
            derive_stencil(alpha_of(variable), size, order)  # raises if the kernel cannot reach it
        out[factors] = sp.Rational(coeff)
    return out


def parse_pde(text: str, size: int = 3, order: int = 2, max_degree: int = DEFAULT_MAX_DEGREE) -> PDE:
    """Parse a scalar PDE ``u_t = RHS`` into the class (8) (plus a constant source term).

    Parameters: ``text`` the PDE (``"u_t = 0.01*(u_xx + u_yy) + u*(1 - u)"``; ``u_t =`` optional);
    ``size``/``order`` the stencils' kernel size (odd) and order of accuracy; ``max_degree`` the
    highest degree of a term (2..:data:`MAX_NETWORK_DEGREE`).  Returns a :class:`PDE` whose
    linear, quadratic and higher-degree parts are exact rationals; bad text raises a one-line
    :class:`~pixelpde.ground.errors.InputError` naming the term.  Systems of several fields:
    :func:`pixelpde.stencils.system.parse_system`.
    """
    if not isinstance(text, str):
        raise InputError("the PDE must be a string")
    max_degree = _check_kernel_and_degree(max_degree, size, order)
    rhs = text
    if "=" in text:
        lhs, _, rhs = text.partition("=")
        if lhs.strip().replace(" ", "") not in ("u_t", "du/dt"):
            raise InputError(f"PDE {text.strip()!r}: the left-hand side must be u_t, not {lhs.strip()!r}")
    terms = expand_polynomial(
        rhs, _DerivativeNames(), lambda s: parse_derivative(s.name), max_degree, size, order, "PDE"
    )
    linear: dict[tuple[int, int], sp.Rational] = {}
    quadratic: dict[tuple[tuple[int, int], tuple[int, int]], sp.Rational] = {}
    higher: dict[tuple[tuple[int, int], ...], sp.Rational] = {}
    constant = sp.Integer(0)
    for factors, coeff in terms.items():
        if len(factors) == 0:
            constant = coeff
        elif len(factors) == 1:
            linear[factors[0]] = coeff
        elif len(factors) > 2:
            higher[tuple(sorted(factors, key=_alpha_key))] = coeff
        else:
            first, second = sorted(factors, key=_alpha_key)
            quadratic[(first, second)] = coeff
    return PDE(
        source=text.strip(),
        linear=tuple(sorted(linear.items(), key=lambda kv: _alpha_key(kv[0]))),
        quadratic=tuple(
            QuadraticTerm(beta, a, b)
            for (a, b), beta in sorted(quadratic.items(), key=lambda kv: (_alpha_key(kv[0][0]), _alpha_key(kv[0][1])))
        ),
        size=int(size),
        order=int(order),
        higher=tuple(
            PolynomialTerm(beta, f)
            for f, beta in sorted(higher.items(), key=lambda kv: (len(kv[0]), [_alpha_key(a) for a in kv[0]]))
        ),
        constant=constant,
    )
