r"""Systems of PDEs: several fields, one equation each, as data.

A system of C fields :math:`u^{(1)}, \dots, u^{(C)}` is written as its equations separated by
``;`` or new lines, each ``NAME_t = RHS``, e.g. Gray-Scott

.. code-block:: text

    u_t = 2e-5*(u_xx + u_yy) - u*v**2 + 0.04*(1 - u); v_t = 1e-5*(v_xx + v_yy) + u*v**2 - 0.1*v

Field names are single lowercase letters other than x, y, z and t; the **order of the equations
is the channel order** (the order in which the fields' equations appear).  Every field used on a
right-hand side must have exactly one equation.  Each right-hand side is a polynomial in the
fields and their derivatives (``v_xy``, ...) with a constant term allowed (a source, e.g.
Gray-Scott's ``0.04``), read by the one parser (:func:`pixelpde.stencils.expr.parse_expression`)
with its limits, plus at most :data:`MAX_FIELDS` fields.  Equation k is

.. math::

    \partial_t u^{(k)} = s_k + \sum_{(c, \alpha)} \ell_{k, c\alpha}\, \partial_\alpha u^{(c)}
        + \sum_{m} \gamma_{k, m} \prod_{(c, \alpha) \in m} \partial_\alpha u^{(c)},

the class (8) with products across fields.  A scalar PDE is the one-field system
(:meth:`pixelpde.stencils.pde.PDE.as_system`).  A variable is ``(field index, alpha)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from pixelpde.ground.errors import InputError
from pixelpde.stencils.expr import MAX_LENGTH
from pixelpde.stencils.finite_difference import Stencil, axis_letters, derivative_name, derive_stencil
from pixelpde.stencils.pde import (
    DEFAULT_MAX_DEGREE,
    _alpha_key,
    _check_kernel_and_degree,
    check_interactions,
    expand_polynomial,
)

#: Most fields (equations) a system may have.
MAX_FIELDS = 8
#: Letters that name axes or time, never a field.
RESERVED = frozenset("xyzt")

Variable = tuple[int, tuple[int, ...]]
Monomial = tuple[Variable, ...]

_LHS = re.compile(r"^([a-z])_t$")
_VARIABLE = re.compile(r"^([a-z])(?:_([xyz]+))?$")


def variable_key(v: Variable) -> tuple:
    """Canonical order of variables: by field, then as the scalar derivatives (u, u_x, u_y, u_xx, ...)."""
    return (v[0], *_alpha_key(v[1]))


def variable_name(v: Variable, fields: tuple[str, ...]) -> str:
    """``(1, (2, 0))`` -> ``'v_xx'`` for fields ``('u', 'v')`` (``(0, (0, 0, 1))`` -> ``'u_z'``)."""
    return fields[v[0]] + derivative_name(v[1])[1:]


@dataclass(frozen=True)
class Equation:
    """One equation's right-hand side: ``((monomial, coefficient), ...)`` in canonical order,
    a monomial being the sorted tuple of its variables (``()`` for the constant)."""

    monomials: tuple[tuple[Monomial, sp.Rational], ...]

    @classmethod
    def from_monomials(cls, items) -> Equation:
        merged: dict[Monomial, sp.Rational] = {}
        for factors, coeff in items:
            key = tuple(sorted(factors, key=variable_key))
            merged[key] = merged.get(key, sp.Integer(0)) + sp.Rational(coeff)
        ordered = sorted(
            ((m, c) for m, c in merged.items() if c != 0),
            key=lambda mc: (len(mc[0]), [variable_key(v) for v in mc[0]]),
        )
        return cls(tuple(ordered))

    def of_degree(self, q: int) -> tuple[tuple[Monomial, sp.Rational], ...]:
        return tuple((m, c) for m, c in self.monomials if len(m) == q)

    @property
    def constant(self) -> sp.Rational:
        return next((c for m, c in self.monomials if not m), sp.Integer(0))

    @property
    def degree(self) -> int:
        return max((len(m) for m, _ in self.monomials), default=0)


@dataclass(frozen=True)
class PDESystem:
    """A system of PDEs of class (8) with products across fields (module docstring).

    ``fields`` are the names in channel order, ``equations[k]`` the right-hand side of
    ``fields[k]_t``; ``size``/``order`` fix the stencils of :meth:`discretise`.
    """

    source: str
    fields: tuple[str, ...]
    equations: tuple[Equation, ...]
    size: int = 3
    order: int = 2
    #: The grid's dimension (1, 2, 3): every multi-index has this length.
    dim: int = 2

    @property
    def channels(self) -> int:
        return len(self.fields)

    @property
    def degree(self) -> int:
        return max((e.degree for e in self.equations), default=0)

    @property
    def constants(self) -> tuple[sp.Rational, ...]:
        return tuple(e.constant for e in self.equations)

    def stencil(self, alpha: tuple[int, ...]) -> Stencil:
        return derive_stencil(alpha, self.size, self.order)

    def terms(self) -> list[list[tuple[float, tuple[tuple[int, tuple[int, ...]], ...]]]]:
        """Per equation, ``(coefficient, factors)`` with ``factors`` a tuple of ``(field, alpha)``
        (``()`` for a constant): the system as plain data, for generators outside this package."""
        return [[(float(c), m) for m, c in e.monomials] for e in self.equations]

    def products(self, interactions: str = "minimal"):
        """The quadratic parts of all equations as shared products.

        Returns ``(products, betas)``: ``products`` a tuple of
        :class:`~pixelpde.stencils.quadratic_form.Product` of linear forms in the variables
        (with ``beta = 1``), ``betas[k][i]`` the coefficient of product i in equation k.
        ``minimal`` factorises each equation's quadratic form with the fewest products
        (:mod:`pixelpde.stencils.quadratic_form`) and shares a product that several equations
        use (the same pair of linear forms) between them; ``as-written`` takes one product per
        distinct monomial, shared likewise.
        """
        from pixelpde.stencils.quadratic_form import LinearForm, Product, minimal_products

        check_interactions(interactions)
        one = sp.Integer(1)
        shared: dict[tuple, int] = {}
        forms: list[tuple[LinearForm, LinearForm]] = []
        betas: list[dict[int, sp.Expr]] = []
        for equation in self.equations:
            quadratic = [(c, m[0], m[1]) for m, c in equation.of_degree(2)]
            if interactions == "as-written":
                items = [(c, LinearForm(((a, one),)), LinearForm(((b, one),))) for c, a, b in quadratic]
            else:
                variables = sorted({v for _, a, b in quadratic for v in (a, b)}, key=variable_key)
                items = [(p.beta, p.first, p.second) for p in minimal_products(quadratic, variables)]
            row: dict[int, sp.Expr] = {}
            for beta, f1, f2 in items:
                key = tuple(sorted((f1.coeffs, f2.coeffs), key=str))
                if key not in shared:
                    shared[key] = len(forms)
                    forms.append((f1, f2))
                i = shared[key]
                row[i] = row.get(i, sp.Integer(0)) + beta
            betas.append(row)
        products = tuple(Product(one, f1, f2) for f1, f2 in forms)
        matrix = tuple(tuple(row.get(i, sp.Integer(0)) for i in range(len(forms))) for row in betas)
        return products, matrix

    def higher(self) -> tuple[tuple[Monomial, tuple[sp.Rational, ...]], ...]:
        """The distinct monomials of degree >= 3 of all equations, each with its coefficient in
        every equation (one set of network channels per monomial, however many equations use it)."""
        monomials: dict[Monomial, list[sp.Rational]] = {}
        for k, equation in enumerate(self.equations):
            for m, c in equation.monomials:
                if len(m) >= 3:
                    monomials.setdefault(m, [sp.Integer(0)] * self.channels)[k] = c
        return tuple((m, tuple(cs)) for m, cs in monomials.items())

    def __str__(self) -> str:
        out = []
        for name, equation in zip(self.fields, self.equations, strict=True):
            terms = []
            for m, c in equation.monomials:
                names = [variable_name(v, self.fields) for v in m]
                body = "*".join(n if names.count(n) == 1 else f"{n}**{names.count(n)}" for n in dict.fromkeys(names))
                terms.append(sp.sstr(c) if not m else sp.sstr(c * sp.Symbol(body)))
            text = " + ".join(terms).replace("+ -", "- ") if terms else "0"
            out.append(f"{name}_t = {text}")
        return "; ".join(out)

    def discretise(self, dx, bc, interactions: str = "minimal"):
        """The semi-discrete system (11) of C equations on a grid of spacing ``dx``
        (:class:`pixelpde.stencils.semidiscrete.SemiDiscreteSystem`)."""
        from pixelpde.stencils.semidiscrete import SemiDiscreteSystem

        return SemiDiscreteSystem.from_system(self, dx, bc, interactions=interactions)


class _SystemNames(Mapping):
    """Identifier whitelist of a system: a field letter alone or with ``_`` and x's/y's; a letter
    that is not a field is refused by name."""

    def __init__(self, fields: tuple[str, ...], text: str, dim: int = 2):
        self.fields, self.text, self.dim = fields, text, dim

    def variable(self, name: str) -> Variable:
        match = _VARIABLE.match(name)
        if not match:
            raise KeyError(name)
        letter, letters = match.group(1), match.group(2) or ""
        if letter not in self.fields:
            raise InputError(
                f"system {self.text!r}: {name!r} uses field {letter!r}, which has no equation "
                f"(every field needs exactly one '{letter}_t = ...')"
            )
        return self.fields.index(letter), axis_letters(letters, self.dim, name)

    def __contains__(self, name) -> bool:
        match = _VARIABLE.match(name) if isinstance(name, str) else None
        return match is not None and match.group(1) not in RESERVED

    def __getitem__(self, name: str) -> sp.Symbol:
        v = self.variable(name)
        return sp.Symbol(variable_name(v, self.fields))

    def __iter__(self):
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)


def split_equations(text: str) -> list[tuple[str, str]]:
    """``'u_t = a; v_t = b'`` -> ``[('u', 'a'), ('v', 'b')]``, checked: one equation per field,
    at most :data:`MAX_FIELDS`, each ``NAME_t = RHS`` with NAME a single letter not in x, y, z, t."""
    if not isinstance(text, str) or not text.strip():
        raise InputError("empty system")
    if len(text) > MAX_LENGTH:
        raise InputError(f"system is longer than {MAX_LENGTH} characters")
    pieces = [p.strip() for p in re.split(r"[;\n]", text) if p.strip()]
    if len(pieces) > MAX_FIELDS:
        raise InputError(f"system has {len(pieces)} equations; at most {MAX_FIELDS} fields are accepted")
    out: list[tuple[str, str]] = []
    for piece in pieces:
        lhs, eq, rhs = piece.partition("=")
        name = lhs.strip().replace(" ", "")
        match = _LHS.match(name)
        if not eq or not match:
            raise InputError(f"equation {piece!r} must read NAME_t = RHS with NAME a single lowercase letter")
        letter = match.group(1)
        if letter in RESERVED:
            raise InputError(f"equation {piece!r}: {letter!r} names an axis or time, not a field")
        if any(letter == f for f, _ in out):
            raise InputError(f"system {text.strip()!r}: field {letter!r} has two equations")
        out.append((letter, rhs))
    return out


def parse_system(
    text: str, size: int = 3, order: int = 2, max_degree: int = DEFAULT_MAX_DEGREE, dim: int = 2
) -> PDESystem:
    """Parse a system of PDEs (module docstring) into a :class:`PDESystem`.

    ``size``/``order``: the stencils' kernel size and order; ``max_degree``: the highest degree
    of a term; ``dim``: the grid's dimension (1, 2, 3; a name for an axis it lacks is refused).
    A single equation ``u_t = ...`` gives the one-field system.  Bad text raises a
    one-line :class:`~pixelpde.ground.errors.InputError` naming the equation and the term.
    """
    max_degree, dim = _check_kernel_and_degree(max_degree, size, order, dim)
    pieces = split_equations(text)
    fields = tuple(letter for letter, _ in pieces)
    names = _SystemNames(fields, text.strip(), dim)
    equations = []
    for letter, rhs in pieces:
        monomials = expand_polynomial(
            rhs,
            names,
            lambda s: names.variable(s.name),
            max_degree,
            size,
            order,
            f"equation {letter}_t",
            alpha_of=lambda v: v[1],
        )
        equations.append(Equation.from_monomials(monomials.items()))
    return PDESystem(text.strip(), fields, tuple(equations), int(size), int(order), dim)


def is_system(text) -> bool:
    """Whether ``text`` is a system (several equations, or one whose field is not ``u``)."""
    if not isinstance(text, str):
        return False
    pieces = [p for p in re.split(r"[;\n]", text) if p.strip()]
    if len(pieces) > 1:
        return True
    lhs, eq, _ = text.partition("=")
    return bool(eq) and bool(_LHS.match(lhs.strip().replace(" ", ""))) and lhs.strip()[0] != "u"
