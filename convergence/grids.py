"""Grid ladders for refinement studies, on the grids of :mod:`pixelpde.stencils.boundary`.

A study refines by halving :math:`\\delta x = 1/m`, m the number of cells per
axis.  The node count p follows the project's one grid rule
(:meth:`BoundaryCondition.spacing`): periodic ``p = m``, Dirichlet ``p = m - 1``
interior nodes.  Halving keeps every coarse node on the fine grid, so a fine
reference is compared with a coarse field by picking nodes (:func:`restrict`).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from pixelpde.ground.errors import InputError
from pixelpde.stencils.boundary import BoundaryCondition


def nodes_for_cells(bc: BoundaryCondition, m: int) -> int:
    """The node count p whose grid spacing is 1/m for ``bc`` (InputError if p < 3)."""
    p = m if bc is BoundaryCondition.PERIODIC else m - 1
    if bc.spacing(p) != Fraction(1, m):  # pragma: no cover - the grid rule of stencils.boundary changed
        raise AssertionError(f"{bc} grid with {p} nodes does not have spacing 1/{m}")
    return p


def cells_for_nodes(bc: BoundaryCondition, p: int) -> int:
    """The number of cells m = 1/dx of the p-node grid of ``bc``."""
    dx = bc.spacing(p)
    return dx.denominator


def restrict(U_fine: np.ndarray, bc: BoundaryCondition, p_coarse: int) -> np.ndarray:
    """The values of a fine-grid field at the nodes of the p_coarse grid.

    Raises :class:`InputError` if some coarse node is not a fine node.
    """
    p_fine = U_fine.shape[-1]
    fine, coarse = bc.nodes(p_fine), bc.nodes(p_coarse)
    index = np.searchsorted(fine, coarse - 1e-12)
    if np.any(index >= p_fine) or not np.allclose(fine[np.minimum(index, p_fine - 1)], coarse, rtol=0, atol=1e-12):
        raise InputError(f"the {p_coarse}-node {bc} grid is not a subgrid of the {p_fine}-node grid")
    return U_fine[..., index[:, None], index[None, :]]
