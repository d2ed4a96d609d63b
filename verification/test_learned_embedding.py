"""Constructive embedding (eqs. (28)-(29), Lemma 3.1, Theorem 3.2) into the practical
architectures: the network equals X(U) of eq. (11) to rounding error, for all PDEs
of class (8) with n <= 2 whose widths allow it, both boundary conditions.

X(U) is evaluated by the independent SciPy reference ``SemiDiscretePDE.rhs``.
"""

import dataclasses

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from pixelpde.learned.architectures import Algorithm1Spec, parse_arch
from pixelpde.learned.embedding import constructive_init_, embedding_problem
from pixelpde.ground.errors import InputError
from pixelpde.stencils import parse_pde

NAMES = ["u", "u_x", "u_y", "u_xx", "u_xy", "u_yy"]
PAIRS = [(a, b) for i, a in enumerate(NAMES) for b in NAMES[i:]]
ARCHS = ["table1", "table2", "table3", "table4", "algorithm1:10-5-12", "theorem32"]
coeff = st.fractions(min_value=-3, max_value=3, max_denominator=8).filter(lambda c: c != 0)


@st.composite
def pdes(draw):
    linear = draw(st.lists(st.tuples(st.sampled_from(NAMES), coeff), max_size=4))
    pairs = draw(st.lists(st.sampled_from(PAIRS), max_size=2, unique=True))
    terms = [f"({c})*{name}" for name, c in linear]
    terms += [f"({draw(coeff)})*{a}*{b}" for a, b in pairs]
    return "u_t = " + (" + ".join(terms) if terms else "0")


def scale(sd, U):
    """Size of the terms of X(U), for a relative tolerance."""
    s = np.abs(sd.correlate(sd.L, U)).max()
    for i, beta in enumerate(sd.betas):
        a, b = (np.abs(sd.correlate(D, U)).max() for D in sd.D[2 * i : 2 * i + 2])
        s += abs(beta) * (a + b) ** 2
    return max(s, 1e-300)


@given(
    text=pdes(),
    bc=st.sampled_from(["periodic", "dirichlet"]),
    arch=st.sampled_from(ARCHS),
    size=st.sampled_from([3, 5]),
    p=st.integers(5, 12),
    seed=st.integers(0, 2**31),
)
def test_embedding_reproduces_X(text, bc, arch, size, p, seed):
    """3 x 3 second-order stencils in the paper's architectures, and 5 x 5
    fourth-order ones in the same architectures with 5 x 5 filters."""
    pde = parse_pde(text, size=size, order=size - 1)
    sd = pde.discretise(f"1/{p if bc == 'periodic' else p + 1}", bc)
    spec = dataclasses.replace(parse_arch(arch, n=sd.n), size=size)
    net = spec.build(bc, dtype=torch.float64)
    if embedding_problem(spec, sd) is not None:
        assert spec.relu2[1] < 6 * sd.n  # the only obstacle for these presets
        with pytest.raises(InputError):
            constructive_init_(net, spec, sd)
        return
    constructive_init_(net, spec, sd)
    U = np.random.default_rng(seed).normal(size=(2, p, p))
    with torch.no_grad():
        got = net(torch.from_numpy(U)).numpy()
    err = np.abs(got - sd.rhs(U)).max()
    assert err <= 1e-12 * scale(sd, U), (text, bc, arch, err)


@pytest.mark.parametrize(
    "arch, n, ok",
    [("table2", 1, True), ("table3", 1, True), ("table2", 2, False), ("table4", 2, True), ("table4", 3, False)],
)
def test_relu2_width_must_be_at_least_6n(arch, n, ok):
    text = "u_t = u_xx + " + " + ".join(["u*u", "u_x*u_y", "u_x*u_x"][:n])
    sd = parse_pde(text).discretise("1/10", "periodic")
    assert (embedding_problem(parse_arch(arch), sd) is None) is ok


def test_relu_chain_needs_width_two_and_3x3_stencils():
    sd = parse_pde("u_t = u_xx").discretise("1/10", "periodic")
    assert "hidden ReLU width" in embedding_problem(parse_arch("1-1-8-1/1-8-1"), sd)
    sd5 = parse_pde("u_t = u_xx", size=5, order=4).discretise("1/10", "periodic")
    assert "5x5" in embedding_problem(parse_arch("table2"), sd5)
    assert embedding_problem(Algorithm1Spec((5, 2, 0 + 1)), sd) is None
