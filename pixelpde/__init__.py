"""pixelpde: convolutional networks that learn PDE dynamics from pixel data.

Reference implementation of Celledoni, Jackaman, Murari & Owren, "Predictions
based on pixel data: insights from PDEs and finite differences".

The public Python API is importable from here, ``pixelpde.NAME`` for every
name in :data:`__all__` (docs/python.md is a worked example)::

    import pixelpde as pp
    pde = pp.parse_pde("u_t = 0.01*(u_xx + u_yy) + u*(1 - u)")      # PDE text -> class (8)
    sd = pde.discretise(pp.BoundaryCondition.parse("periodic").spacing(32), "periodic")  # X(U), eq. (11)
    F = pp.exact_network(sd)                                         # F = X exactly (Theorem 3.2)

The names are loaded lazily (PEP 562 ``__getattr__``): ``import pixelpde``
imports neither torch nor sympy, and this file imports nothing eagerly;
``pixelpde.parse_pde`` imports :mod:`pixelpde.stencils` on first use.  The
subpackages are reachable the same way (``pixelpde.fem``).

This is the one import package the install provides.  The repository's
top-level folders are its subpackages (``stencils/`` is :mod:`pixelpde.stencils`,
and so on; see ``package_dir`` in setup.cfg), so importing any subpackage
never drags in another.  :mod:`pixelpde.ground` (errors, atomic writes) sits
below everything, the command-line interface (:mod:`pixelpde.cli`,
:mod:`pixelpde.commands`) on top, and data flows one way through the layers
between::

    stencils  ->  constructive  ->  integrators / convergence  ->  learned
    (PDE text     (Theorem 3.2       (time stepping, order          (Algorithm 2
     to stencils)  weights)           studies)                       training)
    fem: finite-element reference data (Appendix A), read by learned.

Conventions (stated once, used everywhere)
------------------------------------------
* ``U[h, k] = u(x_h, y_k)``: axis 0 is x, axis 1 is y, and delta_y = delta_x.
* A field of C components (a system of C equations) is ``(C, p, p)``, a batch ``(N, C, p, p)``:
  the channel axis first, in the order of the fields; a scalar field may omit it
  (``(p, p)``, ``(N, p, p)``).  :func:`pixelpde.stencils.boundary.as_batch` is the one rule.
* A kernel ``K`` of size k x k (k odd, c = k // 2) acts by cross-correlation,
  exactly as :func:`torch.nn.functional.conv2d`:
  ``(K * U)[h, k] = sum_{i,j=-c..c} K[c + i, c + j] U[h + i, k + j]``.
* Periodic grids have p nodes x_h = h/p (h = 0..p-1) and delta_x = 1/p;
  Dirichlet grids have p interior nodes x_h = h/(p+1) (h = 1..p) and
  delta_x = 1/(p+1), the zero padding standing for the boundary values.
* Errors: relative errors (rE, eq. (25)) are fractions in every file and in
  Python (0.01 means 1 %); only tables written for people show per cent, with
  a ``%`` sign.
"""

from __future__ import annotations

__version__ = "0.1.0"

#: public name -> the module it lives in (imported on first access).
_EXPORTS = {
    # 1. PDE text -> exact stencils -> the semi-discrete X(U) of eq. (11)
    "parse_pde": "pixelpde.stencils",
    "parse_system": "pixelpde.stencils",  # coupled systems: "u_t = ...; v_t = ..."
    "derive_stencil": "pixelpde.stencils",
    "BoundaryCondition": "pixelpde.stencils",
    "SemiDiscretePDE": "pixelpde.stencils",
    # 2. exact networks F = X (Lemma 3.1, Theorem 3.2, the polynomial construction) and their files
    "exact_network": "pixelpde.constructive",
    "Theorem32Network": "pixelpde.constructive",
    "PolynomialNetwork": "pixelpde.constructive",
    "save_network": "pixelpde.constructive",
    "load_network": "pixelpde.constructive",
    # 3. applying a vector field: one integrator step N, rollouts N^j (eq. (26))
    "get_integrator": "pixelpde.integrators",
    "rollout": "pixelpde.integrators",
    "advance": "pixelpde.integrators",
    # 4. convergence (order) studies in dt and dx (Corollary 3.3)
    "StudySpec": "pixelpde.convergence",
    "run_study": "pixelpde.convergence",
    "plot_study": "pixelpde.convergence",
    # 5. simulate: finite-element data of Appendix A
    "SimulationSpec": "pixelpde.fem",
    "simulate": "pixelpde.fem",
    "generate": "pixelpde.fem",
    "write_dataset": "pixelpde.fem",
    "Dataset": "pixelpde.fem",
    # 6. train (Algorithm 3)
    "Trajectories": "pixelpde.learned.data",
    "TrainConfig": "pixelpde.learned.config",
    "train": "pixelpde.learned.train",
    "load_run": "pixelpde.learned.io",
    # 7. evaluate: metrics (23)-(25) of trained and constructed networks
    "evaluate_runs": "pixelpde.learned.evaluate",
    "Evaluation": "pixelpde.learned.evaluate",
    "error_metrics": "pixelpde.learned.evaluate",
    "write_evaluation": "pixelpde.learned.report",
    # bad input, everywhere: one line
    "InputError": "pixelpde.ground.errors",
}

_SUBPACKAGES = (
    "ground",
    "stencils",
    "constructive",
    "integrators",
    "convergence",
    "fem",
    "spectral",
    "learned",
    "studies",
)

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    """Import a public name (or subpackage) of :data:`__all__` on first access (PEP 562)."""
    import importlib

    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBPACKAGES})
