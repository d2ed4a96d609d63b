r"""Convergence-order studies in :math:`\delta t` and :math:`\delta x` (Corollary 3.3).

A study integrates :math:`\dot U = F(U)`, :math:`U(0) = U^0` (eq. (7)) to time
T with :math:`\hat U^{j+1} = \Psi^{\delta t}_F(\hat U^j)` (section 2.2), F
being the exact Theorem 3.2 network of the PDE (:math:`F_\theta = X`) or any
saved network, on each level of the ladder of :mod:`pixelpde.convergence.plan`, and
compares :math:`\hat U^{n_i}` with a reference:

* time study: the semi-discrete solution :math:`\Phi^T_X(U^0)` of (11) --
  the exact flow for linear PDEs, otherwise RK4 with a step ``factor``
  times smaller than the finest of the study (or of an RK4 study of the
  same problem, if that is larger: RK4 needs far fewer steps than Euler for
  a far smaller error) (:mod:`pixelpde.convergence.reference`) -- so only the
  "classical error estimate" of (15) is measured, :math:`O(\delta t^r)`;
* space study: the exact PDE solution (:mod:`pixelpde.convergence.exact`) or the PDE
  on a grid ``factor`` times finer: the total error of Corollary 3.3,
  :math:`O(\delta x^q) + O(\delta t^r)` at a fixed ratio
  :math:`\delta t / \delta x^k`.

Errors at t = T in the norms of :mod:`pixelpde.convergence.norms`; the orders use one
of them (``norm``, default the discrete L2 norm).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import numpy as np
import torch

from pixelpde.convergence.grids import nodes_for_cells, restrict
from pixelpde.convergence.norms import error_norms, fitted_order, observed_orders
from pixelpde.convergence.plan import Plan, StudySpec, expected_order, expected_order_note, make_plan, spatial_order
from pixelpde.convergence.reference import fine_grid_solution, semidiscrete_solution
from pixelpde.convergence.steps import default_steps
from pixelpde.ground.errors import InputError
from pixelpde.integrators import advance, get_integrator

#: Relative errors below this are round-off: reported, but left out of the fitted order.
ROUNDOFF_FLOOR = 1e-12
#: How :func:`run_study` describes its default vector field: the network :func:`constructed_network` built.
CONSTRUCTED = "Theorem 3.2 network (exact weights, F_theta = X)"
POLYNOMIAL = "polynomial network (exact weights, a ReLU^q branch per degree q >= 3, F_theta = X)"

#: A vector-field factory: the semi-discrete system of one grid -> F acting on torch fields.
FieldFactory = Callable[[object], Callable[[torch.Tensor], torch.Tensor]]

__all__ = [
    "CONSTRUCTED",
    "POLYNOMIAL",
    "ROUNDOFF_FLOOR",
    "StudySpec",
    "constructed_network",
    "run_study",
    "torch_threads",
]


def constructed_network(sd):
    """The exact network F_theta = X of ``sd`` (compact form), float64: Theorem 3.2's, or the
    polynomial network when ``sd`` has terms of degree >= 3."""
    from pixelpde.constructive import exact_network

    return exact_network(sd, compact=True)


def network_kind(F) -> str:
    """What the exact network ``F`` is, in words (:data:`CONSTRUCTED` or :data:`POLYNOMIAL`), from its class."""
    from pixelpde.constructive import PolynomialNetwork, Theorem32Network

    if isinstance(F, PolynomialNetwork):
        return POLYNOMIAL
    if isinstance(F, Theorem32Network):
        return CONSTRUCTED
    return f"{type(F).__name__} (exact weights)"


@contextlib.contextmanager
def torch_threads(n: int | None):
    """Run the block with ``n`` intra-op torch threads (``None``: leave the setting alone).

    A study steps one field at a time; on such grids, splitting each
    convolution over threads costs more than it gains (several times slower
    on a busy 2-core machine), so studies use one thread by default.
    """
    if n is None:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def run_study(
    spec: StudySpec,
    field: FieldFactory | None = None,
    field_name: str | None = None,
    progress: bool = False,
    threads: int | None = 1,
) -> dict:
    """Run the study ``spec`` (a :class:`StudySpec`) and return its JSON-ready record (:func:`record`): a dict
    with ``rows`` (one per level: ``delta``, ``error_max``, ``error_l2``, ``error_rel`` -- a fraction --,
    ``order``), ``fitted_order``, ``expected_order`` and the context (PDE, grids, steps, reference).

    ``field`` maps each level's semi-discrete system to the vector field F
    to integrate (default: :func:`constructed_network`), ``field_name``
    describes it in the record (default: the kind of exact network built, :func:`network_kind`, or
    "a given vector field"); ``progress`` shows a bar on stderr when it is a terminal;
    ``threads`` is the torch thread count while stepping.
    """
    from pixelpde.ground.progress import progress_bar

    plan = make_plan(spec)
    if field_name is None and field is not None:
        field_name = "a given vector field"
    field = field or constructed_network  # its name: the kind of network the first level builds
    with (
        torch_threads(threads),
        progress_bar(
            enabled=progress, total=len(plan.steps) + 1, desc=f"{plan.vary}-study ({plan.integrator.name})"
        ) as bar,
    ):
        reference, reference_info = _reference(plan)
        bar.update(1)
        errors = []
        for sd, U0, n in zip(plan.systems, plan.U0s, plan.steps, strict=False):
            F = field(sd)
            field_name = field_name or network_kind(F)
            U = advance(F, torch.from_numpy(U0), plan.T / n, n, plan.integrator, grad=False).numpy()
            if not np.all(np.isfinite(U)):
                raise InputError(
                    f"the solution blew up with dt={plan.T / n:.3g} on the {U.shape[-1]}-node grid: "
                    f"the step is beyond the stability limit of {plan.integrator.name}; use more --steps"
                )
            errors.append(error_norms(U, reference(U.shape[-1]), float(sd.dx)))
            bar.update(1)
    return record(plan, errors, reference_info, field_name)


def _reference(plan: Plan):
    """The reference at t = T as a function of the node count, and its description."""
    if plan.vary == "dt":
        sd, finest = plan.systems[0], plan.steps[-1]
        if not sd.is_linear:  # RK4 reference: `factor` times smaller steps than this study's or an RK4 study's finest
            rk4_finest = default_steps(plan.systems, plan.U0s, plan.T, get_integrator("rk4"), 2) * 2 ** (
                len(plan.steps) - 1
            )
            finest = min(finest, rk4_finest)
        U, info = semidiscrete_solution(sd, plan.U0s[0], plan.T, finest * plan.factor)
        if "steps" in info:
            info["factor"] = plan.factor
        return (lambda p: U), info
    if plan.exact is not None:
        return (lambda p: plan.exact(plan.T, p)), plan.exact.describe()
    U, info = fine_grid_solution(plan.pde, plan.bc, plan.ic, plan.T, plan.cells[-1], plan.steps[-1], plan.factor)
    return (lambda p: restrict(U, plan.bc, p)), info


def record(plan: Plan, errors, reference_info: dict, field_name: str | None) -> dict:
    """The study as JSON: the keys of issue 3 (``vary, integrator, rows, fitted_order``), then context.

    Each row is ``{delta, error_max, error_l2, error_rel, order}``, ``order``
    being the observed order against the previous row (``None`` first) in
    the norm ``norm``; ``fitted_order`` is the least-squares slope over the
    rows ``fitted_rows`` (those whose relative error is above round-off,
    :data:`ROUNDOFF_FLOOR`), ``None`` if fewer than two.
    """
    spec = plan.spec
    deltas = plan.deltas
    chosen = [e[spec.norm] for e in errors]
    orders = observed_orders(deltas, chosen)
    fitted = [i for i, e in enumerate(errors) if e.rel >= ROUNDOFF_FLOOR]
    out = {
        "vary": plan.vary,
        "integrator": plan.integrator.name,
        "rows": [
            {"delta": d, "error_max": e.max, "error_l2": e.l2, "error_rel": e.rel, "order": o}
            for d, e, o in zip(deltas, errors, orders, strict=True)
        ],
        "fitted_order": fitted_order([deltas[i] for i in fitted], [chosen[i] for i in fitted]),
        "expected_order": expected_order(plan),
        "expected_order_note": expected_order_note(plan),
        "norm": spec.norm,
        "fitted_rows": fitted,
        "pde": str(plan.pde),
        "bc": str(plan.bc),
        "ic": plan.ic.text,
        "T": plan.T,
        "substeps": plan.integrator.substeps,
        "stencils": {"size": plan.pde.size, "order": spatial_order(plan.pde)},
        "field": field_name,
        "cells": list(plan.cells),
        "nodes": [nodes_for_cells(plan.bc, m) for m in plan.cells],
        "steps": list(plan.steps),
        "reference": reference_info,
    }
    if plan.vary == "dx":
        out["ratio"] = {"k": plan.k, "dt_over_dx_k": (plan.T / plan.steps[0]) * plan.cells[0] ** plan.k}
    return out
