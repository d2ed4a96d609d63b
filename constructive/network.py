r"""The networks of Theorem 3.2 and eq. (27) as :class:`torch.nn.Module`.

:class:`Theorem32Network` evaluates eqs. (20)-(22),

.. math::

    T_1(U) = \mathcal{A}_2 * \sigma_1(\mathcal{A}_1 * U), \quad
    T_2(V) = \mathcal{B}_2 * \sigma_2(\mathcal{B}_1 * V), \quad
    F_\theta(U) = \mathcal{C} * T_1(U) + T_2(T_1(U)),

with :math:`\sigma_1 = \mathrm{ReLU}`, :math:`\sigma_2 = \mathrm{ReLU}^2`, and every
convolution padded by the boundary condition (:func:`pixelpde.stencils.boundary.convolve`).
Its weights are trainable parameters; :meth:`Theorem32Network.from_system`
loads the exact ones.  In *compact* mode the identity-multiple layers A2, B1,
B2, C are stored as 1 x 1 convolutions (the remark after Theorem 3.2): same
output, less work.

:class:`LinearNetwork` is eq. (27), ``F(U) = A2 * ReLU(A1 * U)``.
"""

from __future__ import annotations

from types import EllipsisType
from typing import TypeVar

import torch
from torch import nn

from pixelpde.constructive.lemma31 import relu2
from pixelpde.constructive.theorem32 import (
    SOURCE_NAME,
    WEIGHT_NAMES,
    as_system,
    linear_weights,
    theorem32_shapes,
    theorem32_weights,
)
from pixelpde.ground.errors import InputError
from pixelpde.stencils.boundary import BoundaryCondition, as_batch, check_dim, convolve
from pixelpde.stencils.semidiscrete import SemiDiscretePDE

#: The construction a method is called on (its twin, its compact form are of the same class).
_Net = TypeVar("_Net", bound="ExactNetwork")


class ExactNetwork(nn.Module):
    """What the constructed networks share: weights by name, loaded with their shapes checked,
    C input and output channels (one per field), an optional source bias S, the compact form."""

    def load_weights(self, weights: dict[str, torch.Tensor]) -> None:
        """Copy the named tensors (shapes checked) into the parameters."""
        expected = {name: tuple(p.shape) for name, p in self.named_parameters()}
        got = {name: tuple(t.shape) for name, t in weights.items()}
        if expected != got:
            raise InputError(f"weights do not fit a {self.extra_repr()} network: expected {expected}, got {got}")
        with torch.no_grad():
            for name, tensor in weights.items():
                getattr(self, name).copy_(tensor)

    def weights(self) -> dict[str, torch.Tensor]:
        return {name: p.detach() for name, p in self.named_parameters()}

    def _set_grid_and_parameters(
        self, bc, size: int, compact: bool, shapes: dict, dtype, channels: int = 1, dim: int = 2
    ) -> None:
        """The boundary condition, stencil size and form, channels, the grid's dimension, and zero
        parameters of ``shapes``."""
        self.bc = BoundaryCondition.parse(bc)
        self.dim = check_dim(dim)
        self.size = int(size)
        self.compact = bool(compact)
        self.channels = int(channels)
        for name, shape in shapes.items():
            self.register_parameter(name, nn.Parameter(torch.zeros(shape, dtype=dtype)))

    @property
    def source(self) -> bool:
        return hasattr(self, SOURCE_NAME)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def _first_block(self, U: torch.Tensor):
        """``(x, restore, T_1(x))``: the batch, the layout restorer and eq. (20)."""
        x, restore = as_batch(U, self.channels, self.dim)
        t1 = convolve(torch.relu(convolve(x, self.A1, self.bc)), self.A2, self.bc)
        return x, restore, t1

    def _linear_part(self, t1: torch.Tensor) -> torch.Tensor:
        """``C * T_1`` plus the source bias S (the constant terms), if any."""
        return convolve(t1, self.C, self.bc, bias=getattr(self, SOURCE_NAME, None))

    def _twin(self: _Net, compact: bool) -> _Net:  # pragma: no cover - each construction defines it
        raise NotImplementedError

    def _resized(self: _Net, compact: bool) -> _Net:
        """The same map with the identity-multiple layers (all but A1 and S) as 1 x 1 filters
        (``compact``) or as 3 x 3 ones (1 or 3 per axis on a ``dim``-D grid).  Exact when those
        filters vanish off their centre (as in the construction); otherwise the result would
        differ, so that is refused."""
        out = self._twin(compact)
        centre: tuple[EllipsisType | int, ...] = (Ellipsis, *(1,) * self.dim)
        first: tuple[EllipsisType | int, ...] = (Ellipsis, *(0,) * self.dim)
        middle: tuple[EllipsisType | slice, ...] = (Ellipsis, *(slice(1, 2),) * self.dim)
        weights: dict[str, torch.Tensor] = {}
        for name, param in self.named_parameters():
            p = param.detach()
            if name in ("A1", SOURCE_NAME):
                weights[name] = p
            elif compact:
                off = p.clone()
                off[centre] = 0
                if torch.any(off != 0):
                    raise ValueError(f"{name} has off-centre taps; the compact form would change the network")
                weights[name] = p[middle]
            else:
                full = torch.zeros(*p.shape[:2], *(3,) * self.dim, dtype=p.dtype)
                full[centre] = p[first]
                weights[name] = full
        out.load_weights(weights)
        return out

    def compacted(self: _Net) -> _Net:
        """The compact 1 x 1 form (the remark after Theorem 3.2)."""
        return self if self.compact else self._resized(True)

    def expanded(self: _Net) -> _Net:
        """The full 3 x 3 form of a compact network (inverse of :meth:`compacted`)."""
        return self._resized(False) if self.compact else self


