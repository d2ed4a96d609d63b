"""The one field-layout rule (channel axis first) and the dimension-free convolution."""

import itertools

import numpy as np
import pytest
import torch

from pixelpde.ground.errors import InputError
from pixelpde.stencils.boundary import BoundaryCondition, as_batch, convolve


@pytest.mark.parametrize(
    ("shape", "channels", "dim", "batch"),
    [
        ((5, 6), 1, 2, (1, 1, 5, 6)),
        ((3, 5, 6), 1, 2, (3, 1, 5, 6)),
        ((3, 1, 5, 6), 1, 2, (3, 1, 5, 6)),
        ((2, 5, 6), 2, 2, (1, 2, 5, 6)),
        ((4, 2, 5, 6), 2, 2, (4, 2, 5, 6)),
        ((7,), 1, 1, (1, 1, 7)),
        ((3, 2, 7), 2, 1, (3, 2, 7)),
        ((3, 4, 5, 6), 3, 3, (1, 3, 4, 5, 6)),
        ((2, 3, 4, 5, 6), 3, 3, (2, 3, 4, 5, 6)),
    ],
)
def test_as_batch_round_trip(shape, channels, dim, batch):
    U = torch.arange(float(np.prod(shape))).reshape(shape)
    x, restore = as_batch(U, channels, dim)
    assert tuple(x.shape) == batch
    assert torch.equal(restore(x), U)


@pytest.mark.parametrize(("shape", "channels", "dim"), [((3, 5, 6), 2, 2), ((5, 6), 2, 2), ((1, 2, 3, 5, 6), 2, 2)])
def test_as_batch_refuses_a_wrong_channel_count(shape, channels, dim):
    with pytest.raises(InputError, match=f"{channels} component"):
        as_batch(torch.zeros(shape), channels, dim)


def _correlate(U, K, bc):
    """Shifted-sum reference for one channel: sum_offsets K[c + o] U[i + o], padded by bc."""
    c = K.shape[0] // 2
    padded = np.pad(U, c, mode=BoundaryCondition.parse(bc).numpy_mode)
    out = np.zeros_like(U)
    for idx in itertools.product(range(K.shape[0]), repeat=U.ndim):
        out += K[idx] * padded[tuple(slice(i, i + n) for i, n in zip(idx, U.shape, strict=True))]
    return out


@pytest.mark.parametrize("dim", [1, 2, 3])
@pytest.mark.parametrize("bc", ["periodic", "dirichlet"])
@pytest.mark.parametrize("k", [3, 5])
def test_convolve_is_cross_correlation_in_every_dimension(dim, bc, k):
    rng = np.random.default_rng(dim * 10 + k)
    U = rng.standard_normal((2,) + (7,) * dim)
    W = rng.standard_normal((3, 2) + (k,) * dim)
    got = convolve(torch.as_tensor(U)[None], torch.as_tensor(W), bc)[0].numpy()
    want = np.stack([sum(_correlate(U[i], W[o, i], bc) for i in range(2)) for o in range(3)])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_mesh_axis_order():
    X, Y, Z = BoundaryCondition.PERIODIC.mesh(4, dim=3)
    assert (X[1, 2, 3], Y[1, 2, 3], Z[1, 2, 3]) == (0.25, 0.5, 0.75)
    (x,) = BoundaryCondition.DIRICHLET.mesh(3, dim=1)
    np.testing.assert_array_equal(x, [0.25, 0.5, 0.75])
