r"""The practical networks of section 4 (Algorithm 2, Tables 1-4) and Algorithm 1.

Algorithm 2 evaluates :math:`F_\theta(U) = L(U) + Q(U)` with two branches that
both read the input field ``U``:

* the **ReLU chain** ``L``: 3 x 3 convolutions through the channel list of the
  table's ReLU row (e.g. 1-8-16-16-8-1), ReLU after every convolution but the
  last;
* the **ReLU^2 branch** ``Q``: convolutions through the ReLU^2 row (e.g.
  1-8-1), :math:`\sigma_2 = \mathrm{ReLU}^2` after every convolution but the
  last.

The last convolution of each branch has no bias; the hidden convolutions of
a branch have biases when that branch's flag says so.  With the paper's
tables this gives exactly its parameter counts:

=========  =====================  ==========  =============  ==========
preset     ReLU chain             ReLU^2      hidden biases  parameters
=========  =====================  ==========  =============  ==========
table1     1-8-16-8-1             1-8-1       both branches  2632
table2     1-8-16-16-8-1          1-8-1       both branches  4952
table3     1-8-16-8-1             1-8-1       ReLU^2 only    2600
table4     1-8-16-16-8-1          1-16-1      both branches  5104
=========  =====================  ==========  =============  ==========

(Table 1 is the paper's illustration and has no stated count; with the bias
placement of Tables 2 and 4 it has 2448 + 32 + 144 + 8 = 2632 parameters.
Table 3 has the same shape, and the paper's "2600 parameters" for it is
reached only without biases in the ReLU chain: 2448 + 144 + 8 = 2600.)

Algorithm 1 (section 2.1) is
:math:`L = \mathrm{Conv}_2(\mathrm{ReLU}(\mathrm{Conv}_1 U))`,
:math:`F_\theta(U) = \mathrm{Conv}_4(\mathrm{ReLU}^2(\mathrm{Conv}_3 L)) + \mathrm{Conv}_5 L`;
the network of Theorem 3.2 is Algorithm 1 with widths (4n+2, 2n+1, 6n) and no
biases, and is used as :class:`pixelpde.constructive.Theorem32Network` itself.

Polynomial PDEs of degree q >= 3 (issue 11) need a **ReLU^q branch**: an Algorithm 2
spelling may add any number of them after the ReLU^2 row, ``RELU/RELU2/q:CHANNELS``, e.g.
``1-8-16-8-1/1-8-1/3:1-2-1`` (a ReLU^3 branch with 2 hidden channels, enough for
Allen-Cahn's u^3); each reads U like the ReLU^2 branch, with the ReLU^2 branch's bias flag.

Every convolution goes through :func:`pixelpde.stencils.boundary.convolve` (circular
padding for periodic, zero padding for Dirichlet boundary conditions); the
networks accept fields of shape (r, s), (N, r, s) or (N, 1, r, s) and return
the same shape.

**Systems** of C fields: every Algorithm 2 branch starts and ends with C channels
(``2-16-32-16-2/2-12-2/3:2-8-2``), fields (C, r, s) or (N, C, r, s).  For comparison the
**PeRCNN-style baseline** (:class:`PeRCNNSpec`, ``percnn[:HIDDEN]``), written from the
description of Rao et al. (Nature Machine Intelligence 2023), not from its code: per field k,
:math:`F_k(U) = c_k\,\Delta_h U_k + W_k\big(\prod_{j=1}^{P} (K_{kj} * U + b_{kj})\big) + w_k`
with a fixed 5 x 5 fourth-order Laplacian :math:`\Delta_h` (unscaled: the learnable
:math:`c_k` absorbs 1/dx^2), P = 3 parallel k x k convolutions of C -> HIDDEN channels whose
outputs are multiplied elementwise (the "Pi-block"), and a 1 x 1 convolution W_k to one channel.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import asdict, dataclass, replace

import torch
from torch import nn

from pixelpde.constructive.lemma31 import relu2
from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import MAX_LAYERS, MAX_PARAMETERS, MAX_TERMS, MAX_WIDTH, check_int, check_kernel_size
from pixelpde.stencils.boundary import BoundaryCondition, as_batch, convolve
from pixelpde.stencils.system import MAX_FIELDS


class Conv(nn.Module):
    """A k x k convolution (weight ``(out, in, k, k)``, optional bias) padded by the BC."""

    def __init__(self, c_in: int, c_out: int, bc, size: int = 3, bias: bool = True, dtype=torch.float32):
        super().__init__()
        self.bc = BoundaryCondition.parse(bc)
        self.weight = nn.Parameter(torch.zeros(c_out, c_in, size, size, dtype=dtype))
        self.bias = nn.Parameter(torch.zeros(c_out, dtype=dtype)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return convolve(x, self.weight, self.bc, self.bias)

    def extra_repr(self) -> str:
        c_out, c_in, k, _ = self.weight.shape
        return f"{c_in}->{c_out}, {k}x{k}, bias={self.bias is not None}, bc={self.bc}"


class Chain(nn.Module):
    """Convolutions through ``channels``, ``activation`` after all but the last.

    Hidden convolutions carry a bias when ``bias`` is true; the last never does.
    """

    def __init__(self, channels, activation, bc, size: int = 3, bias: bool = True, dtype=torch.float32):
        super().__init__()
        self.channels = tuple(int(c) for c in channels)
        self.activation = activation
        last = len(self.channels) - 2
        self.convs = nn.ModuleList(
            Conv(a, b, bc, size, bias=bias and i < last, dtype=dtype)
            for i, (a, b) in enumerate(zip(self.channels[:-1], self.channels[1:], strict=True))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i < len(self.convs) - 1:
                x = self.activation(x)
        return x


def _channels(text_or_seq, what: str) -> tuple[int, ...]:
    if isinstance(text_or_seq, str):
        if not re.fullmatch(r"\d{1,9}(-\d{1,9})+", text_or_seq.strip()):
            raise InputError(f"{what} channel list {text_or_seq[:80]!r} must look like 1-8-16-8-1")
        text_or_seq = [int(c) for c in text_or_seq.strip().split("-")]
    if not isinstance(text_or_seq, (tuple, list)) or len(text_or_seq) > MAX_LAYERS:
        raise InputError(f"{what} channel list must have at most {MAX_LAYERS} entries")
    channels = tuple(check_int(c, f"{what} channel width", 1, MAX_WIDTH) for c in text_or_seq)
    if len(channels) < 3 or channels[0] != channels[-1] or channels[0] > MAX_FIELDS:
        raise InputError(
            f"{what} channels {'-'.join(map(str, channels))} must start and end with the number of fields "
            f"(1 for a scalar PDE, at most {MAX_FIELDS}) and have a hidden layer"
        )
    return channels


def check_parameters(spec) -> None:
    """Refuse an architecture with more than :data:`~pixelpde.ground.validate.MAX_PARAMETERS` parameters."""
    count = spec.num_parameters()
    if count > MAX_PARAMETERS:
        raise InputError(f"architecture has {count} parameters; at most {MAX_PARAMETERS} are accepted")


@dataclass(frozen=True)
class Algorithm2Spec:
    """Channel lists and bias placement of an Algorithm 2 network."""

    relu: tuple[int, ...]
    relu2: tuple[int, ...]
    relu_bias: bool = True
    relu2_bias: bool = True
    size: int = 3
    #: extra ReLU^q branches ``((q, channels), ...)``, q >= 3 ascending (polynomial PDEs)
    powers: tuple = ()

    kind = "algorithm2"

    def __post_init__(self):
        object.__setattr__(self, "relu", _channels(self.relu, "ReLU"))
        object.__setattr__(self, "relu2", _channels(self.relu2, "ReLU^2"))
        powers = tuple(
            (check_int(q, "ReLU^q power q", 3, 6), _channels(ch, f"ReLU^{q}")) for q, ch in dict(self.powers).items()
        )
        object.__setattr__(self, "powers", tuple(sorted(powers)))
        object.__setattr__(self, "size", check_kernel_size(self.size))
        if any(ch[0] != self.relu[0] for ch in (self.relu2, *(c for _, c in self.powers))):
            raise InputError("every branch must start and end with the same number of fields as the ReLU chain")
        check_parameters(self)

    @property
    def fields(self) -> int:
        """C: the channels in and out (one per field)."""
        return self.relu[0]

    def num_parameters(self) -> int:
        k2 = self.size**2
        count = 0
        branches = (
            (self.relu, self.relu_bias),
            (self.relu2, self.relu2_bias),
            *((ch, self.relu2_bias) for _, ch in self.powers),
        )
        for channels, bias in branches:
            count += k2 * sum(a * b for a, b in itertools.pairwise(channels))
            count += sum(channels[1:-1]) if bias else 0
        return count

    def describe(self) -> dict:
        out = asdict(self)
        out.update(kind=self.kind, relu="-".join(map(str, self.relu)), relu2="-".join(map(str, self.relu2)))
        out.pop("powers")
        if self.powers:
            out["powers"] = {str(q): "-".join(map(str, ch)) for q, ch in self.powers}
        return out

    def build(self, bc, dtype=torch.float32) -> Algorithm2Network:
        return Algorithm2Network(self, bc, dtype=dtype)


@dataclass(frozen=True)
class Algorithm1Spec:
    """Widths ``(a, b, c)`` of Algorithm 1: Conv1 1->a, Conv2 a->b, Conv3 b->c, Conv4 c->1, Conv5 b->1."""

    widths: tuple[int, int, int] = (6, 3, 6)
    bias: bool = True
    size: int = 3

    kind = "algorithm1"

    def __post_init__(self):
        if not isinstance(self.widths, (tuple, list)) or len(self.widths) != 3:
            raise InputError(f"Algorithm 1 needs three positive widths, got {self.widths!r}")
        widths = tuple(check_int(w, "Algorithm 1 width", 1, MAX_WIDTH) for w in self.widths)
        object.__setattr__(self, "widths", widths)
        object.__setattr__(self, "size", check_kernel_size(self.size))
        check_parameters(self)

    def num_parameters(self) -> int:
        a, b, c = self.widths
        weights = self.size**2 * a + 9 * (a * b + b * c + c + b)
        return weights + ((a + b + c) if self.bias else 0)

    def describe(self) -> dict:
        return {"kind": self.kind, "widths": list(self.widths), "bias": self.bias, "size": self.size}

    def build(self, bc, dtype=torch.float32) -> Algorithm1Network:
        return Algorithm1Network(self, bc, dtype=dtype)


@dataclass(frozen=True)
class Theorem32Spec:
    """The Theorem 3.2 network for n quadratic interactions (no biases)."""

    n: int
    size: int = 3

    kind = "theorem32"

    def __post_init__(self):
        object.__setattr__(self, "n", check_int(self.n, "theorem32 n", 0, MAX_TERMS))
        object.__setattr__(self, "size", check_kernel_size(self.size))
        check_parameters(self)

    def num_parameters(self) -> int:
        from pixelpde.constructive.theorem32 import theorem32_shapes

        return sum(int(torch.Size(s).numel()) for s in theorem32_shapes(self.n, self.size).values())

    def describe(self) -> dict:
        return {"kind": self.kind, "n": self.n, "size": self.size}

    def build(self, bc, dtype=torch.float32):
        from pixelpde.constructive.network import Theorem32Network

        return Theorem32Network(self.n, bc, self.size, compact=False, dtype=dtype)


@dataclass(frozen=True)
class PeRCNNSpec:
    """A PeRCNN-style cell for C fields (module docstring): P parallel k x k convolutions of
    ``hidden`` channels per field, multiplied, then 1 x 1 to the field; a fixed Laplacian per field."""

    fields: int = 2
    hidden: int = 16
    parallel: int = 3
    size: int = 5

    kind = "percnn"

    def __post_init__(self):
        object.__setattr__(self, "fields", check_int(self.fields, "PeRCNN fields", 1, MAX_FIELDS))
        object.__setattr__(self, "hidden", check_int(self.hidden, "PeRCNN hidden width", 1, MAX_WIDTH))
        object.__setattr__(self, "parallel", check_int(self.parallel, "PeRCNN parallel convolutions", 1, 6))
        object.__setattr__(self, "size", check_kernel_size(self.size))
        check_parameters(self)

    def num_parameters(self) -> int:
        C, h, P, k = self.fields, self.hidden, self.parallel, self.size
        return C * (P * (C * h * k * k + h) + h + 1) + C

    def describe(self) -> dict:
        return {
            "kind": self.kind,
            "fields": self.fields,
            "hidden": self.hidden,
            "parallel": self.parallel,
            "size": self.size,
        }

    def build(self, bc, dtype=torch.float32) -> PeRCNNNetwork:
        return PeRCNNNetwork(self, bc, dtype=dtype)


#: PeRCNN's fixed Laplacian: the fourth-order five-point second difference on each axis (dx = 1).
PERCNN_LAPLACIAN = (-1 / 12, 4 / 3, -5 / 2, 4 / 3, -1 / 12)


class PeRCNNNetwork(nn.Module):
    """The PeRCNN-style baseline of :class:`PeRCNNSpec` (module docstring)."""

    laplacian: torch.Tensor  # a buffer (register_buffer), not a parameter

    def __init__(self, spec: PeRCNNSpec, bc, dtype=torch.float32):
        super().__init__()
        self.spec = spec
        self.bc = BoundaryCondition.parse(bc)
        C, h, k = spec.fields, spec.hidden, spec.size
        self.pi = nn.ModuleList(
            nn.ModuleList(Conv(C, h, self.bc, k, True, dtype) for _ in range(spec.parallel)) for _ in range(C)
        )
        self.out = nn.ModuleList(Conv(h, 1, self.bc, 1, True, dtype) for _ in range(C))
        self.diffusion = nn.Parameter(torch.zeros(C, dtype=dtype))
        lap = torch.zeros(5, 5, dtype=dtype)
        lap[2, :] += torch.tensor(PERCNN_LAPLACIAN, dtype=dtype)
        lap[:, 2] += torch.tensor(PERCNN_LAPLACIAN, dtype=dtype)
        self.register_buffer("laplacian", lap.expand(C, 1, 5, 5).clone())

    def forward(self, U: torch.Tensor) -> torch.Tensor:
        x, restore = as_batch(U, self.spec.fields, 2)
        diffusion = convolve_groups(x, self.laplacian, self.bc) * self.diffusion[None, :, None, None]
        outs = []
        for convs, out in zip(self.pi, self.out, strict=True):
            assert isinstance(convs, nn.ModuleList)
            product = convs[0](x)
            for conv in convs[1:]:
                product = product * conv(x)
            outs.append(out(product))
        return restore(diffusion + torch.cat(outs, dim=1))

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


def convolve_groups(x: torch.Tensor, weight: torch.Tensor, bc) -> torch.Tensor:
    """Each channel of x correlated with its own kernel ``weight[c, 0]`` (a depthwise convolution)."""
    import torch.nn.functional as F

    bc = BoundaryCondition.parse(bc)
    width = weight.shape[-1] // 2
    return F.conv2d(
        bc.pad(x, width) if bc is BoundaryCondition.PERIODIC else F.pad(x, [width] * 4), weight, groups=x.shape[1]
    )


def _relu_power(x: torch.Tensor, q: int) -> torch.Tensor:
    return torch.relu(x) ** q


class Algorithm2Network(nn.Module):
    """Algorithm 2: ``F(U) = ReLU chain(U) + ReLU^2 branch(U)``.

    (Running the two first convolutions, which both read U, as one 1 -> 24
    convolution with stacked filters was measured *slower* on the CPU, oneDNN's
    backward of a wide 1-channel-input convolution costing more than the two
    narrow ones: docs/learned.md, "Throughput"; the branches run separately.)
    """

    def __init__(self, spec: Algorithm2Spec, bc, dtype=torch.float32):
        super().__init__()
        self.spec = spec
        self.bc = BoundaryCondition.parse(bc)
        self.relu = Chain(spec.relu, torch.relu, self.bc, spec.size, spec.relu_bias, dtype)
        self.relu2 = Chain(spec.relu2, relu2, self.bc, spec.size, spec.relu2_bias, dtype)
        self.powers = nn.ModuleList(
            Chain(ch, functools.partial(_relu_power, q=q), self.bc, spec.size, spec.relu2_bias, dtype)
            for q, ch in spec.powers
        )

    def forward(self, U: torch.Tensor) -> torch.Tensor:
        x, restore = as_batch(U, self.spec.fields, 2)
        out = self.relu(x) + self.relu2(x)
        for branch in self.powers:
            out = out + branch(x)
        return restore(out)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


class Algorithm1Network(nn.Module):
    """Algorithm 1: ``L = Conv2(ReLU(Conv1 U))``, ``F = Conv4(ReLU^2(Conv3 L)) + Conv5 L``."""

    def __init__(self, spec: Algorithm1Spec, bc, dtype=torch.float32):
        super().__init__()
        self.spec = spec
        self.bc = BoundaryCondition.parse(bc)
        a, b, c = spec.widths
        self.conv1 = Conv(1, a, self.bc, spec.size, spec.bias, dtype)
        self.conv2 = Conv(a, b, self.bc, 3, spec.bias, dtype)
        self.conv3 = Conv(b, c, self.bc, 3, spec.bias, dtype)
        self.conv4 = Conv(c, 1, self.bc, 3, False, dtype)
        self.conv5 = Conv(b, 1, self.bc, 3, False, dtype)

    def forward(self, U: torch.Tensor) -> torch.Tensor:
        x, restore = as_batch(U)
        L = self.conv2(torch.relu(self.conv1(x)))
        return restore(self.conv4(relu2(self.conv3(L))) + self.conv5(L))

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


#: Named Algorithm 2 presets (Tables 1-4 of the paper) and Algorithm 1.
PRESETS = {
    "table1": Algorithm2Spec((1, 8, 16, 8, 1), (1, 8, 1)),
    "table2": Algorithm2Spec((1, 8, 16, 16, 8, 1), (1, 8, 1)),
    "table3": Algorithm2Spec((1, 8, 16, 8, 1), (1, 8, 1), relu_bias=False),
    "table4": Algorithm2Spec((1, 8, 16, 16, 8, 1), (1, 16, 1)),
    "algorithm1": Algorithm1Spec(),
}

ARCH_HELP = (
    "table1..table4 (the paper's Algorithm 2 networks), algorithm1[:a-b-c], theorem32 "
    "(its n from the PDE), or custom Algorithm 2 channel lists RELU/RELU2 such as 1-8-16-8-1/1-8-1, "
    "with ReLU^q branches for polynomial PDEs appended as /q:CHANNELS (1-8-16-8-1/1-8-1/3:1-2-1); "
    "for a system of C fields every list starts and ends with C (2-16-32-16-2/2-12-2/3:2-8-2); "
    "percnn[:HIDDEN] (a PeRCNN-style cell, the peer's design, for comparison)"
)


def parse_arch(
    text: str,
    n: int | None = None,
    relu_bias: bool | None = None,
    relu2_bias: bool | None = None,
    size: int | None = None,
    fields: int = 1,
):
    """An architecture spec from its CLI name (see :data:`ARCH_HELP`); ``fields`` is the number of
    fields of the data (``percnn`` is built for it).

    ``n`` (the PDE's number of quadratic interactions) is needed for
    ``theorem32``.  ``relu_bias`` / ``relu2_bias`` override the bias
    placement of Algorithm 2 specs when not ``None``; ``size`` the filter size
    (every convolution of Algorithm 2, the first of Algorithm 1 and Theorem 3.2).
    """
    spec = _parse_arch(text, n, relu_bias, relu2_bias, fields)
    return spec if size is None or size == spec.size else replace(spec, size=int(size))


def _parse_arch(text, n, relu_bias, relu2_bias, fields=1):
    text = str(text).strip()
    if text == "percnn" or text.startswith("percnn:"):
        rest = text[len("percnn") :]
        if rest and not re.fullmatch(r":\d{1,9}", rest):
            raise InputError(f"architecture {text!r}: write percnn or percnn:HIDDEN (e.g. percnn:16)")
        return PeRCNNSpec(fields, int(rest[1:]) if rest else 16)
    if text == "theorem32":
        if n is None:
            raise InputError("architecture theorem32 needs the PDE (its number n of quadratic terms)")
        return Theorem32Spec(int(n))
    if text.startswith("algorithm1"):
        rest = text[len("algorithm1") :]
        if not rest:
            return PRESETS["algorithm1"]
        if not re.fullmatch(r":\d{1,9}-\d{1,9}-\d{1,9}", rest):
            raise InputError(f"architecture {text!r}: write algorithm1 or algorithm1:a-b-c (e.g. algorithm1:6-3-6)")
        return Algorithm1Spec(tuple(int(w) for w in rest[1:].split("-")))  # digits only (regex above)
    if text in PRESETS:
        spec = PRESETS[text]
    elif "/" in text:
        relu, relu2_, *extra = text.split("/")
        powers = []
        for part in extra:
            q, colon, channels = part.partition(":")
            if not colon or not q.strip().isdigit():
                raise InputError(f"architecture {text!r}: an extra branch is written q:CHANNELS, e.g. 3:1-2-1 (ReLU^3)")
            powers.append((int(q), channels))
        if len(dict(powers)) != len(powers):
            raise InputError(f"architecture {text!r}: each ReLU^q branch at most once")
        spec = Algorithm2Spec(relu, relu2_, powers=tuple(powers))
    else:
        raise InputError(f"unknown architecture {text!r}; use {ARCH_HELP}")
    if isinstance(spec, Algorithm2Spec):
        overrides = {k: v for k, v in (("relu_bias", relu_bias), ("relu2_bias", relu2_bias)) if v is not None}
        spec = replace(spec, **overrides)
    return spec


def spec_from_description(desc: dict):
    """Inverse of ``spec.describe()`` (used when loading saved networks)."""
    try:
        kind = desc["kind"]
        if kind == "algorithm2":
            powers = tuple((int(q), ch) for q, ch in desc.get("powers", {}).items())
            return Algorithm2Spec(
                desc["relu"], desc["relu2"], bool(desc["relu_bias"]), bool(desc["relu2_bias"]), desc["size"], powers
            )
        if kind == "algorithm1":
            return Algorithm1Spec(tuple(desc["widths"]), bool(desc["bias"]), desc["size"])
        if kind == "theorem32":
            return Theorem32Spec(desc["n"], desc["size"])
        if kind == "percnn":
            return PeRCNNSpec(desc["fields"], desc["hidden"], desc["parallel"], desc["size"])
    except InputError:
        raise
    except (KeyError, TypeError, ValueError):
        pass
    raise InputError(f"cannot read architecture description {desc!r}")
