r"""Preset systems with parameters from the literature, rescaled to the periodic unit domain.

Every preset cites the source of its parameters.  Where the source's box is :math:`[0, L_{box}]^d`
(or :math:`[-L_{box}/2, L_{box}/2]^d`) we use :math:`x' = x / L_{box}` on :math:`[0, 1]^d` and keep
time unchanged: then :math:`\partial_{x'} = L_{box}\,\partial_x`, so a diffusivity becomes
:math:`D' = D / L_{box}^2` and a coefficient of a first derivative is divided by :math:`L_{box}`;
reaction terms are unchanged.  Initial conditions are drawn per trajectory from
``numpy.random.SeedSequence(seed).spawn(n)`` (trajectory ``i`` does not depend on ``n`` or the
batching) and are smooth (band-limited) unless the source uses noise; each preset says what it does
and what it changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pixelpde.ground.errors import InputError

LAP2 = ((2, 0), (0, 2))
LAP3 = ((2, 0, 0), (0, 2, 0), (0, 0, 2))


def _laplacian(field: int, D: float, dim: int) -> list:
    zero = [0] * dim
    out = []
    for i in range(dim):
        alpha = list(zero)
        alpha[i] = 2
        out.append((D, ((field, tuple(alpha)),)))
    return out


def _f(field: int, dim: int, alpha=None):
    return (field, tuple(alpha) if alpha is not None else (0,) * dim)


@dataclass(frozen=True)
class Preset:
    """A named system: parameters (with their source), the system's terms, defaults and initial condition."""

    name: str
    title: str
    dim: int
    fields: tuple[str, ...]
    params: dict
    source: str
    rescaling: str
    build: Callable[[dict, int], list]
    ic: Callable  #: ic(rng, X: tuple of coordinate arrays on the compute grid, p, params) -> ((C, q..), row)
    ic_columns: tuple[str, ...]
    ic_formula: str
    dt: float
    substeps: int
    p: int
    refine: int = 1  #: default compute grid refine * p (measured errors in docs/spectral.md)

    def terms(self, params: dict | None = None) -> list:
        return self.build({**self.params, **(params or {})}, self.dim)


# ------------------------------------------------------------------ initial conditions
def _periodic_bumps(rng, X, count: int, width: float):
    """``1 - prod_i (1 - g_i)`` of ``count`` periodic Gaussian bumps ``g_i`` of width ``width`` at uniform random
    centres (smooth, in [0, 1], 1 at each centre), and the centres."""
    outside = np.ones_like(X[0])
    centres = rng.uniform(0, 1, size=(count, len(X)))
    for c in centres:
        r2 = sum((np.sin(np.pi * (x - ci)) / np.pi) ** 2 for x, ci in zip(X, c, strict=True))
        outside *= 1 - np.exp(-r2 / (2 * width**2))
    return 1 - outside, centres


def _gray_scott_ic(rng, X, p, params):
    bumps, centres = _periodic_bumps(rng, X, 2, 0.05)
    u = 1.0 - 0.5 * bumps
    v = 0.25 * bumps
    return np.stack([u, v]), centres.ravel()


def _fhn_ic(rng, X, p, params):
    """Standard normal noise on the pixel grid (PDEBench), interpolated trigonometrically to the compute grid."""
    from pixelpde.spectral.solver import SpectralGrid

    d = len(X)
    noise = rng.standard_normal((2,) + (p,) * d)
    q = X[0].shape[0]
    fields = noise if q == p else SpectralGrid(p, d).interpolate(noise, q)
    return fields, np.array([])


#: Core radius (source units) that smooths the spiral's r = |xi| at its centre.
CORE = 0.5


def _spiral_ic(rng, X, p, params):
    """The lambda-omega one-armed spiral of PDE-FIND, in periodic coordinates about a random centre."""
    L = params["box"]
    centre = rng.uniform(0, 1, size=2)
    turn = rng.choice([-1.0, 1.0])
    xi = [(L / (2 * np.pi)) * np.sin(2 * np.pi * (x - c)) for x, c in zip(X, centre, strict=True)]
    r = np.sqrt(xi[0] ** 2 + xi[1] ** 2 + CORE**2)  # smooth at the centre (a cone |xi| would converge algebraically)
    # r cos(theta - r) = xi_x cos r + xi_y sin r; r sin(theta - r) = xi_y cos r - xi_x sin r (r ~ |xi| away from the core)
    s = turn * r
    u = np.tanh(xi[0] * np.cos(s) + xi[1] * np.sin(s))
    v = np.tanh(xi[1] * np.cos(s) - xi[0] * np.sin(s))
    return np.stack([u, v]), np.array([*centre, turn])


