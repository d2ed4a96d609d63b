r"""The exact flow :math:`\Phi_X^t` of the linear semi-discrete system (11).

For a linear PDE (n = 0 in (11)) the semi-discrete system is
:math:`\dot U = X(U) = L * U`, so :math:`\Phi_X^t(U_0) = e^{tA}\,\mathrm{vec}(U_0)`
with A the matrix of :math:`U \mapsto L * U`.  Comparing a time stepper with
this flow isolates the time error from the space error (section 3.1, the
"classical error estimate" term of (15)).

* periodic: circular cross-correlation is diagonalised by the 2-D DFT,
  :math:`\widehat{L * U}(a, b) = \sigma(a, b)\,\hat U(a, b)` with
  :math:`\sigma(a, b) = \sum_{i,j} L[c+i, c+j]\, e^{2\pi \mathrm{i}(ai/r + bj/s)}`,
  so :math:`\Phi^t_X(U_0) = \mathcal{F}^{-1}(e^{t\sigma} \hat U_0)`;
* Dirichlet (zero padding), kernel of reach 1 and even in each axis
  (:math:`L[c+i, c+j] = L[c-i, c+j] = L[c+i, c-j]`, e.g. the five-point
  Laplacian): zero-padded correlation is then
  :math:`\ell_{00} I + \ell_{10}\, T \otimes I + \ell_{01}\, I \otimes T + \ell_{11}\, T \otimes T`
  with T the 0-1 tridiagonal matrix, and the orthonormal DST-I diagonalises it:
  :math:`\lambda(a, b) = \ell_{00} + 2\ell_{10}\cos\theta_a + 2\ell_{01}\cos\theta_b
  + 4\ell_{11}\cos\theta_a\cos\theta_b`, :math:`\theta_a = a\pi/(r+1)`, a = 1..r;
* any other Dirichlet kernel (odd derivatives, u_xy, 5 x 5 stencils, whose
  second ring sees the zero padding, not the odd reflection that DST-I
  assumes): :func:`scipy.sparse.linalg.expm_multiply` with the sparse matrix
  :meth:`SemiDiscretePDE.linear_matrix`.
"""

from __future__ import annotations

import numpy as np
import scipy.fft as sfft
import scipy.sparse.linalg as spla

from pixelpde.stencils.boundary import BoundaryCondition
from pixelpde.stencils.semidiscrete import SemiDiscretePDE


def periodic_symbol(kernel: np.ndarray, r: int, s: int) -> np.ndarray:
    r"""Eigenvalues :math:`\sigma(a, b)` of periodic cross-correlation with ``kernel`` on an r x s grid,
    in :func:`numpy.fft.fft2` order."""
    k = kernel.shape[0]
    c = k // 2
    padded = np.zeros((r, s), dtype=np.float64)
    for i in range(-c, c + 1):
        for j in range(-c, c + 1):
            padded[(-i) % r, (-j) % s] += kernel[c + i, c + j]
    return np.fft.fft2(padded)


def dirichlet_symbol(kernel: np.ndarray, r: int, s: int) -> np.ndarray | None:
    r"""Eigenvalues :math:`\lambda(a, b)` of zero-padded cross-correlation with ``kernel``
    on an r x s grid in the orthonormal DST-I basis (``scipy.fft.dstn(type=1)`` order),
    or ``None`` when the sine transform does not diagonalise it (reach beyond one
    node, or a kernel that is not even in each axis)."""
    kernel = np.pad(kernel, 1) if kernel.shape[0] == 1 else kernel
    c = kernel.shape[0] // 2
    outer = np.ones(kernel.shape, dtype=bool)
    outer[c - 1 : c + 2, c - 1 : c + 2] = False
    if np.any(kernel[outer] != 0):
        return None
    K = kernel[c - 1 : c + 2, c - 1 : c + 2]
    if not (np.array_equal(K[0], K[2]) and np.array_equal(K[:, 0], K[:, 2])):
        return None
    ca = 2 * np.cos(np.pi * np.arange(1, r + 1) / (r + 1))[:, None]
    cb = 2 * np.cos(np.pi * np.arange(1, s + 1) / (s + 1))[None, :]
    return K[1, 1] + K[0, 1] * ca + K[1, 0] * cb + K[0, 0] * ca * cb


def flow_method(sd: SemiDiscretePDE, r: int, s: int) -> str:
    """How :func:`linear_flow` computes the flow of ``sd`` on an r x s grid:
    ``"FFT"``, ``"DST-I"`` or ``"expm_multiply"``."""
    if sd.bc is BoundaryCondition.PERIODIC:
        return "FFT"
    return "expm_multiply" if dirichlet_symbol(sd.L, r, s) is None else "DST-I"


def linear_flow(sd: SemiDiscretePDE, U0, t: float) -> np.ndarray:
    """:math:`\\Phi^t_X(U_0)` for the linear system ``sd`` (eq. (11) with n = 0), float64.

    ``U0`` has shape (r, s) or (batch, r, s).
    """
    if not sd.is_linear:
        raise ValueError(
            f"linear_flow needs a linear system; this one has n={sd.n} quadratic terms or higher-degree ones"
        )
    U0 = sd.check_field(U0)
    r, s = U0.shape[-2:]
    method = flow_method(sd, r, s)
    if method == "FFT":
        sigma = periodic_symbol(sd.L, r, s)
        return np.fft.ifft2(np.exp(t * sigma) * np.fft.fft2(U0)).real
    if method == "DST-I":
        symbol = dirichlet_symbol(sd.L, r, s)
        assert symbol is not None  # flow_method chose DST-I because the sine transform diagonalises L
        dst = dict(type=1, norm="ortho", axes=(-2, -1))
        return sfft.idstn(np.exp(t * symbol) * sfft.dstn(U0, **dst), **dst)
    A = sd.linear_matrix(r, s)
    columns = U0.reshape(-1, r * s).T
    out = spla.expm_multiply(t * A, columns, traceA=t * A.diagonal().sum())
    return out.T.reshape(U0.shape)
