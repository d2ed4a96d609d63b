r"""Bilinear (Q1) finite elements on the uniform quadrilateral mesh of [0, 1]^2.

Appendix A of the paper meshes the unit square with regular quadrilaterals
so that the degrees of freedom of the continuous Q1 space :math:`\mathbb V`
*are* the entries of the snapshot matrix.  The grids are those of
:class:`stencils.boundary.BoundaryCondition` (never re-derived here):

* periodic: p nodes ``x_h = h/p`` per axis, ``dx = 1/p``, p elements;
* Dirichlet: p interior nodes ``x_h = h/(p+1)``, ``dx = 1/(p+1)``, p + 1
  elements, the boundary values being the zeros of :math:`\mathbb V`.

A nodal matrix ``U[h, k] = U(x_h, y_k)`` (axis 0 is x) is flattened row-major
(index ``h*p + k``), so the Q1 matrices are Kronecker products of the 1D P1
ones with the x factor first:

.. math::

    M = M_1 \otimes M_1, \quad
    K = K_1 \otimes M_1 + M_1 \otimes K_1, \quad
    C_x = G_1 \otimes M_1, \quad C_y = M_1 \otimes G_1,

with :math:`(M_1)_{ij} = \int \psi_j\psi_i`, :math:`(K_1)_{ij} = \int
\psi_j'\psi_i'` and :math:`(G_1)_{ij} = \int \psi_j'\psi_i`, i.e. the
stencils ``dx/6 (1, 4, 1)``, ``(-1, 2, -1)/dx`` and ``(-1, 0, 1)/2``
(circulant when periodic).  This module holds

* those closed forms (:func:`mass_1d` and friends, :data:`STENCILS_1D`),
* :func:`assemble`: the same matrices assembled by scikit-fem on the mesh
  (the tests check one against the other),
* :func:`product`: the trilinear form :math:`\int_\Omega U V \phi_i` of two
  Q1 fields, exactly (closed-form moments of the 2 x 2 Gauss rule, which is
  exact for the integrand of degree 3 per direction).
"""

from __future__ import annotations

from dataclasses import dataclass
import numpy as np
import scipy.sparse as sps

from pixelpde.errors import InputError
from stencils.boundary import BoundaryCondition, check_grid_size

#: 1D P1 stencils (sub-, main, super-diagonal) times dx**power: mass dx^1, stiffness dx^-1, derivative dx^0.
STENCILS_1D: dict[str, tuple[tuple[float, float, float], int]] = {
    "mass": ((1 / 6, 4 / 6, 1 / 6), 1),
    "stiffness": ((-1.0, 2.0, -1.0), -1),
    "derivative": ((-0.5, 0.0, 0.5), 0),
}




def _tridiagonal_1d(name: str, bc, p: int) -> sps.csr_matrix:
    bc = BoundaryCondition.parse(bc)
    p = check_grid_size(p)
    (lo, mid, hi), power = STENCILS_1D[name]
    scale = float(bc.spacing(p)) ** power
    A = sps.diags([lo, mid, hi], [-1, 0, 1], shape=(p, p), format="lil")
    if bc is BoundaryCondition.PERIODIC:
        A[0, p - 1] = lo
        A[p - 1, 0] = hi
    return (scale * A).tocsr()


def mass_1d(bc, p: int) -> sps.csr_matrix:
    """1D P1 mass matrix :math:`\\int \\psi_j \\psi_i` (``dx/6 * (1, 4, 1)``)."""
    return _tridiagonal_1d("mass", bc, p)


def stiffness_1d(bc, p: int) -> sps.csr_matrix:
    """1D P1 stiffness matrix :math:`\\int \\psi_j' \\psi_i'` (``(-1, 2, -1)/dx``)."""
    return _tridiagonal_1d("stiffness", bc, p)


def derivative_1d(bc, p: int) -> sps.csr_matrix:
    """1D P1 convection matrix :math:`\\int \\psi_j' \\psi_i` (``(-1, 0, 1)/2``), skew-symmetric when periodic."""
    return _tridiagonal_1d("derivative", bc, p)


def apply_1d(name: str, U: np.ndarray, axis: int, bc) -> np.ndarray:
    """Apply the 1D matrix ``name`` of :data:`STENCILS_1D` along ``axis`` of a batch of nodal fields.

    ``(A u)_i = lo u_{i-1} + mid u_i + hi u_{i+1}``, the neighbours beyond the
    ends being zero (Dirichlet) or wrapped around (periodic).
    """
    bc = BoundaryCondition.parse(bc)
    (lo, mid, hi), power = STENCILS_1D[name]
    scale = float(bc.spacing(U.shape[axis])) ** power
    lo, mid, hi = scale * lo, scale * mid, scale * hi
    out = mid * U
    o, u = np.moveaxis(out, axis, -1), np.moveaxis(U, axis, -1)  # views
    o[..., 1:] += lo * u[..., :-1]
    o[..., :-1] += hi * u[..., 1:]
    if bc is BoundaryCondition.PERIODIC:
        o[..., 0] += lo * u[..., -1]
        o[..., -1] += hi * u[..., 0]
    return out