def random_fourier(rng, X, channels: int, modes: int = 4, scale: float = 1.0):
    r"""Per channel :math:`\sum_{0 < |n|_\infty \le M} a_n \cos(2\pi n\cdot x) + b_n \sin(2\pi n\cdot x)`,
    :math:`a_n, b_n \sim N(0, 1)/(1 + |n|^2)`, divided by :math:`\sum |a_n| + |b_n|` and multiplied by
    ``scale`` (so :math:`|u| \le` ``scale``; the function does not depend on the grid it is evaluated on)."""
    d = len(X)
    grids = np.meshgrid(*([np.arange(-modes, modes + 1)] * d), indexing="ij")
    ns = np.stack([g.ravel() for g in grids], axis=1)
    ns = ns[np.any(ns != 0, axis=1)]
    out = []
    for _ in range(channels):
        a = rng.standard_normal(len(ns)) / (1 + (ns**2).sum(1))
        b = rng.standard_normal(len(ns)) / (1 + (ns**2).sum(1))
        field = np.zeros_like(X[0])
        for n, an, bn in zip(ns, a, b, strict=True):
            phase = 2 * np.pi * sum(ni * x for ni, x in zip(n, X, strict=True))
            field += an * np.cos(phase) + bn * np.sin(phase)
        out.append(scale * field / (np.abs(a).sum() + np.abs(b).sum()))
    return np.stack(out)


def _burgers_ic(rng, X, p, params):
    return random_fourier(rng, X, 2, modes=4, scale=1.0), np.array([4.0])


# ------------------------------------------------------------------ systems
def _gray_scott(P, dim):
    u, v = _f(0, dim), _f(1, dim)
    return [
        [*_laplacian(0, P["Du"], dim), (-1.0, (u, v, v)), (P["f"], ()), (-P["f"], (u,))],
        [*_laplacian(1, P["Dv"], dim), (1.0, (u, v, v)), (-(P["f"] + P["k"]), (v,))],
    ]


def _fitzhugh_nagumo(P, dim):
    u, v = _f(0, dim), _f(1, dim)
    return [
        [*_laplacian(0, P["Du"], dim), (1.0, (u,)), (-1.0, (u, u, u)), (-P["k"], ()), (-1.0, (v,))],
        [*_laplacian(1, P["Dv"], dim), (1.0, (u,)), (-1.0, (v,))],
    ]


def _lambda_omega(P, dim):
    u, v = _f(0, dim), _f(1, dim)
    b = P["beta"]
    # u_t = D lap u + (1 - A) u + beta A v, v_t = D lap v - beta A u + (1 - A) v, A = u^2 + v^2
    return [
        [
            *_laplacian(0, P["D"], dim),
            (1.0, (u,)),
            (-1.0, (u, u, u)),
            (-1.0, (u, v, v)),
            (b, (u, u, v)),
            (b, (v, v, v)),
        ],
        [
            *_laplacian(1, P["D"], dim),
            (1.0, (v,)),
            (-b, (u, u, u)),
            (-b, (u, v, v)),
            (-1.0, (u, u, v)),
            (-1.0, (v, v, v)),
        ],
    ]


def _burgers(P, dim):
    nu = P["nu"]
    u, v = _f(0, dim), _f(1, dim)
    ux, uy, vx, vy = (0, (1, 0)), (0, (0, 1)), (1, (1, 0)), (1, (0, 1))
    return [
        [*_laplacian(0, nu, dim), (-1.0, (u, ux)), (-1.0, (v, uy))],
        [*_laplacian(1, nu, dim), (-1.0, (u, vx)), (-1.0, (v, vy))],
    ]


