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
``^`` is read as a power, as mathematicians write it: it is replaced by ``**``
before parsing, so it also binds like a power (in Python ``^`` would bind
more loosely than ``+``, and ``u + u^2`` would mean ``(u + u)**2``).
"""

from __future__ import annotations

import ast
import math
from fractions import Fraction
from typing import Callable, Mapping

import sympy as sp

from pixelpde.ground.errors import InputError

#: Longest accepted expression; longer text is refused before parsing.
MAX_LENGTH = 2000
#: Largest accepted exponent (keeps symbolic expansion of user text cheap).
MAX_POWER = 16


def parse_number(text: str, what: str = "number") -> Fraction:
    """Parse a decimal, scientific or ``a/b`` number exactly (``'0.01'`` -> 1/100)."""
    try:
        value = Fraction(str(text).strip())
    except (ValueError, ZeroDivisionError):
        raise InputError(f"{what} {text!r} is not a number (use e.g. 0.01, 1e-2 or 1/64)") from None
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
    """
    functions = functions or {}
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"empty {what}")
    if len(text) > MAX_LENGTH:
        raise InputError(f"{what} is longer than {MAX_LENGTH} characters")
    source = text.strip().replace("^", "**")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        column = f" at column {exc.offset}" if exc.offset else ""
        raise InputError(f"malformed {what} {source!r}: syntax error{column}") from None
    except (ValueError, RecursionError, MemoryError):
        raise InputError(f"malformed {what} {source!r}") from None
    translator = _Translator(source, names, functions, what, integer_powers)
    try:
        return translator.visit(tree.body)
    except RecursionError:
        raise InputError(f"{what} {source!r} is nested too deeply") from None


class _Translator:
    _BINARY = {
        ast.Add: lambda a, b: a + b,
        ast.Sub: lambda a, b: a - b,
        ast.Mult: lambda a, b: a * b,
        ast.Div: lambda a, b: a / b,
    }

    def __init__(self, source, names, functions, what, integer_powers):
        self.source = source
        self.names = names
        self.functions = functions
        self.what = what
        self.integer_powers = integer_powers

    def _text(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.source, node) or ast.unparse(node)

    def _refuse(self, node: ast.AST, why: str) -> InputError:
        return InputError(f"{self.what} {self.source!r}: {self._text(node)!r} {why}")

    def visit(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow):
                return self._power(node)
            op = self._BINARY.get(type(node.op))
            if op is None:
                raise self._refuse(node, "uses an operator that is not allowed (only + - * / ** ^)")
            left, right = self.visit(node.left), self.visit(node.right)
            if isinstance(node.op, ast.Div) and right == 0:
                raise self._refuse(node, "divides by zero")
            return op(left, right)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return -self.visit(node.operand)
            if isinstance(node.op, ast.UAdd):
                return self.visit(node.operand)
            raise self._refuse(node, "uses an operator that is not allowed (only + - * / ** ^)")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self._refuse(node, "is not a number")
            value = parse_number(self._text(node))
            return sp.Rational(value.numerator, value.denominator)
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
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
            return self.functions[name](self.visit(node.args[0]))
        raise self._refuse(node, "is not allowed here (only numbers, names, + - * / ** ^ and parentheses)")

    def _power(self, node: ast.BinOp) -> sp.Expr:
        base = self.visit(node.left)
        exponent = self.visit(node.right)
        if self.integer_powers and not (exponent.is_Integer and exponent >= 0):
            raise self._refuse(node, "has a power that is not a non-negative integer")
        if exponent.is_Number and abs(exponent) > MAX_POWER:
            raise self._refuse(node, f"has an exponent larger than {MAX_POWER}")
        if base == 0 and exponent.is_nonpositive:
            raise self._refuse(node, "is 0 to a non-positive power")
        return base**exponent
