r"""Fourier pseudo-spectral semi-discretisation of a :class:`~pixelpde.spectral.system.PolynomialSystem`.

Grid: ``q`` nodes per axis on the periodic :math:`[0, 1]^d`, :math:`x_h = h/q` (the project's periodic
convention, axis 0 is x).  A field is held by its real-FFT coefficients over the last ``d`` axes,
normalised as amplitudes (``norm="forward"``: :math:`u(x) = \sum_k \hat u_k e^{2\pi i k\cdot x}`),
so the same coefficients describe the field on any finer grid.

* Modes: only :math:`|k_i| \le K = \lfloor (q-1)/2 \rfloor` per axis are carried.  For even ``q`` the
  Nyquist modes :math:`k_i = \pm q/2` are zeroed in the initial state and never created by ``N``
  (their derivative symbols are ambiguous), so the computation lives on a symmetric set of modes.
* ``L`` (each equation's one-factor monomials in its own field) is the diagonal symbol
  :math:`\sum_\alpha c_\alpha \prod_i (2\pi\mathrm{i} k_i)^{\alpha_i}`; integrated exactly by the
  exponentials of :mod:`pixelpde.spectral.etdrk4`.
* ``N``: linear terms in other fields are applied mode by mode; constants enter the mean mode;
  a product of ``m`` factors is evaluated *alias-free*: each factor (derivatives by their symbol)
  is zero-padded to :math:`Q > (m + 1) K` points per axis, multiplied in physical space and
  truncated back to :math:`|k_i| \le K`.  Aliased modes of a product of ``m`` band-limited factors
  fall at :math:`|k| \ge Q - mK > K` and are discarded (Orszag's 3/2 rule for quadratic terms,
  generalised: padding :math:`(m+1)/2`, i.e. 2 for cubic terms).  Nothing of the carried modes is
  thrown away, unlike the 2/3 (quadratic) and 1/2 (cubic) truncation rules, which are the same
  condition read the other way (:math:`K < q/(m+1)` without padding).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import scipy.fft as sfft

from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import MAX_NODES_PER_AXIS, check_int
from pixelpde.spectral.etdrk4 import ETDRK4
from pixelpde.spectral.system import PolynomialSystem, as_system

#: Smallest compute grid (K = 1 mode per axis).
MIN_NODES = 3


class SpectralGrid:
    """``q`` nodes per axis in ``d`` dimensions: wavenumbers, derivative symbols, FFTs and zero padding."""

    def __init__(self, q: int, d: int):
        self.q = check_int(q, "spectral nodes per axis", MIN_NODES, MAX_NODES_PER_AXIS)
        self.d = d
        self.K = (self.q - 1) // 2
        self.axes = tuple(range(-d, 0))
        self.shape_hat = (self.q,) * (d - 1) + (self.q // 2 + 1,)
        self._modes = [np.fft.fftfreq(self.q, 1 / self.q)] * (d - 1) + [np.fft.rfftfreq(self.q, 1 / self.q)]
        self._modes = [np.rint(m).astype(np.int64) for m in self._modes]
        mask = np.ones(self.shape_hat, dtype=bool)
        for i, m in enumerate(self._modes):
            mask &= self._along(np.abs(m) <= self.K, i)
        self.mask = mask
        self._blocks: dict[int, list] = {}

    def _along(self, values: np.ndarray, axis: int) -> np.ndarray:
        shape = [1] * self.d
        shape[axis] = len(values)
        return values.reshape(shape)

    def nodes(self) -> np.ndarray:
        """The 1-D nodes :math:`x_h = h/q`."""
        return np.arange(self.q) / self.q

    def mesh(self) -> tuple[np.ndarray, ...]:
        """``d`` coordinate arrays of shape ``(q,)*d`` (``indexing='ij'``: axis 0 is x)."""
        return np.meshgrid(*([self.nodes()] * self.d), indexing="ij")

    def symbol(self, alpha) -> np.ndarray:
        r""":math:`\prod_i (2\pi\mathrm{i} k_i)^{\alpha_i}` (odd orders vanish at a Nyquist mode)."""
        out = np.ones(self.shape_hat, dtype=np.complex128)
        for i, a in enumerate(alpha):
            if a == 0:
                continue
            m = self._modes[i]
            s = (2j * np.pi * m.astype(np.float64)) ** a
            if a % 2 == 1 and self.q % 2 == 0:
                s = np.where(np.abs(m) == self.q // 2, 0, s)
            out = out * self._along(s, i)
        return out

    def forward(self, u: np.ndarray) -> np.ndarray:
        """Amplitudes of the real fields ``u`` (..., q, ..., q) over the last ``d`` axes."""
        return sfft.rfftn(u, axes=self.axes, norm="forward", workers=1)

    def inverse(self, hat: np.ndarray, n: int | None = None) -> np.ndarray:
        """Point values on ``n`` (default ``q``) nodes per axis of the band-limited field ``hat`` (ours or padded)."""
        n = self.q if n is None else n
        return sfft.irfftn(hat, s=(n,) * self.d, axes=self.axes, norm="forward", workers=1)

    def _block_slices(self, Q: int):
        if Q not in self._blocks:
            K, q = self.K, self.q
            choices = [((slice(0, K + 1), slice(0, K + 1)), (slice(q - K, q), slice(Q - K, Q)))] * (self.d - 1)
            blocks = []
            for combo in itertools.product(*choices) if self.d > 1 else [()]:
                src = (*tuple(c[0] for c in combo), slice(0, K + 1))
                dst = (*tuple(c[1] for c in combo), slice(0, K + 1))
                blocks.append((src, dst))
            self._blocks[Q] = blocks
        return self._blocks[Q]

    def pad(self, hat: np.ndarray, Q: int) -> np.ndarray:
        """The carried modes of ``hat`` (..., *shape_hat) placed in the coefficient array of a ``Q``-point grid."""
        lead = hat.shape[: hat.ndim - self.d]
        out = np.zeros((*lead, *((Q,) * (self.d - 1)), Q // 2 + 1), dtype=np.complex128)
        for src, dst in self._block_slices(Q):
            into, frm = (..., *dst), (..., *src)  # named: mypy takes x[(..., *s)] for 3.11's x[*s]
            out[into] = hat[frm]
        return out

    def truncate(self, hat_Q: np.ndarray, Q: int) -> np.ndarray:
        """The modes :math:`|k_i| \\le K` of a ``Q``-point coefficient array, in our layout (others zero)."""
        lead = hat_Q.shape[: hat_Q.ndim - self.d]
        out = np.zeros((*lead, *self.shape_hat), dtype=np.complex128)
        for src, dst in self._block_slices(Q):
            into, frm = (..., *src), (..., *dst)
            out[into] = hat_Q[frm]
        return out

    def interpolate(self, u: np.ndarray, n: int) -> np.ndarray:
        """Trigonometric interpolation of point values ``u`` on this grid to ``n`` nodes per axis
        (the carried modes only: a Nyquist component of ``u`` is dropped)."""
        return self.inverse(self.pad(self.forward(u) * self.mask, n), n)


def padded_size(K: int, degree: int, q: int) -> int:
    """Smallest FFT-friendly ``Q >= q`` with ``Q > (degree + 1) K``: products of ``degree`` factors alias-free."""
    return max(q, sfft.next_fast_len((degree + 1) * K + 1, real=True))


class PseudoSpectral:
    """The semi-discrete system :math:`\\hat u_t = L\\hat u + N(\\hat u)` of ``system`` on ``q`` nodes per axis."""

    def __init__(self, system, q: int, dim: int | None = None):
        self.system: PolynomialSystem = as_system(system, dim)
        d = self.system.dim
        self.grid = g = SpectralGrid(q, d)
        C = self.system.channels
        self.L = np.zeros((C, *g.shape_hat), dtype=np.complex128)
        self._cross: list[list[tuple[int, np.ndarray]]] = []
        self.constants = np.zeros(C)
        groups: dict[int, list[tuple[int, float, tuple]]] = {}
        for k in range(C):
            for alpha, c in self.system.linear(k).items():
                self.L[k] += c * g.symbol(alpha)
            cross: dict[int, np.ndarray] = {}
            for c, factors in self.system.nonlinear(k):
                if len(factors) == 0:
                    self.constants[k] += c
                elif len(factors) == 1:
                    j, alpha = factors[0]
                    cross[j] = cross.get(j, 0) + c * g.symbol(alpha)
                else:
                    Q = padded_size(g.K, len(factors), g.q)
                    groups.setdefault(Q, []).append((k, c, factors))
            self._cross.append(sorted(cross.items(), key=lambda item: item[0]))
        self.L *= g.mask  # the Nyquist modes are not carried
        self._check_well_posed()
        self._groups = sorted(groups.items())
        self._symbols = {
            alpha: g.symbol(alpha) for _, monos in self._groups for _, _, fs in monos for _, alpha in fs if any(alpha)
        }

    def _check_well_posed(self) -> None:
        r"""Refuse a linear part that amplifies the highest wavenumbers most (e.g. ``u_t = -u_xx``, backward heat):
        such an initial-value problem is ill-posed and its spectral solution is noise amplified by
        :math:`e^{t\,\mathrm{Re}\,L}`.  Growth at low wavenumbers (Kuramoto-Sivashinsky) is accepted."""
        g = self.grid
        if g.K < 2:
            return
        size = np.zeros(g.shape_hat, dtype=np.int64)
        for i, m in enumerate(g._modes):
            size = np.maximum(size, g._along(np.abs(m), i))
        outer = (size == g.K) & g.mask
        inner = size <= g.K // 2
        for k in range(self.system.channels):
            re = self.L[k].real
            top, low = float(re[outer].max()), float(re[inner].max())
            if top > max(low, 0.0) and top > 0:
                raise InputError(
                    f"equation {k} ({self.system.fields[k]}_t) amplifies the highest wavenumbers (Re L = {top:.3g} at "
                    f"|k| = {g.K}): an ill-posed (anti-diffusive) problem; check the signs of its derivative terms"
                )

    @property
    def padded_sizes(self) -> tuple[int, ...]:
        return tuple(Q for Q, _ in self._groups)

    def working_bytes(self, batch: int) -> int:
        """A bound on the memory of one ETDRK4 step for ``batch`` trajectories (state, stages, padded factors)."""
        g, C = self.grid, self.system.channels
        state = batch * C * math.prod(g.shape_hat) * 16
        padded = 0
        for Q, monos in self._groups:
            factors = {f for _, _, fs in monos for f in fs}
            padded = max(padded, batch * (len(factors) + 2) * Q**g.d * 8 + batch * Q ** (g.d - 1) * (Q // 2 + 1) * 16)
        return 16 * state + padded

    def N(self, hat: np.ndarray) -> np.ndarray:
        """The part ``N`` in Fourier space; ``hat`` (B, C, *shape_hat) -> the same shape."""
        g = self.grid
        hat = hat * g.mask
        out = np.zeros_like(hat)
        for k, cross in enumerate(self._cross):
            for j, sym in cross:
                out[:, k] += sym * hat[:, j]
            if self.constants[k] != 0.0:
                out[(slice(None), k) + (0,) * g.d] += self.constants[k]
        for Q, monos in self._groups:
            physical: dict = {}

            def factor(j, alpha, Q=Q, physical=physical):
                key = (j, alpha)
                if key not in physical:
                    h = hat[:, j] if not any(alpha) else hat[:, j] * self._symbols[alpha]
                    physical[key] = g.inverse(g.pad(h, Q), Q)
                return physical[key]

            sums: dict[int, np.ndarray] = {}
            for k, c, factors in monos:
                prod = c * factor(*factors[0])
                for f in factors[1:]:
                    prod = prod * factor(*f)
                sums[k] = prod if k not in sums else sums[k] + prod
            for k, total in sums.items():
                out[:, k] += g.truncate(g.forward(total), Q)
        return out

    def rhs_hat(self, hat: np.ndarray) -> np.ndarray:
        """:math:`L\\hat u + N(\\hat u)` (carried modes)."""
        return self.L * (hat * self.grid.mask) + self.N(hat)

    def rhs(self, U: np.ndarray) -> np.ndarray:
        """The right-hand side at point values ``U`` (B, C, q, ..., q), as point values (for checks)."""
        g = self.grid
        return g.inverse(self.rhs_hat(g.forward(np.asarray(U, dtype=np.float64))))

    def initial(self, U0: np.ndarray) -> np.ndarray:
        """Coefficients of point values ``U0`` (B, C, q, ..., q), restricted to the carried modes."""
        U0 = np.asarray(U0, dtype=np.float64)
        if (
            U0.ndim != 2 + self.grid.d
            or U0.shape[1] != self.system.channels
            or U0.shape[2:] != (self.grid.q,) * self.grid.d
        ):
            raise InputError(
                f"initial state has shape {U0.shape}; expected (B, {self.system.channels}) + {(self.grid.q,) * self.grid.d}"
            )
        if not np.all(np.isfinite(U0)):
            raise InputError("the initial state is not finite")
        return self.grid.forward(U0) * self.grid.mask

    def solve(self, U0, dt: float, steps: int, substeps: int = 1, stride: int = 1, callback=None) -> np.ndarray:
        """Snapshots every ``dt`` of ETDRK4 with step ``dt/substeps`` from point values ``U0`` (B, C, q, ..., q).

        Returns (B, steps + 1, C, q/stride, ...) point values: every ``stride``-th node per axis
        (``stride`` must divide ``q``), i.e. the pixel grid of ``q/stride`` nodes.  ``callback(j)`` runs
        after snapshot ``j``.  :class:`InputError` if the solution stops being finite (blow-up)."""
        g = self.grid
        if g.q % stride:
            raise InputError(f"stride {stride} does not divide the {g.q} spectral nodes")
        v = self.initial(U0)
        stepper = ETDRK4(self.L, dt / substeps)
        pick = (slice(None), slice(None)) + (slice(None, None, stride),) * g.d
        B, C = v.shape[:2]
        out = np.empty((B, steps + 1, C) + (g.q // stride,) * g.d)
        out[:, 0] = g.inverse(v)[pick]
        for j in range(1, steps + 1):
            with np.errstate(over="ignore", invalid="ignore"):  # a blow-up is reported below, in one line
                for _ in range(substeps):
                    v = stepper.step(self.N, v)
                snapshot = g.inverse(v)[pick]
            if not np.all(np.isfinite(snapshot)):
                raise InputError(f"the spectral solution is not finite at snapshot {j} (t = {j * dt:g}): blow-up")
            out[:, j] = snapshot
            if callback is not None:
                callback(j)
        return out
