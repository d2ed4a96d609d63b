"""Boundary conditions: the grid they imply and the one padding rule.

Section 3.2.1 of the paper: a 'same' convolution needs the matrix padded as
the solution behaves outside [0, 1]^2.  Periodic boundary conditions pad
circularly (the matrix U_P of the paper), homogeneous Dirichlet conditions pad
with zeros (U_D), the zeros standing for the boundary values.

Grids (stated once, used everywhere):

* periodic: p nodes ``x_h = h / p``, ``h = 0..p-1``, ``dx = 1/p``;
* dirichlet: p interior nodes ``x_h = h / (p + 1)``, ``h = 1..p``,
  ``dx = 1/(p+1)``.

Fields (stated once, used everywhere): a field of C components on a d-dimensional grid
(d = 1, 2, 3; axis order x, y, z) is an array of shape ``(C, p_1, ..., p_d)``, a batch of them
``(N, C, p_1, ..., p_d)``: the channel axis comes first, as in PyTorch's convolutions, and the
channel order is the order of the fields (of the equations of a system).  A scalar field
(C = 1) may omit its channel axis: ``(p_1, ..., p_d)`` and ``(N, p_1, ..., p_d)`` are accepted
too, and results come back in the layout they came in (:func:`as_batch`).

Every convolution in the project, in constructed and learned networks alike,
goes through :func:`convolve`, which pads with :meth:`BoundaryCondition.pad`
and then calls :func:`torch.nn.functional.conv1d`, ``conv2d`` or ``conv3d`` (by the kernel's
rank) without padding (zero padding, the same values, is left to the convolution itself,
which saves a padded copy of every activation).  The
numpy reference of :mod:`pixelpde.stencils.semidiscrete` pads independently with
:func:`numpy.pad` in the mode :attr:`BoundaryCondition.numpy_mode`.
"""

from __future__ import annotations

import enum
from fractions import Fraction
from typing import Literal

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
    def numpy_mode(self) -> Literal["wrap", "constant"]:
        """The :func:`numpy.pad` mode of the same padding."""
        return "wrap" if self is BoundaryCondition.PERIODIC else "constant"

    def pad(self, x, width: int):
        """Pad every spatial axis of a batch ``(N, C, p_1, ..., p_d)`` (d = 1, 2, 3) by ``width``."""
        import torch.nn.functional as F

        if width == 0:
            return x
        return F.pad(x, (width, width) * (x.ndim - 2), mode=self.torch_mode)

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

    def mesh(self, p: int, dim: int = 2) -> tuple[np.ndarray, ...]:
        """The d coordinate arrays of the grid, ``(X, Y)`` with ``X[h, k] = x_h`` and ``Y[h, k] = y_k``
        for d = 2 (axis 0 is x; ``(X, Y, Z)`` for d = 3, ``(X,)`` for d = 1)."""
        x = self.nodes(p)
        return tuple(np.meshgrid(*[x] * check_dim(dim), indexing="ij"))


def check_grid_size(p: int, minimum: int = 3) -> int:
    """Nodes per axis: an integer in ``minimum..``:data:`~pixelpde.ground.validate.MAX_NODES_PER_AXIS`."""
    return check_int(p, "grid size p", minimum, MAX_NODES_PER_AXIS)


#: Spatial dimensions a grid may have (lines, pixels, voxels).
DIMENSIONS = (1, 2, 3)


def check_dim(dim) -> int:
    """A grid dimension: 1, 2 or 3."""
    return check_int(dim, "dimension", 1, 3)


def convolve(x, weight, bc: BoundaryCondition | str, bias=None):
    """Same-size cross-correlation of ``x`` (N, C_in, p_1, ..., p_d) with ``weight``
    (C_out, C_in, k, ..., k), padded by the boundary condition ``bc``; d = 1, 2, 3 by the
    weight's rank (conv1d, conv2d, conv3d)."""
    import torch.nn.functional as F

    bc = BoundaryCondition.parse(bc)
    conv = (F.conv1d, F.conv2d, F.conv3d)[weight.ndim - 3]
    width = weight.shape[-1] // 2
    if (
        bc is BoundaryCondition.DIRICHLET
    ):  # zero padding inside the kernel: no padded copy (measured ~20% faster training)
        return conv(x, weight, bias, padding=width)
    return conv(bc.pad(x, width), weight, bias)


def as_batch(U, channels: int = 1, dim: int = 2):
    """View a field or a batch of fields as ``(N, C, p_1, ..., p_d)`` for convolution.

    Accepts ``(C, *spatial)`` and ``(N, C, *spatial)``; for a scalar field (``channels == 1``)
    also ``(*spatial)`` and ``(N, *spatial)`` (module docstring).  Returns the batch and a
    function mapping a result of the same channel count back to the input's layout.
    """
    rank, shape = U.ndim - dim, tuple(U.shape)
    if channels == 1 and rank == 0:
        return U[None, None], lambda y: y[0, 0]
    if channels == 1 and rank == 1:
        return U[:, None], lambda y: y[:, 0]
    if rank == 1 and shape[0] == channels:
        return U[None], lambda y: y[0]
    if rank == 2 and shape[1] == channels:
        return U, lambda y: y
    spatial = ", ".join("p" for _ in range(dim))
    if channels == 1:
        layouts = f"({spatial}), (batch, {spatial}) or (batch, 1, {spatial})"
    else:
        layouts = f"({channels}, {spatial}) or (batch, {channels}, {spatial})"
    raise InputError(f"a field of {channels} component(s) on a {dim}-D grid must have shape {layouts}, got {shape}")
