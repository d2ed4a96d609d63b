r"""ETDRK4: exponential time differencing, fourth order (Cox & Matthews 2002), for diagonal ``L``.

For :math:`\hat u_t = L \hat u + N(\hat u)` with ``L`` diagonal and step ``h`` (Cox & Matthews,
J. Comput. Phys. 176 (2002) 430-455, eqs. (26)-(29)):

.. math::
    a &= E_2 \hat u + Q N(\hat u), \qquad b = E_2 \hat u + Q N(a), \qquad c = E_2 a + Q (2N(b) - N(\hat u)), \\
    \hat u^{+} &= E \hat u + f_1 N(\hat u) + 2 f_2 (N(a) + N(b)) + f_3 N(c),

with :math:`z = hL`, :math:`E = e^{z}`, :math:`E_2 = e^{z/2}`, :math:`Q = h\,(e^{z/2} - 1)/z` and

.. math::
    f_1 = h\,\frac{-4 - z + e^z(4 - 3z + z^2)}{z^3}, \quad
    f_2 = h\,\frac{2 + z + e^z(z - 2)}{z^3}, \quad
    f_3 = h\,\frac{-4 - 3z - z^2 + e^z(4 - z)}{z^3}.

These closed forms cancel catastrophically as :math:`z \to 0`.  Following Kassam & Trefethen
(SIAM J. Sci. Comput. 26 (2005) 1214-1233, section 2) they are evaluated there as the mean of the
same expressions over :data:`CONTOUR_POINTS` points on a circle of radius 1 about ``z`` (Cauchy's
formula by the trapezoidal rule; geometric convergence, all in complex128).  Where
:math:`|z| \ge` :data:`CONTOUR_BELOW` the closed forms are used directly: there the cancellation
costs at most a factor :math:`\sim 4/|z|^3 \le 32` of the rounding unit, while a circle of radius 1
about such a ``z`` could pass arbitrarily close to 0 (complex ``z`` from odd derivatives) -- the
one place the contour itself loses accuracy.  Below the threshold the circle keeps every node at
least 1/2 away from 0.
"""

from __future__ import annotations

import numpy as np

from pixelpde.ground.errors import InputError

#: Points of the contour (trapezoidal rule on the circle |w - z| = 1).
CONTOUR_POINTS = 64
#: |z| below which the contour integral replaces the closed forms.
CONTOUR_BELOW = 0.5
#: Largest Re(hL) accepted: e^{hL} must stay finite in float64 (exp(700) ~ 1e304).
MAX_GROWTH = 700.0


def _closed_forms(z: np.ndarray):
    ez = np.exp(z)
    ez2 = np.exp(z / 2)
    z3 = z**3
    q = (ez2 - 1) / z
    f1 = (-4 - z + ez * (4 - 3 * z + z**2)) / z3
    f2 = (2 + z + ez * (z - 2)) / z3
    f3 = (-4 - 3 * z - z**2 + ez * (4 - z)) / z3
    return q, f1, f2, f3


def etdrk4_coefficients(hL) -> dict[str, np.ndarray]:
    """``E, E2, Q, f1, f2, f3`` (complex128, the shape of ``hL``) for the step of this module.

    ``hL`` is the step times the diagonal of ``L``; ``Q, f1, f2, f3`` are returned *divided by h*
    (multiply by ``h`` to use them), so the table depends on ``hL`` alone."""
    z = np.asarray(hL, dtype=np.complex128)
    if not np.all(np.isfinite(z)):
        raise InputError("the linear part's symbol is not finite at this resolution and step")
    if np.any(z.real > MAX_GROWTH):
        raise InputError(
            f"the linear part grows like exp({float(z.real.max()):.3g}) over one step: the problem is "
            "ill-posed at this resolution (e.g. anti-diffusion); use a smaller dt or another system"
        )
    out = {"E": np.exp(z), "E2": np.exp(z / 2)}
    q = np.empty_like(z)
    f1 = np.empty_like(z)
    f2 = np.empty_like(z)
    f3 = np.empty_like(z)
    small = np.abs(z) < CONTOUR_BELOW
    large = ~small
    with np.errstate(over="ignore", invalid="ignore"):
        q[large], f1[large], f2[large], f3[large] = _closed_forms(z[large])
    if np.any(small):
        theta = 2 * np.pi * (np.arange(CONTOUR_POINTS) + 0.5) / CONTOUR_POINTS
        w = z[small][:, None] + np.exp(1j * theta)[None, :]
        parts = _closed_forms(w)
        q[small], f1[small], f2[small], f3[small] = (part.mean(axis=1) for part in parts)
    # Re(z) -> -inf: e^z underflows to 0 and the closed forms stay finite (no inf * 0).
    out.update(Q=q, f1=f1, f2=f2, f3=f3)
    for key, value in out.items():
        if not np.all(np.isfinite(value)):
            raise InputError(f"ETDRK4 coefficient {key} overflows at this step; use a smaller dt")
    return out


class ETDRK4:
    """One ETDRK4 step of size ``h`` for the diagonal symbol ``L`` (any shape broadcasting with the state)."""

    def __init__(self, L: np.ndarray, h: float):
        self.h = float(h)
        c = etdrk4_coefficients(self.h * np.asarray(L))
        self.E, self.E2 = c["E"], c["E2"]
        self.Q = self.h * c["Q"]
        self.f1, self.f2, self.f3 = self.h * c["f1"], self.h * c["f2"], self.h * c["f3"]

    def step(self, N, v: np.ndarray) -> np.ndarray:
        """``v`` (Fourier coefficients) one step on; ``N(v)`` the nonlinear part in Fourier space."""
        Nv = N(v)
        a = self.E2 * v + self.Q * Nv
        Na = N(a)
        b = self.E2 * v + self.Q * Na
        Nb = N(b)
        c = self.E2 * a + self.Q * (2 * Nb - Nv)
        Nc = N(c)
        return self.E * v + self.f1 * Nv + 2 * self.f2 * (Na + Nb) + self.f3 * Nc
