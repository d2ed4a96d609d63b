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

from pixelpde.ground.errors import InputError
from pixelpde.learned.architectures import Algorithm1Spec, parse_arch
from pixelpde.learned.embedding import constructive_init_, embedding_problem
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
    ("arch", "n", "ok"),
    [("table2", 1, True), ("table3", 1, True), ("table2", 2, False), ("table4", 2, True), ("table4", 3, False)],
)
def test_relu2_width_must_be_at_least_6n(arch, n, ok):
    text = "u_t = u_xx + " + " + ".join(["u*u", "u_x*u_x", "u_y*u_y"][:n])  # positive definite: minimal n = n
    sd = parse_pde(text).discretise("1/10", "periodic")
    assert (embedding_problem(parse_arch(arch), sd) is None) is ok


def test_relu_chain_needs_width_two_and_3x3_stencils():
    sd = parse_pde("u_t = u_xx").discretise("1/10", "periodic")
    assert "hidden ReLU width" in embedding_problem(parse_arch("1-1-8-1/1-8-1"), sd)
    sd5 = parse_pde("u_t = u_xx", size=5, order=4).discretise("1/10", "periodic")
    assert "5x5" in embedding_problem(parse_arch("table2"), sd5)
    assert embedding_problem(Algorithm1Spec((5, 2, 0 + 1)), sd) is None


POLY = {
    "allen-cahn": ("u_t = 0.0001*(u_xx+u_yy) + u - u**3", {3: 2}),
    "nagumo": ("u_t = 0.01*(u_xx+u_yy) + u*(1 - u)*(u - 0.3)", {3: 2}),
    "cubic-and-quartic": ("u_t = u_xx + u*u_x*u_y - u**4 + u_x*u_y", {3: 8, 4: 2}),
}


@pytest.mark.parametrize("name", POLY)
@pytest.mark.parametrize("bc", ["periodic", "dirichlet"])
@pytest.mark.parametrize("size", [3, 5])
def test_embedding_of_polynomial_pdes(name, bc, size):
    """ReLU^q branches (--arch .../q:1-c-1) embed the polynomial construction exactly."""
    from verification.test_polynomial import scale as poly_scale

    text, need = POLY[name]
    sd = parse_pde(text, size=size, order=size - 1, max_degree=4).discretise("1/13", bc)
    extra = "".join(f"/{q}:1-{c}-1" for q, c in need.items())
    spec = dataclasses.replace(parse_arch("1-8-16-8-1/1-8-1" + extra), size=size)
    assert embedding_problem(spec, sd) is None
    net = constructive_init_(spec.build(bc, dtype=torch.float64), spec, sd)
    U = np.random.default_rng(size).uniform(-1, 1, size=(2, 12, 12))
    with torch.no_grad():
        got = net(torch.from_numpy(U)).numpy()
    assert np.max(np.abs(got - sd.rhs(U)) / poly_scale(sd, U)) <= 1e-12
    q, c = max(need.items())
    narrow = parse_arch("1-8-16-8-1/1-8-1" + extra.replace(f"/{q}:1-{c}-1", f"/{q}:1-{c - 1}-1"))
    assert f"c >= {c}" in embedding_problem(dataclasses.replace(narrow, size=size), sd)
    for arch in ("table1", "algorithm1", "theorem32"):
        why = embedding_problem(dataclasses.replace(parse_arch(arch, n=sd.n), size=size), sd)
        assert why is not None
        assert f"1-{need[3]}-1" in why


def test_power_branch_spelling_roundtrip():
    from pixelpde.learned.architectures import spec_from_description

    spec = parse_arch("1-8-16-8-1/1-8-1/3:1-2-1/4:1-4-1")
    assert spec.powers == ((3, (1, 2, 1)), (4, (1, 4, 1)))
    assert spec_from_description(spec.describe()) == spec
    assert spec.num_parameters() == spec.build("periodic").num_parameters() == 2632 + 9 * (2 + 2 + 4 + 4) + 2 + 4
    assert "powers" not in parse_arch("table1").describe()
    for bad in ["1-8-1/1-8-1/2:1-2-1", "1-8-1/1-8-1/3-1-2-1", "1-8-1/1-8-1/3:1-2-1/3:1-4-1", "1-8-1/1-8-1/7:1-2-1"]:
        with pytest.raises(InputError):
            parse_arch(bad)
