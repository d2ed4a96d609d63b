"""The one parser for user text: arithmetic expressions to exact SymPy.

User strings (PDE right-hand sides, initial conditions) are parsed with
:func:`ast.parse` in ``eval`` mode, which only builds a syntax tree and never
runs anything, and the tree is translated node by node into SymPy.  Only a
whitelist of node types, names and functions is accepted; anything else
(attribute access, subscripts, calls to unknown functions, strings, lambdas,
comprehensions...) is refused with an :class:`~pixelpde.ground.errors.InputError`
that quotes the offending piece of text.  Nothing is passed to ``eval``,
``exec`` or :func:`sympy.sympify`.

Numbers become exact rationals from their source text (``0.01`` is 1/100,
not the nearest double), so stencils and weights can be stated exactly.

Every user expression is bounded before anything is expanded (limits in
:mod:`pixelpde.ground.validate`): its length, its number of syntax nodes,
each number literal's exponent (checked on the text, so ``1e99999999`` is
never built) and every constant met on the way (no silent overflow to inf or
underflow to 0 in float64), integer exponents up to :data:`MAX_POWER`, and
the total degree and an upper bound on the number of terms of its
expansion (so ``((u + u_x + 1)**16)**16`` is refused in microseconds, not
expanded for hours).  Only ASCII is read: a look-alike such as the
full-width ``ｕ``, which Python would silently read as ``u``, is refused.
``^`` is read as a power, as mathematicians write it: it is replaced by ``**``
before parsing, so it also binds like a power (in Python ``^`` would bind
more loosely than ``+``, and ``u + u^2`` would mean ``(u + u)**2``).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, ClassVar

import sympy as sp

from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import MAX_EXPRESSION_DEGREE, MAX_NODES, MAX_TERMS, check_magnitude

#: Longest accepted expression; longer text is refused before parsing.
MAX_LENGTH = 2000
#: Largest accepted exponent (keeps symbolic expansion of user text cheap).
MAX_POWER = 16
#: Decimal exponents a number literal may have before it is read exactly (``1e400`` is refused
#: by its magnitude afterwards; this only keeps ``1e99999999`` from being built).
MAX_LITERAL_EXPONENT = 400


def parse_number(text: str, what: str = "number") -> Fraction:
    """Parse a decimal, scientific or ``a/b`` number exactly (``'0.01'`` -> 1/100).

    The text is bounded first (at most :data:`MAX_LENGTH` characters, decimal
    exponents within +-:data:`MAX_LITERAL_EXPONENT`), then read exactly, then
    refused if float64 cannot hold it (:func:`pixelpde.ground.validate.check_magnitude`).
    """
    text = str(text).strip()
    if len(text) > MAX_LENGTH:
        raise InputError(f"{what} is longer than {MAX_LENGTH} characters")
    for part in text.split("/", 1):
        try:
            decimal = Decimal(part.strip())
        except (InvalidOperation, ValueError):
            decimal = None
        if decimal is not None and decimal.is_finite() and decimal and abs(decimal.adjusted()) > MAX_LITERAL_EXPONENT:
            raise InputError(
                f"{what} {text!r} is out of range (a literal's decimal exponent must be within +-{MAX_LITERAL_EXPONENT})"
            )
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise InputError(f"{what} {text!r} is not a number (use e.g. 0.01, 1e-2 or 1/64)") from None
    check_magnitude(value, f"{what} {text!r}")
    return value


def positive_fraction(value, what: str = "dx") -> Fraction:
    """A positive exact rational from a string (``'1/64'``, ``'0.01'``), an
    int, a float (read through its shortest repr, so 0.01 is 1/100) or a
    Fraction."""
    if isinstance(value, bool):
        raise InputError(f"{what}={value!r} is not a number")
    if isinstance(value, str):
        frac = parse_number(value, what)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"{what}={value!r} is not a finite number")
        frac = Fraction(repr(value))
    else:
        try:
            frac = Fraction(value)
        except (TypeError, ValueError):
            raise InputError(f"{what}={value!r} is not a number") from None
    if frac <= 0:
        raise InputError(f"{what}={value} must be positive")
    return frac


def parse_expression(
    text: str,
    names: Mapping[str, sp.Expr],
    functions: Mapping[str, Callable[[sp.Expr], sp.Expr]] | None = None,
    *,
    what: str = "expression",
    integer_powers: bool = True,
    max_degree: int | None = MAX_EXPRESSION_DEGREE,
) -> sp.Expr:
    """Translate ``text`` into a SymPy expression over the whitelisted ``names``.

    Parameters
    ----------
    text:
        The user's expression, e.g. ``"0.01*(u_xx + u_yy) + u*(1 - u)"``.
    names:
        Identifier -> SymPy object.  Any other identifier is an error.
    functions:
        Function name -> one-argument SymPy callable (e.g. ``sin``); calls to
        anything else are errors.
    what:
        How the text is called in error messages ("PDE", "initial condition").
    integer_powers:
        If true, exponents must be non-negative integer literals.
    max_degree:
        Largest total degree of the expression as written, before any
        expansion (a function call counts as one factor); ``None``: no bound
        (the term bound :data:`~pixelpde.ground.validate.MAX_TERMS` still applies).
    """
    functions = functions or {}
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"empty {what}")
    if len(text) > MAX_LENGTH:
        raise InputError(f"{what} is longer than {MAX_LENGTH} characters")
    source = text.strip().replace("^", "**")
    for column, char in enumerate(source, 1):
        if not char.isascii():
            raise InputError(
                f"{what} {source!r}: character {char!r} (U+{ord(char):04X}) at column {column} is not ASCII "
                "(write u, x, +, -, * ... in plain ASCII)"
            )
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise InputError(f"malformed {what} {source!r}: syntax error{where}") from None
    except (ValueError, RecursionError, MemoryError):
        raise InputError(f"malformed {what} {source!r}") from None
    try:
        count = sum(1 for _ in ast.walk(tree))
    except RecursionError:  # pragma: no cover - the parser's own nesting limit comes first
        raise InputError(f"{what} {source!r} is nested too deeply") from None
    if count > MAX_NODES:
        raise InputError(f"{what} has {count} syntax nodes; at most {MAX_NODES} are accepted")
    translator = _Translator(source, names, functions, what, integer_powers, max_degree)
    try:
        expr = translator.visit(tree.body)[0]
    except RecursionError:
        raise InputError(f"{what} {source!r} is nested too deeply") from None
    if integer_powers:  # a polynomial: its expansion (at most MAX_TERMS terms) is what gets discretised
        for c in _coefficients(sp.expand(expr)):
            try:
                check_magnitude(Fraction(int(c.p), int(c.q)), "a coefficient of its expansion")
            except InputError as exc:
                raise InputError(f"{what} {source!r}: {exc}") from None
    return expr


class _Translator:
    """AST -> SymPy, node by node.  ``visit`` returns ``(expr, degree, terms)``:
    the total degree of the text as written and an upper bound on the number
    of terms of its expansion, both checked before the node is built."""

    _BINARY: ClassVar[Mapping[type[ast.operator], Callable[[Any, Any], Any]]] = {
        ast.Add: lambda a, b: a + b,
        ast.Sub: lambda a, b: a - b,
        ast.Mult: lambda a, b: a * b,
        ast.Div: lambda a, b: a / b,
    }

    def __init__(self, source, names, functions, what, integer_powers, max_degree=MAX_EXPRESSION_DEGREE):
        self.source = source
        self.names = names
        self.functions = functions
        self.what = what
        self.integer_powers = integer_powers
        self.max_degree = max_degree

    def _text(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or ast.unparse(node)

    def _refuse(self, node: ast.AST, why: str) -> InputError:
        return InputError(f"{self.what} {self.source!r}: {self._text(node)!r} {why}")

    def _bounded(self, node: ast.AST, expr, degree: int, terms: int):
        if self.max_degree is not None and degree > self.max_degree:
            raise self._refuse(
                node, f"has total degree {degree} before expansion; at most {self.max_degree} is accepted"
            )
        if terms > MAX_TERMS:
            raise self._refuse(node, f"may expand to more than {MAX_TERMS} terms; write it expanded or smaller")
        for c in _coefficients(expr):
            try:
                check_magnitude(Fraction(int(c.p), int(c.q)), "a constant")
            except InputError as exc:
                raise self._refuse(node, f"gives {exc}") from None
        return expr, degree, terms

    def visit(self, node: ast.AST):
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow):
                return self._power(node)
            op = self._BINARY.get(type(node.op))
            if op is None:
                raise self._refuse(node, "uses an operator that is not allowed (only + - * / ** ^)")
            (left, dl, tl), (right, dr, tr) = self.visit(node.left), self.visit(node.right)
            if isinstance(node.op, ast.Div) and right == 0:
                raise self._refuse(node, "divides by zero")
            if isinstance(node.op, (ast.Add, ast.Sub)):
                degree, terms = max(dl, dr), tl + tr
            elif isinstance(node.op, ast.Div) and dr == 0:
                degree, terms = dl, tl
            else:
                degree, terms = dl + dr, tl * tr
            self._bounded(node, None, degree, terms)
            return self._bounded(node, op(left, right), degree, terms)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                expr, degree, terms = self.visit(node.operand)
                return -expr, degree, terms
            if isinstance(node.op, ast.UAdd):
                return self.visit(node.operand)
            raise self._refuse(node, "uses an operator that is not allowed (only + - * / ** ^)")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self._refuse(node, "is not a number")
            value = parse_number(self._text(node))
            return sp.Rational(value.numerator, value.denominator), 0, 1
        if isinstance(node, ast.Name):
            if node.id in self.names:
                expr = self.names[node.id]
                return expr, (0 if getattr(expr, "is_number", False) else 1), 1
            if node.id in self.functions:
                raise self._refuse(node, "is a function and needs an argument in parentheses")
            allowed = ", ".join(sorted(self.names)) or "none"
            raise self._refuse(node, f"is an unknown symbol (allowed: {allowed})")
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else None
            if name not in self.functions:
                if self.functions:
                    allowed = "allowed: " + ", ".join(sorted(self.functions))
                else:
                    allowed = f"no functions are allowed in a {self.what}"
                raise self._refuse(node, f"calls an unknown function ({allowed})")
            if len(node.args) != 1 or node.keywords:
                raise self._refuse(node, "must have exactly one argument")
            argument, degree, _ = self.visit(node.args[0])
            return self.functions[name](argument), (0 if degree == 0 else 1), 1
        raise self._refuse(node, "is not allowed here (only numbers, names, + - * / ** ^ and parentheses)")

    def _power(self, node: ast.BinOp):
        base, db, tb = self.visit(node.left)
        exponent, de, _ = self.visit(node.right)
        if self.integer_powers and not (exponent.is_Integer and exponent >= 0):
            raise self._refuse(node, "has a power that is not a non-negative integer")
        if exponent.is_Number and abs(exponent) > MAX_POWER:
            raise self._refuse(node, f"has an exponent larger than {MAX_POWER}")
        if base == 0 and exponent.is_nonpositive:
            raise self._refuse(node, "is 0 to a non-positive power")
        if exponent.is_Integer and exponent >= 0:
            k = int(exponent)
            degree, terms = db * k, math.comb(tb + k - 1, k)  # monomials of degree k in tb terms
        else:  # a non-integer or symbolic power (initial conditions): one opaque factor
            degree, terms = (0 if db == de == 0 else 1), 1
        self._bounded(node, None, degree, terms)
        return self._bounded(node, base**exponent, degree, terms)


def _coefficients(expr):
    """The rational numbers at the top of ``expr``: itself, a product's coefficient, each term's."""
    if expr is None:
        return []
    parts = expr.args if isinstance(expr, sp.Add) else (expr,)
    out = []
    for part in parts:
        coeff = part if isinstance(part, sp.Rational) else part.as_coeff_Mul()[0] if isinstance(part, sp.Mul) else None
        if isinstance(coeff, sp.Rational):
            out.append(coeff)
    return out
