r"""Linear algebra of the Q1 schemes: one interface, two implementations.

Every implicit step of Appendix A solves a system whose matrix is a
*pencil* of the four Q1 matrices of :mod:`fem.q1`,

.. math::

    A = a\,M + b\,K + c_x C_x + c_y C_y ,

for a batch of trajectories at once.  Two solvers implement
:class:`Q1Solver`:

* :class:`SpectralSolver` (the default, "fast diagonalisation"): on the
  uniform tensor mesh M, K, C_x, C_y are Kronecker products of 1D
  tridiagonal (Dirichlet) or circulant (periodic) matrices with the closed
  forms of :mod:`fem.q1`, all diagonalised by the orthonormal DST-I
  (Dirichlet; ``scipy.fft.dstn``) or the 2D real FFT (periodic;
  ``scipy.fft.rfftn``).  A solve is one forward transform, a division by
  the pencil's symbol and one inverse transform, for all trajectories at
  once.  (When ``2(p+1)`` is not a fast FFT length -- p = 100 gives
  202 = 2 x 101 -- the same orthonormal DST-I is applied as a product with
  its p x p matrix, which BLAS does faster than a prime-length FFT.)
* :class:`SparseLUSolver` (the cross-check): the matrices assembled by
  scikit-fem, factorised by ``scipy.sparse.linalg.splu``, and the
  nonlinear load vectors assembled by scikit-fem too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterator

import numpy as np
import scipy.fft as sfft
import scipy.sparse.linalg as spla

from fem import q1
from pixelpde.errors import InputError
from stencils.boundary import BoundaryCondition, check_grid_size


@dataclass(frozen=True)
class Pencil:
    """The matrix ``mass*M + stiffness*K + adv_x*Cx + adv_y*Cy`` (see :mod:`fem.q1`)."""

    mass: float = 0.0
    stiffness: float = 0.0
    adv_x: float = 0.0
    adv_y: float = 0.0

    @property
    def has_advection(self) -> bool:
        return self.adv_x != 0.0 or self.adv_y != 0.0


class Q1Solver:
    """Apply / solve with pencils and assemble nonlinear loads, on batches (..., p, p)."""

    name = "abstract"

    def __init__(self, bc, p: int):
        self.bc = BoundaryCondition.parse(bc)
        self.p = check_grid_size(p)
        self.dx = float(self.bc.spacing(self.p))

    def solve(self, lhs: Pencil, U: np.ndarray, rhs: Pencil | None = None) -> np.ndarray:
        """``X`` with ``lhs X = rhs U`` (``rhs`` defaults to the identity), for every field of the batch."""
        raise NotImplementedError

    def apply(self, pencil: Pencil, U: np.ndarray) -> np.ndarray:
        """``pencil U`` for every field of the batch."""
        raise NotImplementedError

    def product(self, U: np.ndarray, V: np.ndarray) -> np.ndarray:
        """The load vector :math:`\\int U V \\phi_i` of two Q1 fields (nodal layout)."""
        raise NotImplementedError

    def propagate(self, lhs: Pencil, rhs: Pencil, U0: np.ndarray, steps: int) -> Iterator[np.ndarray]:
        """Yield ``U_1, ..., U_steps`` of the linear recursion ``lhs U_{j+1} = rhs U_j``."""
        U = U0
        for _ in range(steps):
            U = self.solve(lhs, U, rhs)
            yield U

    def _check(self, U: np.ndarray) -> np.ndarray:
        U = np.asarray(U, dtype=np.float64)
        if U.shape[-2:] != (self.p, self.p):
            raise InputError(f"fields must be {self.p} x {self.p}, got shape {U.shape}")
        return U


class SpectralSolver(Q1Solver):
    """Fast diagonalisation by DST-I (Dirichlet) or FFT (periodic); see the module docstring.

    ``transform`` is ``"auto"`` (scipy.fft when its length is fast, else the
    dense orthonormal matrix), ``"fft"`` or ``"dense"``.
    """

    name = "fast"

    def __init__(self, bc, p: int, transform: str = "auto", workers: int = -1):
        super().__init__(bc, p)
        if transform not in ("auto", "fft", "dense"):
            raise InputError(f"unknown transform {transform!r} (use auto, fft or dense)")
        if transform == "auto":
            n = 2 * (self.p + 1)
            slow = self.bc is BoundaryCondition.DIRICHLET and sfft.next_fast_len(n, real=True) != n
            transform = "dense" if slow else "fft"
        if transform == "dense" and self.bc is BoundaryCondition.PERIODIC:
            transform = "fft"  # the real FFT of any p is fast enough; the dense path is for DST-I only
        self.transform = transform
        self.workers = workers

    # -- the eigenvalues of the 1D closed forms ------------------------------------------
    @cached_property
    def _symbols_1d(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """1D eigenvalues of M1, K1, G1 along axis -2 and axis -1 of the transformed array."""
        p, h = self.p, self.dx

        def forms(theta):
            mass = h * (4.0 + 2.0 * np.cos(theta)) / 6.0
            stiff = (2.0 - 2.0 * np.cos(theta)) / h
            return mass, stiff, 1j * np.sin(theta)

        if self.bc is BoundaryCondition.DIRICHLET:
            theta = np.pi * np.arange(1, p + 1) / (p + 1)
            (m, k, _), (m2, k2, _) = forms(theta), forms(theta)
            return {"M": (m, m2), "K": (k, k2), "G": (None, None)}
        rows, cols = forms(2 * np.pi * np.arange(p) / p), forms(2 * np.pi * np.arange(p // 2 + 1) / p)
        return {"M": (rows[0], cols[0]), "K": (rows[1], cols[1]), "G": (rows[2], cols[2])}

    def symbol(self, pencil: Pencil) -> np.ndarray:
        """Eigenvalues of the pencil on the transformed grid (real for DST-I, complex for the FFT)."""
        s = self._symbols_1d
        (mx, my), (kx, ky), (gx, gy) = s["M"], s["K"], s["G"]
        out = pencil.mass * np.multiply.outer(mx, my)
        out = out + pencil.stiffness * (np.multiply.outer(kx, my) + np.multiply.outer(mx, ky))
        if pencil.has_advection:
            if gx is None:
                raise InputError("the sine transform does not diagonalise the advection matrices (Dirichlet grid)")
            out = out + pencil.adv_x * np.multiply.outer(gx, my) + pencil.adv_y * np.multiply.outer(mx, gy)
        return out

    # -- transforms ---------------------------------------------------------------------
    @cached_property
    def _dst_matrix(self) -> np.ndarray:
        """The orthonormal DST-I matrix (symmetric and its own inverse)."""
        return sfft.dst(np.eye(self.p), type=1, norm="ortho", axis=0)

    def forward(self, U: np.ndarray) -> np.ndarray:
        if self.bc is BoundaryCondition.PERIODIC:
            return sfft.rfftn(U, axes=(-2, -1), workers=self.workers)
        if self.transform == "dense":
            S = self._dst_matrix
            return np.matmul(S, U @ S)
        return sfft.dstn(U, type=1, axes=(-2, -1), norm="ortho", workers=self.workers)

    def inverse(self, V: np.ndarray) -> np.ndarray:
        if self.bc is BoundaryCondition.PERIODIC:
            return sfft.irfftn(V, s=(self.p, self.p), axes=(-2, -1), workers=self.workers)
        return self.forward(V)  # DST-I (orthonormal) is an involution

    def multiply(self, U: np.ndarray, factor: np.ndarray) -> np.ndarray:
        """``T^{-1} (factor * T U)``: a function of the pencils applied to a batch."""
        return self.inverse(factor * self.forward(self._check(U)))

    # -- the interface ------------------------------------------------------------------
    def solve(self, lhs: Pencil, U: np.ndarray, rhs: Pencil | None = None) -> np.ndarray:
        factor = 1.0 / self.symbol(lhs) if rhs is None else self.symbol(rhs) / self.symbol(lhs)
        return self.multiply(U, factor)

    def apply(self, pencil: Pencil, U: np.ndarray) -> np.ndarray:
        """``pencil U`` by the 1D closed-form stencils along each axis (no transform needed)."""
        U = self._check(U)

        def along(name, V, axis):
            return q1.apply_1d(name, V, axis, self.bc)

        ym = along("mass", U, -1)
        inner = pencil.mass * ym
        if pencil.stiffness:
            inner = inner + pencil.stiffness * along("stiffness", U, -1)
        if pencil.adv_y:
            inner = inner + pencil.adv_y * along("derivative", U, -1)
        out = along("mass", inner, -2)
        if pencil.stiffness:
            out += pencil.stiffness * along("stiffness", ym, -2)
        if pencil.adv_x:
            out += pencil.adv_x * along("derivative", ym, -2)
        return out

    def product(self, U: np.ndarray, V: np.ndarray) -> np.ndarray:
        return q1.product(self._check(U), U if V is U else self._check(V), self.bc)

    def propagate(self, lhs: Pencil, rhs: Pencil, U0: np.ndarray, steps: int) -> Iterator[np.ndarray]:
        """As :meth:`Q1Solver.propagate`, staying in the eigenbasis: one inverse transform per snapshot."""
        factor = self.symbol(rhs) / self.symbol(lhs)
        V = self.forward(self._check(U0))
        for _ in range(steps):
            V = factor * V
            yield self.inverse(V)

    def exact_flow(self, operator: Pencil, t: float, U: np.ndarray) -> np.ndarray:
        """The exact semi-discrete flow: ``U(t)`` for ``M U' = operator U``, ``U(0) = U``."""
        return self.multiply(U, np.exp(t * self.symbol(operator) / self.symbol(Pencil(mass=1.0))))


