"""Algorithm 2 / Algorithm 1 architectures: parameter counts, shapes, padding, parsing."""

import numpy as np
import pytest
import torch

from pixelpde.ground.errors import InputError
from pixelpde.learned.architectures import PRESETS, Algorithm2Spec, parse_arch

# The paper's counts (Tables 2, 3, 4) and table1's (same bias placement as 2 and 4).
COUNTS = {"table1": 2632, "table2": 4952, "table3": 2600, "table4": 5104, "algorithm1": 474}


@pytest.mark.parametrize(("name", "count"), COUNTS.items())
def test_parameter_counts(name, count):
    spec = PRESETS[name]
    assert spec.num_parameters() == count
    assert sum(p.numel() for p in spec.build("periodic").parameters()) == count


def test_table3_count_needs_bias_free_relu_chain():
    with_bias = Algorithm2Spec((1, 8, 16, 8, 1), (1, 8, 1), relu_bias=True)
    assert with_bias.num_parameters() == 2632 != 2600
    assert parse_arch("table3", relu_bias=True).num_parameters() == 2632


def test_last_convolution_of_each_branch_has_no_bias():
    net = PRESETS["table4"].build("dirichlet")
    for chain in (net.relu, net.relu2):
        assert chain.convs[-1].bias is None
        assert all(c.bias is not None for c in chain.convs[:-1])


def test_theorem32_arch_uses_the_constructive_module():
    from pixelpde.constructive import Theorem32Network

    spec = parse_arch("theorem32", n=1)
    net = spec.build("periodic")
    assert isinstance(net, Theorem32Network)
    assert spec.num_parameters() == sum(p.numel() for p in net.parameters())


def np_conv(x, weight, bc, bias=None):
    """Reference convolution in NumPy, by explicit shifted sums (independent of torch's conv2d and of
    the package's padding): out[o, h, k] = sum_{c, i, j} W[o, c, i, j] X[c, h + i - m, k + j - m] + b[o],
    where X outside the grid is the periodic copy or 0 (Dirichlet), m = size // 2."""
    size = weight.shape[-1]
    m = size // 2
    padded = np.pad(x, ((0, 0), (m, m), (m, m)), mode="wrap" if bc == "periodic" else "constant")
    r, s = x.shape[1:]
    out = np.zeros((weight.shape[0], r, s))
    for i in range(size):
        for j in range(size):
            out += np.einsum("oc,chk->ohk", weight[:, :, i, j], padded[:, i : i + r, j : j + s])
    return out if bias is None else out + bias[:, None, None]


def np_algorithm2(params, U, bc, relu_layers, relu2_layers):
    """Algorithm 2 (section 4): F(U) = ReLU chain(U) + ReLU^2 chain(U), activations after all but the last conv."""

    def chain(prefix, layers, act):
        h = U[None]
        for i in range(layers):
            h = np_conv(h, params[f"{prefix}.convs.{i}.weight"], bc, params.get(f"{prefix}.convs.{i}.bias"))
            h = act(h) if i < layers - 1 else h
        return h

    relu = lambda z: np.maximum(z, 0)
    return (chain("relu", relu_layers, relu) + chain("relu2", relu2_layers, lambda z: relu(z) ** 2))[0]


def np_algorithm1(params, U, bc):
    """Algorithm 1: L = Conv2(ReLU(Conv1 U)), F = Conv4(ReLU(Conv3 L)^2) + Conv5 L."""
    conv = lambda h, k: np_conv(h, params[f"conv{k}.weight"], bc, params.get(f"conv{k}.bias"))
    L = conv(np.maximum(conv(U[None], 1), 0), 2)
    return (conv(np.maximum(conv(L, 3), 0) ** 2, 4) + conv(L, 5))[0]


@pytest.mark.parametrize("bc", ["periodic", "dirichlet"])
@pytest.mark.parametrize("name", ["table2", "table3", "algorithm1"])
def test_forward_equals_an_independent_numpy_evaluation(name, bc):
    """The network against Algorithm 1/2 written in NumPy by shifted sums (float64, random weights)."""
    torch.manual_seed(0)
    net = PRESETS[name].build(bc, dtype=torch.float64)
    for p in net.parameters():
        torch.nn.init.normal_(p, std=0.3)
    params = {k: v.numpy() for k, v in net.state_dict().items()}
    U = torch.randn(2, 11, 13, dtype=torch.float64)
    if name == "algorithm1":
        expected = np.stack([np_algorithm1(params, u, bc) for u in U.numpy()])
    else:
        spec = PRESETS[name]
        expected = np.stack([np_algorithm2(params, u, bc, len(spec.relu) - 1, len(spec.relu2) - 1) for u in U.numpy()])
    got = net(U).detach().numpy()
    assert np.abs(got - expected).max() <= 1e-12 * np.abs(expected).max()
    assert np.abs(expected).max() > 1  # not a vacuous comparison of zeros
    assert net(U[0]).shape == (11, 13)
    assert net(U[:, None]).shape == (2, 1, 11, 13)


def test_periodic_network_commutes_with_shifts():
    torch.manual_seed(1)
    net = PRESETS["table1"].build("periodic", dtype=torch.float64)
    for p in net.parameters():
        torch.nn.init.normal_(p, std=0.3)
    U = torch.randn(9, 9, dtype=torch.float64)
    shifted = torch.roll(U, shifts=(2, -3), dims=(0, 1))
    assert torch.allclose(net(shifted), torch.roll(net(U), shifts=(2, -3), dims=(0, 1)), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1-8-16-8-1/1-8-1", 2632), ("algorithm1:6-3-6", 474), ("table2", 4952)],
)
def test_parse_arch(text, expected):
    assert parse_arch(text).num_parameters() == expected


@pytest.mark.parametrize("text", ["table9", "2-8-1/1-8-1", "1-8-1/1-8", "algorithm1:6-3", "theorem32", "1--1/1-8-1"])
def test_parse_arch_refuses(text):
    with pytest.raises(InputError):
        parse_arch(text)
