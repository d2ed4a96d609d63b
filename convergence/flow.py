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
* Dirichlet (zero padding): :func:`scipy.sparse.linalg.expm_multiply` with
  the sparse matrix :meth:`SemiDiscretePDE.linear_matrix` (any kernel size;
  the sine transform would diagonalise only 3 x 3 kernels).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse.linalg as spla

from stencils.boundary import BoundaryCondition
from stencils.semidiscrete import SemiDiscretePDE


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


def linear_flow(sd: SemiDiscretePDE, U0, t: float) -> np.ndarray:
    """:math:`\\Phi^t_X(U_0)` for the linear system ``sd`` (eq. (11) with n = 0), float64.

    ``U0`` has shape (r, s) or (batch, r, s).
    """
    if sd.n:
        raise ValueError(f"linear_flow needs a linear system; this one has n={sd.n} quadratic terms")
    U0 = sd.check_field(U0)
    r, s = U0.shape[-2:]
    if sd.bc is BoundaryCondition.PERIODIC:
        sigma = periodic_symbol(sd.L, r, s)
        return np.fft.ifft2(np.exp(t * sigma) * np.fft.fft2(U0)).real
    A = sd.linear_matrix(r, s)
    columns = U0.reshape(-1, r * s).T
    out = spla.expm_multiply(t * A, columns, traceA=t * A.diagonal().sum())
    return out.T.reshape(U0.shape)
