r"""Exact weights for the practical architectures, and the random initialisation.

Constructive embedding (section 4.1, eqs. (28)-(29), and Theorem 3.2): for

.. math::

    X(U) = L * U + \sum_{i=1}^n \beta_i (D_{2i-1} * U) \odot (D_{2i} * U)

an Algorithm 2 network represents X exactly with

For a system of C fields (:class:`~pixelpde.stencils.semidiscrete.SemiDiscreteSystem`) each
equation k gets the channel pair 2k, 2k+1 of the ReLU chain (hidden widths >= 2C; a constant
source s_k is the first layer's bias, +-s_k), each shared product one set of 6 ReLU^2 channels
with an output row per equation (beta_ki M2), and each ReLU^q combination an output row per
equation.

* **ReLU chain** (every hidden width >= 2): the first convolution puts
  ``[L, -L]`` in channels 0, 1; each further hidden convolution maps
  channels (0, 1) to ``[c_0 - c_1, c_1 - c_0]`` with identity filters, and the
  last one to ``c_0 - c_1``.  Since ReLU(x) - ReLU(-x) = x (eq. (28)), every
  hidden layer holds ``[ReLU(L*U), ReLU(-L*U)]`` and the chain returns L * U
  (eq. (29), repeated).
* **ReLU^2 branch** (one hidden layer of width >= 6n): channels 6i..6i+5 hold
  Lemma 3.1 for interaction i acting on U, ``M1 = [D1+D2, -(D1+D2), D1, -D1,
  D2, -D2]``, and the output filter is ``beta_i M2 = beta_i/2 [I, I, -I, -I,
  -I, -I]`` (:func:`pixelpde.constructive.lemma31.product_weights`).

* **ReLU^q branches** (polynomial PDEs, degree q >= 3; spelled ``/q:1-c-1``, one
  hidden layer of width >= the channels of :mod:`pixelpde.constructive.polynomial`):
  hidden channels ``2r, 2r+1`` hold ``+-K_r`` with ``K_r = sum_ch lambda_ch P_ch`` the
  r-th combination of the polarisation identity composed with the factor stencils
  (convolution is linear), and the output filter ``c_r [I, (-1)^q I]``.

The quadratic part is the system's (by default the minimal factorisation, so the
ReLU^2 width needed is 6 max(p, q)).  All other weights and all biases are zero.  An Algorithm 1 network of widths
(a, b, c) >= (4n+2, 2n+1, 6n) embeds the Theorem 3.2 weights
(:func:`pixelpde.constructive.theorem32.theorem32_weights`) in the leading channels,
and the Theorem 3.2 network takes them as they are.

The filters of the first layers must have the stencils' size (3 x 3 for the
paper's second-order stencils, 5 x 5 for the fourth-order ones); the
identity-filter layers are exact for any boundary condition and filter size
because they read only the centre tap.

Random initialisation (the paper's code): orthogonal weights
(:func:`torch.nn.init.orthogonal_` on each ``(out, in*k*k)`` matrix, gain 1)
and zero biases, drawn from a seeded generator.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from pixelpde.constructive.lemma31 import identity_filter, product_weights
from pixelpde.constructive.theorem32 import as_system, theorem32_weights
from pixelpde.ground.errors import InputError
from pixelpde.learned.architectures import Algorithm1Spec, Algorithm2Spec, Theorem32Spec


def embedding_problem(spec, sd) -> str | None:
    """Why ``spec`` cannot represent ``sd`` exactly, or ``None`` when it can."""
    C = getattr(sd, "channels", 1)
    if C != 1 and not isinstance(spec, Algorithm2Spec):
        return f"a system of {C} fields embeds in Algorithm 2 networks only"
    if isinstance(spec, Algorithm2Spec) and spec.fields != C:
        return f"the network has {spec.fields} field channel(s), the PDE {C}"
    if spec.size != sd.size:
        return f"the first filters are {spec.size}x{spec.size} but the stencils are {sd.size}x{sd.size}"
    degrees = _power_channels(sd)
    if degrees and not isinstance(spec, Algorithm2Spec):
        first = ", ".join(f"/{q}:1-{c}-1" for q, c in degrees.items())
        return f"terms of degree {max(degrees)} need ReLU^q branches: use an Algorithm 2 architecture ending in {first}"
    if isinstance(spec, Algorithm2Spec):
        have = dict(spec.powers)
        for q, c in degrees.items():
            if q not in have:
                return f"terms of degree {q} need a ReLU^{q} branch of width >= {c} (append /{q}:1-{c}-1 to --arch)"
            if len(have[q]) != 3 or have[q][1] < c:
                return f"the ReLU^{q} branch must be C-c-C with c >= {c} (got {'-'.join(map(str, have[q]))})"
        if min(spec.relu[1:-1]) < 2 * C:
            return f"every hidden ReLU width must be >= {2 * C} (ReLU chain {'-'.join(map(str, spec.relu))})"
        if np.any(_source(sd)) and not spec.relu_bias:
            return "constant source terms need the biases of the ReLU chain (--relu-bias)"
        if sd.n and len(spec.relu2) != 3:
            return f"the ReLU^2 branch must have one hidden layer for Lemma 3.1 (got {'-'.join(map(str, spec.relu2))})"
        if spec.relu2[1] < 6 * sd.n:
            return f"the ReLU^2 width {spec.relu2[1]} is below 6n = {6 * sd.n}"
        return None
    if isinstance(spec, Algorithm1Spec):
        need = (4 * sd.n + 2, 2 * sd.n + 1, 6 * sd.n)
        if any(w < m for w, m in zip(spec.widths, need, strict=True)):
            return f"Algorithm 1 widths {spec.widths} are below Theorem 3.2's (4n+2, 2n+1, 6n) = {need}"
        return None
    if isinstance(spec, Theorem32Spec):
        return None if spec.n == sd.n else f"the Theorem 3.2 network has n={spec.n}, the PDE n={sd.n}"
    return f"no construction for {type(spec).__name__} (a {getattr(spec, 'kind', 'custom')} network)"


def constructive_state(spec, sd) -> dict[str, torch.Tensor]:
    """float64 state dict (names as in ``spec.build``) with F = X for ``sd``.

    Raises :class:`~pixelpde.ground.errors.InputError` when the widths do not allow it.
    """
    why = embedding_problem(spec, sd)
    if why is not None:
        raise InputError(f"cannot embed {sd.pde if sd.pde is not None else 'the PDE'} exactly: {why}")
    if isinstance(spec, Theorem32Spec):
        return theorem32_weights(sd)
    state = {k: torch.zeros_like(v, dtype=torch.float64) for k, v in spec.build(sd.bc).state_dict().items()}
    if isinstance(spec, Algorithm1Spec):
        for layer, (_, w) in zip(("conv1", "conv2", "conv3", "conv4", "conv5"), _theorem32_items(sd), strict=True):
            state[f"{layer}.weight"][tuple(slice(0, s) for s in w.shape)] = w
        return state
    system = as_system(sd)
    _embed_relu_chain(state, spec, torch.as_tensor(system.L, dtype=torch.float64), system.source)
    for i in range(system.n):
        M1, M2 = product_weights(system.D[2 * i], system.D[2 * i + 1])
        pad = (spec.size - M2.shape[-1]) // 2  # M2's 3 x 3 identity filters, centred in the branch's k x k
        state["relu2.convs.0.weight"][6 * i : 6 * i + 6] = M1
        for k in range(system.channels):
            beta = float(system.betas[k, i])
            state["relu2.convs.1.weight"][k, 6 * i : 6 * i + 6] = beta * torch.nn.functional.pad(M2[0], [pad] * 4)
    _embed_power_branches(state, spec, system)
    return state


def _source(sd) -> np.ndarray:
    source = as_system(sd).source
    assert source is not None  # SemiDiscreteSystem fills zeros for a system without sources
    return source


def _power_channels(sd) -> dict[int, int]:
    """Degree q -> hidden ReLU^q channels the polynomial construction needs for ``sd``."""
    if not getattr(sd, "higher", ()):
        return {}
    from pixelpde.constructive.polynomial import branches

    return {q: 2 * len(b) for q, b in branches(sd).items()}


def _embed_power_branches(state, spec: Algorithm2Spec, sd) -> None:
    if not getattr(sd, "higher", ()):
        return
    from pixelpde.constructive.polynomial import branches, factor_channels

    system = as_system(sd)
    kernels, _, _ = factor_channels(system)
    P = [torch.as_tensor(K, dtype=torch.float64) for K in (*system.D, *system.L, *kernels)]  # the channels of T_1
    eye = identity_filter(spec.size)
    index = {q: j for j, (q, _) in enumerate(spec.powers)}
    for q, branch in branches(system).items():
        W1, W2 = state[f"powers.{index[q]}.convs.0.weight"], state[f"powers.{index[q]}.convs.1.weight"]
        for r, (combo, coeffs) in enumerate(branch.items()):
            K = sum(float(c) * P[ch] for ch, c in combo)
            W1[2 * r], W1[2 * r + 1] = K, -K
            for k, coeff in enumerate(coeffs):
                W2[k, 2 * r], W2[k, 2 * r + 1] = float(coeff) * eye, (-1) ** q * float(coeff) * eye


def _theorem32_items(sd):
    W = theorem32_weights(sd)
    empty = torch.zeros(0, 0, 3, 3, dtype=torch.float64)
    return [(name, W.get(name, empty)) for name in ("A1", "A2", "B1", "B2", "C")]


def _embed_relu_chain(state, spec: Algorithm2Spec, L: torch.Tensor, source=None) -> None:
    """Channels 2k, 2k+1 of every hidden layer hold ReLU(+-(L_k * U + s_k)) for equation k
    (L (C, C, k, k), row k the linear kernels of equation k; s_k a constant source, carried by
    the first layer's bias); the last layer returns L_k * U + s_k in output channel k."""
    eye = identity_filter(spec.size)
    last = len(spec.relu) - 2
    for k in range(L.shape[0]):
        a, b = 2 * k, 2 * k + 1
        state["relu.convs.0.weight"][a] = L[k]
        state["relu.convs.0.weight"][b] = -L[k]
        if source is not None and source[k] != 0:
            state["relu.convs.0.bias"][a], state["relu.convs.0.bias"][b] = float(source[k]), -float(source[k])
        for j in range(1, last):
            w = state[f"relu.convs.{j}.weight"]
            w[a, a], w[a, b], w[b, a], w[b, b] = eye, -eye, -eye, eye
        w = state[f"relu.convs.{last}.weight"]
        w[k, a], w[k, b] = eye, -eye


def random_init_(model: nn.Module, generator: torch.Generator, mean_free: bool = False) -> nn.Module:
    """Orthogonal weights, zero biases (in place), drawn from ``generator``; with
    ``mean_free``, then :func:`mean_free_first_filters_` (the paper's code)."""
    with torch.no_grad():
        for p in model.parameters():
            if p.ndim >= 2:
                flat = torch.empty(p.shape[0], p[0].numel(), dtype=torch.float64)
                nn.init.orthogonal_(flat, generator=generator)
                p.copy_(flat.reshape(p.shape))
            else:
                p.zero_()
    return mean_free_first_filters_(model) if mean_free else model


#: The convolutions that read the input field U, per network class name.
FIRST_LAYERS = {"Algorithm2Network": ("relu.convs.0", "relu2.convs.0"), "Algorithm1Network": ("conv1",)}


def mean_free_first_filters_(model: nn.Module) -> nn.Module:
    """Subtract from each filter of the layers that read U (Algorithm 2: the first
    convolutions of the ReLU chain and of the ReLU^2 branch; Algorithm 1: Conv1) its
    mean over the k x k taps, in place, as the paper's code does at random
    initialisation: each such filter then maps constant fields to zero, like the
    stencil of a derivative."""
    names = FIRST_LAYERS.get(type(model).__name__)
    if names is None:
        raise InputError(
            f"mean-free first filters are defined for Algorithm 1 and 2 networks, not {type(model).__name__}"
        )
    with torch.no_grad():
        for name in names:
            w = model.get_submodule(name).weight
            assert isinstance(w, torch.Tensor)
            w.sub_(w.mean(dim=(-2, -1), keepdim=True))
    return model


def constructive_init_(
    model: nn.Module, spec, sd, noise: float = 0.0, generator: torch.Generator | None = None
) -> nn.Module:
    """Load :func:`constructive_state` into ``model``, then add ``noise`` * N(0, 1)
    to every weight (not the biases) when ``noise > 0``."""
    if not noise >= 0:
        raise InputError(f"--init-noise must be >= 0, got {noise}")
    state = constructive_state(spec, sd)
    with torch.no_grad():
        for name, p in model.named_parameters():
            value = state[name].clone()
            if noise and p.ndim >= 2:
                value += noise * torch.randn(value.shape, dtype=torch.float64, generator=generator)
            p.copy_(value)
    return model
