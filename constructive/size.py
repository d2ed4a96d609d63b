r"""How large the constructed networks are: dense and non-zero parameter counts.

The conclusion of the paper says the network's size grows *linearly* in the
number n of quadratic interactions.  With the dense shapes of Theorem 3.2
(A1 (4n+2, 1, k, k), A2 (2n+1, 4n+2, 3, 3), B1 (6n, 2n+1, 3, 3),
B2 (1, 6n, 3, 3), C (1, 2n+1, 3, 3)) the parameter count is

.. math::

    k^2 (4n+2) + 9\,[(2n+1)(4n+2) + 6n(2n+1) + 6n + (2n+1)]
    = k^2(4n+2) + 9\,(20n^2 + 22n + 3),

**quadratic** in n (45, 459, 1233, 2367 for n = 0..3 with k = 3), because
A2 and B1 connect every channel to every channel; in the compact 1 x 1 form
it is :math:`k^2(4n+2) + 20n^2 + 22n + 3` (21, 99, 217, 375), still quadratic.
Only the number of **non-zero** weights of the construction grows linearly:
A1 holds the 4n+2 stencils (at most :math:`k^2` taps each), A2 one tap per
channel (4n+2), B1 8n, B2 6n, C 1, i.e. at most :math:`k^2(4n+2) + 18n + 3`.
"""

from __future__ import annotations

import torch


def dense_count(n: int, size: int = 3, inner: int = 3) -> int:
    """Parameters of Theorem 3.2's dense shapes (closed form of the module docstring)."""
    return size * size * (4 * n + 2) + inner * inner * (20 * n * n + 22 * n + 3)


def nonzero_bound(n: int, size: int = 3) -> int:
    """Most non-zero weights the construction can have (dense stencils): linear in n."""
    return size * size * (4 * n + 2) + 18 * n + 3


def count(weights: dict[str, torch.Tensor]) -> tuple[int, int]:
    """``(parameters, non-zeros)`` of a weights dict."""
    return sum(t.numel() for t in weights.values()), sum(int(torch.count_nonzero(t)) for t in weights.values())


def percnn_count(channels: int, hidden: int = 16, parallel: int = 3, kernel: int = 5) -> int:
    r"""Trainable parameters of a PeRCNN cell (Rao et al., Nature Machine Intelligence 2023) for
    ``channels`` fields, as its published 2-D cell is built: per field a "pi-block" of ``parallel``
    convolutions (C -> ``hidden`` channels, ``kernel`` x ``kernel``, with bias) whose outputs are
    multiplied elementwise, then a 1 x 1 convolution to one channel (with bias), and one learnable
    diffusion coefficient per field (its Laplacian kernel is fixed and not counted):

    .. math:: C\,[\,P\,(C\,h\,k^2 + h) + h + 1\,] + C \qquad (2\text{-D Gray-Scott: } 4932).
    """
    per_field = parallel * (channels * hidden * kernel * kernel + hidden) + hidden + 1
    return channels * per_field + channels
