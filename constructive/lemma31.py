r"""Lemma 3.1 and eq. (19): products of convolutions as two-layer networks.

With :math:`\sigma_2(x) = \mathrm{ReLU}(x)^2` and the identity ``x^q =
ReLU(x)^q + (-1)^q ReLU(-x)^q`` (q = 2):

* eq. (19): :math:`U \odot U = \mathcal{L}_2 * \sigma_2(\mathcal{L}_1 * U)` with
  :math:`\mathcal{L}_1 = [[I], [-I]] \in \mathbb{R}^{2\times1\times3\times3}` and
  :math:`\mathcal{L}_2 = [[I, I]] \in \mathbb{R}^{1\times2\times3\times3}`;
* Lemma 3.1 (18): :math:`(D_1 * U) \odot (D_2 * U) = \mathbf{M}_2 *
  \sigma_2(\mathbf{M}_1 * U)` by polarisation,
  :math:`ab = \tfrac12[(a+b)^2 - a^2 - b^2]`, with
  ``M1 = [D1+D2, -(D1+D2), D1, -D1, D2, -D2]`` (6 x 1 x k x k) and
  ``M2 = [I/2, I/2, -I/2, -I/2, -I/2, -I/2]`` (1 x 6 x 3 x 3).

``I`` is the identity filter (a 1 at the centre).  Tensors are float64 and
follow PyTorch's (out, in, k, k) layout, paper index ``[a, b]`` being
``[a-1, b-1]`` here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from pixelpde.stencils.boundary import BoundaryCondition, as_batch, convolve

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


def identity_filter(size: int = 3, dtype: torch.dtype = torch.float64, dim: int = 2) -> torch.Tensor:
    """The k x k identity filter I, with ``I * U = U`` (k, or k x k x k, on a grid of ``dim`` = 1 or 3
    dimensions)."""
    eye = torch.zeros((size,) * dim, dtype=dtype)
    eye[(size // 2,) * dim] = 1
    return eye


def relu2(x: torch.Tensor) -> torch.Tensor:
    """sigma_2(x) = ReLU(x)^2."""
    return torch.relu(x).square()


def square_weights(
    size: int = 3, dtype: torch.dtype = torch.float64, dim: int = 2
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(L1, L2)`` of eq. (19), so that ``L2 * relu2(L1 * U) = U * U`` (on a ``dim``-D grid)."""
    eye = identity_filter(size, dtype, dim)
    L1 = torch.stack([eye, -eye])[:, None]
    L2 = torch.stack([eye, eye])[None]
    return L1, L2


def product_weights(
    D1: ArrayLike | torch.Tensor, D2: ArrayLike | torch.Tensor, dtype: torch.dtype = torch.float64, dim: int = 2
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(M1, M2)`` of Lemma 3.1 for kernels ``D1, D2``: k x k (any odd k) for a scalar field, or
    (C, k, k) for C fields, a kernel per field (a product of derivatives of different fields is
    the same polarisation; M1 is then 6 x C x k x k); on a ``dim``-D grid each k x k is k^dim."""
    D1 = torch.as_tensor(np.asarray(D1, dtype=np.float64)).to(dtype)
    D2 = torch.as_tensor(np.asarray(D2, dtype=np.float64)).to(dtype)
    if D1.shape != D2.shape:
        raise ValueError(f"the two factors' kernels must have one shape, got {tuple(D1.shape)} and {tuple(D2.shape)}")
    if D1.ndim == dim:
        D1, D2 = D1[None], D2[None]
    S = D1 + D2
    M1 = torch.stack([S, -S, D1, -D1, D2, -D2])
    half = identity_filter(3, dtype, dim) / 2
    M2 = torch.stack([half, half, -half, -half, -half, -half])[None]
    return M1, M2


def two_layer(U: torch.Tensor, W1: torch.Tensor, W2: torch.Tensor, bc: BoundaryCondition | str) -> torch.Tensor:
    """``W2 * relu2(W1 * U)`` for U of shape (r, s), (N, r, s) or (N, 1, r, s), or for C = W1.shape[1]
    fields (C, r, s) or (N, C, r, s); the grid has ``W1.ndim - 2`` dimensions."""
    x, restore = as_batch(U, W1.shape[1], W1.ndim - 2)
    out: torch.Tensor = restore(convolve(relu2(convolve(x, W1, bc)), W2, bc))
    return out
