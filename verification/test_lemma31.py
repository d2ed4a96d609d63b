"""Lemma 3.1 (18), eq. (19) and the activation identity of section 3.2.2, for all inputs."""

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from pixelpde.constructive.lemma31 import product_weights, relu2, square_weights, two_layer
from pixelpde.stencils import SemiDiscretePDE
from verification.strategies import BCS, assert_matches, fields, kernels


@given(x=st.floats(-1e150, 1e150, allow_nan=False, width=64), q=st.sampled_from([1, 2]))
def test_power_identity(x, q):
    """x^q = ReLU(x)^q + (-1)^q ReLU(-x)^q, exactly, for q = 1, 2."""
    t = torch.tensor(x, dtype=torch.float64)
    assert (torch.relu(t) ** q + (-1) ** q * torch.relu(-t) ** q).item() == x**q


@given(U=fields(), bc=st.sampled_from(BCS))
def test_square_eq19(U, bc):
    """U ⊙ U = L2 * sigma2(L1 * U) (eq. (19)); both sides are exact in floating point."""
    L1, L2 = square_weights()
    assert L1.shape == (2, 1, 3, 3)
    assert L2.shape == (1, 2, 3, 3)
    out = two_layer(torch.from_numpy(U), L1, L2, bc).numpy()
    np.testing.assert_array_equal(out, U * U)


@given(D1=kernels(), D2=kernels(), U=fields(), bc=st.sampled_from(BCS))
def test_lemma31_product(D1, D2, U, bc):
    """(D1 * U) ⊙ (D2 * U) = M2 * sigma2(M1 * U) to rounding error (Lemma 3.1)."""
    M1, M2 = product_weights(D1, D2)
    assert M1.shape == (6, 1, 3, 3)
    assert M2.shape == (1, 6, 3, 3)
    out = two_layer(torch.from_numpy(U), M1, M2, bc).numpy()
    sd = SemiDiscretePDE(L=np.zeros((3, 3)), betas=(1.0,), D=(D1, D2), bc=bc)
    assert_matches(sd, U, out, rtol=1e-13)


@given(D1=kernels(5), D2=kernels(5), U=fields(min_side=5), bc=st.sampled_from(BCS))
def test_lemma31_product_5x5(D1, D2, U, bc):
    """The lemma holds verbatim for larger kernels (5 x 5 M1, 3 x 3 identity M2)."""
    M1, M2 = product_weights(D1, D2)
    out = two_layer(torch.from_numpy(U), M1, M2, bc).numpy()
    sd = SemiDiscretePDE(L=np.zeros((5, 5)), betas=(1.0,), D=(D1, D2), bc=bc)
    assert_matches(sd, U, out, rtol=1e-13)


def test_relu2_is_relu_squared():
    x = torch.linspace(-3, 3, 61, dtype=torch.float64)
    assert torch.equal(relu2(x), torch.where(x > 0, x * x, torch.zeros_like(x)))


def test_lemma31_fails_for_a_wrong_half():
    """The check is sharp: doubling M2 (a missing 1/2) is caught by a wide margin."""
    rng = np.random.default_rng(0)
    D1, D2, U = rng.normal(size=(3, 3)), rng.normal(size=(3, 3)), rng.normal(size=(8, 9))
    M1, M2 = product_weights(D1, D2)
    out = two_layer(torch.from_numpy(U), M1, 2 * M2, "periodic").numpy()
    sd = SemiDiscretePDE(L=np.zeros((3, 3)), betas=(1.0,), D=(D1, D2), bc="periodic")
    try:
        assert_matches(sd, U, out)
    except AssertionError:
        return
    raise AssertionError("a doubled M2 was not detected")