def kronecker_forms(bc, p: int) -> dict[str, sps.csr_matrix]:
    """The closed Kronecker forms of the 2D Q1 matrices M, K, Cx, Cy (row-major ``h*p + k``)."""
    M1, K1, G1 = mass_1d(bc, p), stiffness_1d(bc, p), derivative_1d(bc, p)
    kron = lambda A, B: sps.kron(A, B, format="csr")  # noqa: E731
    return {"M": kron(M1, M1), "K": kron(K1, M1) + kron(M1, K1), "Cx": kron(G1, M1), "Cy": kron(M1, G1)}


# ---------------------------------------------------------------------------
# scikit-fem assembly
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Assembled:
    """Q1 matrices assembled by scikit-fem, permuted to the row-major nodal order.

    ``basis`` is the scikit-fem basis on the mesh; ``dofs[h*p + k]`` is the
    scikit-fem degree of freedom at node ``(x_h, y_k)``.
    """

    bc: BoundaryCondition
    p: int
    matrices: dict
    basis: object
    dofs: np.ndarray

    def product(self, U: np.ndarray, V: np.ndarray) -> np.ndarray:
        """:math:`\\int U V \\phi_i` assembled by scikit-fem, for fields of shape (p, p); returns (p, p)."""
        from skfem import LinearForm, asm

        def field(F):
            x = np.zeros(self.basis.N)
            x[self.dofs] = np.asarray(F, dtype=np.float64).reshape(-1)
            return self.basis.interpolate(x)

        form = LinearForm(lambda v, w: w["a"] * w["b"] * v)
        return asm(form, self.basis, a=field(U), b=field(V))[self.dofs].reshape(self.p, self.p)


def assemble(bc, p: int) -> Assembled:
    """Assemble M, K, Cx, Cy with scikit-fem (``ElementQuad1``) on the uniform mesh.

    Periodic: the (p+1)^2-node tensor mesh is made periodic with
    :meth:`skfem.MeshQuad1DG.periodic`.  Dirichlet: the (p+2)^2-node mesh,
    restricted to the p^2 interior degrees of freedom (zero boundary values).
    """
    from skfem import Basis, BilinearForm, ElementQuad1, MeshQuad, MeshQuad1DG, asm

    bc = BoundaryCondition.parse(bc)
    p = check_grid_size(p)
    cells = p if bc is BoundaryCondition.PERIODIC else p + 1
    ticks = np.linspace(0.0, 1.0, cells + 1)
    mesh = MeshQuad.init_tensor(ticks, ticks)
    index = np.rint(mesh.p * cells).astype(np.int64)  # integer node coordinates, 0..cells
    if bc is BoundaryCondition.PERIODIC:
        lookup = {(int(a), int(b)): n for n, (a, b) in enumerate(index.T)}
        ix = np.flatnonzero((index[0] == cells) | (index[1] == cells))
        ix0 = np.array([lookup[(a % cells, b % cells)] for a, b in index[:, ix].T])
        mesh = MeshQuad1DG.periodic(mesh, ix, ix0)
    basis = Basis(mesh, ElementQuad1(), intorder=4)
    node = np.rint(basis.doflocs * cells).astype(np.int64)
    if bc is BoundaryCondition.PERIODIC:
        h, k = node % cells
        keep = np.arange(basis.N)
    else:
        keep = basis.complement_dofs(basis.get_dofs())
        h, k = node[:, keep] - 1
    dofs = np.empty(p * p, dtype=np.int64)
    dofs[h * p + k] = keep
    if len(np.unique(dofs)) != p * p:  # pragma: no cover - a mesh-numbering bug
        raise RuntimeError("scikit-fem degrees of freedom do not match the p x p grid")
    forms = {
        "M": BilinearForm(lambda u, v, w: u * v),
        "K": BilinearForm(lambda u, v, w: u.grad[0] * v.grad[0] + u.grad[1] * v.grad[1]),
        "Cx": BilinearForm(lambda u, v, w: u.grad[0] * v),
        "Cy": BilinearForm(lambda u, v, w: u.grad[1] * v),
    }
    matrices = {name: asm(form, basis).tocsr()[dofs][:, dofs].tocsr() for name, form in forms.items()}
    return Assembled(bc, p, matrices, basis, dofs)


