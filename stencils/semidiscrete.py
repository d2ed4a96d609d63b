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
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from pixelpde.ground.errors import InputError
from pixelpde.stencils.boundary import BoundaryCondition
from pixelpde.stencils.expr import positive_fraction
from pixelpde.stencils.finite_difference import derivative_name, freeze, kernel_strings, kernel_to_array, zero_kernel

if TYPE_CHECKING:
    from collections.abc import Callable

    from pixelpde.stencils.pde import PDE
    from pixelpde.stencils.system import PDESystem


def _balanced(D1, D2):
    """``(lam D1, D2 / lam)`` with lam a power of two making the kernels' l1 norms about equal:
    the same product, exactly, whose polarisation ab = ((a+b)^2 - a^2 - b^2)/2 loses least
    (with u next to u_xx / dx^2 unbalanced factors would cost their ratio in relative error).
    A kernel is an exact SymPy kernel (any dimension), or a tuple of them (one per field, for systems)."""
    as_tuple = lambda D: D if isinstance(D, tuple) else (D,)
    n1, n2 = (float(sum(abs(v) for M in as_tuple(D) for v in _entries(M))) for D in (D1, D2))
    if n1 == 0 or n2 == 0:
        return D1, D2
    lam = sp.Integer(2) ** round(math.log2(n2 / n1) / 2)
    scale = lambda D, c: tuple(freeze(M * c) for M in D) if isinstance(D, tuple) else freeze(D * c)
    return scale(D1, lam), scale(D2, 1 / lam)


def _entries(K):
    """The entries of an exact kernel of any dimension."""
    return sp.flatten(K.tolist())


def _check_kernel_shape(L: np.ndarray, lead: int, what: str) -> None:
    """``L`` has ``lead`` leading axes and then d = 1, 2, 3 equal odd axes (k, k^2 or k^3 kernels)."""
    spatial = L.shape[lead:]
    if not 1 <= len(spatial) <= 3 or len(set(spatial)) != 1 or spatial[0] % 2 == 0:
        raise InputError(f"kernel L must be {what} with k odd and d = 1, 2, 3 axes of k, got shape {L.shape}")


def correlate(K: np.ndarray, U: np.ndarray, bc: BoundaryCondition) -> np.ndarray:
    """``(K * U)[i] = sum_o K[c + o] Upad[i + o]`` over the last d = K.ndim axes of ``U``
    (d = 1, 2, 3), ``Upad`` being U padded by ``c = k // 2`` as the boundary condition says:
    the defining shifted sum, independent of PyTorch."""
    K = np.asarray(K, dtype=np.float64)
    d, c = K.ndim, K.shape[0] // 2
    spatial = U.shape[-d:]
    padded = np.pad(U, [(0, 0)] * (U.ndim - d) + [(c, c)] * d, mode=bc.numpy_mode)
    out = np.zeros(U.shape, dtype=np.float64)
    for index in np.ndindex(*K.shape):
        if K[index] != 0.0:
            window: tuple[Any, ...] = (Ellipsis, *(slice(i, i + n) for i, n in zip(index, spatial, strict=True)))
            out += K[index] * padded[window]
    return out


