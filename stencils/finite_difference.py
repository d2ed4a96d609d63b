r"""Exact finite-difference stencils on k x k kernels (section 3.2.1), and on k and k x k x k
kernels for grids of one and three dimensions.

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

**d dimensions** (d = 1, 2, 3; axes x, y, z; the same spacing on every axis).  A multi-index
has d entries, ``alpha = (a_1, .., a_d)``, the kernel has d axes of k entries, the moments are
:math:`M_\beta(K) = \sum_o K[c + o] \prod_j o_j^{\beta_j} / \beta_j!` over all offsets o, the
conditions those above with :math:`|\beta|` in place of a + b, and the error term a sum of
:math:`\partial^\beta u(x_1, .., x_d)`; the stencil is the tensor product of the d 1-D central
stencils.  The dimension is the length of the multi-index: ``derive_stencil((2,))`` is the
three-point u_xx of a line, ``derive_stencil((0, 0, 2))`` the u_zz of a voxel grid.  2-D kernels
are :class:`sympy.ImmutableMatrix`, 1-D and 3-D ones :class:`sympy.ImmutableDenseNDimArray`
(both indexed ``K[i, j, ...]``); :func:`kernel_to_array`, :func:`kernel_strings` and
:func:`zero_kernel` treat them alike.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.calculus.finite_diff import finite_diff_weights

from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import MAX_DERIVATIVE_ORDER, MAX_KERNEL_SIZE, check_stencil
from pixelpde.stencils.boundary import check_dim
from pixelpde.stencils.expr import positive_fraction

#: The grid spacing symbol used in truncation-error terms.
DX = sp.Symbol("dx", positive=True)
#: The axes of a grid, in order (axis 0 is x).
AXES = "xyz"
_X, _Y, _Z = _AXIS_SYMBOLS = sp.symbols("x y z")
_U = sp.Function("u")(_X, _Y)

_NAME = re.compile(r"^u(?:_([xyz]+))?$")


def axis_letters(letters: str, dim: int, term: str) -> tuple[int, ...]:
    """Derivative letters (``'xz'``) -> the multi-index of length ``dim``; a letter for an axis
    the ``dim``-D grid lacks is refused in one line naming ``term``."""
    dim = check_dim(dim)
    for letter in letters:
        if AXES.index(letter) >= dim:
            raise InputError(
                f"{term!r} differentiates along {letter}, but the grid is {dim}-D "
                f"(axes {', '.join(AXES[:dim])}; {letter} needs --dim {AXES.index(letter) + 1} or more)"
            )
    return tuple(letters.count(a) for a in AXES[:dim])


def parse_derivative(name: str, dim: int = 2) -> tuple[int, ...]:
    """``'u'`` -> (0, 0), ``'u_x'`` -> (1, 0), ``'u_yx'`` -> (1, 1), ...: a multi-index of length
    ``dim`` (``parse_derivative('u_xz', 3)`` -> (1, 0, 1)).  The order is read from the text and
    bounded (:data:`~pixelpde.ground.validate.MAX_DERIVATIVE_ORDER` per axis) before any kernel size
    is derived from it."""
    text = name.strip() if isinstance(name, str) else ""
    match = _NAME.match(text) if len(text) <= 2 + 3 * MAX_DERIVATIVE_ORDER else None
    if not match:
        if _NAME.match(text):
            raise InputError(
                f"{_clip(text)!r} is a derivative of order {len(text) - 2}; at most {MAX_DERIVATIVE_ORDER} per axis "
                f"(a {MAX_KERNEL_SIZE}x{MAX_KERNEL_SIZE} kernel) is supported"
            )
        examples = {1: "u, u_x, u_xx, u_xxx", 2: "u, u_x, u_y, u_xx, u_xy, u_yy", 3: "u, u_x, u_z, u_xx, u_xz, u_zz"}
        raise InputError(f"{_clip(str(name))!r} is not a derivative of u (write {examples.get(dim, examples[2])}, ...)")
    alpha = axis_letters(match.group(1) or "", dim, text)
    if max(alpha) > MAX_DERIVATIVE_ORDER:
        raise InputError(
            f"{text!r} has order {max(alpha)} in one axis; at most {MAX_DERIVATIVE_ORDER} "
            f"(a {MAX_KERNEL_SIZE}x{MAX_KERNEL_SIZE} kernel) is supported"
        )
    return alpha


def _clip(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:30]}...({len(text)} characters)"


def derivative_name(alpha: tuple[int, ...]) -> str:
    """Canonical name: (0, 0) -> 'u', (1, 1) -> 'u_xy', (0, 2) -> 'u_yy', (1, 0, 1) -> 'u_xz'."""
    return "u" if sum(alpha) == 0 else "u_" + "".join(a * n for a, n in zip(AXES, alpha, strict=False))


def _function(dim: int):
    """u(x), u(x, y) or u(x, y, z)."""
    return _U if dim == 2 else sp.Function("u")(*_AXIS_SYMBOLS[:dim])


def zero_kernel(size: int, dim: int = 2):
    """A mutable exact kernel of zeros with ``dim`` axes of ``size`` (a matrix for d = 2)."""
    return sp.zeros(size, size) if dim == 2 else sp.MutableDenseNDimArray.zeros(*[size] * dim)


def freeze(K):
    """An immutable copy of an exact kernel (matrix for d = 2, N-dim array otherwise)."""
    if isinstance(K, sp.MatrixBase):
        return sp.ImmutableMatrix(K)
    return sp.ImmutableDenseNDimArray(K)


def kernel_dim(K) -> int:
    """The number of axes of an exact kernel."""
    return 2 if isinstance(K, sp.MatrixBase) else K.rank()


def kernel_strings(K):
    """An exact kernel as nested lists of rational strings (rows of a matrix for d = 2)."""
    return _nested(K.tolist(), str)


def _nested(items, f):
    return [_nested(v, f) for v in items] if isinstance(items, list) else f(items)


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

    alpha: tuple[int, ...]
    size: int
    order: int | None
    weights: sp.ImmutableMatrix
    error: sp.Expr

    @property
    def name(self) -> str:
        return derivative_name(self.alpha)

    @property
    def dim(self) -> int:
        return len(self.alpha)

    @property
    def degree(self) -> int:
        return sum(self.alpha)

    def kernel(self, dx):
        """The exact kernel on a grid of spacing ``dx`` (a rational)."""
        return self.weights / _rational(dx) ** self.degree

    def array(self, dx) -> np.ndarray:
        """The kernel on a grid of spacing ``dx`` as a float64 array."""
        return kernel_to_array(self.kernel(dx))

    def __str__(self) -> str:
        """The kernel with its scale, order and error; a 1-D kernel as one row, a 3-D kernel
        slice by slice along x (``K[c+i, :, :]``, each slice's rows along y)."""
        values = kernel_strings(self.weights)
        flat = values if self.dim == 1 else [v for row in values for v in row] if self.dim == 2 else None
        if flat is None:
            flat = [v for plane in values for row in plane for v in row]
        width = max(len(v) for v in flat)
        line = lambda row: "  [" + "  ".join(v.rjust(width) for v in row) + "]"
        scale = "" if self.degree == 0 else f" / dx^{self.degree}" if self.degree > 1 else " / dx"
        order = "exact" if self.order is None else f"order {self.order}"
        shape = f"{self.size}-point" if self.dim == 1 else "x".join([str(self.size)] * self.dim)
        if self.dim == 1:
            body = line(values)
            convention = "K[c+i] weighs U[h+i], axis 0 is x"
        elif self.dim == 2:
            body = "\n".join(line(row) for row in values)
            convention = "K[c+i, c+j] weighs U[h+i, k+j], axis 0 is x"
        else:
            c = self.size // 2
            body = (
                "\n".join(
                    f"  slice i = {r - c:+d} (K[c{r - c:+d}, :, :], rows along y, columns along z):\n"
                    + "\n".join("  " + line(row) for row in plane)
                    for r, plane in enumerate(values)
                )
                .replace("c+0", "c")
                .replace("i = +0", "i = 0")
            )
            convention = "K[c+i, c+j, c+l] weighs U[h+i, k+j, m+l], axes x, y, z"
        return (
            f"{self.name} ~ K * U{scale}   ({shape}, {order}; {convention})\n{body}\n"
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


def kernel_to_array(K) -> np.ndarray:
    """Exact kernel of any dimension (matrix or N-dim array) -> float64 array, each entry
    correctly rounded."""
    if isinstance(K, sp.MatrixBase):
        return matrix_to_array(K)
    return np.array(_nested(K.tolist(), float), dtype=np.float64).reshape(K.shape)


def error_string(expr: sp.Expr) -> str:
    """Human-readable truncation error, e.g. ``dx**2*(1/6*u_xxx)``."""
    if expr == 0:
        return "0 (exact)"
    dim = max(len(d.expr.args) for d in expr.atoms(sp.Derivative))
    names = {
        d: sp.Symbol(derivative_name(tuple(d.variables.count(a) for a in _AXIS_SYMBOLS[:dim])))
        for d in expr.atoms(sp.Derivative)
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
    """The standard stencil for ``d^alpha u`` (k = ``size``, odd; order of accuracy at least ``order``):
    a tensor product of 1-D central stencils; the grid's dimension is ``len(alpha)`` (1, 2 or 3: a k,
    k x k or k x k x k kernel).  Returns a :class:`Stencil` (exact rational ``weights`` for dx = 1, the
    order reached, the leading truncation error).  Raises :class:`~pixelpde.ground.errors.InputError`
    when the kernel cannot reach it."""
    alpha = tuple(int(a) for a in alpha)
    if not 1 <= len(alpha) <= 3 or min(alpha) < 0 or max(alpha) > MAX_DERIVATIVE_ORDER:
        raise InputError(f"multi-index {alpha} must be one to three integers in 0..{MAX_DERIVATIVE_ORDER}")
    size, order = check_stencil(size, order)
    c = size // 2
    per_axis = []
    for d in alpha:
        weights, reached = central_weights_1d(d, c, order)
        if not weights:
            smallest = _smallest_size(d, order)
            square = lambda k: "x".join([str(k)] * len(alpha)) if len(alpha) > 1 else f"{k}-point"
            need = (
                f"of at least {square(smallest)}"
                if isinstance(smallest, int)
                else f"larger than {square(MAX_KERNEL_SIZE)}"
            )
            raise InputError(
                f"{derivative_name(alpha)} to order {order} needs a kernel {need}; "
                f"the {square(size)} kernel cannot reach it"
            )
        per_axis.append(weights)
    if len(alpha) == 2:
        weights = sp.ImmutableMatrix(size, size, lambda r, s: per_axis[0][r] * per_axis[1][s])
    else:
        entries = [
            sp.Mul(*[w[i] for w, i in zip(per_axis, index, strict=True)]) for index in np.ndindex(*[size] * len(alpha))
        ]
        weights = sp.ImmutableDenseNDimArray(entries, (size,) * len(alpha))
    reached, error = truncation_error(weights, alpha)
    if reached is not None and reached < order:  # pragma: no cover - guarded by construction
        raise AssertionError(f"stencil for {alpha} reached order {reached} < {order}")
    return Stencil(alpha, size, reached, weights, error)


def _smallest_size(derivative: int, order: int) -> int | None:
    """The smallest odd size that reaches ``order`` (searched up to :data:`MAX_KERNEL_SIZE` only)."""
    for half in range(1, MAX_KERNEL_SIZE // 2 + 1):
        if central_weights_1d(derivative, half, order)[0]:
            return 2 * half + 1
    return None


def multi_indices(total: int, dim: int):
    """All multi-indices of length ``dim`` whose entries sum to ``total`` (lexicographic)."""
    if dim == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in multi_indices(total - first, dim - 1):
            yield (first, *rest)


def truncation_error(weights, alpha: tuple[int, ...]) -> tuple[int | None, sp.Expr]:
    """Check the moment conditions of ``weights`` for ``d^alpha`` and return
    ``(order, leading error term)``; ``(None, 0)`` for an exact stencil.  ``weights`` has
    ``len(alpha)`` axes (module docstring).

    Raises :class:`~pixelpde.ground.errors.InputError` if the kernel is not a
    consistent approximation of ``d^alpha``.
    """
    alpha = tuple(alpha)
    dim = len(alpha)
    if kernel_dim(weights) != dim:
        raise InputError(f"a {kernel_dim(weights)}-D kernel cannot approximate {derivative_name(alpha)} ({dim}-D)")
    size = weights.shape[0]
    c = size // 2
    degree = sum(alpha)
    taps = [(tuple(i - c for i in index), weights[index]) for index in np.ndindex(*[size] * dim) if weights[index] != 0]
    u = _function(dim)

    def moment(beta) -> sp.Rational:
        total = sp.Integer(0)
        for offset, w in taps:
            total += w * sp.Mul(*[sp.Integer(o) ** b for o, b in zip(offset, beta, strict=True)])
        return total / sp.Mul(*[sp.factorial(b) for b in beta])

    for total in range(degree + 1):
        for beta in multi_indices(total, dim):
            expected = 1 if beta == alpha else 0
            if moment(beta) != expected:
                raise InputError(f"kernel is not consistent with {derivative_name(alpha)}")
    for m in range(1, 2 * size + 3):
        term = sum(
            (
                moment(beta) * sp.Derivative(u, *[(a, b) for a, b in zip(_AXIS_SYMBOLS, beta, strict=False)])
                for beta in multi_indices(degree + m, dim)
            ),
            sp.Integer(0),
        )
        if term != 0:
            return m, DX**m * term
    return None, sp.Integer(0)
