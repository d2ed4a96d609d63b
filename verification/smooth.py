"""Smooth periodic test functions with exact derivatives (SymPy, lambdified to NumPy)."""

from __future__ import annotations

import numpy as np
import sympy as sp

x, y = sp.symbols("x y")

#: A smooth, doubly periodic field with no symmetry that would hide a
#: transposed or mirrored kernel (u_x != u_y, u_xy != 0).
U_EXACT = sp.sin(2 * sp.pi * x + 1) * sp.cos(2 * sp.pi * y) + sp.Rational(1, 2) * sp.sin(2 * sp.pi * (x + 2 * y) + 2)


def on_grid(expr: sp.Expr, p: int, bc) -> np.ndarray:
    """``expr`` sampled at the nodes of a p-grid, ``A[h, k] = expr(x_h, y_k)``."""
    X, Y = bc.mesh(p)
    return np.broadcast_to(sp.lambdify((x, y), expr, "numpy")(X, Y), X.shape).astype(np.float64)


def derivative(alpha: tuple[int, int], expr: sp.Expr = U_EXACT) -> sp.Expr:
    out = expr
    if alpha[0]:
        out = sp.diff(out, x, alpha[0])
    if alpha[1]:
        out = sp.diff(out, y, alpha[1])
    return out


def fitted_order(deltas, errors) -> float:
    """Least-squares slope of log(error) against log(delta)."""
    return float(np.polyfit(np.log(deltas), np.log(errors), 1)[0])
