"""Theorem 3.2: the constructed F_theta equals X(U) of (11), for all systems and fields."""

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from pixelpde.constructive import Theorem32Network, theorem32_shapes, theorem32_weights
from pixelpde.stencils import SemiDiscretePDE, parse_pde
from verification.strategies import BCS, assert_matches, fields, systems


def run(net, U):
    with torch.no_grad():
        return net(torch.from_numpy(U)).numpy()


@given(sd=systems(), U=fields())
def test_network_equals_X(sd, U):
    """F_theta(U) = C*T1(U) + T2(T1(U)) = X(U) (22), n = 0..4, both BCs, r != s."""
    net = Theorem32Network.from_system(sd)
    assert_matches(sd, U, run(net, U), rtol=1e-12)


@given(sd=systems(), U=fields())
def test_compact_equals_full(sd, U):
    """The 1 x 1 form of A2, B1, B2, C (remark after Theorem 3.2) gives the same output."""
    full = Theorem32Network.from_system(sd)
    compact = full.compacted()
    assert compact.compact
    assert compact.A2.shape[-1] == 1
    Ff, Fc = run(full, U), run(compact, U)
    assert_matches(sd, U, Fc, rtol=1e-12)
    np.testing.assert_allclose(Fc, Ff, rtol=0, atol=1e-13 * max(1.0, float(np.abs(Ff).max())))
    assert compact.expanded().weights().keys() == full.weights().keys()
    for name, w in compact.expanded().weights().items():
        assert torch.equal(w, full.weights()[name])


@given(sd=systems(max_n=2, size=5), U=fields(min_side=5))
def test_network_equals_X_5x5(sd, U):
    """The same construction with a 5 x 5 A1 (higher-order stencils)."""
    assert_matches(sd, U, run(Theorem32Network.from_system(sd), U), rtol=1e-12)


@given(n=st.integers(0, 4), size=st.sampled_from([3, 5]))
def test_shapes_are_those_of_the_theorem(n, size):
    shapes = theorem32_shapes(n, size)
    expected = {
        "A1": (4 * n + 2, 1, size, size),
        "A2": (2 * n + 1, 4 * n + 2, 3, 3),
        "C": (1, 2 * n + 1, 3, 3),
    }
    if n:
        expected.update({"B1": (6 * n, 2 * n + 1, 3, 3), "B2": (1, 6 * n, 3, 3)})
    assert shapes == expected


def test_weights_are_those_of_the_proof():
    """Spot-check the index pattern of the proof for n = 1 (paper indices minus one)."""
    D1, D2, L = (np.arange(9.0).reshape(3, 3) + k for k in (1, 20, 40))
    sd = SemiDiscretePDE(L=L, betas=(-3.0,), D=(D1, D2), bc="periodic")
    W = {k: v.numpy() for k, v in theorem32_weights(sd).items()}
    centre = np.zeros((3, 3))
    centre[1, 1] = 1
    np.testing.assert_array_equal(W["A1"][:, 0], [D1, -D1, D2, -D2, L, -L])
    np.testing.assert_array_equal(W["A2"][2, 4], centre)
    np.testing.assert_array_equal(W["A2"][2, 5], -centre)
    np.testing.assert_array_equal(W["C"][0, 2], centre)
    assert np.count_nonzero(W["C"]) == 1
    np.testing.assert_array_equal(W["B1"][0, 0] + W["B1"][0, 1], 2 * centre)
    np.testing.assert_array_equal(W["B2"][0, :, 1, 1], -3.0 / 2 * np.array([1, 1, -1, -1, -1, -1]))


pde_texts = st.sampled_from(
    [
        "u_t = 0.01*(u_xx + u_yy) + u*(1 - u)",
        "u_t = u_x + u_y",
        "u_t = -u*u_x - u*u_y + 0.05*(u_xx + u_yy)",
        "u_t = u_x*u_y - 2*u_xy + 3*u^2",
        "u_t = 0.5*u_x**2 + 0.5*u_y**2 - u_xx",
        "u_t = (u_x + u_y)*(u - u_xx) + u_yy",
    ]
)


@given(text=pde_texts, U=fields(), bc=st.sampled_from(BCS), p=st.integers(4, 64))
def test_parsed_pdes(text, U, bc, p):
    """From a PDE string: the network reproduces the directly evaluated X(U)."""
    sd = parse_pde(text).discretise(f"1/{p}", bc)
    assert_matches(sd, U, run(Theorem32Network.from_system(sd, compact=True), U), rtol=1e-12)


def test_float32_network_agrees_to_single_precision():
    sd = parse_pde("u_t = 0.01*(u_xx + u_yy) + u*(1 - u)").discretise("1/32", "dirichlet")
    U = np.random.default_rng(1).uniform(-1, 1, size=(2, 32, 32))
    net = Theorem32Network.from_system(sd, dtype=torch.float32)
    assert net.A1.dtype == torch.float32
    with torch.no_grad():
        F = net(torch.from_numpy(U).float()).double().numpy()
    X = sd.rhs(U)
    assert np.max(np.abs(F - X)) <= 1e-5 * np.max(np.abs(X)) * 100
    assert np.max(np.abs(F - X)) > 0  # genuinely single precision


@given(sd=systems(max_n=0), U=fields())
def test_linear_form_eq27(sd, U):
    """For linear systems (n = 0), F(U) = A2 * ReLU(A1 * U) of eq. (27) equals L * U."""
    from pixelpde.constructive import LinearNetwork

    net = LinearNetwork.from_system(sd)
    assert net.A1.shape == (2, 1, 3, 3)
    assert net.A2.shape == (1, 2, 1, 1)
    assert_matches(sd, U, run(net, U), rtol=1e-13)
