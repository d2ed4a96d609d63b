r"""Exact solutions for systems of PDEs, continuous and semi-discrete (periodic grids).

* **Linear constant-coefficient systems** :math:`\partial_t u^{(k)} = \sum_{c,\alpha} \ell_{kc\alpha}
  \partial_\alpha u^{(c)}`: each Fourier mode :math:`e^{2\pi\mathrm{i}(ax + by)}` evolves by the
  C x C matrix exponential :math:`\exp(tM(a, b))`, with
  :math:`M_{kc} = \sum_\alpha \ell_{kc\alpha} (2\pi\mathrm{i}a)^{\alpha_1} (2\pi\mathrm{i}b)^{\alpha_2}`
  for the PDE (:func:`continuous_symbol`) and :math:`M_{kc} = \sigma_{L_{kc}}(a, b)` (the kernel's
  DFT symbol, :func:`pixelpde.convergence.flow.periodic_symbol`) for the semi-discrete system
  (11) (:func:`semidiscrete_symbol`); :func:`fourier_flow` applies either.  Exact for
  trigonometric polynomial initial data.
* **The lambda-omega system** :math:`w_t = D\Delta w + (1 - |w|^2) w - \mathrm{i}\beta|w|^2 w`,
  :math:`w = u + \mathrm{i}v` (Kopell and Howard 1973; PeRCNN's benchmark), has the travelling
  plane waves :math:`w = A\,e^{\mathrm{i}(\omega t - \kappa\cdot x)}` with
  :math:`A^2 = 1 - D|\kappa|^2` and :math:`\omega = -\beta A^2` (substitute: :math:`|w|^2 = A^2`
  is constant, :math:`\Delta w = -|\kappa|^2 w`).  On the grid the same wave solves the
  semi-discrete system exactly with :math:`-|\kappa|^2` replaced by the symbol :math:`\sigma` of the
  discrete Laplacian on that mode (real for a symmetric stencil): :math:`A_h^2 = 1 + D\sigma`,
  :math:`\omega_h = -\beta A_h^2` (:class:`LambdaOmegaWave`).  So a time study compares with the
  semi-discrete wave (time error only) and a space study with the continuous one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pixelpde.convergence.flow import periodic_symbol
from pixelpde.ground.errors import InputError


def _modes(p: int) -> np.ndarray:
    return np.fft.fftfreq(p, 1.0 / p)


def continuous_symbol(system, p: int) -> np.ndarray:
    """``M[a, b]`` (p, p, C, C) of a linear constant-coefficient system (module docstring)."""
    if system.degree > 1 or any(system.constants):
        raise InputError("an exact Fourier solution needs a linear system without sources")
    k = 2j * np.pi * _modes(p)
    M = np.zeros((p, p, system.channels, system.channels), dtype=np.complex128)
    for row, equation in enumerate(system.equations):
        for ((c, (a, b)),), coeff in equation.of_degree(1):
            M[:, :, row, c] += float(coeff) * np.outer(k**a, k**b)
    return M


def semidiscrete_symbol(sd, p: int) -> np.ndarray:
    """``M[a, b]`` (p, p, C, C) of the semi-discrete linear system: the DFT symbols of L's kernels."""
    if sd.n or sd.higher or np.any(sd.source):
        raise InputError("an exact Fourier solution needs a linear system without sources")
    C = sd.channels
    M = np.zeros((p, p, C, C), dtype=np.complex128)
    for k in range(C):
        for c in range(C):
            M[:, :, k, c] = periodic_symbol(sd.L[k, c], p, p)
    return M


def fourier_flow(symbol: np.ndarray, U0: np.ndarray, t: float) -> np.ndarray:
    """``U(t)`` (C, p, p) from ``U0`` (C, p, p): each Fourier mode times ``expm(t * symbol[a, b])``."""
    import torch

    hat = np.fft.fft2(U0, axes=(-2, -1))  # (C, p, p)
    E = torch.linalg.matrix_exp(torch.as_tensor(t * symbol)).numpy()  # (p, p, C, C)
    out = np.einsum("abkc,cab->kab", E, hat)
    return np.fft.ifft2(out, axes=(-2, -1)).real


@dataclass(frozen=True)
class LambdaOmegaWave:
    """The plane wave of the lambda-omega system with wave vector 2 pi (m1, m2) on [0, 1]^2."""

    D: float
    beta: float
    m: tuple[int, int] = (1, 1)

    def text(self) -> str:
        """The system as the parser reads it (u = Re w, v = Im w)."""
        D, b = self.D, self.beta
        return (
            f"u_t = {D}*(u_xx + u_yy) + (1 - u**2 - v**2)*u + {b}*(u**2 + v**2)*v; "
            f"v_t = {D}*(v_xx + v_yy) - {b}*(u**2 + v**2)*u + (1 - u**2 - v**2)*v"
        )

    def _wave(self, t: float, p: int, sigma: float) -> np.ndarray:
        amplitude2 = 1 + self.D * sigma
        if amplitude2 <= 0:
            raise InputError(f"no plane wave: D |k|^2 = {-self.D * sigma:g} >= 1")
        x = np.arange(p) / p
        X, Y = np.meshgrid(x, x, indexing="ij")
        phase = -self.beta * amplitude2 * t - 2 * math.pi * (self.m[0] * X + self.m[1] * Y)
        w = math.sqrt(amplitude2) * np.exp(1j * phase)
        return np.stack([w.real, w.imag])

    def exact(self, t: float, p: int) -> np.ndarray:
        """The PDE's wave sampled on the periodic p-node grid, (2, p, p)."""
        return self._wave(t, p, -4 * math.pi**2 * (self.m[0] ** 2 + self.m[1] ** 2))

    def semidiscrete(self, laplacian: np.ndarray, t: float, p: int) -> np.ndarray:
        """The semi-discrete system's wave for the discrete Laplacian ``laplacian`` (k x k, on this grid)."""
        symbol = periodic_symbol(laplacian, p, p)[(-self.m[0]) % p, (-self.m[1]) % p]
        if abs(symbol.imag) > 1e-9 * abs(symbol.real):
            raise InputError("the discrete Laplacian is not symmetric: no exact semi-discrete wave")
        return self._wave(t, p, symbol.real)
