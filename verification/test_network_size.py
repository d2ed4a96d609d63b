"""The size of the constructed networks, counted from the shapes (conclusion of the paper).

The paper says the size grows linearly in the number n of interactions.  Counted from
Theorem 3.2's dense shapes it grows quadratically (A2 and B1 connect all channels):
9 (20 n^2 + 26 n + 5) = 45, 459, 1233, 2367, ... for 3x3 stencils, and
9 (4n+2) + 20 n^2 + 22 n + 3 = 21, 99, 217, 375, ... in the compact 1x1 form.  Only the
non-zero weights of the construction grow linearly: 9 (4n+2) + 18 n + 3 with dense kernels.
"""

import numpy as np

from pixelpde.constructive import Theorem32Network, theorem32_shapes
from pixelpde.constructive.size import count, dense_count, nonzero_bound
from pixelpde.stencils import SemiDiscretePDE

N = range(0, 11)


def shape_count(n, size=3, inner=3):
    return sum(int(np.prod(s)) for s in theorem32_shapes(n, size, inner).values())


def test_dense_count_is_quadratic():
    counts = [shape_count(n) for n in N]
    assert counts[:4] == [45, 459, 1233, 2367]
    assert counts == [dense_count(n) for n in N] == [9 * (20 * n * n + 26 * n + 5) for n in N]
    second = np.diff(counts, 2)
    assert np.all(second == 360)  # constant, non-zero second difference: exactly quadratic


def test_compact_count_is_quadratic_too():
    counts = [shape_count(n, inner=1) for n in N]
    assert counts[:4] == [21, 99, 217, 375]
    assert counts == [dense_count(n, inner=1) for n in N]
    assert np.all(np.diff(counts, 2) == 40)


def test_nonzero_weights_grow_linearly():
    rng = np.random.default_rng(0)
    nonzeros = []
    for n in N:
        sd = SemiDiscretePDE(
            L=rng.normal(size=(3, 3)),
            betas=tuple(rng.normal(size=n)),
            D=tuple(rng.normal(size=(2 * n, 3, 3))),
            bc="periodic",
        )
        net = Theorem32Network.from_system(sd)
        total, nz = count(net.weights())
        assert total == net.num_parameters() == dense_count(n)
        assert count(net.compacted().weights()) == (dense_count(n, inner=1), nz)
        nonzeros.append(nz)
    assert nonzeros == [nonzero_bound(n) for n in N] == [54 * n + 21 for n in N]
    assert np.all(np.diff(nonzeros, 2) == 0)


def test_5x5_first_layer():
    assert (
        [shape_count(n, size=5) for n in range(3)]
        == [dense_count(n, size=5) for n in range(3)]
        == [25 * (4 * n + 2) + 9 * (20 * n * n + 22 * n + 3) for n in range(3)]
    )
