"""stencils: PDE text -> exact finite-difference stencils -> the semi-discrete X(U).

* :func:`derive_stencil` -- exact k x k stencils for any derivative (SymPy).
* :func:`parse_pde` -- a PDE string into the class (8), safely parsed (polynomial terms up to
  ``max_degree``); ``parse_pde(text).discretise(dx, bc)`` is the system with the minimal
  number of quadratic products (:mod:`pixelpde.stencils.quadratic_form`).
* :class:`SemiDiscretePDE` -- X(U) of eq. (11) with its reference evaluation.
* :func:`parse_system` -- several fields, ``u_t = ...; v_t = ...``, into a :class:`PDESystem`;
  ``.discretise(dx, bc)`` is the :class:`SemiDiscreteSystem` (C channels in and out, shared products).
* :class:`BoundaryCondition` -- periodic / Dirichlet grids and the one padding rule.
"""

from pixelpde.stencils.boundary import BoundaryCondition, as_batch, convolve
from pixelpde.stencils.finite_difference import Stencil, derivative_name, derive_stencil, parse_derivative
from pixelpde.stencils.pde import PDE, PolynomialTerm, QuadraticTerm, parse_pde
from pixelpde.stencils.semidiscrete import SemiDiscretePDE, SemiDiscreteSystem
from pixelpde.stencils.system import MAX_FIELDS, PDESystem, is_system, parse_system

__all__ = [
    "MAX_FIELDS",
    "PDE",
    "BoundaryCondition",
    "PDESystem",
    "PolynomialTerm",
    "QuadraticTerm",
    "SemiDiscretePDE",
    "SemiDiscreteSystem",
    "Stencil",
    "as_batch",
    "convolve",
    "derivative_name",
    "derive_stencil",
    "is_system",
    "parse_derivative",
    "parse_pde",
    "parse_system",
]