class Theorem32Network(ExactNetwork):
    """F_theta of Theorem 3.2 for n quadratic interactions (eqs. (20)-(22)).

    A scalar network accepts fields of shape (r, s), (N, r, s) or (N, 1, r, s); a network of
    C > 1 fields (a system) (C, r, s) or (N, C, r, s); the result has the input's layout.
    ``size`` is the filter size of A1 (the stencil size); ``compact=True`` stores A2, B1, B2, C
    as 1 x 1 filters; ``source`` adds the output bias S of constant terms; ``dim`` = 1 or 3
    builds it for lines or voxel grids (conv1d, conv3d; fields (p,) or (p, p, p) per channel).
    """

    def __init__(
        self,
        n: int,
        bc,
        size: int = 3,
        compact: bool = False,
        dtype=torch.float64,
        channels: int = 1,
        source: bool = False,
        dim: int = 2,
    ):
        super().__init__()
        self.n = int(n)
        dim = check_dim(dim)
        shapes = theorem32_shapes(self.n, int(size), 1 if compact else 3, int(channels), bool(source), dim)
        self._set_grid_and_parameters(bc, size, compact, shapes, dtype, channels, dim)

    @classmethod
    def from_system(cls, sd, compact: bool = False, dtype=torch.float64) -> Theorem32Network:
        """The exact network of the proof of Theorem 3.2 for ``sd`` (a scalar PDE or a system)."""
        system = as_system(sd)
        weights = theorem32_weights(system)
        net = cls(
            sd.n,
            sd.bc,
            sd.size,
            dtype=torch.float64,
            channels=system.channels,
            source=SOURCE_NAME in weights,
            dim=system.dim,
        )
        net.load_weights(weights)
        return (net.compacted() if compact else net).to(dtype)

    def forward(self, U: torch.Tensor) -> torch.Tensor:
        _, restore, t1 = self._first_block(U)
        out = self._linear_part(t1)
        if self.n:
            out = out + convolve(relu2(convolve(t1, self.B1, self.bc)), self.B2, self.bc)
        return restore(out)

    def _twin(self, compact: bool) -> Theorem32Network:
        return Theorem32Network(
            self.n, self.bc, self.size, compact, self.A1.dtype, channels=self.channels, source=self.source, dim=self.dim
        )

    def extra_repr(self) -> str:
        extra = f", channels={self.channels}" if self.channels != 1 else ""
        extra += ", source=True" if self.source else ""
        extra += f", dim={self.dim}" if self.dim != 2 else ""
        return f"n={self.n}, bc={self.bc}, size={self.size}, compact={self.compact}{extra}"


class LinearNetwork(nn.Module):
    """Eq. (27): ``F(U) = A2 * ReLU(A1 * U)``, A1 (2, 1, k, k), A2 (1, 2, 1, 1) (k^d, 1^d on a
    ``dim``-D grid)."""

    def __init__(self, bc, size: int = 3, dtype=torch.float64, dim: int = 2):
        super().__init__()
        self.bc = BoundaryCondition.parse(bc)
        self.dim = check_dim(dim)
        self.A1 = nn.Parameter(torch.zeros(2, 1, *(size,) * self.dim, dtype=dtype))
        self.A2 = nn.Parameter(torch.zeros(1, 2, *(1,) * self.dim, dtype=dtype))

    @classmethod
    def from_system(cls, sd: SemiDiscretePDE, dtype=torch.float64) -> LinearNetwork:
        weights = linear_weights(sd)
        net = cls(sd.bc, sd.size, dtype=torch.float64, dim=sd.dim)
        with torch.no_grad():
            net.A1.copy_(weights["A1"])
            net.A2.copy_(weights["A2"])
        return net.to(dtype)

    def forward(self, U: torch.Tensor) -> torch.Tensor:
        x, restore = as_batch(U, 1, self.dim)
        return restore(convolve(torch.relu(convolve(x, self.A1, self.bc)), self.A2, self.bc))


def exact_network(sd, compact: bool = False, dtype=torch.float64):
    """The exact network F = X of ``sd`` (a :class:`SemiDiscretePDE` or a :class:`SemiDiscreteSystem`):
    Theorem 3.2's for the quadratic class, the polynomial network of
    :mod:`pixelpde.constructive.polynomial` when ``sd`` has terms of degree >= 3.  Returns a
    :class:`torch.nn.Module` mapping fields to X(U) in the input's layout."""
    if getattr(sd, "higher", ()):
        from pixelpde.constructive.polynomial import PolynomialNetwork

        return PolynomialNetwork.from_system(sd, compact=compact, dtype=dtype)
    return Theorem32Network.from_system(sd, compact=compact, dtype=dtype)


__all__ = ["WEIGHT_NAMES", "LinearNetwork", "Theorem32Network", "exact_network"]
