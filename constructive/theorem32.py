r"""The exact weights of Theorem 3.2 (and of the linear form (27)).

For :math:`X(U) = L * U + \sum_{i=1}^n \beta_i (D_{2i-1} * U) \odot (D_{2i} * U)`
the proof of Theorem 3.2 sets (paper indices, 1-based; here 0-based):

* :math:`\mathcal{A}_1[2i-1] = -\mathcal{A}_1[2i] = D_i` for ``i = 1..2n`` and
  :math:`\mathcal{A}_1[4n+1] = -\mathcal{A}_1[4n+2] = L`, so that with
  :math:`\mathcal{A}_2[i, 2i-1] = -\mathcal{A}_2[i, 2i] = I`
  (``ReLU(x) - ReLU(-x) = x``)
  :math:`T_1(U) = [D_1 * U, \dots, D_{2n} * U, L * U]` (20);
* :math:`\mathcal{C}[1, 2n+1] = I` picks :math:`L * U`;
* :math:`\mathcal{B}_1` maps :math:`(V_{2i-1}, V_{2i})` to
  ``[V_{2i-1}+V_{2i}, -(V_{2i-1}+V_{2i}), V_{2i-1}, -V_{2i-1}, V_{2i}, -V_{2i}]`` and
  :math:`\mathcal{B}_2[1, 6i-5:6i] = \frac{\beta_i}{2}[I, I, -I, -I, -I, -I]`,
  Lemma 3.1 per interaction, so :math:`T_2(T_1(U)) = \sum_i \beta_i
  (D_{2i-1} * U)\odot(D_{2i} * U)` (21);
* :math:`F_\theta(U) = \mathcal{C} * T_1(U) + T_2(T_1(U)) = X(U)` (22).

Shapes: A1 (4n+2, 1, k, k) with k the stencil size, and A2 (2n+1, 4n+2, 3, 3),
B1 (6n, 2n+1, 3, 3), B2 (1, 6n, 3, 3), C (1, 2n+1, 3, 3), all multiples of the
identity filter.  For a linear PDE (n = 0) B1 and B2 are absent.
"""

from __future__ import annotations

import torch

from pixelpde.constructive.lemma31 import identity_filter
from pixelpde.stencils.semidiscrete import SemiDiscretePDE

WEIGHT_NAMES = ("A1", "A2", "B1", "B2", "C")


def theorem32_shapes(n: int, size: int = 3, inner: int = 3) -> dict[str, tuple[int, ...]]:
    """Tensor shapes of Theorem 3.2 for n interactions; ``inner`` is the
    filter size of the identity-multiple layers (3, or 1 in compact mode)."""
    shapes = {
        "A1": (4 * n + 2, 1, size, size),
        "A2": (2 * n + 1, 4 * n + 2, inner, inner),
        "B1": (6 * n, 2 * n + 1, inner, inner),
        "B2": (1, 6 * n, inner, inner),
        "C": (1, 2 * n + 1, inner, inner),
    }
    if n == 0:
        del shapes["B1"], shapes["B2"]
    return shapes


def theorem32_weights(sd: SemiDiscretePDE, dtype=torch.float64) -> dict[str, torch.Tensor]:
    """The weights of the proof of Theorem 3.2 for the system ``sd``."""
    n, k = sd.n, sd.size
    shapes = theorem32_shapes(n, k)
    W = {name: torch.zeros(shape, dtype=torch.float64) for name, shape in shapes.items()}
    eye = identity_filter(3)
    kernels = [*sd.D, sd.L]  # P_1..P_{2n} = D_1..D_{2n}, P_{2n+1} = L
    for j, P in enumerate(kernels):
        P = torch.as_tensor(P, dtype=torch.float64)
        W["A1"][2 * j, 0] = P
        W["A1"][2 * j + 1, 0] = -P
        W["A2"][j, 2 * j] = eye
        W["A2"][j, 2 * j + 1] = -eye
    W["C"][0, 2 * n] = eye
    for i, beta in enumerate(sd.betas):
        a, b, rows = 2 * i, 2 * i + 1, 6 * i
        W["B1"][rows + 0, a] = W["B1"][rows + 0, b] = eye
        W["B1"][rows + 1, a] = W["B1"][rows + 1, b] = -eye
        W["B1"][rows + 2, a] = eye
        W["B1"][rows + 3, a] = -eye
        W["B1"][rows + 4, b] = eye
        W["B1"][rows + 5, b] = -eye
        for r, sign in enumerate((1, 1, -1, -1, -1, -1)):
            W["B2"][0, rows + r] = sign * beta / 2 * eye
    return {name: w.to(dtype) for name, w in W.items()}


def linear_weights(sd: SemiDiscretePDE, dtype=torch.float64) -> dict[str, torch.Tensor]:
    """Weights of eq. (27), ``F(U) = A2 * ReLU(A1 * U)`` with A1 = [L, -L]
    (2 x 1 x k x k) and A2 = [1, -1] (1 x 2 x 1 x 1); only for linear systems."""
    if sd.n:
        raise ValueError(f"eq. (27) represents linear systems only; this one has n={sd.n} quadratic terms")
    L = torch.as_tensor(sd.L, dtype=torch.float64)
    A1 = torch.stack([L, -L])[:, None]
    A2 = torch.tensor([1.0, -1.0], dtype=torch.float64).reshape(1, 2, 1, 1)
    return {"A1": A1.to(dtype), "A2": A2.to(dtype)}