class SparseLUSolver(Q1Solver):
    """The cross-check: scikit-fem matrices, ``splu`` factorisations (cached per pencil), scikit-fem loads."""

    name = "lu"

    def __init__(self, bc, p: int):
        super().__init__(bc, p)
        self.assembled = q1.assemble(self.bc, self.p)
        self._lu: dict[Pencil, object] = {}

    def matrix(self, pencil: Pencil):
        m = self.assembled.matrices
        return (pencil.mass * m["M"] + pencil.stiffness * m["K"] + pencil.adv_x * m["Cx"] + pencil.adv_y * m["Cy"]).tocsc()

    def _columns(self, U: np.ndarray) -> tuple[np.ndarray, tuple]:
        U = self._check(U)
        return U.reshape(-1, self.p * self.p).T, U.shape

    def solve(self, lhs: Pencil, U: np.ndarray, rhs: Pencil | None = None) -> np.ndarray:
        cols, shape = self._columns(U)
        if rhs is not None:
            cols = self.matrix(rhs) @ cols
        if lhs not in self._lu:
            self._lu[lhs] = spla.splu(self.matrix(lhs))
        return np.ascontiguousarray(self._lu[lhs].solve(np.ascontiguousarray(cols)).T).reshape(shape)

    def apply(self, pencil: Pencil, U: np.ndarray) -> np.ndarray:
        cols, shape = self._columns(U)
        return np.ascontiguousarray((self.matrix(pencil) @ cols).T).reshape(shape)

    def product(self, U: np.ndarray, V: np.ndarray) -> np.ndarray:
        U, V = self._check(U), self._check(V)
        flatU, flatV = U.reshape(-1, self.p, self.p), V.reshape(-1, self.p, self.p)
        out = np.stack([self.assembled.product(a, b) for a, b in zip(flatU, flatV)])
        return out.reshape(U.shape)


SOLVERS = {"fast": SpectralSolver, "lu": SparseLUSolver}


def get_solver(name: str, bc, p: int) -> Q1Solver:
    """``'fast'`` (:class:`SpectralSolver`) or ``'lu'`` (:class:`SparseLUSolver`)."""
    if name not in SOLVERS:
        raise InputError(f"unknown linear solver {name!r} (use one of {', '.join(SOLVERS)})")
    return SOLVERS[name](bc, p)
