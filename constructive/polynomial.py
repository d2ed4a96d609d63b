r"""Polynomial nonlinearities of any degree: a ReLU^q branch per degree q >= 3.

For the extended system (11),

.. math::

    X(U) = L * U + \sum_{i=1}^n \beta_i (D_{2i-1} * U) \odot (D_{2i} * U)
         + \sum_k \gamma_k \bigodot_{j=1}^{q_k} (E_{k,j} * U),

the network is that of Theorem 3.2 with a wider first block and one more
branch per degree q present:

.. math::

    T_1(U) = \mathcal{A}_2 * \sigma_1(\mathcal{A}_1 * U)
           = [D_1 * U, \dots, D_{2n} * U, L * U, G_1 * U, \dots, G_m * U],

    F(U) = \mathcal{C} * T_1(U) + \mathcal{B}_2 * \sigma_2(\mathcal{B}_1 * T_1(U))
         + \sum_{q \ge 3} \mathcal{E}^{(q)}_2 * \sigma_q(\mathcal{E}^{(q)}_1 * T_1(U)),

with :math:`\sigma_q(x) = \mathrm{ReLU}(x)^q`, :math:`G_1..G_m` the distinct
factor kernels of the higher-degree terms, and the Theorem 3.2 weights in
the first 2n+1 channels (:mod:`pixelpde.constructive.theorem32`).

**Theorem (polynomial terms).**  For every q >= 1 and reals :math:`x_1..x_q`,

.. math::

    \prod_{j=1}^q x_j = \frac{1}{2^{q-1} q!} \sum_{\varepsilon \in \{\pm1\}^q,\ \varepsilon_1 = 1}
        \Big(\prod_j \varepsilon_j\Big) \Big(\sum_j \varepsilon_j x_j\Big)^q ,
    \qquad y^q = \sigma_q(y) + (-1)^q \sigma_q(-y),

so a product of q convolutions is :math:`\mathcal{E}_2 * \sigma_q(\mathcal{E}_1 * T_1)`
with at most :math:`2 \cdot 2^{q-1} = 2^q` channels, and F = X exactly (in
exact arithmetic; in floating point to rounding, relative to
:math:`|\gamma| (\sum_j |E_{k,j}| * |U|)^q`).

*Proof.* Expanding :math:`(\sum_j \varepsilon_j x_j)^q`, the monomial
:math:`x^m` (:math:`|m| = q`) has coefficient :math:`\binom{q}{m} \prod_j \varepsilon_j^{m_j}`,
so over all :math:`\varepsilon \in \{\pm1\}^q` the weighted sum gives
:math:`\binom{q}{m}\prod_j \sum_{\varepsilon_j=\pm1} \varepsilon_j^{m_j+1}`,
which is :math:`2^q \binom{q}{m}` when every :math:`m_j` is odd and 0 otherwise;
with q variables and :math:`|m| = q`, all odd means :math:`m = (1,\dots,1)`, so the
full sum is :math:`2^q q!\, x_1\cdots x_q`.  Replacing :math:`\varepsilon` by
:math:`-\varepsilon` multiplies both :math:`\prod_j\varepsilon_j` and
:math:`(\sum_j\varepsilon_j x_j)^q` by :math:`(-1)^q`, so the terms with
:math:`\varepsilon_1 = -1` repeat those with :math:`\varepsilon_1 = 1`: half the sum
is :math:`2^{q-1} q!\, \prod_j x_j`.  The power identity is the paper's (section 3.2.2),
since ReLU(y) ReLU(-y) = 0.  []

Channels are merged exactly (:func:`power_sum`): a combination and its
multiples are one channel (:math:`(\lambda y)^q = \lambda^q y^q`), combinations that
cancel (``x - x`` when factors repeat) are dropped, and all terms of one
degree share the branch.  So ``u**3`` takes 2 channels and a product of three
distinct factors 8.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any

import numpy as np
import torch

from pixelpde.constructive.lemma31 import identity_filter
from pixelpde.constructive.network import ExactNetwork
from pixelpde.constructive.theorem32 import as_system, theorem32_shapes, theorem32_weights
from pixelpde.ground.errors import InputError
from pixelpde.stencils.boundary import check_dim, convolve
from pixelpde.stencils.system import MAX_FIELDS

Combination = tuple[tuple[int, Fraction], ...]


def power_sum(channels: tuple[int, ...]) -> dict[Combination, Fraction]:
    """``prod_j x[channels[j]] = sum_c coeff[c] * (c . x)^q`` (q = len(channels)), exactly.

    Keys are sparse combinations ``((channel, coefficient), ...)`` with the
    first coefficient 1; from the identity of the module docstring, merged.
    """
    q = len(channels)
    scale = Fraction(1, 2 ** (q - 1) * math.factorial(q))
    out: dict[Combination, Fraction] = {}
    for signs in itertools.product((1, -1), repeat=q - 1):
        eps = (1, *signs)
        combo: dict[int, int] = {}
        for e, ch in zip(eps, channels, strict=True):
            combo[ch] = combo.get(ch, 0) + e
        items = sorted((ch, c) for ch, c in combo.items() if c != 0)
        if not items:
            continue
        lead = Fraction(items[0][1])
        key = tuple((ch, Fraction(c) / lead) for ch, c in items)
        out[key] = out.get(key, Fraction(0)) + scale * math.prod(eps) * lead**q
    return {k: v for k, v in out.items() if v != 0}


def relu_power(x: torch.Tensor, q: int) -> torch.Tensor:
    """sigma_q(x) = ReLU(x)^q."""
    return torch.relu(x) ** q


def factor_channels(sd) -> tuple[list[np.ndarray], list[tuple[int, ...]], list[float]]:
    sd = as_system(sd)
    return _factor_channels(sd)


def _factor_channels(sd) -> tuple[list[np.ndarray], list[tuple[int, ...]], list[float]]:
    """The distinct factor kernels of ``sd.higher``, each scaled by a power of two
    ``lambda_j ~ 1 / ||G_j||_1`` (exact in floating point), so that the factors summed in the
    polarisation identity have comparable sizes (a u_yy next to a u would otherwise dominate
    every combination and the cancellation would cost its relative size); per term, its
    factors' channel indices in T_1 (which holds D_1..D_2n, L, lambda_1 G_1..lambda_m G_m);
    and the scales lambda_j."""
    kernels: list[np.ndarray] = []
    scales: list[float] = []
    index: dict[bytes, int] = {}
    terms = []
    base = 2 * sd.n + sd.channels
    for _, Ks in sd.higher:
        chans = []
        for K in Ks:
            key = np.ascontiguousarray(K).tobytes()
            if key not in index:
                index[key] = base + len(kernels)
                norm = float(np.abs(K).sum())
                scale = math.ldexp(1.0, min(1023, max(-1022, -round(math.log2(norm))))) if norm > 0 else 1.0
                kernels.append(scale * K)
                scales.append(scale)
            chans.append(index[key])
        terms.append(tuple(chans))
    return kernels, terms, scales


def branches(sd) -> dict[int, dict[Combination, tuple[Fraction, ...]]]:
    """Degree q -> {combination over T_1 channels: output coefficient per equation} for all terms
    of degree q (each term's coefficients divided by its factors' scales, see
    :func:`factor_channels`); a combination that several terms or equations use is one channel pair."""
    sd = as_system(sd)
    _, terms, scales = _factor_channels(sd)
    base = 2 * sd.n + sd.channels
    out: dict[int, dict[Combination, list[Fraction]]] = {}
    for (gammas, _), chans in zip(sd.higher, terms, strict=True):
        branch = out.setdefault(len(chans), {})
        scale = math.prod(Fraction(scales[ch - base]) for ch in chans)
        for combo, c in power_sum(chans).items():
            row = branch.setdefault(combo, [Fraction(0)] * sd.channels)
            for k, gamma in enumerate(gammas):
                row[k] += Fraction(float(gamma)) / scale * c
    nonzero = {q: {k: tuple(v) for k, v in sorted(b.items()) if any(v)} for q, b in sorted(out.items())}
    return {q: b for q, b in nonzero.items() if b}  # a degree whose terms cancel (or have gamma = 0) needs no branch


def structure_of(sd) -> dict:
    """What fixes the shapes: n, the extra factor channels m, channels per degree; for a system
    also its number of fields and whether it has a source (keys absent in the scalar case)."""
    system = as_system(sd)
    kernels, _, _ = _factor_channels(system)
    out = {"n": system.n, "m": len(kernels), "branches": {str(q): 2 * len(b) for q, b in branches(system).items()}}
    if system.channels != 1:
        out["channels"] = system.channels
    if np.any(system.source != 0):
        out["source"] = True
    return out


def polynomial_shapes(structure: dict, size: int = 3, inner: int = 3, dim: int = 2) -> dict[str, tuple[int, ...]]:
    """Tensor shapes for a structure (see :func:`structure_of`) on a ``dim``-D grid."""
    n, m, C = int(structure["n"]), int(structure["m"]), int(structure.get("channels", 1))
    w = 2 * n + C + m
    k, i = (size,) * dim, (inner,) * dim
    shapes = dict(theorem32_shapes(n, size, inner, C, bool(structure.get("source", False)), dim))
    shapes["A1"] = (2 * w, C, *k)
    shapes["A2"] = (w, 2 * w, *i)
    shapes["C"] = (C, w, *i)
    if n:
        shapes["B1"] = (6 * n, w, *i)
    for q, c in structure["branches"].items():
        shapes[f"E1_{q}"] = (int(c), w, *i)
        shapes[f"E2_{q}"] = (C, int(c), *i)
    return shapes


def polynomial_weights(sd, dtype=torch.float64) -> tuple[dict, dict[str, torch.Tensor]]:
    """``(structure, weights)`` of the network of the module docstring for ``sd``."""
    sd = as_system(sd)
    structure = structure_of(sd)
    shapes = polynomial_shapes(structure, sd.size, dim=sd.dim)
    W = {name: torch.zeros(shape, dtype=torch.float64) for name, shape in shapes.items()}
    base = theorem32_weights(sd)
    for name, t in base.items():
        W[name][tuple(slice(0, s) for s in t.shape)] = t
    eye = identity_filter(3, dim=sd.dim)
    kernels, _, _ = _factor_channels(sd)
    first = 2 * sd.n + sd.channels
    for j, kernel in enumerate(kernels):
        ch = first + j
        G = torch.as_tensor(kernel, dtype=torch.float64)
        W["A1"][2 * ch], W["A1"][2 * ch + 1] = G, -G
        W["A2"][ch, 2 * ch], W["A2"][ch, 2 * ch + 1] = eye, -eye
    for q, branch in branches(sd).items():
        E1, E2 = W[f"E1_{q}"], W[f"E2_{q}"]
        for r, (combo, coeff) in enumerate(branch.items()):
            for ch, c in combo:
                E1[2 * r, ch] = float(c) * eye
                E1[2 * r + 1, ch] = -float(c) * eye
            for k, c in enumerate(coeff):
                E2[k, 2 * r] = float(c) * eye
                E2[k, 2 * r + 1] = (-1) ** q * float(c) * eye
    return structure, {name: w.to(dtype) for name, w in W.items()}


class PolynomialNetwork(ExactNetwork):
    """The exact network F = X(U) of a semi-discrete system with terms of degree q >= 3 (a ReLU^q branch per
    degree, built by :meth:`from_system`); maps fields (r, s), (N, r, s) or (N, 1, r, s) to the same shape
    ((C, r, s), (N, C, r, s) for a system).  ``compact=True`` stores the identity-multiple layers as 1 x 1;
    ``dim`` = 1 or 3 builds it for lines or voxel grids (conv1d, conv3d)."""

    def __init__(self, structure: dict, bc, size: int = 3, compact: bool = False, dtype=torch.float64, dim: int = 2):
        super().__init__()
        try:
            self.structure: dict[str, Any] = {
                "n": int(structure["n"]),
                "m": int(structure["m"]),
                "branches": {str(int(q)): int(c) for q, c in structure["branches"].items()},
            }
            channels = int(structure.get("channels", 1))
            source = structure.get("source", False)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise InputError(f"malformed polynomial network structure {structure!r}") from None
        if any(int(q) < 3 or c < 2 for q, c in self.structure["branches"].items()) or source not in (True, False):
            raise InputError(f"malformed polynomial network structure {structure!r}")
        if not 1 <= channels <= MAX_FIELDS:
            raise InputError(f"a polynomial network has 1..{MAX_FIELDS} channels, the structure says {channels}")
        if channels != 1:
            self.structure["channels"] = channels
        if source:
            self.structure["source"] = True
        self.n = self.structure["n"]
        dim = check_dim(dim)
        shapes = polynomial_shapes(self.structure, int(size), 1 if compact else 3, dim)
        self._set_grid_and_parameters(bc, size, compact, shapes, dtype, channels, dim)

    @property
    def degrees(self) -> tuple[int, ...]:
        return tuple(sorted(int(q) for q in self.structure["branches"]))

    @classmethod
    def from_system(cls, sd, compact: bool = False, dtype=torch.float64) -> PolynomialNetwork:
        structure, weights = polynomial_weights(sd)
        net = cls(structure, sd.bc, sd.size, dim=as_system(sd).dim)
        net.load_weights(weights)
        return (net.compacted() if compact else net).to(dtype)

    def forward(self, U: torch.Tensor) -> torch.Tensor:
        _, restore, t1 = self._first_block(U)
        out = self._linear_part(t1)
        if self.n:
            out = out + convolve(torch.relu(convolve(t1, self.B1, self.bc)).square(), self.B2, self.bc)
        for q in self.degrees:
            hidden = relu_power(convolve(t1, getattr(self, f"E1_{q}"), self.bc), q)
            out = out + convolve(hidden, getattr(self, f"E2_{q}"), self.bc)
        return restore(out)

    def _twin(self, compact: bool) -> PolynomialNetwork:
        return PolynomialNetwork(self.structure, self.bc, self.size, compact=compact, dtype=self.A1.dtype, dim=self.dim)

    def extra_repr(self) -> str:
        extra = f", dim={self.dim}" if self.dim != 2 else ""
        return f"structure={self.structure}, bc={self.bc}, size={self.size}, compact={self.compact}{extra}"
