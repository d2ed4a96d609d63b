"""Shared ground of the systems tests: random systems as text, the rounding scale, an independent X(U).

The independent reference evaluates each equation **as written**, monomial by monomial: every
variable d^alpha u^(c) is its stencil correlated with field c (:func:`pixelpde.stencils.semidiscrete.correlate`),
and the monomials are multiplied and summed in NumPy.  It shares no code with the shared
products, the minimal factorisation, the balancing or the networks it checks.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from pixelpde.stencils.semidiscrete import correlate

LETTERS = "uvw"
#: Derivatives a random term may use, by kernel size (5 x 5 adds a third and a fourth one).
ALPHAS = {3: ["", "_x", "_y", "_xx", "_xy", "_yy"], 5: ["", "_x", "_y", "_xx", "_xy", "_yy", "_xyy", "_xxyy"]}


@st.composite
def system_texts(draw, max_fields: int = 3, max_degree: int = 4, size: int = 3):
    """A random polynomial system of 1..max_fields fields, degrees up to ``max_degree``, with
    products across fields and sometimes constant sources; coefficients are short decimals."""
    C = draw(st.integers(1, max_fields))
    fields = LETTERS[:C]
    names = [f + a for f in fields for a in ALPHAS[size]]
    coeff = st.sampled_from(["0.5", "-1", "2", "-0.25", "1.5", "3", "-0.75"])
    equations = []
    for f in fields:
        terms = [f"{draw(coeff)}*{draw(st.sampled_from(names))}" for _ in range(draw(st.integers(0, 2)))]
        for _ in range(draw(st.integers(1 if f == fields[0] else 0, 3))):
            q = draw(st.integers(2, max_degree))
            terms.append(draw(coeff) + "*" + "*".join(draw(st.sampled_from(names)) for _ in range(q)))
        if draw(st.booleans()):
            terms.append(draw(coeff))
        equations.append(f"{f}_t = " + (" + ".join(terms) if terms else "0"))
    return "; ".join(equations)


def as_written(system, dx, bc, U: np.ndarray) -> np.ndarray:
    """X(U) for U (N, C, r, s), each equation evaluated monomial by monomial (module docstring)."""
    from pixelpde.stencils.boundary import BoundaryCondition

    bc = BoundaryCondition.parse(bc)
    cache = {}

    def value(v):
        if v not in cache:
            cache[v] = correlate(system.stencil(v[1]).array(dx), U[:, v[0]], bc)
        return cache[v]

    out = np.zeros_like(U, dtype=np.float64)
    for k, equation in enumerate(system.equations):
        for monomial, c in equation.monomials:
            term = np.full(U.shape[:1] + U.shape[2:], float(c))
            for v in monomial:
                term = term * value(v)
            out[:, k] += term
    return out


def magnitude(sd, U: np.ndarray) -> np.ndarray:
    """Pixelwise rounding scale (N, C, r, s) of a system's network: |s_k| + sum_c |L_kc|*|U_c|
    + sum_i |beta_ki| (|D_2i| * |U| + |D_2i+1| * |U|)^2 + sum_m |gamma_km| (sum_j |E_mj| * |U|)^q.
    Products are formed by polarisation, whose rounding error is relative to the factors' sum
    raised to the degree, not to the product."""
    A = np.abs(U)
    absolute = lambda K: sum(correlate(np.abs(K[c]), A[:, c], sd.bc) for c in range(sd.channels))
    out = np.zeros_like(A)
    for k in range(sd.channels):
        out[:, k] = abs(sd.source[k]) + sum(correlate(np.abs(sd.L[k, c]), A[:, c], sd.bc) for c in range(sd.channels))
    for i in range(sd.n):
        square = (absolute(sd.D[2 * i]) + absolute(sd.D[2 * i + 1])) ** 2
        out += np.abs(sd.betas[:, i])[None, :, None, None] * square[:, None]
    for gammas, kernels in sd.higher:
        power = sum(absolute(K) for K in kernels) ** len(kernels)
        out += np.abs(gammas)[None, :, None, None] * power[:, None]
    return out


def worst_relative(sd, U: np.ndarray, F: np.ndarray, X: np.ndarray) -> float:
    scale = np.maximum(magnitude(sd, U), 1e-300)
    return float(np.max(np.abs(F - X) / scale))
