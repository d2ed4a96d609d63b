r"""Exact finite-difference stencils on k x k kernels (section 3.2.1).

For a multi-index :math:`\alpha = (a, b)` we want a kernel ``K`` with

.. math::

    \partial_\alpha u(x_h, y_k) = \delta x^{-|\alpha|} \sum_{i,j=-c}^{c}
        K[c+i, c+j]\, u(x_h + i\delta x, y_k + j\delta x) + O(\delta x^q),

which is the paper's display before (11) with the cross-correlation
convention of :mod:`pixelpde`.  Taylor-expanding :math:`u` about the centre
turns this into moment conditions on ``K``:

.. math::

    M_{ab}(K) := \sum_{i,j} K[c+i, c+j] \frac{i^a j^b}{a!\, b!}
    = \begin{cases} 1 & (a, b) = \alpha \\ 0 & a + b < |\alpha| + q,
      (a, b) \ne \alpha \end{cases}

and the leading truncation error is
:math:`\delta x^m \sum_{a+b=|\alpha|+m} M_{ab}\, \partial_x^a \partial_y^b u`
for the smallest :math:`m \ge 1` with a non-zero sum.

The standard minimal stencils are tensor products of one-dimensional central
stencils: along each axis we solve the 1-D moment (Vandermonde) conditions
on the smallest symmetric support that reaches the requested order, with
SymPy's :func:`~sympy.calculus.finite_diff.finite_diff_weights`, in exact
rationals.  This gives ``u_x = (U[h+1,k] - U[h-1,k]) / (2 dx)``, the
three-point ``u_xx``, the four-corner ``u_xy / (4 dx^2)`` and, summed, the
five-point Laplacian; with ``size=5, order=4`` the fourth-order five-point
formulas.  The 2-D moment conditions above are then checked symbolically for
the product, and its exact leading error term is returned with it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.calculus.finite_diff import finite_diff_weights

from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import check_stencil
from pixelpde.stencils.expr import positive_fraction

#: The grid spacing symbol used in truncation-error terms.
DX = sp.Symbol("dx", positive=True)
_X, _Y = sp.symbols("x y")
_U = sp.Function("u")(_X, _Y)

_NAME = re.compile(r"^u(?:_([xy]+))?$")


def parse_derivative(name: str) -> tuple[int, int]:
    """``'u'`` -> (0, 0), ``'u_x'`` -> (1, 0), ``'u_yx'`` -> (1, 1), ..."""
    match = _NAME.match(name.strip())
    if not match:
        raise InputError(f"{name!r} is not a derivative of u (write u, u_x, u_y, u_xx, u_xy, u_yy, ...)")
    letters = match.group(1) or ""
    return letters.count("x"), letters.count("y")


def derivative_name(alpha: tuple[int, int]) -> str:
    """Canonical name: (0, 0) -> 'u', (1, 1) -> 'u_xy', (0, 2) -> 'u_yy'."""
    a, b = alpha
    return "u" if a + b == 0 else "u_" + "x" * a + "y" * b


@dataclass(frozen=True)
class Stencil:
    """An exact finite-difference stencil for :math:`\\partial_\\alpha u`.

    ``weights`` is the k x k kernel for ``dx = 1`` in exact rationals, indexed
    ``weights[c + i, c + j]`` for the offset ``(i dx, j dx)`` along (x, y); the
    kernel on a grid of spacing ``dx`` is ``weights / dx**|alpha|``.
    ``order`` is the order of accuracy (``None`` for an exact stencil, the
    identity) and ``error`` the leading truncation-error term, an expression
    in :data:`DX` and derivatives of ``u(x, y)``.
    """

    alpha: tuple[int, int]
    size: int
    order: int | None
    weights: sp.ImmutableMatrix
    error: sp.Expr

    @property
    def name(self) -> str:
        return derivative_name(self.alpha)

    @property
    def degree(self) -> int:
        return sum(self.alpha)

    def kernel(self, dx) -> sp.ImmutableMatrix:
        """The exact kernel on a grid of spacing ``dx`` (a rational)."""
        return self.weights / _rational(dx) ** self.degree

    def array(self, dx) -> np.ndarray:
        """The kernel on a grid of spacing ``dx`` as a float64 array."""
        return matrix_to_array(self.kernel(dx))

    def __str__(self) -> str:
        rows = [[str(v) for v in self.weights.row(r)] for r in range(self.size)]
        width = max(len(v) for row in rows for v in row)
        body = "\n".join("  [" + "  ".join(v.rjust(width) for v in row) + "]" for row in rows)
        scale = "" if self.degree == 0 else f" / dx^{self.degree}" if self.degree > 1 else " / dx"
        order = "exact" if self.order is None else f"order {self.order}"
        return (
            f"{self.name} ~ K * U{scale}   ({self.size}x{self.size}, {order}; "
            f"K[c+i, c+j] weighs U[h+i, k+j], axis 0 is x)\n{body}\n"
            f"truncation error: {error_string(self.error)}"
        )


def _rational(value) -> sp.Rational:
    if isinstance(value, sp.Rational):
        return value
    frac = positive_fraction(value, "dx")
    return sp.Rational(frac.numerator, frac.denominator)


def matrix_to_array(matrix: sp.MatrixBase) -> np.ndarray:
    """Exact SymPy matrix -> float64 array (each entry correctly rounded)."""
    return np.array([[float(v) for v in matrix.row(r)] for r in range(matrix.rows)], dtype=np.float64)


def error_string(expr: sp.Expr) -> str:
    """Human-readable truncation error, e.g. ``dx**2*(1/6*u_xxx)``."""
    if expr == 0:
        return "0 (exact)"
    names = {
        d: sp.Symbol(derivative_name((d.variables.count(_X), d.variables.count(_Y)))) for d in expr.atoms(sp.Derivative)
    }
    return str(expr.xreplace(names))


def central_weights_1d(derivative: int, half_width: int, order: int) -> tuple[list[sp.Rational], int | None]:
    """Central 1-D weights on offsets ``-half_width..half_width`` (zero-padded)
    from the smallest symmetric support whose order is at least ``order``.

    Returns the weights and the order reached (``None`` when exact).
    """
    if derivative == 0:
        weights = [sp.Integer(0)] * (2 * half_width + 1)
        weights[half_width] = sp.Integer(1)
        return weights, None
    for m in range(1, half_width + 1):
        if 2 * m + 1 < derivative + 1:
            continue
        offsets = list(range(-m, m + 1))
        w = finite_diff_weights(derivative, offsets, 0)[derivative][-1]
        reached = _order_1d(w, offsets, derivative)
        if reached is None or reached >= order:
            pad = [sp.Integer(0)] * (half_width - m)
            return pad + [sp.nsimplify(v) for v in w] + pad, reached
    return [], None  # caller reports that the kernel is too small


def _order_1d(weights, offsets, derivative: int) -> int | None:
    for power in range(derivative + 1, derivative + 2 * len(offsets) + 3):
        moment = sum(w * sp.Integer(o) ** power for w, o in zip(weights, offsets, strict=True))
        if moment != 0:
            return power - derivative
    return None


@functools.cache
def derive_stencil(alpha: tuple[int, ...], size: int = 3, order: int = 2) -> Stencil:
    """The standard k x k stencil (k = ``size``, odd) for ``d^alpha u`` with
    order of accuracy at least ``order``; see the module docstring."""
    alpha = tuple(int(a) for a in alpha)
    if len(alpha) != 2 or min(alpha) < 0:
        raise InputError(f"multi-index {alpha} must be two non-negative integers")
    size, order = check_stencil(size, order)
    c = size // 2
    per_axis = []
    for d in alpha:
        weights, reached = central_weights_1d(d, c, order)
        if not weights:
            need = _smallest_size(d, order)
            raise InputError(
                f"{derivative_name(alpha)} to order {order} needs a kernel of at least {need}x{need}; "
                f"the {size}x{size} kernel cannot reach it"
            )
        per_axis.append(weights)
    weights = sp.ImmutableMatrix(size, size, lambda r, s: per_axis[0][r] * per_axis[1][s])
    reached, error = truncation_error(weights, alpha)
    if reached is not None and reached < order:  # pragma: no cover - guarded by construction
        raise AssertionError(f"stencil for {alpha} reached order {reached} < {order}")
    return Stencil(alpha, size, reached, weights, error)


def _smallest_size(derivative: int, order: int) -> int:
    half = 1
    while not central_weights_1d(derivative, half, order)[0]:
        half += 1
    return 2 * half + 1


def truncation_error(weights: sp.MatrixBase, alpha: tuple[int, int]) -> tuple[int | None, sp.Expr]:
    """Check the moment conditions of ``weights`` for ``d^alpha`` and return
    ``(order, leading error term)``; ``(None, 0)`` for an exact stencil.

    Raises :class:`~pixelpde.ground.errors.InputError` if the kernel is not a
    consistent approximation of ``d^alpha``.
    """
    size = weights.rows
    c = size // 2
    degree = sum(alpha)

    def moment(a: int, b: int) -> sp.Rational:
        total = sp.Integer(0)
        for r in range(size):
            for s in range(size):
                w = weights[r, s]
                if w != 0:
                    total += w * sp.Integer(r - c) ** a * sp.Integer(s - c) ** b
        return total / (sp.factorial(a) * sp.factorial(b))

    for total in range(degree + 1):
        for a in range(total + 1):
            expected = 1 if (a, total - a) == alpha else 0
            if moment(a, total - a) != expected:
                raise InputError(f"kernel is not consistent with {derivative_name(alpha)}")
    for m in range(1, 2 * size + 3):
        term = sum(
            (
                moment(a, degree + m - a) * sp.Derivative(_U, (_X, a), (_Y, degree + m - a))
                for a in range(degree + m + 1)
            ),
            sp.Integer(0),
        )
        if term != 0:
            return m, DX**m * term
    return None, sp.Integer(0)
