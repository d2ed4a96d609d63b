r"""One-step time integrators for fields, shared by constructed and learned networks.

A vector field ``F`` maps a torch tensor of fields to a tensor of the same
shape: a single field (r, s), or a batch (N, r, s) or (N, 1, r, s), any float
dtype, on any device.  Everything here is plain differentiable torch code, so
training backpropagates through it.

Base methods :math:`\varphi^{h}_F` (section 2.2):

* ``euler``   explicit Euler :math:`U + hF(U)` (order 1, :math:`\Psi_1`);
* ``rk2``     Heun's method (order 2);
* ``rk4``     the classical Runge-Kutta method (order 4).

The norm projection of section 2.2 (:math:`\Psi_2`, eq. (31)) rescales the
result of a base step to the Frobenius norm of its input, per sample:
:math:`n_h(U)\,\varphi^h_F(U)` with :math:`n_h(U) = \|U\| / \|\varphi^h_F(U)\|`.
By Lemma 2.1 it keeps the order of the base method when F preserves the norm.

An :class:`Integrator` is :math:`\Psi^{\delta t} = \varphi^{\delta t/s} \circ
\dots \circ \varphi^{\delta t/s}` (s substeps, eqs. (30)-(31)), with the
projection (if any) after every substep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import MAX_SUBSTEPS, check_int

VectorField = Callable[[torch.Tensor], torch.Tensor]


def euler(F: VectorField, U: torch.Tensor, h: float) -> torch.Tensor:
    """Explicit Euler, :math:`U + hF(U)`."""
    return U + h * F(U)


def heun(F: VectorField, U: torch.Tensor, h: float) -> torch.Tensor:
    """Heun's second-order method (explicit trapezoidal rule)."""
    k1 = F(U)
    k2 = F(U + h * k1)
    return U + (h / 2) * (k1 + k2)


def rk4(F: VectorField, U: torch.Tensor, h: float) -> torch.Tensor:
    """The classical fourth-order Runge-Kutta method."""
    k1 = F(U)
    k2 = F(U + (h / 2) * k1)
    k3 = F(U + (h / 2) * k2)
    k4 = F(U + h * k3)
    return U + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)


#: Base methods and their classical orders (the expected orders, as data).
METHODS: dict[str, tuple[Callable[[VectorField, torch.Tensor, float], torch.Tensor], int]] = {
    "euler": (euler, 1),
    "rk2": (heun, 2),
    "rk4": (rk4, 4),
}


def sample_norms(U: torch.Tensor) -> torch.Tensor:
    """Frobenius norm of each sample, shaped to broadcast against ``U``.

    A 2-D tensor is one field; for 3-D (N, r, s) and 4-D (N, C, r, s) tensors
    the norm is taken per sample over all but the first axis.
    """
    norms: torch.Tensor
    if U.ndim == 2:
        norms = torch.linalg.vector_norm(U)
    else:
        norms = torch.linalg.vector_norm(U, dim=tuple(range(1, U.ndim)), keepdim=True)
    return norms


def project_norm(new: torch.Tensor, old: torch.Tensor) -> torch.Tensor:
    """Rescale ``new`` to the per-sample Frobenius norm of ``old`` (eq. (31))."""
    return new * (sample_norms(old) / sample_norms(new))


@dataclass(frozen=True)
class Integrator:
    """:math:`\\Psi^{\\delta t}`: ``substeps`` steps of a base method, optionally projected."""

    method: str = "euler"
    projected: bool = False
    substeps: int = 1

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise InputError(f"unknown integrator method {self.method!r} (use one of {', '.join(METHODS)})")
        object.__setattr__(self, "substeps", check_int(self.substeps, "substeps", 1, MAX_SUBSTEPS))

    @property
    def order(self) -> int:
        """Classical order of accuracy (kept by the projection, Lemma 2.1)."""
        return METHODS[self.method][1]

    @property
    def name(self) -> str:
        return f"projected-{self.method}" if self.projected else self.method

    def stability_function(self, z: Any) -> Any:  # a complex number or a NumPy array of them
        r"""The amplification factor of the unprojected :math:`\Psi^{\delta t}` on :math:`\dot u = \lambda u`.

        With :math:`z = \delta t\,\lambda`: Euler, Heun and classical RK4 have
        as many stages as their order q, so R is the degree-q Taylor
        polynomial of :math:`e^z`, :math:`R(z) = \sum_{k \le q} z^k / k!`;
        ``substeps`` compositions give :math:`R(z/s)^s`.  Accepts complex
        numbers or arrays.
        """
        h = z / self.substeps
        term, total = 1.0, 1.0
        for k in range(1, self.order + 1):
            term = term * h / k
            total = total + term
        return total**self.substeps

    def step(self, F: VectorField, U: torch.Tensor, dt: float) -> torch.Tensor:
        """One step of size ``dt``: ``substeps`` compositions of the base method."""
        base = METHODS[self.method][0]
        h = dt / self.substeps
        for _ in range(self.substeps):
            new = base(F, U, h)
            U = project_norm(new, U) if self.projected else new
        return U

    __call__ = step


