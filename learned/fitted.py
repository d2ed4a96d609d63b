r"""The fitted initialisation (``--init fitted``): the data's own one-step map, embedded.

On a periodic grid the finite-element data of a linear, constant-coefficient
PDE (advection (33), heat with periodic BC) have a one-step map that is
linear and translation-invariant: in Fourier space every mode is multiplied
by one number, :math:`\hat U^{j+1}(k) = G(k)\, \hat U^j(k)`.  Four steps:

1. **Fit G** from the training windows by linear least squares, mode by mode,

   .. math:: G(k) = \frac{\sum_{i,j} \overline{\hat U_i^j(k)}\, \hat U_i^{j+1}(k)}
                         {\sum_{i,j} |\hat U_i^j(k)|^2},

   with the data energy :math:`w(k) = \sum_{i,j} |\hat U_i^j(k)|^2` saying
   how much each mode is seen (the paper's advection data excite only the
   modes :math:`(\pm a_1, \pm a_2)`, :math:`a_i \in \{5..8\}`, and the mean).

2. **The vector field whose step reproduces G.**  With ``s`` Euler
   substeps of :math:`h = \delta t / s`, :math:`(1 + h F)^s = G` gives

   .. math:: F(k) = \frac{s}{\delta t}\big(G(k)^{1/s} - 1\big)

   (principal root).  For *projected* Euler (31) the same F is exact when
   :math:`|G| = 1` (conservative data such as advection's implicit midpoint
   rule): then :math:`|1 + hF| = 1` on every mode, the norm projection is the
   identity and the projected step equals the plain one.  For Heun and RK4 we
   take the generator :math:`F = \log G / \delta t` (their step is
   :math:`e^{hF} + O(h^{q+1})`).

3. **A stencil as wide as the network sees.**  The ReLU chain of an
   Algorithm 2 network with L convolutions of size k sees a
   :math:`(2r+1)^2` patch, r = L(k-1)/2 (11 x 11 for Table 2).  The stencil K
   of that size whose symbol fits F on the seen modes is a linear least-squares
   problem (weights w, ridge :math:`\lambda \|K\|^2`).  Modes the data never
   excite are free; the smallest ridge of :data:`RIDGES` is used for which no
   mode grows by more than :data:`GROWTH` over :data:`HORIZON` steps, so that
   rounding noise in unseen modes stays invisible.

4. **Embed.**  As a *linear* network (each hidden pair of channels carries
   :math:`[\mathrm{ReLU}(v), \mathrm{ReLU}(-v)]`, eqs. (28)-(29), as in
   :mod:`pixelpde.learned.embedding`) the ReLU chain is a product of L small
   multi-channel convolutions of half its widths.  Their weights are fitted to
   K's taps (L-BFGS, float64; exact factorisation is not available in
   closed form), then written into the ReLU chain as +/- pairs; the ReLU^2
   branch and every bias start at zero (the data are linear).  Training then
   fine-tunes all of it.

5. **Fine-tuning that keeps it** (``--tied-pairs``): plain Adam moves the zero
   biases, the pairs stop passing v exactly, and the nonlinearity seeds modes the
   data never excite, which the fitted stencil may amplify (measured at p = 100:
   rE(40) 0.096 % -> 11 % after one epoch at lr 1e-7).  With ``--tied-pairs`` every
   gradient is projected orthogonally onto the tied subspace (:func:`tie_pairs`;
   biases and the ReLU^2 branch held at zero): the network stays exactly the linear
   chain of its pairs, and training fits that chain to the data's rollouts.
"""

from __future__ import annotations

import itertools
import math

import torch

from pixelpde.ground.errors import InputError
from pixelpde.stencils.boundary import BoundaryCondition

