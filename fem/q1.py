r"""Bilinear (Q1) finite elements on the uniform quadrilateral mesh of [0, 1]^2.

Appendix A of the paper meshes the unit square with regular quadrilaterals
so that the degrees of freedom of the continuous Q1 space :math:`\mathbb V`
*are* the entries of the snapshot matrix.  The grids are those of
:class:`pixelpde.stencils.boundary.BoundaryCondition` (never re-derived here):

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
  Q1 fields, exactly (the 2 x 2 Gauss rule, exact for the integrand of
  degree 3 per direction, summed in closed form).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sps

from pixelpde.ground.errors import InputError
from pixelpde.stencils.boundary import BoundaryCondition, check_grid_size

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


def kronecker_forms(bc, p: int) -> dict[str, sps.csr_matrix]:
    """The closed Kronecker forms of the 2D Q1 matrices M, K, Cx, Cy (row-major ``h*p + k``)."""
    M1, K1, G1 = mass_1d(bc, p), stiffness_1d(bc, p), derivative_1d(bc, p)
    kron = lambda A, B: sps.kron(A, B, format="csr")
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
        quiet = logging.getLogger("skfem.mesh.mesh")  # it warns that it copies arrays to C order
        level = quiet.level
        quiet.setLevel(logging.ERROR)
        try:
            mesh = MeshQuad1DG.periodic(mesh, ix, ix0)
        finally:
            quiet.setLevel(level)
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
# On an element with vertex values v00, v10, v01, v11 (first index x), let
#   a = v00 + v10 + v01 + v11,   b = v00 - v10 + v01 - v11,
#   c = v00 + v10 - v01 - v11,   d = v00 - v10 - v01 + v11
# (sums and differences along x, then y).  At the 2 x 2 Gauss points
# (1/2 -+ 1/(2 sqrt 3) on each side) a Q1 field is a/4 + s b/(4 sqrt 3)
# + t c/(4 sqrt 3) + s t d/12 with s, t = +-1.  The Gauss rule is exact for
# the integrand U V phi (degree 3 per direction); summing its four points
# against the four vertex test functions gives, with the fields' (a, b, c, d)
# and (a', b', c', d'),
#   X1 = 9 aa' + 3 (bb' + cc') + dd'        Y1 = 3 (ac' + ca') + bd' + db'
#   X2 = 3 (ab' + ba') + cd' + dc'          Y2 = ad' + da' + bc' + cb'
# and the load at the vertices is dx^2/576 times
#   merge_x(merge_y(X1, Y1), merge_y(X2, Y2)),
# where merge(X, Y) adds X + Y to an element's first vertex and X - Y to its
# second (:func:`_merge`), the transpose of the sums and differences.

#: Trajectories per block in :func:`product` (keeps the temporaries in cache).
_BLOCK = 8


def _sums_and_differences(P: np.ndarray) -> tuple[np.ndarray, ...]:
    """(a, b, c, d) of every element from the vertex values P (..., e+1, e+1)."""
    sx, dx = P[..., :-1, :] + P[..., 1:, :], P[..., :-1, :] - P[..., 1:, :]
    return (
        sx[..., :-1] + sx[..., 1:],
        dx[..., :-1] + dx[..., 1:],
        sx[..., :-1] - sx[..., 1:],
        dx[..., :-1] - dx[..., 1:],
    )


def _merge(X: np.ndarray, Y: np.ndarray, axis: int) -> np.ndarray:
    """Element values (e along ``axis``) -> vertex sums (e+1): X + Y at the first vertex, X - Y at the second."""
    shape = list(X.shape)
    shape[axis] += 1
    out = np.zeros(shape)
    if axis == -2:
        out[..., :-1, :] += X + Y
        out[..., 1:, :] += X - Y
    else:
        out[..., :-1] += X + Y
        out[..., 1:] += X - Y
    return out


def product(U: np.ndarray, V: np.ndarray, bc) -> np.ndarray:
    """:math:`\\int_\\Omega U V \\phi_{hk}\\,dx` for Q1 fields of shape (..., p, p), exactly.

    The load vector of the product of two finite-element functions (the
    trilinear form), in the nodal layout; see the comment above for the
    closed form.  ``V is U`` is the square (fewer operations).
    """
    bc = BoundaryCondition.parse(bc)
    U = np.asarray(U, dtype=np.float64)
    V = U if V is U else np.asarray(V, dtype=np.float64)
    if U.shape != V.shape or U.ndim < 2 or U.shape[-1] != U.shape[-2]:
        raise InputError(f"product needs two fields of the same shape (..., p, p), got {U.shape} and {V.shape}")
    p = U.shape[-1]
    periodic = bc is BoundaryCondition.PERIODIC
    flatU, flatV = U.reshape(-1, p, p), V.reshape(-1, p, p)
    out = np.empty(flatU.shape)
    n = p + 1 if periodic else p + 2  # vertices per axis
    padU, padV = np.zeros((_BLOCK, n, n)), np.zeros((_BLOCK, n, n))

    def vertices(pad, F):
        if periodic:
            pad[: len(F), :-1, :-1] = F
            pad[: len(F), -1, :-1] = F[:, 0]
            pad[: len(F), :, -1] = pad[: len(F), :, 0]
        else:
            pad[: len(F), 1:-1, 1:-1] = F
        return pad[: len(F)]

    for i in range(0, out.shape[0], _BLOCK):
        a, b, c, d = _sums_and_differences(vertices(padU, flatU[i : i + _BLOCK]))
        if V is U:
            X1 = 9.0 * (a * a) + 3.0 * (b * b + c * c) + d * d
            Y1 = 6.0 * (a * c) + 2.0 * (b * d)
            X2 = 6.0 * (a * b) + 2.0 * (c * d)
            Y2 = 2.0 * (a * d + b * c)
        else:
            a2, b2, c2, d2 = _sums_and_differences(vertices(padV, flatV[i : i + _BLOCK]))
            X1 = 9.0 * (a * a2) + 3.0 * (b * b2 + c * c2) + d * d2
            Y1 = 3.0 * (a * c2 + c * a2) + b * d2 + d * b2
            X2 = 3.0 * (a * b2 + b * a2) + c * d2 + d * c2
            Y2 = a * d2 + d * a2 + b * c2 + c * b2
        W = _merge(_merge(X1, Y1, -1), _merge(X2, Y2, -1), -2)
        if periodic:
            W[..., 0, :] += W[..., -1, :]
            W[..., :, 0] += W[..., :, -1]
            out[i : i + _BLOCK] = W[..., :-1, :-1]
        else:
            out[i : i + _BLOCK] = W[..., 1:-1, 1:-1]
    out *= float(bc.spacing(p)) ** 2 / 576.0
    return out.reshape(U.shape)
