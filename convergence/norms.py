r"""Error norms, observed orders and fitted error models.

For a computed field :math:`U` and a reference :math:`U^\star` on a grid of
spacing :math:`\delta x` (:math:`p \times p` nodes, :math:`E = U - U^\star`):

* ``max``: :math:`\max_{h,k} |E_{hk}|` (the paper's maxE, eq. (23));
* ``l2``: the discrete :math:`L^2(\Omega)` norm :math:`\delta x\,\|E\|`
  (:math:`\|\cdot\|` the Frobenius norm), comparable across grids;
* ``rel``: :math:`\|E\| / \|U^\star\|` (the paper's rE, eq. (25)).

Between consecutive refinements :math:`\delta_i > \delta_{i+1}` the observed
order is :math:`\log(e_i / e_{i+1}) / \log(\delta_i / \delta_{i+1})`; the
fitted order is the least-squares slope of :math:`\log e` against
:math:`\log \delta`.  :func:`fit_error_model` fits Corollary 3.3's
:math:`e \approx C_1 \delta x^2 + C_2 \delta t^r` by linear least squares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The norms a study reports, by JSON name.
NORMS = ("max", "l2", "rel")


@dataclass(frozen=True)
class ErrorNorms:
    """The three error norms of one computed field: ``max`` = max |E|, ``l2`` = dx ||E|| (discrete L2),
    ``rel`` = ||E|| / ||U*|| (a fraction, eq. (25)); ``norms["l2"]`` also works."""

    max: float
    l2: float
    rel: float

    def __getitem__(self, name: str) -> float:
        if name not in NORMS:
            raise KeyError(name)
        return getattr(self, name)


def error_norms(U, reference, dx) -> ErrorNorms:
    """Max, discrete L2 and relative norms of ``U - reference`` on a grid of spacing ``dx``."""
    U = np.asarray(U, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if U.shape != reference.shape:
        raise ValueError(f"field {U.shape} and reference {reference.shape} differ in shape")
    E = U - reference
    frob = float(np.linalg.norm(E))
    scale = float(np.linalg.norm(reference))
    return ErrorNorms(
        max=float(np.max(np.abs(E))),
        l2=float(dx) * frob,
        rel=frob / scale if scale > 0 else float("inf"),
    )


def observed_orders(deltas, errors) -> list[float | None]:
    """Order between each refinement and the previous one (``None`` for the first row)."""
    d = np.asarray(deltas, dtype=np.float64)
    e = np.asarray(errors, dtype=np.float64)
    orders: list[float | None] = [None]
    for i in range(1, len(d)):
        if e[i - 1] > 0 and e[i] > 0:
            orders.append(float(np.log(e[i - 1] / e[i]) / np.log(d[i - 1] / d[i])))
        else:
            orders.append(None)
    return orders


def fitted_order(deltas, errors) -> float | None:
    """Least-squares slope of ``log(error)`` against ``log(delta)`` (``None`` with < 2 usable points)."""
    d = np.asarray(deltas, dtype=np.float64)
    e = np.asarray(errors, dtype=np.float64)
    keep = (e > 0) & np.isfinite(e)
    if keep.sum() < 2:
        return None
    slope, _ = np.polyfit(np.log(d[keep]), np.log(e[keep]), 1)
    return float(slope)


@dataclass(frozen=True)
class ErrorModel:
    r"""Least-squares fit :math:`e \approx C_1 \delta x^{q} + C_2 \delta t^{r}` (real or complex C)."""

    C1: float | complex
    C2: float | complex
    q: int
    r: int
    max_relative_residual: float

    def __call__(self, dx, dt):
        return (
            self.C1 * np.asarray(dx, dtype=np.float64) ** self.q + self.C2 * np.asarray(dt, dtype=np.float64) ** self.r
        )


def fit_error_model(dx, dt, errors, r: int, q: int = 2) -> ErrorModel:
    r"""Fit Corollary 3.3's total error :math:`C_1 \delta x^q + C_2 \delta t^r` to signed errors.

    ``errors`` are signed (real) or complex error measures, so that the two
    terms may have different signs or phases.  Least squares relative to
    each error (every row weighs the same however small it is);
    ``max_relative_residual`` is :math:`\max_i |e_i - \mathrm{model}_i| / |e_i|`.
    """
    dx = np.asarray(dx, dtype=np.float64)
    dt = np.asarray(dt, dtype=np.float64)
    e = np.asarray(errors)
    e = e.astype(np.complex128 if np.iscomplexobj(e) else np.float64)
    A = np.stack([dx**q, dt**r], axis=1) / np.abs(e)[:, None]
    (C1, C2), *_ = np.linalg.lstsq(A.astype(e.dtype), e / np.abs(e), rcond=None)
    model = C1 * dx**q + C2 * dt**r
    residual = float(np.max(np.abs(model - e) / np.abs(e)))
    cast = complex if np.iscomplexobj(e) else float
    return ErrorModel(cast(C1), cast(C2), int(q), int(r), residual)
