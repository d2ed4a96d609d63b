r"""Exact solutions u(t, x, y) of linear PDEs of class (8), sampled on a grid.

Used as the reference of space studies (section 3.1: the spatial error
:math:`\|U^{j} - u(t_j)\| = O(\delta x^2)`), so nothing here is discretised
in space except the initial condition's expansion, which is exact for
trigonometric polynomials:

* ``translation`` -- periodic :math:`u_t = b_1 u_x + b_2 u_y + c\,u` (linear
  advection, eq. (32), with an optional reaction rate c):
  :math:`u(t, x, y) = e^{ct} u_0(x + b_1 t, y + b_2 t)` (coordinates taken
  modulo 1), exact for every :math:`u_0`;
* ``fourier series`` -- any periodic linear constant-coefficient PDE
  :math:`u_t = \sum_\alpha c_\alpha \partial_\alpha u`: each Fourier mode
  :math:`e^{2\pi \mathrm{i}(ax + by)}` is multiplied by
  :math:`\exp(t \sum_\alpha c_\alpha (2\pi\mathrm{i}a)^{\alpha_1}(2\pi\mathrm{i}b)^{\alpha_2})`;
* ``sine series`` -- Dirichlet PDEs with only even derivatives in each
  variable (the heat equation (35)-(36)): each mode
  :math:`\sin(a\pi x)\sin(b\pi y)` is multiplied by
  :math:`\exp(t \sum_\alpha c_\alpha (-1)^{(\alpha_1+\alpha_2)/2}(a\pi)^{\alpha_1}(b\pi)^{\alpha_2})`,
  e.g. :math:`\beta e^{-\alpha\pi^2(a^2+b^2)t}\sin(a\pi x)\sin(b\pi y)` for
  :math:`u_t = \alpha\Delta u`.

The series coefficients come from the FFT / type-I DST of :math:`u_0` sampled
on ``resolution`` cells or more (a multiple of the target grid's cells), so
they are exact for trigonometric polynomials of lower degree and spectrally
accurate for smooth :math:`u_0` satisfying the boundary condition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.fft as sfft

from pixelpde.convergence.grids import cells_for_nodes, nodes_for_cells, restrict
from pixelpde.convergence.initial import InitialCondition
from pixelpde.stencils.boundary import BoundaryCondition

if TYPE_CHECKING:
    from pixelpde.stencils.pde import PDE

#: Default number of cells per axis on which u0 is expanded (rounded up to a multiple of the target's).
RESOLUTION = 256


@dataclass(frozen=True)
class ExactSolution:
    """:math:`u(t, \\cdot)` on the p-node grid of ``bc``: call ``solution(t, p)``."""

    kind: str
    pde: PDE
    bc: BoundaryCondition
    ic: InitialCondition
    resolution: int = RESOLUTION

    def __call__(self, t: float, p: int) -> np.ndarray:
        if self.kind == "translation":
            return self._translation(t, p)
        m = cells_for_nodes(self.bc, p)
        fine_cells = m * -(-self.resolution // m)
        fine = nodes_for_cells(self.bc, fine_cells)
        U0 = self.ic.on_grid(self.bc, fine)
        if self.kind == "fourier series":
            k = 2j * np.pi * np.fft.fftfreq(fine, 1.0 / fine)
            U = np.fft.ifft2(np.exp(t * self._symbol(k, k)) * np.fft.fft2(U0)).real
        else:
            q = np.pi * np.arange(1, fine + 1)
            U = sfft.idstn(np.exp(t * self._symbol(q, q, sine=True)) * sfft.dstn(U0, type=1), type=1)
        return restrict(U, self.bc, p)

    def _symbol(self, kx: np.ndarray, ky: np.ndarray, sine: bool = False) -> np.ndarray:
        total = np.zeros((kx.size, ky.size), dtype=np.complex128 if not sine else np.float64)
        for (a, b), coeff in self.pde.linear:
            sign = (-1) ** ((a + b) // 2) if sine else 1
            total = total + float(coeff) * sign * np.outer(kx**a, ky**b)
        return total

    def _translation(self, t: float, p: int) -> np.ndarray:
        coeff = {alpha: float(c) for alpha, c in self.pde.linear}
        b1, b2, c = coeff.get((1, 0), 0.0), coeff.get((0, 1), 0.0), coeff.get((0, 0), 0.0)
        X, Y = self.bc.mesh(p)
        return np.exp(c * t) * self.ic(np.mod(X + b1 * t, 1.0), np.mod(Y + b2 * t, 1.0))

    def describe(self) -> dict:
        out: dict[str, str | int] = {"kind": f"exact PDE solution ({self.kind})"}
        if self.kind != "translation":
            out["resolution"] = self.resolution
        return out


def exact_solution(
    pde, bc: BoundaryCondition, ic: InitialCondition, resolution: int = RESOLUTION
) -> ExactSolution | None:
    """The exact solution of ``pde`` with ``bc`` from ``ic``, or ``None`` when none of the
    cases in the module docstring applies (nonlinear PDEs, odd derivatives with Dirichlet)."""
    if not pde.is_linear:
        return None
    alphas = {alpha for alpha, _ in pde.linear}
    if bc is BoundaryCondition.PERIODIC:
        kind = "translation" if alphas <= {(0, 0), (1, 0), (0, 1)} else "fourier series"
    elif all(a % 2 == 0 and b % 2 == 0 for a, b in alphas):
        kind = "sine series"
    else:
        return None
    return ExactSolution(kind, pde, bc, ic, resolution)
