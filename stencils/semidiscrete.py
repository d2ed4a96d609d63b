r"""The semi-discrete system (11) and its reference evaluation.

.. math::

    \dot U = X(U) = L * U + \sum_{i=1}^{n} \beta_i\,
        (D_{2i-1} * U) \odot (D_{2i} * U)
        + \sum_k \gamma_k \bigodot_{j=1}^{q_k} (E_{k,j} * U) \qquad (11)

(the last sum, products of q_k >= 3 factors, extends (11) to the polynomial
terms of (8); empty for the paper's quadratic class) with k x k kernels acting by cross-correlation on ``U`` padded by the
boundary condition (:mod:`pixelpde.stencils.boundary`).  :meth:`SemiDiscretePDE.rhs`
evaluates X(U) directly in NumPy, as the defining shifted sum on the padded
array, an implementation independent of the PyTorch networks that are
checked against it.  (Not :func:`scipy.ndimage.correlate`: it silently skips
kernel weights smaller than machine epsilon.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy as sp

from pixelpde.ground.errors import InputError
from pixelpde.stencils.boundary import BoundaryCondition
from pixelpde.stencils.expr import positive_fraction
from pixelpde.stencils.finite_difference import derivative_name, matrix_to_array


def _balanced(D1: sp.MatrixBase, D2: sp.MatrixBase) -> tuple[sp.MatrixBase, sp.MatrixBase]:
    """``(lam D1, D2 / lam)`` with lam a power of two making the kernels' l1 norms about equal:
    the same product, exactly, whose polarisation ab = ((a+b)^2 - a^2 - b^2)/2 loses least
    (with u next to u_xx / dx^2 unbalanced factors would cost their ratio in relative error)."""
    n1, n2 = (float(sum(abs(v) for v in D)) for D in (D1, D2))
    if n1 == 0 or n2 == 0:
        return D1, D2
    lam = sp.Integer(2) ** round(math.log2(n2 / n1) / 2)
    return sp.ImmutableMatrix(D1 * lam), sp.ImmutableMatrix(D2 / lam)


@dataclass(frozen=True, eq=False)
class SemiDiscretePDE:
    """X(U) of eq. (11): float64 kernels, the boundary condition and provenance.

    ``L`` is the combined linear kernel, ``betas[i]`` and ``D[2i], D[2i+1]``
    the i-th quadratic interaction (0-based here, ``D_{2i-1}, D_{2i}`` in the
    paper).  Built from a parsed PDE by :meth:`from_pde`, which also keeps
    the kernels in exact rationals (``exact``), or from arbitrary arrays.
    """

    L: np.ndarray
    betas: tuple[float, ...]
    D: tuple[np.ndarray, ...]
    bc: BoundaryCondition
    dx: Fraction | None = None
    pde: object | None = None
    exact: dict | None = field(default=None, repr=False)
    higher: tuple = ()
    interactions: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "bc", BoundaryCondition.parse(self.bc))
        L = np.asarray(self.L, dtype=np.float64)
        if L.ndim != 2 or L.shape[0] != L.shape[1] or L.shape[0] % 2 == 0:
            raise InputError(f"kernel L must be k x k with k odd, got shape {L.shape}")
        D = tuple(np.asarray(d, dtype=np.float64) for d in self.D)
        if len(D) != 2 * len(self.betas):
            raise InputError(f"{len(self.betas)} quadratic terms need {2 * len(self.betas)} kernels D, got {len(D)}")
        for d in D:
            if d.shape != L.shape:
                raise InputError(f"every kernel must have the shape of L {L.shape}, got {d.shape}")
        if not (np.all(np.isfinite(L)) and all(np.all(np.isfinite(d)) for d in D)):
            raise InputError("kernels must be finite (a coefficient overflows float64)")
        if not all(np.isfinite(b) for b in map(float, self.betas)):
            raise InputError("quadratic coefficients must be finite")
        higher = []
        for term in self.higher:
            try:
                gamma, kernels = term
                kernels = tuple(np.asarray(K, dtype=np.float64) for K in kernels)
            except (TypeError, ValueError):
                raise InputError(
                    "each higher-degree term must be (coefficient, (kernel, kernel, kernel, ...))"
                ) from None
            if len(kernels) < 3 or any(K.shape != L.shape for K in kernels):
                raise InputError(f"a higher-degree term needs >= 3 kernels of the shape of L {L.shape}")
            if not (np.isfinite(float(gamma)) and all(np.all(np.isfinite(K)) for K in kernels)):
                raise InputError("higher-degree coefficients and kernels must be finite")
            higher.append((float(gamma), kernels))
        object.__setattr__(self, "higher", tuple(higher))
        object.__setattr__(self, "L", L)
        object.__setattr__(self, "D", D)
        object.__setattr__(self, "betas", tuple(float(b) for b in self.betas))

    @classmethod
    def from_pde(cls, pde, dx, bc, interactions: str = "minimal") -> SemiDiscretePDE:
        """Discretise a :class:`~pixelpde.stencils.pde.PDE` on a grid of spacing ``dx``.

        The quadratic part becomes ``pde.products(interactions)``: each factor,
        a linear form sum_alpha c_alpha d^alpha u, becomes the kernel
        sum_alpha c_alpha D_alpha (convolution is linear, for either padding).
        With ``minimal``, each product's two kernels are also balanced by a power of two
        (:func:`_balanced`); ``as-written`` keeps the stencils of the terms as they are.
        """
        dx = positive_fraction(dx, "dx")
        k = pde.size

        def kernel(coeffs):
            K = sp.zeros(k, k)
            for alpha, coeff in coeffs:
                K += coeff * pde.stencil(alpha).kernel(dx)
            return sp.ImmutableMatrix(K)

        L = kernel(pde.linear)
        products = pde.products(interactions)
        terms = [(p.beta, kernel(p.first.coeffs), kernel(p.second.coeffs)) for p in products]
        if interactions == "minimal":
            terms = [(beta, *_balanced(D1, D2)) for beta, D1, D2 in terms]
        higher = [(t.beta, tuple(pde.stencil(a).kernel(dx) for a in t.factors)) for t in getattr(pde, "higher", ())]
        return cls(
            L=matrix_to_array(L),
            betas=tuple(float(beta) for beta, _, _ in terms),
            D=tuple(matrix_to_array(d) for _, d1, d2 in terms for d in (d1, d2)),
            bc=bc,
            dx=dx,
            pde=pde,
            exact={
                "L": L,
                "betas": tuple(beta for beta, _, _ in terms),
                "D": tuple(d for _, a, b in terms for d in (a, b)),
                "higher": tuple(higher),
            },
            higher=tuple((float(g), tuple(matrix_to_array(K) for K in Ks)) for g, Ks in higher),
            interactions=interactions,
        )

    @property
    def n(self) -> int:
        """Number of quadratic products (the n of Theorem 3.2)."""
        return len(self.betas)

    @property
    def is_linear(self) -> bool:
        return self.n == 0 and not self.higher

    @property
    def degrees(self) -> tuple[int, ...]:
        """The distinct degrees (>= 3) of the higher-degree terms, ascending."""
        return tuple(sorted({len(Ks) for _, Ks in self.higher}))

    @property
    def degree(self) -> int:
        return max(self.degrees, default=2 if self.n else 1)

    @property
    def size(self) -> int:
        return self.L.shape[0]

    def check_field(self, U) -> np.ndarray:
        """Validate a field ``U`` of shape (r, s) or (..., r, s); return it as float64."""
        U = np.asarray(U)
        if U.dtype.kind not in "fiu" or U.dtype == np.bool_:
            raise InputError(f"field must be a real array, got dtype {U.dtype}")
        if U.ndim < 2:
            raise InputError(f"field must have shape (r, s) or (batch, r, s), got shape {U.shape}")
        if min(U.shape[-2:]) < self.size:
            raise InputError(f"grid {U.shape[-2]}x{U.shape[-1]} is smaller than the {self.size}x{self.size} kernel")
        if not np.all(np.isfinite(U)):
            raise InputError("field contains NaN or Inf")
        return U.astype(np.float64, copy=False)

    def correlate(self, K: np.ndarray, U: np.ndarray) -> np.ndarray:
        """``(K * U)[h, k] = sum_{a,b} K[a, b] Upad[h + a, k + b]`` for U of shape (..., r, s),
        ``Upad`` being U padded by ``c = k // 2`` as the boundary condition says."""
        K = np.asarray(K, dtype=np.float64)
        c = K.shape[0] // 2
        r, s = U.shape[-2:]
        padded = np.pad(U, [(0, 0)] * (U.ndim - 2) + [(c, c), (c, c)], mode=self.bc.numpy_mode)
        out = np.zeros(U.shape, dtype=np.float64)
        for a in range(K.shape[0]):
            for b in range(K.shape[1]):
                if K[a, b] != 0.0:
                    out += K[a, b] * padded[..., a : a + r, b : b + s]
        return out

    def rhs(self, U) -> np.ndarray:
        """Reference X(U) of eq. (11) for ``U`` of shape (r, s) or (..., r, s), float64."""
        U = self.check_field(U)
        out = self.correlate(self.L, U)
        for i, beta in enumerate(self.betas):
            out += beta * self.correlate(self.D[2 * i], U) * self.correlate(self.D[2 * i + 1], U)
        for gamma, kernels in self.higher:
            term = self.correlate(kernels[0], U)
            for K in kernels[1:]:
                term = term * self.correlate(K, U)
            out += gamma * term
        return out

    def linear_matrix(self, r: int, s: int | None = None):
        """The matrix of ``U -> L * U`` on row-major ``vec(U)`` (index ``h*s + k``), a SciPy CSR matrix."""
        s = r if s is None else s
        if min(r, s) < self.size:
            raise InputError(f"grid {r}x{s} is smaller than the {self.size}x{self.size} kernel")
        c = self.size // 2
        import scipy.sparse as sps  # here, not at import: SciPy's import costs `pixelpde weights` ~0.7 s

        total = sps.csr_matrix((r * s, r * s))
        for a in range(self.size):
            for b in range(self.size):
                w = self.L[a, b]
                if w != 0.0:
                    total = total + w * sps.kron(self._shift(r, a - c), self._shift(s, b - c), format="csr")
        return total.tocsr()

    def _shift(self, m: int, i: int):
        """(S U)[h] = U[h + i], wrapping (periodic) or dropping (Dirichlet)."""
        import scipy.sparse as sps

        S = sps.eye(m, k=i, format="csr")
        if self.bc is BoundaryCondition.PERIODIC and i != 0:
            S = S + sps.eye(m, k=i - m if i > 0 else i + m, format="csr")
        return S

    def describe(self) -> dict:
        """JSON-ready description; kernels as exact rational strings when known."""

        def exact(M):
            return [[str(v) for v in M.row(r)] for r in range(M.rows)]

        out = {
            "pde": None if self.pde is None else self.pde.source,
            "pde_canonical": None if self.pde is None else str(self.pde),
            "bc": str(self.bc),
            "dx": None if self.dx is None else str(self.dx),
            "dx_float": None if self.dx is None else float(self.dx),
            "size": self.size,
            "order": None if self.pde is None else self.pde.order,
            "n": self.n,
        }
        if self.interactions is not None:
            out["interactions"] = self.interactions
        if self.pde is not None and getattr(self.pde, "quadratic", ()):
            sym = lambda a: sp.Symbol(derivative_name(a))
            out["products"] = [p.text(sym) for p in self.pde.products(self.interactions or "minimal")]
        if self.higher:
            out["degrees"] = {str(q): sum(1 for _, Ks in self.higher if len(Ks) == q) for q in self.degrees}
        if self.exact is not None:
            out["stencils"] = {
                "L": exact(self.exact["L"]),
                "terms": [
                    {"beta": str(beta), "D1": exact(self.exact["D"][2 * i]), "D2": exact(self.exact["D"][2 * i + 1])}
                    for i, beta in enumerate(self.exact["betas"])
                ],
            }
            if self.exact.get("higher"):
                out["stencils"]["higher"] = [
                    {"beta": str(g), "factors": [exact(K) for K in Ks]} for g, Ks in self.exact["higher"]
                ]
        else:
            out["stencils"] = {
                "L": self.L.tolist(),
                "terms": [
                    {"beta": beta, "D1": self.D[2 * i].tolist(), "D2": self.D[2 * i + 1].tolist()}
                    for i, beta in enumerate(self.betas)
                ],
            }
            if self.higher:
                out["stencils"]["higher"] = [{"beta": g, "factors": [K.tolist() for K in Ks]} for g, Ks in self.higher]
        return out