#: Accepted names for :func:`get_integrator` (CLI spellings).
INTEGRATOR_NAMES = ("euler", "projected-euler", "rk2", "projected-rk2", "rk4", "projected-rk4")
_ALIASES = {"heun": "rk2", "projected-heun": "projected-rk2"}


def get_integrator(name: str, substeps: int = 1) -> Integrator:
    """The :class:`Integrator` named ``name``, composed of ``substeps`` substeps per step.

    ``name`` is ``'euler'``, ``'projected-euler'``, ``'rk2'`` (``'heun'``), ``'rk4'`` or a projected form
    (``'projected-rk4'``, Lemma 2.1); ``integrator.step(F, U, dt)`` (or ``integrator(F, U, dt)``) is one step
    N(U) of size ``dt`` of the vector field ``F``.  An unknown name raises
    :class:`~pixelpde.ground.errors.InputError`."""
    key = _ALIASES.get(str(name).strip().lower(), str(name).strip().lower())
    if key not in INTEGRATOR_NAMES:
        raise InputError(f"unknown integrator {name!r} (use one of {', '.join(INTEGRATOR_NAMES)})")
    projected = key.startswith("projected-")
    return Integrator(key.removeprefix("projected-"), projected, substeps)


def _grad_enabled(steps: int, grad: bool | None) -> bool:
    """Check ``steps``; whether a rollout builds an autograd graph (``grad=None``: the global mode)."""
    check_int(steps, "steps", 0)
    return torch.is_grad_enabled() if grad is None else bool(grad)


def _march(
    F: VectorField, U0: torch.Tensor, dt: float, steps: int, integrator: Integrator, grad: bool | None, keep: bool
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """The one time-stepping loop: ``steps`` steps from ``U0``; returns the last state and, with
    ``keep``, the list of every state (detached when no graph is built)."""
    enabled = _grad_enabled(steps, grad)
    with torch.set_grad_enabled(enabled):
        U, states = U0, [U0]
        for _ in range(int(steps)):
            U = integrator.step(F, U, dt)
            if keep:
                states.append(U if enabled else U.detach())
        return U, states


def rollout(
    F: VectorField, U0: torch.Tensor, dt: float, steps: int, integrator: Integrator, grad: bool | None = None
) -> torch.Tensor:
    """The trajectory :math:`[U_0, \\mathcal{N}(U_0), \\dots, \\mathcal{N}^J(U_0)]` (eq. (26)), J = ``steps``.

    ``F`` is a vector field (a callable on fields, e.g. a network), ``dt`` the step, ``integrator`` an
    :class:`Integrator` (:func:`get_integrator`).
    For a batch ``U0`` of shape (N, ...) the result has shape (N, J+1, ...);
    for a single field (r, s) it is (J+1, r, s).  With ``grad=False`` (or
    ``None`` while autograd is globally off) no graph is built at all; with
    gradients on, the graph of the whole rollout is kept for backpropagation.
    """
    _, states = _march(F, U0, dt, steps, integrator, grad, keep=True)
    trajectory: torch.Tensor = torch.stack(states, dim=0 if U0.ndim == 2 else 1)
    return trajectory


def advance(
    F: VectorField, U0: torch.Tensor, dt: float, steps: int, integrator: Integrator, grad: bool | None = None
) -> torch.Tensor:
    r"""Only the last state :math:`\mathcal{N}^J(U_0)` of :func:`rollout` (eq. (26)).

    The same loop as :func:`rollout` (:func:`_march`), keeping only the
    current state, so memory does not grow with ``steps`` (convergence
    studies take thousands of steps on large grids).
    """
    return _march(F, U0, dt, steps, integrator, grad, keep=False)[0]
