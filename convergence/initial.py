r"""Initial conditions :math:`u_0(x, y)` from user text, parsed safely.

The text (e.g. ``"sin(2*pi*x)*sin(2*pi*y)"``) goes through the project's one
parser, :func:`pixelpde.stencils.expr.parse_expression`, with the names ``x, y, pi``
and a whitelist of functions; nothing is evaluated as Python.  The SymPy
expression it returns is turned into a vectorised numpy function by
:func:`sympy.lambdify`.  ``(U^0)_{hk} = u_0(x_h, y_k)`` (eq. (9)) on the grids
of :class:`pixelpde.stencils.boundary.BoundaryCondition`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from pixelpde.ground.errors import InputError
from pixelpde.stencils.boundary import BoundaryCondition
from pixelpde.stencils.expr import parse_expression

_X, _Y = sp.symbols("x y", real=True)
NAMES = {"x": _X, "y": _Y, "pi": sp.pi}
FUNCTIONS = {
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "abs": sp.Abs,
}

#: Default initial conditions, by study and boundary condition: a smooth periodic field, and
#: one vanishing on the boundary.  A Dirichlet *time* study adds a faster sine mode: the single
#: mode sin(pi x) sin(pi y) is an eigenvector of the diffusion stencil, so the time error is that
#: of one slowly decaying mode, and at the steps explicit stability imposes (alpha = 0.01, RK4)
#: it sat at round-off (1.2e-12 .. 1.8e-15, no order); with the 3 x 5 mode it is 1.8e-7 ..
#: 4e-11 (order 4.03).  Space studies keep the single mode (resolved on 16 cells: a 3 x 5 mode
#: is not yet asymptotic there, measured order 2.14).
DEFAULT_IC = {
    ("dt", BoundaryCondition.PERIODIC): "sin(2*pi*x)*sin(2*pi*y)",
    ("dt", BoundaryCondition.DIRICHLET): "sin(pi*x)*sin(pi*y) + 0.5*sin(3*pi*x)*sin(5*pi*y)",
    ("dx", BoundaryCondition.PERIODIC): "sin(2*pi*x)*sin(2*pi*y)",
    ("dx", BoundaryCondition.DIRICHLET): "sin(pi*x)*sin(pi*y)",
}


@dataclass(frozen=True)
class InitialCondition:
    """A parsed :math:`u_0(x, y)`; call it on coordinate arrays."""

    text: str
    expr: sp.Expr
    _func: Callable[..., Any] = field(repr=False, compare=False)

    def __call__(self, X, Y) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        Y = np.asarray(Y, dtype=np.float64)
        with np.errstate(all="ignore"):
            values = np.asarray(self._func(X, Y))
        if np.iscomplexobj(values):
            raise InputError(f"initial condition {self.text!r} is not real on the grid")
        values = np.broadcast_to(values.astype(np.float64), np.broadcast_shapes(X.shape, Y.shape)).copy()
        if not np.all(np.isfinite(values)):
            bad = np.argwhere(~np.isfinite(values))[0]
            raise InputError(
                f"initial condition {self.text!r} is not finite at x={float(np.broadcast_to(X, values.shape)[tuple(bad)]):.4g}, "
                f"y={float(np.broadcast_to(Y, values.shape)[tuple(bad)]):.4g}"
            )
        return values

    def on_grid(self, bc: BoundaryCondition, p: int) -> np.ndarray:
        """:math:`U^0` on the p-node grid of ``bc`` (eq. (9))."""
        X, Y = bc.mesh(p)
        return self(X, Y)

    def boundary_defect(self, bc: BoundaryCondition, samples: int = 257) -> float:
        """How far u0 is from satisfying ``bc`` on the boundary of [0, 1]^2.

        Dirichlet: :math:`\\max |u_0|` on the boundary; periodic:
        :math:`\\max |u_0(0, s) - u_0(1, s)|, |u_0(s, 0) - u_0(s, 1)|`.
        """
        s = np.linspace(0.0, 1.0, samples)
        zero, one = np.zeros_like(s), np.ones_like(s)
        if bc is BoundaryCondition.DIRICHLET:
            sides = [self(zero, s), self(one, s), self(s, zero), self(s, one)]
            return float(max(np.max(np.abs(v)) for v in sides))
        return float(max(np.max(np.abs(self(zero, s) - self(one, s))), np.max(np.abs(self(s, zero) - self(s, one)))))


def parse_initial_condition(text: str) -> InitialCondition:
    """Parse ``text`` into an :class:`InitialCondition` (one-line :class:`InputError` if bad)."""
    expr = parse_expression(text, NAMES, FUNCTIONS, what="initial condition", integer_powers=False)
    if expr.has(sp.zoo, sp.oo, -sp.oo, sp.nan):
        raise InputError(f"initial condition {text.strip()!r} is not finite")
    func = sp.lambdify((_X, _Y), expr, modules="numpy")
    return InitialCondition(text.strip(), expr, func)
