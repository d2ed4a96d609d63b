"""Hypothesis strategies shared by the verification tests: kernels, fields, systems (11)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pixelpde.stencils import SemiDiscretePDE

BCS = ("periodic", "dirichlet")

finite = st.floats(min_value=-4.0, max_value=4.0, allow_nan=False, allow_infinity=False, width=64)


def kernels(size: int = 3):
    return arrays(np.float64, (size, size), elements=finite)


@st.composite
def fields(draw, min_side: int = 3, max_side: int = 12, batch: bool | None = None):
    """A field (r, s) or a batch (N, r, s), r != s allowed, entries in [-2, 2]."""
    r = draw(st.integers(min_side, max_side))
    s = draw(st.integers(min_side, max_side))
    if batch is None:
        batch = draw(st.booleans())
    shape = (draw(st.integers(1, 3)), r, s) if batch else (r, s)
    return draw(arrays(np.float64, shape, elements=st.floats(-2.0, 2.0, allow_nan=False, width=64)))


@st.composite
def systems(draw, max_n: int = 4, size: int = 3):
    """A random system (11): n in 0..max_n, random L, D's and betas, either BC."""
    n = draw(st.integers(0, max_n))
    return SemiDiscretePDE(
        L=draw(kernels(size)),
        betas=tuple(draw(st.lists(finite, min_size=n, max_size=n))),
        D=tuple(draw(kernels(size)) for _ in range(2 * n)),
        bc=draw(st.sampled_from(BCS)),
    )


def magnitude(sd: SemiDiscretePDE, U: np.ndarray) -> np.ndarray:
    """Pixelwise scale of the rounding error: |L|*|U| + sum |beta| (|D1|*|U| + |D2|*|U|)^2.

    The network forms each product by polarisation, ab = ((a+b)^2 - a^2 - b^2)/2,
    whose rounding error is a few machine epsilons times (|a| + |b|)^2, not
    times |ab|; so this, not |X(U)|, is the honest scale for a relative check.
    """
    A = np.abs(U)
    out = sd.correlate(np.abs(sd.L), A)
    for i, beta in enumerate(sd.betas):
        out = out + abs(beta) * (sd.correlate(np.abs(sd.D[2 * i]), A) + sd.correlate(np.abs(sd.D[2 * i + 1]), A)) ** 2
    return out


def assert_matches(sd: SemiDiscretePDE, U: np.ndarray, F: np.ndarray, rtol: float = 1e-12) -> None:
    X = sd.rhs(U)
    scale = np.maximum(magnitude(sd, U), 1e-300)
    worst = float(np.max(np.abs(F - X) / scale))
    assert F.shape == X.shape
    assert worst <= rtol, f"network differs from X(U): max relative error {worst:.3e} > {rtol:g}"
