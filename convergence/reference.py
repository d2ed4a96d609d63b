r"""Reference solutions that are not closed formulas.

* :func:`semidiscrete_solution` -- the solution of the semi-discrete system
  (11) at time T: the exact flow :math:`\Phi^T_X` for linear systems
  (:mod:`pixelpde.convergence.flow`), otherwise classical RK4 with the given number
  of steps.  A time study's reference for a nonlinear PDE (Fisher, any user
  PDE) is this RK4 solution at a step ``factor`` times smaller than the
  study's smallest.
* :func:`fine_grid_solution` -- a space study's reference when no exact PDE
  solution is known: the same PDE on a grid ``factor`` times finer,
  integrated as above (exact flow, or RK4 with at least as many steps as the
  study's finest grid and enough for stability).

Both evaluate X with :meth:`SemiDiscretePDE.rhs` (SciPy), independently of
the network being studied.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import torch

from pixelpde.convergence.flow import flow_method, linear_flow
from pixelpde.convergence.grids import nodes_for_cells
from pixelpde.convergence.steps import spectrum_rectangle, stable_steps
from pixelpde.ground.errors import InputError
from pixelpde.integrators import advance, get_integrator


def numpy_field(sd):
    """X(U) of ``sd`` (eq. (11), SciPy reference) as a vector field on torch tensors."""

    def field(U: torch.Tensor) -> torch.Tensor:
        V = U.detach().cpu().numpy()
        if not np.all(np.isfinite(V)):
            raise InputError(
                "the reference solution became infinite before the final time "
                "(the PDE's solution from this initial condition blows up, or T is too large)"
            )
        with np.errstate(over="ignore", invalid="ignore"):  # blow-up is reported at the next call
            return torch.from_numpy(sd.rhs(V))

    return field


def semidiscrete_solution(sd, U0: np.ndarray, T: float, steps: int) -> tuple[np.ndarray, dict]:
    """:math:`\\Phi^T_X(U_0)`: exact for linear ``sd``, else RK4 with ``steps`` steps of T/steps."""
    if sd.is_linear:
        how = flow_method(sd, *np.shape(U0)[-2:])
        return linear_flow(sd, U0, T), {"kind": f"exact semi-discrete flow ({how})"}
    U = advance(
        numpy_field(sd), torch.from_numpy(np.asarray(U0, dtype=np.float64)), T / steps, steps, get_integrator("rk4")
    )
    return U.numpy(), {"kind": "RK4 reference", "steps": int(steps), "dt": T / steps}


def fine_grid_solution(pde, bc, ic, T: float, cells: int, steps: int, factor: int) -> tuple[np.ndarray, dict]:
    """The PDE on ``factor * cells`` cells per axis at time T, as the reference of a space study.

    ``steps`` is the number of steps of the study's finest grid.  The fine
    solve is exact in time for linear PDEs; otherwise it takes RK4 steps,
    as many as the study's finest grid or the fewest that keep RK4 stable
    on the fine grid (:func:`pixelpde.convergence.steps.stable_steps`), whichever is
    more, so its time error is below the study's.
    """
    fine_cells = cells * factor
    sd = pde.discretise(Fraction(1, fine_cells), bc)
    U0 = ic.on_grid(bc, nodes_for_cells(bc, fine_cells))
    rk4 = get_integrator("rk4")
    fine_steps = max(int(steps), stable_steps(rk4, spectrum_rectangle(sd, U0), T))
    U, info = semidiscrete_solution(sd, U0, T, fine_steps)
    info = {"kind": f"fine grid, {info.pop('kind')}", "factor": int(factor), "cells": int(fine_cells), **info}
    return U, info
