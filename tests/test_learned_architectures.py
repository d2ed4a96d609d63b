"""Algorithm 2 / Algorithm 1 architectures: parameter counts, shapes, padding, parsing."""

import pytest
import torch

from pixelpde.learned.architectures import PRESETS, Algorithm2Spec, parse_arch
from pixelpde.ground.errors import InputError
from pixelpde.stencils.boundary import conv2d

# The paper's counts (Tables 2, 3, 4) and table1's (same bias placement as 2 and 4).
COUNTS = {"table1": 2632, "table2": 4952, "table3": 2600, "table4": 5104, "algorithm1": 474}


@pytest.mark.parametrize("name, count", COUNTS.items())
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


@pytest.mark.parametrize("bc", ["periodic", "dirichlet"])
@pytest.mark.parametrize("name", ["table2", "algorithm1"])
def test_forward_equals_an_explicit_evaluation(name, bc):
    """Algorithm 2 written out line by line with the one padding rule."""
    torch.manual_seed(0)
    net = PRESETS[name].build(bc, dtype=torch.float64)
    for p in net.parameters():
        torch.nn.init.normal_(p, std=0.3)
    U = torch.randn(2, 11, 13, dtype=torch.float64)
    x = U[:, None]
    if name == "table2":
        h = x
        for i, conv in enumerate(net.relu.convs):
            h = conv2d(h, conv.weight, bc, conv.bias)
            h = torch.relu(h) if i < 4 else h
        c0, c1 = net.relu2.convs
        q = conv2d(torch.relu(conv2d(x, c0.weight, bc, c0.bias)) ** 2, c1.weight, bc)
        expected = (h + q)[:, 0]
    else:
        L = net.conv2(torch.relu(net.conv1(x)))
        expected = (net.conv4(torch.relu(net.conv3(L)) ** 2) + net.conv5(L))[:, 0]
    assert torch.equal(net(U), expected)
    assert net(U[0]).shape == (11, 13) and net(U[:, None]).shape == (2, 1, 11, 13)


def test_periodic_network_commutes_with_shifts():
    torch.manual_seed(1)
    net = PRESETS["table1"].build("periodic", dtype=torch.float64)
    for p in net.parameters():
        torch.nn.init.normal_(p, std=0.3)
    U = torch.randn(9, 9, dtype=torch.float64)
    shifted = torch.roll(U, shifts=(2, -3), dims=(0, 1))
    assert torch.allclose(net(shifted), torch.roll(net(U), shifts=(2, -3), dims=(0, 1)), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "text, expected",
    [("1-8-16-8-1/1-8-1", 2632), ("algorithm1:6-3-6", 474), ("table2", 4952)],
)
def test_parse_arch(text, expected):
    assert parse_arch(text).num_parameters() == expected


@pytest.mark.parametrize("text", ["table9", "2-8-1/1-8-1", "1-8-1/1-8", "algorithm1:6-3", "theorem32", "1--1/1-8-1"])
def test_parse_arch_refuses(text):
    with pytest.raises(InputError):
        parse_arch(text)