#: Ridge parameters tried for the stencil fit, smallest first (relative to the mean data weight).
RIDGES = tuple(10.0**e for e in range(-12, 1))
#: Stability guard: over HORIZON steps an unseen mode may grow by at most GROWTH (rounding noise
#: of 1e-16 stays below 1e-8 in float64).
HORIZON = 40
GROWTH = 1e8
#: L-BFGS budget of the chain factorisation (iterations, in rounds of CHAIN_ROUND), and its target misfit.
CHAIN_ITERATIONS = 3000
CHAIN_ROUND = 250
CHAIN_TOL = 1e-7
#: A mode counts as seen when its energy exceeds this fraction of the largest.
SEEN_THRESHOLD = 1e-20


def check_fittable(data) -> None:
    """Refuse data that the fitted initialisation cannot describe (one line)."""
    if data.bc is not BoundaryCondition.PERIODIC:
        raise InputError("--init fitted needs periodic data (the one-step map must be translation-invariant)")
    sd = data.semidiscrete()
    if sd.n:
        raise InputError(f"--init fitted needs a linear PDE; {data.pde!r} has {sd.n} quadratic term(s)")


def fit_multiplier(U: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Least-squares one-step multiplier G(k) and data energy w(k) from trajectories (N, M+1, p, p)."""
    U = torch.as_tensor(U, dtype=torch.float64)
    Uh = torch.fft.fft2(U)
    a, b = Uh[:, :-1], Uh[:, 1:]
    w = a.abs().square().sum(dim=(0, 1))
    num = (a.conj() * b).sum(dim=(0, 1))
    G = torch.where(w > 0, num / torch.where(w > 0, w, torch.ones_like(w)), torch.zeros_like(num))
    return G, w


def target_field(G: torch.Tensor, dt: float, integrator) -> torch.Tensor:
    """The symbol of F whose integrator step is G (module docstring, step 2)."""
    if integrator.method == "euler":
        s = integrator.substeps
        return (s / dt) * (G ** (1.0 / s) - 1)
    return torch.log(G) / dt


def fitted_target(data, dt: float, integrator) -> tuple[torch.Tensor, torch.Tensor, dict]:
    """(F target symbol, data weights (zero on unseen modes), info) for ``data`` (periodic, linear)."""
    check_fittable(data)
    G, w = fit_multiplier(data.U)
    seen = w > SEEN_THRESHOLD * w.max()
    weights = torch.where(seen, w / w[seen].mean(), torch.zeros_like(w))
    info = {"seen_modes": int(seen.sum()), "max_abs_G_minus_1": float((G[seen].abs() - 1).abs().max())}
    return target_field(torch.where(seen, G, torch.ones_like(G)), dt, integrator), weights, info


def _phases(p: int, radius: int, modes: torch.Tensor) -> torch.Tensor:
    """(len(modes), (2r+1)^2) matrix of e^{2 pi i k.t / p}: the symbol of a stencil is this times its taps."""
    t = torch.arange(-radius, radius + 1, dtype=torch.float64)
    T1, T2 = torch.meshgrid(t, t, indexing="ij")
    phase = modes[:, :1] * T1.reshape(1, -1) + modes[:, 1:] * T2.reshape(1, -1)
    return torch.exp(2j * math.pi * phase / p)


def stencil_symbol(K: torch.Tensor, p: int) -> torch.Tensor:
    """Symbol (p, p) of the (2r+1) x (2r+1) cross-correlation stencil K on the p-periodic grid."""
    k = torch.fft.fftfreq(p, 1.0 / p, dtype=torch.float64)
    k1, k2 = torch.meshgrid(k, k, indexing="ij")
    modes = torch.stack([k1.reshape(-1), k2.reshape(-1)], 1)
    return (_phases(p, K.shape[-1] // 2, modes) @ K.reshape(-1).to(torch.complex128)).reshape(p, p)


def fit_stencil(target: torch.Tensor, weights: torch.Tensor, radius: int, ridge: float) -> torch.Tensor:
    r"""Real (2r+1) x (2r+1) stencil K minimising
    :math:`\sum_k w(k) |\hat K(k) - F(k)|^2 + \lambda \|K\|^2` (linear least squares)."""
    p = target.shape[-1]
    k = torch.fft.fftfreq(p, 1.0 / p, dtype=torch.float64)
    k1, k2 = torch.meshgrid(k, k, indexing="ij")
    seen = weights > 0
    modes = torch.stack([k1[seen], k2[seen]], 1)
    root = weights[seen].sqrt()
    E = root[:, None] * _phases(p, radius, modes)
    f = root * target[seen]
    n = E.shape[1]
    A = torch.cat([E.real, E.imag, math.sqrt(ridge) * torch.eye(n, dtype=torch.float64)])
    b = torch.cat([f.real, f.imag, torch.zeros(n, dtype=torch.float64)])
    return torch.linalg.lstsq(A, b[:, None], driver="gelsd").solution[:, 0].reshape(2 * radius + 1, 2 * radius + 1)


def amplification(symbol: torch.Tensor, dt: float, integrator) -> torch.Tensor:
    """Per-step growth factor of each mode under the unprojected integrator, |R(dt F(k)/s)|^s."""
    return integrator.stability_function(dt * symbol).abs()


def choose_stencil(target, weights, radius: int, dt: float, integrator) -> tuple[torch.Tensor, dict]:
    """The least-ridge stencil whose every mode grows by at most GROWTH over HORIZON steps."""
    p = target.shape[-1]
    for ridge in RIDGES:
        K = fit_stencil(target, weights, radius, ridge)
        growth = float(amplification(stencil_symbol(K, p), dt, integrator).max())
        if growth**HORIZON <= GROWTH:
            break
    seen = weights > 0
    S = stencil_symbol(K, p)
    misfit = float(((weights * (S - target).abs().square()).sum() / (weights * target.abs().square()).sum()).sqrt())
    return K, {
        "ridge": ridge,
        "max_growth_per_step": growth,
        "stencil_misfit": misfit,
        "radius": radius,
        "seen_growth": float(amplification(S[seen], dt, integrator).max()),
    }


def _pair_widths(spec) -> list[int]:
    widths = [c // 2 for c in spec.relu[1:-1]]
    if min(widths) < 1:
        raise InputError(
            f"--init fitted needs every hidden ReLU width >= 2 (ReLU chain {'-'.join(map(str, spec.relu))})"
        )
    return [1, *widths, 1]


def linear_chain_symbol(weights: list[torch.Tensor], p: int) -> torch.Tensor:
    """Symbol (p, p) of the linear chain of periodic cross-correlations ``weights`` (its response to a delta)."""
    x = torch.zeros(1, 1, p, p, dtype=weights[0].dtype)
    x[0, 0, 0, 0] = 1.0
    for W in weights:
        c = W.shape[-1] // 2
        x = torch.nn.functional.conv2d(torch.nn.functional.pad(x, [c] * 4, mode="circular"), W)
    # chain(delta)[h] = K[-h]; sum_h K[-h] e^{-2 pi i k h / p} = sum_t K[t] e^{2 pi i k t / p}, F's symbol.
    return torch.fft.fft2(x[0, 0])


def fit_linear_chain(
    spec, target: torch.Tensor, weights: torch.Tensor, generator: torch.Generator, iterations: int | None = None
) -> tuple[list[torch.Tensor], float]:
    """Weights of the linear chain (pair widths of ``spec``) whose symbol fits ``target``; returns (weights, rel. misfit)."""
    widths = _pair_widths(spec)
    k = spec.size
    p = target.shape[-1]
    params = []
    for a, b in itertools.pairwise(widths):
        W = torch.empty(b, a * k * k, dtype=torch.float64)
        torch.nn.init.orthogonal_(W, generator=generator)
        params.append((W.reshape(b, a, k, k) * 0.5).requires_grad_(True))
    scale = float((weights * target.abs().square()).sum())
    opt = torch.optim.LBFGS(
        params,
        lr=1,
        max_iter=CHAIN_ROUND,
        history_size=50,
        tolerance_grad=1e-14,
        tolerance_change=1e-16,
        line_search_fn="strong_wolfe",
    )

    def loss_fn():
        opt.zero_grad()
        loss = (weights * (linear_chain_symbol(params, p) - target).abs().square()).sum() / scale
        loss.backward()
        return loss

    for _ in range(math.ceil((iterations or CHAIN_ITERATIONS) / CHAIN_ROUND)):
        opt.step(loss_fn)
        with torch.no_grad():
            misfit = math.sqrt(
                float((weights * (linear_chain_symbol(params, p) - target).abs().square()).sum() / scale)
            )
        if misfit <= CHAIN_TOL:
            break
    return [W.detach() for W in params], misfit


def embed_linear_chain(model, spec, chain: list[torch.Tensor]) -> None:
    """Write the linear chain into the ReLU chain as +/- channel pairs (eqs. (28)-(29)); zero elsewhere."""
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        last = len(chain) - 1
        for layer, A in enumerate(chain):
            W = model.relu.convs[layer].weight
            A = A.to(W.dtype)
            for b in range(A.shape[0]):
                for a in range(A.shape[1]):
                    if layer == last:
                        W[0, 2 * a], W[0, 2 * a + 1] = A[b, a], -A[b, a]
                    elif layer == 0:
                        W[2 * b, 0], W[2 * b + 1, 0] = A[b, a], -A[b, a]
                    else:
                        W[2 * b, 2 * a], W[2 * b, 2 * a + 1] = A[b, a], -A[b, a]
                        W[2 * b + 1, 2 * a], W[2 * b + 1, 2 * a + 1] = -A[b, a], A[b, a]


def fitted_init_(model, spec, data, dt: float, integrator, generator: torch.Generator) -> dict:
    """Initialise an Algorithm 2 ``model`` with the fitted one-step map of ``data``; returns what was fitted."""
    from pixelpde.learned.architectures import Algorithm2Spec

    if not isinstance(spec, Algorithm2Spec):
        raise InputError("--init fitted needs an Algorithm 2 network (tables 1-4 or RELU/RELU2 channel lists)")
    target, weights, info = fitted_target(data, dt, integrator)
    radius = (len(spec.relu) - 1) * (spec.size // 2)  # the ReLU chain's receptive field
    if 2 * radius + 1 > data.p:
        raise InputError(f"--init fitted: the receptive field {2 * radius + 1} exceeds the grid ({data.p})")
    K, stencil_info = choose_stencil(target, weights, radius, dt, integrator)
    info.update(stencil_info)
    # the chain reproduces K when its symbol on the (2r+1)-periodic grid equals K's (taps do not wrap)
    n = 2 * radius + 1
    chain, misfit = fit_linear_chain(spec, stencil_symbol(K, n), torch.ones(n, n, dtype=torch.float64), generator)
    embed_linear_chain(model, spec, chain)
    info["chain_misfit"] = misfit
    return info


# -- fine-tuning that keeps the fitted start (``--tied-pairs``) ---------------------------------------------------


def _pair_signs(n: int, dtype) -> torch.Tensor:
    """(+1, -1) for each channel pair of a width-n layer, 0 for an odd last channel; a width-1 side is just (1,)."""
    if n == 1:
        return torch.ones(1, dtype=dtype)
    s = torch.zeros(n, dtype=dtype)
    s[0 : 2 * (n // 2) : 2], s[1 : 2 * (n // 2) : 2] = 1, -1
    return s


def _pair_mean(X: torch.Tensor, dim: int) -> torch.Tensor:
    """Mean over each channel pair along ``dim`` (a width-1 side is left as it is)."""
    n = X.shape[dim]
    if n == 1:
        return X
    X = X.narrow(dim, 0, 2 * (n // 2))
    return X.unflatten(dim, (n // 2, 2)).mean(dim + 1)


def _pair_spread(A: torch.Tensor, dim: int, n: int) -> torch.Tensor:
    """Inverse layout of :func:`_pair_mean`: each pair's value on both channels, 0 on an odd last channel."""
    if n == 1:
        return A
    out = A.repeat_interleave(2, dim)
    if n % 2:
        shape = list(out.shape)
        shape[dim] = 1
        out = torch.cat([out, out.new_zeros(shape)], dim)
    return out


def tie_pairs(W: torch.Tensor) -> torch.Tensor:
    r"""Orthogonal projection of a ReLU-chain weight (out, in, k, k) onto the tied pairs of eqs. (28)-(29).

    The tied weights are :math:`W[o, i] = s_o s_i A[\lfloor o/2 \rfloor, \lfloor i/2 \rfloor]` with signs
    s = (+1, -1) on each channel pair (a width-1 side has s = 1, an odd last channel is 0): the layout
    :func:`embed_linear_chain` writes, in which the chain computes the linear chain of the A's exactly
    (ReLU(v) - ReLU(-v) = v).  The projection is ``A = mean over the pair group of s_o s_i W``; every
    group's entries of the result are exactly +A or -A (one sum per group, then sign flips)."""
    out, inp = W.shape[:2]
    so, si = _pair_signs(out, W.dtype), _pair_signs(inp, W.dtype)
    signs = so[:, None, None, None] * si[None, :, None, None]
    A = _pair_mean(_pair_mean(W * signs, 0), 1)
    return _pair_spread(_pair_spread(A, 0, out), 1, inp) * signs


def tied_projection(model):
    """The projection of ``--tied-pairs`` for an Algorithm 2 ``model``: a function that replaces every
    parameter's gradient by its projection -- the ReLU chain's weights by :func:`tie_pairs`, every bias
    and the ReLU^2 (and higher power) branches by zero.

    Adam acts elementwise and commutes with sign flips, so from a tied start (the fitted
    initialisation: biases 0, ReLU^2 branch 0, pairs +-A) every step keeps the network exactly
    in that subspace: the linear network of the chain of A's, trained by the same loss.  Refuses,
    in one line, a network that does not start there."""
    from pixelpde.learned.architectures import Algorithm2Network

    if not isinstance(model, Algorithm2Network):
        raise InputError("--tied-pairs needs an Algorithm 2 network (tables 1-4 or RELU/RELU2 channel lists)")
    _pair_widths(model.spec)  # every hidden width >= 2
    chain = {id(conv.weight) for conv in model.relu.convs}
    if tie_defect(model) != 0:
        raise InputError(
            "--tied-pairs: the network does not start with tied ReLU pairs, zero biases and a zero ReLU^2 branch "
            "(use --init fitted)"
        )

    def project(params) -> None:
        with torch.no_grad():
            for p in params:
                if p.grad is None:
                    continue
                if id(p) in chain:
                    p.grad.copy_(tie_pairs(p.grad))
                else:
                    p.grad.zero_()

    return project


def tie_defect(model) -> float:
    """Largest distance of a parameter from the tied subspace (0 exactly when the network is the
    linear chain of its pairs: tied ReLU-chain weights, zero biases, zero ReLU^2 branch)."""
    chain = {id(conv.weight) for conv in model.relu.convs}
    worst = 0.0
    with torch.no_grad():
        for p in model.parameters():
            d = (p - tie_pairs(p)) if id(p) in chain else p
            worst = max(worst, float(d.abs().max()) if d.numel() else 0.0)
    return worst


def tied_chain(model) -> list[torch.Tensor]:
    """The linear chain (half widths) a tied network holds: the A's of :func:`tie_pairs`, float64."""
    out = []
    for conv in model.relu.convs:
        W = conv.weight.detach().to(torch.float64)
        signs = (
            _pair_signs(W.shape[0], W.dtype)[:, None, None, None]
            * _pair_signs(W.shape[1], W.dtype)[None, :, None, None]
        )
        out.append(_pair_mean(_pair_mean(W * signs, 0), 1))
    return out


def max_growth(model, p: int, dt: float, integrator) -> float:
    """Largest per-step growth |R(h F(k))|^s over all p x p modes of a tied network's linear map
    (unprojected integrator): how fast rounding noise in modes the data never excite can grow."""
    return float(amplification(linear_chain_symbol(tied_chain(model), p), dt, integrator).max())
