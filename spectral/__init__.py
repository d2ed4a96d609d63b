"""spectral: reference data for polynomial PDE systems, independent of the finite differences.

Fourier pseudo-spectral in space on the periodic :math:`[0, 1]^d` (d = 1, 2, 3), alias-free
products by zero padding, ETDRK4 in time (Cox & Matthews 2002; phi-functions by a contour integral
as Kassam & Trefethen 2005); presets with literature parameters; HDF5 datasets in the format of
:mod:`pixelpde.fem.dataset` (with a channel axis for C > 1).  See docs/spectral.md.

Modules: :mod:`~pixelpde.spectral.system` (the system as data, the split L + N),
:mod:`~pixelpde.spectral.etdrk4` (coefficients and step), :mod:`~pixelpde.spectral.solver`
(grid, FFTs, padding, N, rollout), :mod:`~pixelpde.spectral.presets`, :mod:`~pixelpde.spectral.generator`.
"""

from pixelpde.spectral.etdrk4 import ETDRK4, etdrk4_coefficients
from pixelpde.spectral.generator import SpectralSpec, simulate, write_simulation
from pixelpde.spectral.presets import PRESETS, get_preset
from pixelpde.spectral.solver import PseudoSpectral, SpectralGrid
from pixelpde.spectral.system import PolynomialSystem, as_system

__all__ = [
    "ETDRK4",
    "PRESETS",
    "PolynomialSystem",
    "PseudoSpectral",
    "SpectralGrid",
    "SpectralSpec",
    "as_system",
    "etdrk4_coefficients",
    "get_preset",
    "simulate",
    "write_simulation",
]
