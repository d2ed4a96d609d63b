"""Boundary conditions: the grid they imply and the one padding rule.

Section 3.2.1 of the paper: a 'same' convolution needs the matrix padded as
the solution behaves outside [0, 1]^2.  Periodic boundary conditions pad
circularly (the matrix U_P of the paper), homogeneous Dirichlet conditions pad
with zeros (U_D), the zeros standing for the boundary values.

Grids (stated once, used everywhere):

* periodic: p nodes ``x_h = h / p``, ``h = 0..p-1``, ``dx = 1/p``;
* dirichlet: p interior nodes ``x_h = h / (p + 1)``, ``h = 1..p``,
  ``dx = 1/(p+1)``.

Every convolution in the project, in constructed and learned networks alike,
goes through :func:`conv2d`, which pads with :meth:`BoundaryCondition.pad`
and then calls :func:`torch.nn.functional.conv2d` without padding (zero
padding, the same values, is left to the convolution itself, which saves a
padded copy of every activation).  The
numpy reference of :mod:`pixelpde.stencils.semidiscrete` pads independently with
:func:`numpy.pad` in the mode :attr:`BoundaryCondition.numpy_mode`.
"""

from __future__ import annotations

import enum
from fractions import Fraction

import numpy as np

from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import MAX_NODES_PER_AXIS, check_int


class BoundaryCondition(str, enum.Enum):
    """``periodic`` (circular padding) or ``dirichlet`` (zero padding)."""

    PERIODIC = "periodic"
    DIRICHLET = "dirichlet"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, value: BoundaryCondition | str) -> BoundaryCondition:
        if isinstance(value, cls):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            raise InputError(f"unknown boundary condition {value!r} (use 'periodic' or 'dirichlet')") from None

    @property
    def torch_mode(self) -> str:
        return "circular" if self is BoundaryCondition.PERIODIC else "constant"

    @property
    def numpy_mode(self) -> str:
        """The :func:`numpy.pad` mode of the same padding."""
        return "wrap" if self is BoundaryCondition.PERIODIC else "constant"

    def pad(self, x, width: int):
        """Pad the last two axes of a 4-D tensor ``(N, C, r, s)`` by ``width``."""
        import torch.nn.functional as F

        if width == 0:
            return x
        return F.pad(x, (width, width, width, width), mode=self.torch_mode)

    def spacing(self, p: int) -> Fraction:
        """Grid spacing for p nodes (periodic) or p interior nodes (Dirichlet)."""
        p = check_grid_size(p)
        return Fraction(1, p) if self is BoundaryCondition.PERIODIC else Fraction(1, p + 1)

    def nodes(self, p: int) -> np.ndarray:
        """The p node coordinates along one axis (float64)."""
        p = check_grid_size(p)
        if self is BoundaryCondition.PERIODIC:
            return np.arange(p, dtype=np.float64) / p
        return np.arange(1, p + 1, dtype=np.float64) / (p + 1)

    def mesh(self, p: int) -> tuple[np.ndarray, np.ndarray]:
        """``(X, Y)`` with ``X[h, k] = x_h`` and ``Y[h, k] = y_k`` (axis 0 is x)."""
        x = self.nodes(p)
        return np.meshgrid(x, x, indexing="ij")


def check_grid_size(p: int, minimum: int = 3) -> int:
    """Nodes per axis: an integer in ``minimum..``:data:`~pixelpde.ground.validate.MAX_NODES_PER_AXIS`."""
    return check_int(p, "grid size p", minimum, MAX_NODES_PER_AXIS)


def conv2d(x, weight, bc: BoundaryCondition | str, bias=None):
    """Same-size cross-correlation of ``x`` (N, C_in, r, s) with ``weight``
    (C_out, C_in, k, k), padded by the boundary condition ``bc``."""
    import torch.nn.functional as F

    bc = BoundaryCondition.parse(bc)
    width = weight.shape[-1] // 2
    if (
        bc is BoundaryCondition.DIRICHLET
    ):  # zero padding inside the kernel: no padded copy (measured ~20% faster training)
        return F.conv2d(x, weight, bias, padding=width)
    return F.conv2d(bc.pad(x, width), weight, bias)


def to_nchw(U):
    """View a field batch as (N, 1, r, s) for convolution.

    Accepts (r, s), (N, r, s) or (N, 1, r, s) and returns the 4-D tensor with
    a function that maps an (N, 1, r, s) result back to the input's layout.
    """
    if U.ndim == 2:
        return U[None, None], lambda y: y[0, 0]
    if U.ndim == 3:
        return U[:, None], lambda y: y[:, 0]
    if U.ndim == 4 and U.shape[1] == 1:
        return U, lambda y: y
    raise InputError(f"field must have shape (r, s), (batch, r, s) or (batch, 1, r, s), got {tuple(U.shape)}")