PRESETS: dict[str, Preset] = {
    "gray-scott": Preset(
        name="gray-scott",
        title="Gray-Scott reaction-diffusion, 2-D",
        dim=2,
        fields=("u", "v"),
        params={"Du": 2e-5, "Dv": 5e-6, "f": 0.04, "k": 0.06},
        source="PeRCNN (Rao et al., Nat. Mach. Intell. 2023), github.com/isds-neu/PeRCNN "
        "DataDrivenModeling/2d_gs_rd/train_2drd.py (checked): D_u = 2e-5, D_v = D_u/4, f = 1/25, k = 3/50, "
        "100^2 nodes, dx = 0.01, dt = 0.5, periodic padding; its initial state is stored data, not code",
        rescaling="none: the source's box is [0, 1]^2 (100 x 0.01)",
        build=_gray_scott,
        ic=_gray_scott_ic,
        ic_columns=("x1", "y1", "x2", "y2"),
        ic_formula="u = 1 - 0.5 b, v = 0.25 b, b = 1 - (1 - g1)(1 - g2), g_i = exp(-r_i^2/(2*0.05^2)) periodic "
        "Gaussian bumps, r_i = |sin(pi (x - c_i))/pi| about uniform random centres c_i: Pearson's (1993) local "
        "perturbation "
        "of the state (1, 0), smoothed so that it is band-limited (ours, not PeRCNN's stored initial state)",
        dt=0.5,
        substeps=1,
        p=100,
    ),
    "gray-scott-3d": Preset(
        name="gray-scott-3d",
        title="Gray-Scott reaction-diffusion, 3-D",
        dim=3,
        fields=("u", "v"),
        params={"Du": 0.2 / 100**2, "Dv": 0.1 / 100**2, "f": 0.025, "k": 0.055},
        source="PeRCNN (Rao et al. 2023), github.com/isds-neu/PeRCNN DataDrivenModeling/3d_gs_rd/train_3drd.py "
        "(checked): D_u = 0.2, D_v = 0.1, f = 0.025, k = 0.055, 48^3 nodes, dx = 100/48, dt = 0.5, periodic",
        rescaling="box 100 -> 1: D' = D/100^2 (2e-5, 1e-5); time unchanged",
        build=_gray_scott,
        ic=_gray_scott_ic,
        ic_columns=("x1", "y1", "z1", "x2", "y2", "z2"),
        ic_formula="as gray-scott, with 3-D bumps",
        dt=0.5,
        substeps=1,
        p=48,
    ),
    "fitzhugh-nagumo": Preset(
        name="fitzhugh-nagumo",
        title="FitzHugh-Nagumo diffusion-reaction, 2-D",
        dim=2,
        fields=("u", "v"),
        params={"Du": 1e-3 / 4, "Dv": 5e-3 / 4, "k": 5e-3},
        source="PDEBench (Takamoto et al., NeurIPS 2022), github.com/pdebench/PDEBench "
        "pdebench/data_gen/src/sim_diff_react.py and configs/diff-react.yaml (checked): u_t = D_u lap u + u - u^3 "
        "- k - v, v_t = D_v lap v + u - v, D_u = 1e-3, D_v = 5e-3, k = 5e-3, 128^2 cells on [-1, 1]^2, "
        "101 snapshots to t = 5 (every 0.05), solve_ivp RK45, no-flux",
        rescaling="box 2 -> 1: D' = D/4 (2.5e-4, 1.25e-3); time unchanged. PDEBench uses no-flux walls; "
        "here the domain is periodic",
        build=_fitzhugh_nagumo,
        ic=_fhn_ic,
        ic_columns=(),
        ic_formula="u, v ~ N(0, 1) independently at each pixel (PDEBench), trigonometric interpolation to a finer "
        "compute grid",
        dt=0.05,
        substeps=2,
        p=128,
        refine=2,  # white noise makes u^3 spread over all modes: refine 1 is off by 5e-3, refine 2 by 1.3e-4
    ),
    "lambda-omega": Preset(
        name="lambda-omega",
        title="lambda-omega reaction-diffusion, 2-D",
        dim=2,
        fields=("u", "v"),
        params={"D": 0.1 / 20**2, "beta": 1.0, "box": 20.0},
        source="PeRCNN (Rao et al. 2023), github.com/isds-neu/PeRCNN "
        "ForwardSimulationOfPDEs/2d_lambda_omega/percnn_LO_eqn.py (checked): D = 0.1, beta = 1 (the loss "
        "0.1 lap u + (1 - u^2 - v^2) u + (u^2 + v^2) v), 100^2 nodes on [-10, 10]^2 (dx = 0.2), dt = 10/800, "
        "periodic; its initial state is stored data, not code",
        rescaling="box 20 -> 1: D' = 0.1/400 = 2.5e-4; time unchanged; 'box' only sizes the initial spiral",
        build=_lambda_omega,
        ic=_spiral_ic,
        ic_columns=("x0", "y0", "turn"),
        ic_formula="u = tanh(r cos(theta - s r)), v = tanh(r sin(theta - s r)) (the one-armed spiral of PDE-FIND, "
        "Rudy et al. 2017) in the periodic coordinates xi = (box/2pi) sin(2pi(x - x0)) about a uniform random "
        "centre x0, with r = sqrt(|xi|^2 + 0.5^2) (a smoothed core) and s = +-1 at random",
        dt=0.0125,
        substeps=1,
        p=100,
    ),
    "burgers": Preset(
        name="burgers",
        title="viscous Burgers, 2-D (u, v)",
        dim=2,
        fields=("u", "v"),
        params={"nu": 0.005},
        source="PeRCNN (Rao et al. 2023), github.com/isds-neu/PeRCNN DataDrivenDiscoveryOfPDEs/2D_Burgers_eqn/"
        "Stage-3/fine_tuning_[5%noise,41x51x51].py (checked): u_t = nu lap u - u u_x - v u_y, v_t = nu lap v - "
        "u v_x - v v_y, nu = 0.005 ('True' row), dx = 1/100 on [0, 1]^2, dt = 2.5e-4, circular padding; its "
        "initial state is stored data, not code",
        rescaling="none: the source's box is [0, 1]^2",
        build=_burgers,
        ic=_burgers_ic,
        ic_columns=("modes",),
        ic_formula="random trigonometric polynomial per field, modes |n|_inf <= 4, coefficients N(0, 1)/(1 + |n|^2), "
        "divided by sum |a_n| + |b_n| (so |u| <= 1; ours: PeRCNN's stored initial state is not reproduced)",
        dt=0.005,
        substeps=2,
        p=100,
    ),
}


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise InputError(f"unknown preset {name!r} (use one of {', '.join(PRESETS)})") from None
