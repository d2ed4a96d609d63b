"""convergence: exact and reference solutions, and order studies in dt and dx (Corollary 3.3).

* :func:`run_study` / :class:`StudySpec` -- a time or space refinement study
  of a network F (default: the exact Theorem 3.2 network) integrated by any
  method of :mod:`pixelpde.integrators`, as a JSON-ready record (:mod:`pixelpde.convergence.study`).
* :func:`exact_solution` -- exact solutions of linear PDEs (advection by
  translation, Fourier / sine series) (:mod:`pixelpde.convergence.exact`).
* :func:`linear_flow` -- the exact flow of the linear semi-discrete ODE (11)
  (FFT, DST-I or ``expm_multiply``) (:mod:`pixelpde.convergence.flow`).
* :func:`semidiscrete_solution`, :func:`fine_grid_solution` -- RK4 and
  fine-grid references for nonlinear PDEs (:mod:`pixelpde.convergence.reference`).
* :func:`error_norms`, :func:`observed_orders`, :func:`fitted_order`,
  :func:`fit_error_model` -- norms, orders and the error model of
  Corollary 3.3 (:mod:`pixelpde.convergence.norms`).
* :func:`parse_initial_condition` -- u0(x, y) from text, safely (:mod:`pixelpde.convergence.initial`).
* :func:`plot_study` -- the log-log plot of a study record (:mod:`pixelpde.convergence.plot`).
"""

from pixelpde.convergence.exact import ExactSolution, exact_solution
from pixelpde.convergence.flow import linear_flow, periodic_symbol
from pixelpde.convergence.initial import InitialCondition, parse_initial_condition
from pixelpde.convergence.norms import ErrorNorms, error_norms, fit_error_model, fitted_order, observed_orders
from pixelpde.convergence.plan import StudySpec, make_plan
from pixelpde.convergence.reference import fine_grid_solution, numpy_field, semidiscrete_solution
from pixelpde.convergence.study import constructed_network, run_study

__all__ = [
    "ErrorNorms",
    "ExactSolution",
    "InitialCondition",
    "StudySpec",
    "constructed_network",
    "error_norms",
    "exact_solution",
    "fine_grid_solution",
    "fit_error_model",
    "fitted_order",
    "linear_flow",
    "make_plan",
    "numpy_field",
    "observed_orders",
    "parse_initial_condition",
    "periodic_symbol",
    "plot_study",
    "run_study",
    "semidiscrete_solution",
]


def __getattr__(name):
    if name == "plot_study":  # matplotlib only when plotting
        from pixelpde.convergence.plot import plot_study

        return plot_study
    raise AttributeError(name)
