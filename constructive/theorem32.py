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

**Systems** (C fields, the construction is unchanged in substance): the input has C channels,
T_1 = [D_1 * U, ..., D_2n * U, L_1 * U, ..., L_C * U] with each kernel acting on all fields
(a product of derivatives of different fields is the same polarisation), and each output
channel k is X_k(U): A1 (2(2n+C), C, k, k), A2 (2n+C, 2(2n+C)), B1 (6n, 2n+C), B2 (C, 6n),
C (C, 2n+C).  A product that several equations use is formed once (B2 has a row per equation).
Constant source terms s_k are the bias S (C,) of the output, exact.

**Grids of d = 1 or 3 dimensions**: nothing in the proof depends on two axes; each k x k filter
becomes k or k x k x k, the identity filters 3 or 3 x 3 x 3 (1 in compact form), and every
convolution conv1d or conv3d (:func:`pixelpde.stencils.boundary.convolve`).
"""

from __future__ import annotations

import numpy as np
import torch

from pixelpde.constructive.lemma31 import identity_filter
from pixelpde.stencils.semidiscrete import SemiDiscretePDE, SemiDiscreteSystem

WEIGHT_NAMES = ("A1", "A2", "B1", "B2", "C")
#: The bias carrying a system's constant source terms (absent when they are all 0).
SOURCE_NAME = "S"


def as_system(sd: SemiDiscretePDE | SemiDiscreteSystem) -> SemiDiscreteSystem:
    """A :class:`SemiDiscreteSystem` (a scalar :class:`SemiDiscretePDE` is its one-field case)."""
    return sd if isinstance(sd, SemiDiscreteSystem) else sd.as_system()


def theorem32_shapes(
    n: int, size: int = 3, inner: int = 3, channels: int = 1, source: bool = False, dim: int = 2
) -> dict[str, tuple[int, ...]]:
    """Tensor shapes of Theorem 3.2 for n interactions and C = ``channels`` fields; ``inner`` is
    the filter size of the identity-multiple layers (3, or 1 in compact mode); ``source`` adds
    the bias S (C,) of the constant terms; ``dim`` the grid's dimension (filters with ``dim``
    axes).  For C = 1 without a source on a 2-D grid: the paper's shapes."""
    w = 2 * n + channels
    k, i = (size,) * dim, (inner,) * dim
    shapes = {
        "A1": (2 * w, channels, *k),
        "A2": (w, 2 * w, *i),
        "B1": (6 * n, w, *i),
        "B2": (channels, 6 * n, *i),
        "C": (channels, w, *i),
    }
    if n == 0:
        del shapes["B1"], shapes["B2"]
    if source:
        shapes[SOURCE_NAME] = (channels,)
    return shapes


def theorem32_weights(
    sd: SemiDiscretePDE | SemiDiscreteSystem, dtype: torch.dtype = torch.float64
) -> dict[str, torch.Tensor]:
    """The weights of the proof of Theorem 3.2 for ``sd``, a scalar PDE or a system of C fields.

    For a system, T_1 holds the 2n factors (each a kernel per input field) and then the C linear
    parts L_1..L_C; C picks L_k for output k, B1 forms each product once (Lemma 3.1) and B2 sends
    it to every equation k with weight beta_{ki} / 2 (shared products); the constant terms are
    the bias S of the output."""
    system = as_system(sd)
    n, k, C = system.n, system.size, system.channels
    has_source = bool(np.any(system.source != 0))
    shapes = theorem32_shapes(n, k, channels=C, source=has_source, dim=system.dim)
    W = {name: torch.zeros(shape, dtype=torch.float64) for name, shape in shapes.items()}
    eye = identity_filter(3, dim=system.dim)
    kernels = [*system.D, *system.L]  # P_1..P_{2n} = D_1..D_{2n}, P_{2n+k} = L_k (row k of L)
    for j, P in enumerate(kernels):
        P = torch.as_tensor(P, dtype=torch.float64)
        W["A1"][2 * j] = P
        W["A1"][2 * j + 1] = -P
        W["A2"][j, 2 * j] = eye
        W["A2"][j, 2 * j + 1] = -eye
    for c in range(C):
        W["C"][c, 2 * n + c] = eye
    for i in range(n):
        a, b, rows = 2 * i, 2 * i + 1, 6 * i
        W["B1"][rows + 0, a] = W["B1"][rows + 0, b] = eye
        W["B1"][rows + 1, a] = W["B1"][rows + 1, b] = -eye
        W["B1"][rows + 2, a] = eye
        W["B1"][rows + 3, a] = -eye
        W["B1"][rows + 4, b] = eye
        W["B1"][rows + 5, b] = -eye
        for out in range(C):
            for r, sign in enumerate((1, 1, -1, -1, -1, -1)):
                W["B2"][out, rows + r] = sign * float(system.betas[out, i]) / 2 * eye
    if has_source:
        W[SOURCE_NAME] = torch.as_tensor(system.source, dtype=torch.float64).clone()
    return {name: w.to(dtype) for name, w in W.items()}


def linear_weights(sd: SemiDiscretePDE, dtype: torch.dtype = torch.float64) -> dict[str, torch.Tensor]:
    """Weights of eq. (27), ``F(U) = A2 * ReLU(A1 * U)`` with A1 = [L, -L]
    (2 x 1 x k x k) and A2 = [1, -1] (1 x 2 x 1 x 1); only for linear scalar PDEs without a source
    (k and 1, k x k x k and 1 x 1 x 1 on grids of 1 and 3 dimensions)."""
    if sd.n or getattr(sd, "constant", 0):
        raise ValueError(f"eq. (27) represents linear PDEs only; this one has n={sd.n} quadratic terms or a source")
    L = torch.as_tensor(sd.L, dtype=torch.float64)
    A1 = torch.stack([L, -L])[:, None]
    A2 = torch.tensor([1.0, -1.0], dtype=torch.float64).reshape(1, 2, *(1,) * L.ndim)
    return {"A1": A1.to(dtype), "A2": A2.to(dtype)}
