"""integrators: one implementation of the time stepping of section 2.2.

Explicit Euler, Heun (RK2), classical RK4, the norm projection (Lemma 2.1),
substeps (eqs. (30)-(31)), the rollout N^j(U0) of eq. (26) and its last
state alone (``advance``).  Used by the convergence studies and by the
training of learned networks alike.
"""

from pixelpde.integrators.methods import (
    INTEGRATOR_NAMES,
    METHODS,
    Integrator,
    advance,
    euler,
    get_integrator,
    heun,
    project_norm,
    rk4,
    rollout,
    sample_norms,
)

__all__ = [
    "INTEGRATOR_NAMES",
    "METHODS",
    "Integrator",
    "advance",
    "euler",
    "get_integrator",
    "heun",
    "project_norm",
    "rk4",
    "rollout",
    "sample_norms",
]