# ---------------------------------------------------------------------------
# The exact trilinear form int U V phi
# ---------------------------------------------------------------------------
#
# On an element, a Q1 field is w(s, t) = A + B s + C t + D s t in the scaled
# coordinates s, t in {-1, +1} of the 2 x 2 Gauss points (1/2 -+ DELTA on
# [0, 1]); (A, B, C, D) are means and scaled differences of its four vertex
# values (:func:`_split`).  The Gauss rule is exact for the cubic (per
# direction) integrand U V phi, and its four moments have closed forms:
#   sum w w'       = 4 (AA' + BB' + CC' + DD')
#   sum w w' s     = 4 (AB' + BA' + CD' + DC')
#   sum w w' t     = 4 (AC' + CA' + BD' + DB')
#   sum w w' s t   = 4 (AD' + DA' + BC' + CB')
# which :func:`_merge` (the transpose of :func:`_split`) sends back to the
# vertices, weighted by the test functions (1/2 + DELTA s)(1/2 + DELTA t).

#: Gauss points 1/2 -+ DELTA on [0, 1]: a P1 function there is (mean) +- DELTA * (left - right).
_DELTA = 0.5 / np.sqrt(3.0)
#: Trajectories per block in :func:`product` (keeps the temporaries in cache).
_BLOCK = 8


def _pad(U: np.ndarray, bc: BoundaryCondition) -> np.ndarray:
    """Values on all element vertices: zeros around (Dirichlet) or first row/column repeated (periodic)."""
    if bc is BoundaryCondition.PERIODIC:
        return np.pad(U, [(0, 0)] * (U.ndim - 2) + [(0, 1), (0, 1)], mode="wrap")
    return np.pad(U, [(0, 0)] * (U.ndim - 2) + [(1, 1), (1, 1)])


def _split(V: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Vertex values along ``axis`` (-2 or -1; length e+1) -> per element (mean, DELTA * (left - right))."""
    left, right = (V[..., :-1, :], V[..., 1:, :]) if axis == -2 else (V[..., :-1], V[..., 1:])
    return 0.5 * (left + right), _DELTA * (left - right)


def _merge(mean: np.ndarray, diff: np.ndarray, axis: int) -> np.ndarray:
    """Transpose of :func:`_split`: per-element (mean, diff) moments -> sums at the e+1 vertices."""
    shape = list(mean.shape)
    shape[axis] += 1
    out = np.zeros(shape)
    half, scaled = 0.5 * mean, _DELTA * diff
    if axis == -2:
        out[..., :-1, :] += half + scaled
        out[..., 1:, :] += half - scaled
    else:
        out[..., :-1] += half + scaled
        out[..., 1:] += half - scaled
    return out


def _coefficients(V: np.ndarray) -> tuple[np.ndarray, ...]:
    """(A, B, C, D) per element: w(s, t) = A + B s + C t + D s t at the Gauss points."""
    mx, dx = _split(V, -2)
    A, C = _split(mx, -1)
    B, D = _split(dx, -1)
    return A, B, C, D


def product(U: np.ndarray, V: np.ndarray, bc) -> np.ndarray:
    """:math:`\\int_\\Omega U V \\phi_{hk}\\,dx` for Q1 fields of shape (..., p, p), exactly.

    The load vector of the product of two finite-element functions (the
    trilinear form), in the nodal layout.  ``V is U`` is the square.
    """
    bc = BoundaryCondition.parse(bc)
    U = np.asarray(U, dtype=np.float64)
    V = U if V is U else np.asarray(V, dtype=np.float64)
    if U.shape != V.shape or U.ndim < 2 or U.shape[-1] != U.shape[-2]:
        raise InputError(f"product needs two fields of the same shape (..., p, p), got {U.shape} and {V.shape}")
    p = U.shape[-1]
    scale = float(bc.spacing(p)) ** 2  # 4 Gauss weights dx^2/4 times the factor 4 of the moments
    flatU, flatV = U.reshape(-1, p, p), V.reshape(-1, p, p)
    out = np.empty(flatU.shape)
    for i in range(0, out.shape[0], _BLOCK):
        A, B, C, D = _coefficients(_pad(flatU[i : i + _BLOCK], bc))
        if V is U:
            a, b, c, d = A, B, C, D
            m0 = A * A + B * B + C * C + D * D
            ms, mt, mst = 2.0 * (A * B + C * D), 2.0 * (A * C + B * D), 2.0 * (A * D + B * C)
        else:
            a, b, c, d = _coefficients(_pad(flatV[i : i + _BLOCK], bc))
            m0 = A * a + B * b + C * c + D * d
            ms, mt, mst = A * b + B * a + C * d + D * c, A * c + C * a + B * d + D * b, A * d + D * a + B * c + C * b
        W = _merge(_merge(m0, mt, -1), _merge(ms, mst, -1), -2)
        if bc is BoundaryCondition.PERIODIC:
            W[..., 0, :] += W[..., -1, :]
            W[..., :, 0] += W[..., :, -1]
            out[i : i + _BLOCK] = scale * W[..., :-1, :-1]
        else:
            out[i : i + _BLOCK] = scale * W[..., 1:-1, 1:-1]
    return out.reshape(U.shape)