def grid_record(sd: Any, origin: Any) -> dict[str, Any]:
    """What a description of a semi-discrete PDE or system starts with: its text (``origin``, the parsed
    PDE or system, or None), the grid (bc, dx exactly and as a float, kernel size, dim when not 2), the
    stencils' order and n."""
    out: dict[str, Any] = {
        "pde": None if origin is None else origin.source,
        "pde_canonical": None if origin is None else str(origin),
        "bc": str(sd.bc),
        "dx": None if sd.dx is None else str(sd.dx),
        "dx_float": None if sd.dx is None else float(sd.dx),
        "size": sd.size,
        "order": None if origin is None else origin.order,
        "n": sd.n,
    }
    if sd.dim != 2:
        out["dim"] = sd.dim
    return out


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
    pde: PDE | None = None
    exact: dict | None = field(default=None, repr=False)
    higher: tuple = ()
    interactions: str | None = None
    #: A constant source term (the bias of the network), 0 in the paper's class (8).
    constant: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "bc", BoundaryCondition.parse(self.bc))
        if not np.isfinite(float(self.constant)):
            raise InputError("the constant source term must be finite")
        object.__setattr__(self, "constant", float(self.constant))
        L = np.asarray(self.L, dtype=np.float64)
        if L.ndim == 2 and (L.shape[0] != L.shape[1] or L.shape[0] % 2 == 0):
            raise InputError(f"kernel L must be k x k with k odd, got shape {L.shape}")
        _check_kernel_shape(L, 0, "k x k (or k, k x k x k)")
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
        k, dim = pde.size, getattr(pde, "dim", 2)

        def kernel(coeffs):
            K = zero_kernel(k, dim)
            for alpha, coeff in coeffs:
                K += coeff * pde.stencil(alpha).kernel(dx)
            return freeze(K)

        L = kernel(pde.linear)
        products = pde.products(interactions)
        terms = [(p.beta, kernel(p.first.coeffs), kernel(p.second.coeffs)) for p in products]
        if interactions == "minimal":
            terms = [(beta, *_balanced(D1, D2)) for beta, D1, D2 in terms]
        higher = [(t.beta, tuple(pde.stencil(a).kernel(dx) for a in t.factors)) for t in getattr(pde, "higher", ())]
        return cls(
            L=kernel_to_array(L),
            betas=tuple(float(beta) for beta, _, _ in terms),
            D=tuple(kernel_to_array(d) for _, d1, d2 in terms for d in (d1, d2)),
            bc=bc,
            dx=dx,
            pde=pde,
            exact={
                "L": L,
                "betas": tuple(beta for beta, _, _ in terms),
                "D": tuple(d for _, a, b in terms for d in (a, b)),
                "higher": tuple(higher),
            },
            higher=tuple((float(g), tuple(kernel_to_array(K) for K in Ks)) for g, Ks in higher),
            interactions=interactions,
            constant=float(getattr(pde, "constant", 0)),
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

    @property
    def dim(self) -> int:
        """The grid's dimension (the kernels' rank)."""
        return self.L.ndim

    def check_field(self, U) -> np.ndarray:
        """Validate a field ``U`` of shape (r, s) or (..., r, s) (d = 2; (p,) / (p, p, p) and
        batches of them for d = 1, 3); return it as float64."""
        U = np.asarray(U)
        d = self.dim
        if U.dtype.kind not in "fiu" or U.dtype == np.bool_:
            raise InputError(f"field must be a real array, got dtype {U.dtype}")
        if U.ndim < d:
            spatial = ", ".join("rstu"[:d]) if d > 1 else "p"
            raise InputError(f"field must have shape ({spatial}) or (batch, {spatial}), got shape {U.shape}")
        if min(U.shape[-d:]) < self.size:
            grid, kernel = "x".join(map(str, U.shape[-d:])), "x".join([str(self.size)] * d)
            raise InputError(f"grid {grid} is smaller than the {kernel} kernel")
        if not np.all(np.isfinite(U)):
            raise InputError("field contains NaN or Inf")
        return U.astype(np.float64, copy=False)

    def correlate(self, K: np.ndarray, U: np.ndarray) -> np.ndarray:
        """``(K * U)[h, k] = sum_{a,b} K[a, b] Upad[h + a, k + b]`` for U of shape (..., r, s)
        (:func:`correlate` with this boundary condition)."""
        return correlate(K, U, self.bc)

    def as_system(self) -> SemiDiscreteSystem:
        """The same X as a one-field :class:`SemiDiscreteSystem` (kernels with a channel axis)."""
        exact = None
        if self.exact is not None:
            exact = {
                "L": ((self.exact["L"],),),
                "betas": (tuple(self.exact["betas"]),),
                "D": tuple((D,) for D in self.exact["D"]),
                "higher": tuple(((g,), tuple((K,) for K in Ks)) for g, Ks in self.exact["higher"]),
                "source": (sp.Rational(getattr(self.pde, "constant", 0)),),
            }
        return SemiDiscreteSystem(
            L=self.L[None, None],
            betas=np.asarray(self.betas, dtype=np.float64).reshape(1, -1),
            D=tuple(D[None] for D in self.D),
            bc=self.bc,
            source=np.array([self.constant]),
            higher=tuple((np.array([g]), tuple(K[None] for K in Ks)) for g, Ks in self.higher),
            fields=("u",),
            dx=self.dx,
            exact=exact,
            interactions=self.interactions,
        )

    def rhs(self, U) -> np.ndarray:
        """Reference X(U) of eq. (11) for ``U`` of shape (r, s) or (..., r, s) (d axes last), float64."""
        U = self.check_field(U)
        axis = U.ndim - self.dim
        return np.take(self.as_system().rhs(np.expand_dims(U, axis)), 0, axis=axis)

    def linear_matrix(self, r: int, *rest: int):
        """The matrix of ``U -> L * U`` on row-major ``vec(U)`` (index ``h*s + k`` for d = 2), a SciPy
        CSR matrix; the grid is ``(r, *rest)``, or r nodes on every axis when ``rest`` is empty."""
        shape = (r, *rest) if rest else (r,) * self.dim
        if len(shape) != self.dim:
            raise InputError(f"a {self.dim}-D grid needs {self.dim} sizes, got {shape}")
        if min(shape) < self.size:
            grid, kernel = "x".join(map(str, shape)), "x".join([str(self.size)] * self.dim)
            raise InputError(f"grid {grid} is smaller than the {kernel} kernel")
        c = self.size // 2
        import scipy.sparse as sps  # here, not at import: SciPy's import costs `pixelpde weights` ~0.7 s

        nodes = int(np.prod(shape))
        total = sps.csr_matrix((nodes, nodes))
        for index in np.ndindex(*self.L.shape):
            w = self.L[index]
            if w != 0.0:
                term = sps.csr_matrix(np.ones((1, 1)))
                for m, i in zip(shape, index, strict=True):
                    term = sps.kron(term, self._shift(m, i - c), format="csr")
                total = total + w * term
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

        exact = kernel_strings
        out = grid_record(self, self.pde)
        if self.interactions is not None:
            out["interactions"] = self.interactions
        if self.constant:
            out["constant"] = str(getattr(self.pde, "constant", self.constant))
        if self.pde is not None and getattr(self.pde, "quadratic", None):
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


def _field_kernel(coeffs, stencil, dx, size: int, channels: int, dim: int = 2) -> tuple:
    """``sum_{(c, alpha)} coeff * D_alpha`` placed in channel c: one exact k^d kernel per field."""
    out = [zero_kernel(size, dim) for _ in range(channels)]
    for (c, alpha), coeff in coeffs:
        out[c] += coeff * stencil(alpha).kernel(dx)
    return tuple(freeze(M) for M in out)


def _stack(matrices) -> np.ndarray:
    return np.stack([kernel_to_array(M) for M in matrices])


@dataclass(frozen=True, eq=False)
class SemiDiscreteSystem:
    r"""X(U) of eq. (11) for a system of C fields, with its reference evaluation.

    .. math::

        X_k(U) = s_k + \sum_c L_{kc} * U_c + \sum_{i=1}^{n} eta_{ki}\,
            (D_{2i-1} \star U) \odot (D_{2i} \star U)
            + \sum_m \gamma_{km} igodot_j (E_{m,j} \star U),
        \qquad D \star U = \sum_c D[c] * U_c,

    so a factor is a kernel per field (a linear form across fields) and a product is shared
    by every equation with a non-zero coefficient on it.  Shapes: ``L`` (C, C, k, k) (row k:
    equation k), each ``D[j]`` and factor kernel (C, k, k), ``betas`` (C, n), ``source`` (C,),
    ``higher`` a tuple of ``(gammas (C,), kernels)``; on a grid of d = 1 or 3 dimensions each
    k x k becomes k or k x k x k (``dim``).  A scalar PDE is C = 1
    (:meth:`SemiDiscretePDE.as_system`).
    """

    L: np.ndarray
    betas: np.ndarray
    D: tuple[np.ndarray, ...]
    bc: BoundaryCondition
    source: np.ndarray | None = None
    higher: tuple = ()
    fields: tuple[str, ...] | None = None
    dx: Fraction | None = None
    system: PDESystem | None = None
    exact: dict | None = field(default=None, repr=False)
    interactions: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "bc", BoundaryCondition.parse(self.bc))
        L = np.asarray(self.L, dtype=np.float64)
        if L.ndim == 4 and (L.shape[0] != L.shape[1] or L.shape[2] != L.shape[3] or L.shape[2] % 2 == 0):
            raise InputError(f"kernel L must be C x C x k x k with k odd, got shape {L.shape}")
        if L.ndim < 3 or L.shape[0] != L.shape[1]:
            raise InputError(f"kernel L must be C x C x k x k (or k, k x k x k) with k odd, got shape {L.shape}")
        _check_kernel_shape(L, 2, "C x C x k x k (or k, k x k x k)")
        C = L.shape[0]
        kernel_shape = (C, *L.shape[2:])
        betas = np.asarray(self.betas, dtype=np.float64).reshape(C, -1)
        D = tuple(np.asarray(d, dtype=np.float64) for d in self.D)
        if len(D) != 2 * betas.shape[1]:
            raise InputError(f"{betas.shape[1]} products need {2 * betas.shape[1]} kernels D, got {len(D)}")
        if any(d.shape != kernel_shape for d in D):
            raise InputError(f"every factor kernel must have shape {kernel_shape}")
        source = np.zeros(C) if self.source is None else np.asarray(self.source, dtype=np.float64).reshape(C)
        higher = []
        for gammas, kernels in self.higher:
            gammas = np.asarray(gammas, dtype=np.float64).reshape(C)
            kernels = tuple(np.asarray(K, dtype=np.float64) for K in kernels)
            if len(kernels) < 3 or any(K.shape != kernel_shape for K in kernels):
                raise InputError(f"a higher-degree term needs >= 3 kernels of shape {kernel_shape}")
            higher.append((gammas, kernels))
        arrays = [L, betas, source, *D] + [a for g, Ks in higher for a in (g, *Ks)]
        if not all(np.all(np.isfinite(a)) for a in arrays):
            raise InputError("kernels and coefficients must be finite (a coefficient overflows float64)")
        fields = tuple(self.fields) if self.fields is not None else tuple("uvwabc"[:C]) if C <= 6 else None
        for name, value in (("L", L), ("betas", betas), ("D", D), ("source", source), ("higher", tuple(higher))):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "fields", fields)

    @classmethod
    def from_system(cls, system, dx, bc, interactions: str = "minimal") -> SemiDiscreteSystem:
        """Discretise a :class:`~pixelpde.stencils.system.PDESystem` on a grid of spacing ``dx``:
        each linear form becomes its kernels per field (convolution is linear, for either padding);
        the products are ``system.products(interactions)``, balanced by powers of two with
        ``minimal`` (:func:`_balanced`)."""
        dx = positive_fraction(dx, "dx")
        k, C = system.size, system.channels
        kernel = lambda coeffs: _field_kernel(coeffs, system.stencil, dx, k, C, getattr(system, "dim", 2))
        L = tuple(kernel([(m[0], c) for m, c in e.of_degree(1)]) for e in system.equations)
        products, betas = system.products(interactions)
        factors = [(kernel(p.first.coeffs), kernel(p.second.coeffs)) for p in products]
        if interactions == "minimal":
            factors = [_balanced(D1, D2) for D1, D2 in factors]
        higher = [(gammas, tuple(kernel([(v, 1)]) for v in m)) for m, gammas in system.higher()]
        return cls(
            L=np.stack([_stack(row) for row in L]),
            betas=np.array([[float(b) for b in row] for row in betas], dtype=np.float64).reshape(C, len(products)),
            D=tuple(_stack(d) for pair in factors for d in pair),
            bc=bc,
            source=np.array([float(c) for c in system.constants]),
            higher=tuple((np.array([float(g) for g in gs]), tuple(_stack(K) for K in Ks)) for gs, Ks in higher),
            fields=system.fields,
            dx=dx,
            system=system,
            exact={
                "L": L,
                "betas": betas,
                "D": tuple(d for pair in factors for d in pair),
                "higher": tuple(higher),
                "source": system.constants,
            },
            interactions=interactions,
        )

    @property
    def channels(self) -> int:
        return self.L.shape[0]

    @property
    def size(self) -> int:
        return self.L.shape[-1]

    @property
    def dim(self) -> int:
        """The grid's dimension (the rank of each kernel)."""
        return self.L.ndim - 2

    @property
    def n(self) -> int:
        """Number of (shared) quadratic products."""
        return self.betas.shape[1]

    @property
    def degrees(self) -> tuple[int, ...]:
        return tuple(sorted({len(Ks) for _, Ks in self.higher}))

    @property
    def degree(self) -> int:
        return max(self.degrees, default=2 if self.n else 1)

    def check_field(self, U) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
        """Validate a field of this system's layout ((C, r, s), (N, C, r, s); a scalar also (r, s),
        (N, r, s); d spatial axes last) and return it as float64 (N, C, r, s) with the function
        restoring the layout."""
        from pixelpde.stencils.boundary import as_batch

        U = np.asarray(U)
        d = self.dim
        if U.dtype.kind not in "fiu" or U.dtype == np.bool_:
            raise InputError(f"field must be a real array, got dtype {U.dtype}")
        if U.ndim < d:
            raise InputError(f"field must have {d} spatial axes, got shape {U.shape}")
        X, restore = as_batch(U, self.channels, d)
        if min(X.shape[-d:]) < self.size:
            grid, kernel = "x".join(map(str, X.shape[-d:])), "x".join([str(self.size)] * d)
            raise InputError(f"grid {grid} is smaller than the {kernel} kernel")
        if not np.all(np.isfinite(X)):
            raise InputError("field contains NaN or Inf")
        return X.astype(np.float64, copy=False), restore

    def apply(self, K: np.ndarray, X: np.ndarray) -> np.ndarray | int:  # 0 for an all-zero kernel
        r"""``K \star X = sum_c K[c] * X[:, c]`` for a factor kernel (C, k, ...) and X (N, C, p, ...)."""
        return sum(correlate(K[c], X[:, c], self.bc) for c in range(self.channels) if np.any(K[c]))

    def rhs(self, U) -> np.ndarray:
        """Reference X(U) of eq. (11) for every equation, in the layout of ``U``, float64."""
        X, restore = self.check_field(U)
        assert self.source is not None  # __post_init__ turns None into zeros
        zero = np.zeros(X.shape[:1] + X.shape[2:])
        out = []
        for k in range(self.channels):
            term = zero + self.source[k]
            for c in range(self.channels):
                if np.any(self.L[k, c]):
                    term = term + correlate(self.L[k, c], X[:, c], self.bc)
            out.append(term)
        for i in range(self.n):
            if np.any(self.betas[:, i]):
                product = self.apply(self.D[2 * i], X) * self.apply(self.D[2 * i + 1], X)
                for k in range(self.channels):
                    if self.betas[k, i]:
                        out[k] = out[k] + self.betas[k, i] * product
        for gammas, kernels in self.higher:
            product = self.apply(kernels[0], X)
            for K in kernels[1:]:
                product = product * self.apply(K, X)
            for k in range(self.channels):
                if gammas[k]:
                    out[k] = out[k] + gammas[k] * product
        return restore(np.stack(out, axis=1))

    def describe(self) -> dict:
        """JSON-ready description: the fields, the system, and the kernels (exact rational strings when known)."""
        from pixelpde.stencils.system import variable_name

        exact = kernel_strings
        out = {"fields": list(self.fields) if self.fields else None, **grid_record(self, self.system)}
        out["interactions"] = self.interactions
        if self.system is not None and self.n:
            products, _ = self.system.products(self.interactions or "minimal")
            fields = self.fields
            assert fields is not None  # from_system names the fields of its system
            sym = lambda v: sp.Symbol(variable_name(v, fields))
            out["products"] = [p.text(sym) for p in products]
        if self.higher:
            out["degrees"] = {str(q): sum(1 for _, Ks in self.higher if len(Ks) == q) for q in self.degrees}
        if self.exact is not None:
            out["stencils"] = {
                "source": [str(c) for c in self.exact["source"]],
                "L": [[exact(M) for M in row] for row in self.exact["L"]],
                "betas": [[str(b) for b in row] for row in self.exact["betas"]],
                "D": [[exact(M) for M in D] for D in self.exact["D"]],
                "higher": [
                    {"gammas": [str(g) for g in gs], "factors": [[exact(M) for M in K] for K in Ks]}
                    for gs, Ks in self.exact["higher"]
                ],
            }
        else:
            assert self.source is not None  # __post_init__ turns None into zeros
            out["stencils"] = {
                "source": self.source.tolist(),
                "L": self.L.tolist(),
                "betas": self.betas.tolist(),
                "D": [D.tolist() for D in self.D],
                "higher": [{"gammas": g.tolist(), "factors": [K.tolist() for K in Ks]} for g, Ks in self.higher],
            }
        return out
