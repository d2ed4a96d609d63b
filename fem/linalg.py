r"""Linear algebra of the Q1 schemes: one interface, two implementations.

Every implicit step of Appendix A solves a system whose matrix is a
*pencil* of the four Q1 matrices of :mod:`pixelpde.fem.q1`,

.. math::

    A = a\,M + b\,K + c_x C_x + c_y C_y ,

for a batch of trajectories at once.  A :class:`Q1Solver` works in a basis
of *coefficients* of its choice: :meth:`~Q1Solver.forward` maps nodal fields
to coefficients and :meth:`~Q1Solver.inverse` back; pencils act on
coefficients (:meth:`~Q1Solver.apply_c`, :meth:`~Q1Solver.solve_c`).  The
schemes (:mod:`pixelpde.fem.problems`) are written once against this interface:

* :class:`SpectralSolver` (the default, "fast diagonalisation"): on the
  uniform tensor mesh M, K, C_x, C_y are Kronecker products of 1D
  tridiagonal (Dirichlet) or circulant (periodic) matrices with the closed
  forms of :mod:`pixelpde.fem.q1`, all diagonalised by the orthonormal DST-I
  (Dirichlet; ``scipy.fft.dstn``) or the 2D real FFT (periodic;
  ``scipy.fft.rfftn``).  Coefficients are the transformed fields, pencils
  are diagonal: a solve is a division, for all trajectories at once.  (When
  ``2(p+1)`` is not a fast FFT length -- p = 100 gives 202 = 2 x 101 -- the
  same orthonormal DST-I is applied as a product with its p x p matrix,
  which BLAS does faster than a prime-length FFT.)
* :class:`SparseLUSolver` (the cross-check): coefficients are the nodal
  values themselves; the matrices are assembled by scikit-fem and
  factorised by ``scipy.sparse.linalg.splu``; the nonlinear load vectors
  are assembled by scikit-fem too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.fft as sfft
import scipy.sparse.linalg as spla

from pixelpde.fem import q1
from pixelpde.ground.errors import InputError
from pixelpde.stencils.boundary import BoundaryCondition, check_grid_size


@dataclass(frozen=True)
class Pencil:
    """The matrix ``mass*M + stiffness*K + adv_x*Cx + adv_y*Cy`` (see :mod:`pixelpde.fem.q1`)."""

    mass: float = 0.0
    stiffness: float = 0.0
    adv_x: float = 0.0
    adv_y: float = 0.0

    @property
    def has_advection(self) -> bool:
        return self.adv_x != 0.0 or self.adv_y != 0.0


class Q1Solver:
    """Pencils of Q1 matrices on batches of nodal fields (..., p, p), in a basis of coefficients."""

    name = "abstract"

    def __init__(self, bc, p: int):
        self.bc = BoundaryCondition.parse(bc)
        self.p = check_grid_size(p)
        self.dx = float(self.bc.spacing(self.p))

    # -- what an implementation provides -------------------------------------------------
    def forward(self, U: np.ndarray) -> np.ndarray:
        """Nodal fields -> coefficients."""
        raise NotImplementedError

    def inverse(self, V: np.ndarray) -> np.ndarray:
        """Coefficients -> nodal fields."""
        raise NotImplementedError

    def apply_c(self, pencil: Pencil, V: np.ndarray) -> np.ndarray:
        """Coefficients of ``pencil U`` from those of ``U``."""
        raise NotImplementedError

    def solve_c(self, pencil: Pencil, V: np.ndarray) -> np.ndarray:
        """Coefficients of ``pencil^{-1} U`` from those of ``U``."""
        raise NotImplementedError

    def norm_c(self, V: np.ndarray) -> np.ndarray:
        """Euclidean norm of each nodal field, from its coefficients (shape ``V.shape[:-2]``)."""
        raise NotImplementedError

    def product(self, U: np.ndarray, W: np.ndarray) -> np.ndarray:
        """The load vector :math:`\\int U W \\phi_i` of two Q1 fields (nodal layout)."""
        raise NotImplementedError

    # -- built on it -------------------------------------------------------------------------
    def apply(self, pencil: Pencil, U: np.ndarray) -> np.ndarray:
        """``pencil U`` for every field of the batch."""
        return self.inverse(self.apply_c(pencil, self.forward(self._check(U))))

    def solve(self, lhs: Pencil, U: np.ndarray, rhs: Pencil | None = None) -> np.ndarray:
        """``X`` with ``lhs X = rhs U`` (``rhs`` defaults to the identity), for every field of the batch."""
        V = self.forward(self._check(U))
        if rhs is not None:
            V = self.apply_c(rhs, V)
        return self.inverse(self.solve_c(lhs, V))

    def propagate(self, lhs: Pencil, rhs: Pencil, U0: np.ndarray, steps: int) -> Iterator[np.ndarray]:
        """Yield ``U_1, ..., U_steps`` of the linear recursion ``lhs U_{j+1} = rhs U_j``.

        Stays in coefficients between steps: one inverse map per snapshot.
        """
        V = self.forward(self._check(U0))
        for _ in range(steps):
            V = self.solve_c(lhs, self.apply_c(rhs, V))
            yield self.inverse(V)

    def _check(self, U: np.ndarray) -> np.ndarray:
        U = np.asarray(U, dtype=np.float64)
        if U.shape[-2:] != (self.p, self.p):
            raise InputError(f"fields must be {self.p} x {self.p}, got shape {U.shape}")
        return U


class SpectralSolver(Q1Solver):
    """Fast diagonalisation of the Q1 mass and stiffness matrices (Kronecker products of 1-D ones) by DST-I
    (Dirichlet) or FFT (periodic): solves with them in O(p^2 log p) per field.

    ``transform`` is ``"auto"`` (scipy.fft when its length is fast, else the
    dense orthonormal matrix), ``"fft"`` or ``"dense"`` (Dirichlet only).
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

    # -- eigenvalues of the 1D closed forms -----------------------------------------------
    @cached_property
    def _symbols_1d(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """1D eigenvalues of M1, K1, G1 along axis -2 and axis -1 of the coefficient array."""
        p, h = self.p, self.dx

        def forms(theta):
            return h * (4.0 + 2.0 * np.cos(theta)) / 6.0, (2.0 - 2.0 * np.cos(theta)) / h, 1j * np.sin(theta)

        if self.bc is BoundaryCondition.DIRICHLET:
            m, k, _ = forms(np.pi * np.arange(1, p + 1) / (p + 1))
            return {"M": (m, m), "K": (k, k), "G": (None, None)}
        rows, cols = forms(2 * np.pi * np.arange(p) / p), forms(2 * np.pi * np.arange(p // 2 + 1) / p)
        return {"M": (rows[0], cols[0]), "K": (rows[1], cols[1]), "G": (rows[2], cols[2])}

    def symbol(self, pencil: Pencil) -> np.ndarray:
        """Eigenvalues of the pencil on the coefficient grid (real for DST-I, complex for the FFT)."""
        s = self._symbols_1d
        (mx, my), (kx, ky), (gx, gy) = s["M"], s["K"], s["G"]
        out = pencil.mass * np.multiply.outer(mx, my)
        out = out + pencil.stiffness * (np.multiply.outer(kx, my) + np.multiply.outer(mx, ky))
        if pencil.has_advection:
            if gx is None:
                raise InputError("the sine transform does not diagonalise the advection matrices (Dirichlet grid)")
            out = out + pencil.adv_x * np.multiply.outer(gx, my) + pencil.adv_y * np.multiply.outer(mx, gy)
        return out

    @cached_property
    def _parseval(self) -> np.ndarray | None:
        """Weights w with ||U||^2 = sum w |V|^2 for the real FFT's half spectrum (None: orthonormal DST)."""
        if self.bc is BoundaryCondition.DIRICHLET:
            return None
        w = np.full(self.p // 2 + 1, 2.0)
        w[0] = 1.0
        if self.p % 2 == 0:
            w[-1] = 1.0
        return w / self.p**2

    # -- transforms ---------------------------------------------------------------------
    @cached_property
    def _dst_matrix(self) -> np.ndarray:
        """The orthonormal DST-I matrix (symmetric and its own inverse)."""
        return sfft.dst(np.eye(self.p), type=1, norm="ortho", axis=0)

    def forward(self, U):
        if self.bc is BoundaryCondition.PERIODIC:
            return sfft.rfftn(U, axes=(-2, -1), workers=self.workers)
        if self.transform == "dense":
            S = self._dst_matrix
            return np.matmul(S, U @ S)
        return sfft.dstn(U, type=1, axes=(-2, -1), norm="ortho", workers=self.workers)

    def inverse(self, V):
        if self.bc is BoundaryCondition.PERIODIC:
            return sfft.irfftn(V, s=(self.p, self.p), axes=(-2, -1), workers=self.workers)
        return self.forward(V)  # DST-I (orthonormal) is an involution

    def apply_c(self, pencil, V):
        return self.symbol(pencil) * V

    def solve_c(self, pencil, V):
        return V / self.symbol(pencil)

    def norm_c(self, V):
        if self._parseval is None:
            return np.sqrt(np.sum(V * V, axis=(-2, -1)))
        return np.sqrt(np.sum(self._parseval * (V.real**2 + V.imag**2), axis=(-2, -1)))

    def product(self, U, W):
        return q1.product(self._check(U), U if W is U else self._check(W), self.bc)

    def exact_flow(self, operator: Pencil, t: float, U: np.ndarray) -> np.ndarray:
        """The exact semi-discrete flow: ``U(t)`` for ``M U' = operator U``, ``U(0) = U``."""
        factor = np.exp(t * self.symbol(operator) / self.symbol(Pencil(mass=1.0)))
        return self.inverse(factor * self.forward(self._check(U)))


class SparseLUSolver(Q1Solver):
    """The cross-check: scikit-fem matrices, ``splu`` factorisations (cached per pencil), scikit-fem loads."""

    name = "lu"

    def __init__(self, bc, p: int):
        super().__init__(bc, p)
        self.assembled = q1.assemble(self.bc, self.p)
        self._lu: dict[Pencil, object] = {}

    def matrix(self, pencil: Pencil):
        m = self.assembled.matrices
        return (
            pencil.mass * m["M"] + pencil.stiffness * m["K"] + pencil.adv_x * m["Cx"] + pencil.adv_y * m["Cy"]
        ).tocsc()

    def forward(self, U):
        return np.array(U, dtype=np.float64)

    def inverse(self, V):
        return np.array(V, dtype=np.float64)

    def _columns(self, V, operation) -> np.ndarray:
        cols = np.ascontiguousarray(V.reshape(-1, self.p * self.p).T)
        return np.ascontiguousarray(operation(cols).T).reshape(V.shape)

    def apply_c(self, pencil, V):
        return self._columns(V, lambda cols: self.matrix(pencil) @ cols)

    def solve_c(self, pencil, V):
        if pencil not in self._lu:
            self._lu[pencil] = spla.splu(self.matrix(pencil))
        return self._columns(V, self._lu[pencil].solve)

    def norm_c(self, V):
        return np.sqrt(np.sum(V * V, axis=(-2, -1)))

    def product(self, U, W):
        U, W = self._check(U), self._check(W)
        flatU, flatW = U.reshape(-1, self.p, self.p), W.reshape(-1, self.p, self.p)
        out = np.stack([self.assembled.product(a, b) for a, b in zip(flatU, flatW, strict=True)])
        return out.reshape(U.shape)


SOLVERS = {"fast": SpectralSolver, "lu": SparseLUSolver}


def get_solver(name: str, bc, p: int) -> Q1Solver:
    """``'fast'`` (:class:`SpectralSolver`) or ``'lu'`` (:class:`SparseLUSolver`)."""
    if name not in SOLVERS:
        raise InputError(f"unknown linear solver {name!r} (use one of {', '.join(SOLVERS)})")
    return SOLVERS[name](bc, p)
