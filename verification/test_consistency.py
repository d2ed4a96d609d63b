"""Consistency: on smooth periodic fields the constructed network converges to the
PDE's exact right-hand side at order 2 in dx (3 x 3 stencils), 4 with 5 x 5 ones."""

import numpy as np
import pytest
import sympy as sp
import torch

from pixelpde.constructive import Theorem32Network
from pixelpde.stencils import BoundaryCondition, parse_pde
from pixelpde.stencils.finite_difference import derivative_name
from verification.smooth import U_EXACT, derivative, fitted_order, on_grid

PDES = [
    "u_t = 0.01*(u_xx + u_yy) + u*(1 - u)",
    "u_t = u_x + u_y",
    "u_t = u_x*u_y - 0.1*u*u_xy + 0.05*u_xx - u**2",
]

#: (stencil size, requested order) -> (expected order, tolerance)
SPATIAL_ORDERS = {(3, 2): (2.0, 0.1), (5, 4): (4.0, 0.2)}


def exact_rhs(pde) -> sp.Expr:
    sym = {sp.Symbol(derivative_name(a)): derivative(a) for a in [(i, j) for i in range(3) for j in range(3)]}
    return pde.rhs_expression().xreplace(sym)


@pytest.mark.parametrize("text", PDES)
@pytest.mark.parametrize("scheme", sorted(SPATIAL_ORDERS))
def test_network_is_consistent(text, scheme):
    size, order = scheme
    expected, tol = SPATIAL_ORDERS[scheme]
    bc = BoundaryCondition.PERIODIC
    pde = parse_pde(text, size=size, order=order)
    truth = exact_rhs(pde)
    deltas, errors = [], []
    for p in (32, 64, 128):
        net = Theorem32Network.from_system(pde.discretise(bc.spacing(p), bc), compact=True)
        with torch.no_grad():
            F = net(torch.from_numpy(on_grid(U_EXACT, p, bc))).numpy()
        deltas.append(1 / p)
        errors.append(np.max(np.abs(F - on_grid(truth, p, bc))))
    observed = fitted_order(deltas, errors)
    assert abs(observed - expected) <= tol, f"observed order {observed:.3f}, errors {errors}"
