"""Saving and loading network weights with a JSON sidecar.

A weights file ``NAME.pt`` is a :func:`torch.save` of a plain dict of float64
tensors (for Theorem 3.2 exactly the keys ``A1, A2, B1, B2, C``; B1, B2 are
absent when n = 0; a polynomial network adds ``E1_q, E2_q`` per degree q >= 3),
readable with ``torch.load(path, weights_only=True)``.
Beside it, ``NAME.json`` records what the tensors mean: the network kind,
the PDE string, the boundary condition (which fixes the padding), dx, the
stencils in exact rationals, n, the shapes, the parameter count, the
SHA-256 of the ``.pt`` file and ``sidecar_sha256``, the SHA-256 of the
sidecar's own canonical content (every other field, keys sorted, compact
ASCII JSON; :func:`sidecar_digest`).  A stale or mismatched pair, and a
sidecar edited in any field (``bc``, ``pde``, ``dx``, ... or whatever a
future writer adds), is refused in one line.  The checksums guard against
accidents (a bit flipped on disk, a hand edit, a ``.pt`` paired with another
run's sidecar), **not against an adversary**: they carry no key, so anyone can
recompute both.  A keyed hash was decided against: its key would have to be on
every machine that reads the files, so it would protect nothing there.  What
makes a forged pair harmless instead is that every field a reader acts on is
typed and bounded (:data:`SIDECAR_SCHEMA`), the file sizes and the shapes that
``n``, ``size`` and ``structure`` imply are checked against the tensors before
anything is built, and the pickle is read with ``weights_only=True``: a forged
pair is refused in one line or loads as the network it states, in bounded memory.  A network for a grid of 1 or 3 dimensions
records ``dim`` (absent: 2).

Loading is bounded: the tensors must be finite (NaN/Inf weights are
refused), a non-weights pickle is refused in one line without torch's
multi-line warning, and the sizes a sidecar states (kernel size, n) are
checked against :mod:`pixelpde.ground.validate`'s limits before any network
is built.

Both files are written atomically (:mod:`pixelpde.ground.atomic`) and
published together, the weights first: a killed run never leaves a pair
that loads.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import warnings
from pathlib import Path

import torch

from pixelpde.ground.atomic import atomic_path, check_writable
from pixelpde.ground.errors import InputError
from pixelpde.ground.schema import Field, check_record
from pixelpde.ground.validate import (
    MAX_EXPRESSION_DEGREE,
    MAX_KERNEL_SIZE,
    MAX_LAYERS,
    MAX_PARAMETERS,
    MAX_TERMS,
    MAX_WIDTH,
    check_int,
)
from pixelpde.stencils.system import MAX_FIELDS

FORMAT = "pixelpde-weights"
#: 2: the sidecar carries ``sidecar_sha256`` (version 1 sidecars were unprotected and are refused).
FORMAT_VERSION = 2
#: Largest sidecar accepted (it is JSON metadata, not data).
MAX_SIDECAR_BYTES = 1 << 20


#: Every field a reader acts on, typed and bounded (checked before anything is built from it); the
#: sidecar's other fields (stencils, ``pde_canonical``, a run's ``config``, ...) are descriptive and
#: protected by ``sidecar_sha256`` only.  A new field a reader uses gets a row here.
SIDECAR_SCHEMA = {
    "format": Field("str", choices=(FORMAT,)),
    "format_version": Field("int", choices=(FORMAT_VERSION,)),
    "network": Field("str", choices=("theorem32", "polynomial", "algorithm2", "algorithm1", "percnn")),
    "bc": Field("str", choices=("dirichlet", "periodic")),
    "shapes": Field(
        "map",
        item=Field("list", item=Field("int", 0, MAX_PARAMETERS), max_len=8),
        max_len=4 * MAX_LAYERS + 16,
        key_pattern=r"[A-Za-z0-9_.]{1,200}",
    ),
    "parameters": Field("int", 0, MAX_PARAMETERS),
    "sha256": Field("hex"),
    "sidecar_sha256": Field("hex"),
    "size": Field("int", 1, MAX_KERNEL_SIZE, required=False),
    "n": Field("int", 0, MAX_TERMS, required=False),
    "structure": Field(
        "record",
        schema={
            "n": Field("int", 0, MAX_TERMS),
            "m": Field("int", 0, MAX_TERMS),
            "branches": Field(
                "map", item=Field("int", 2, MAX_WIDTH), max_len=MAX_EXPRESSION_DEGREE, key_pattern=r"[0-9]{1,2}"
            ),
            "channels": Field("int", 1, MAX_FIELDS, required=False),
            "source": Field("bool", required=False),
        },
        required=False,
    ),
    # systems (absent for a scalar PDE): the number of fields, their names, a source bias S
    "channels": Field("int", 1, MAX_FIELDS, required=False),
    "source": Field("bool", required=False),
    "dim": Field("int", 1, 3, required=False),
    "fields": Field("list", item=Field("str", max_len=1), max_len=MAX_FIELDS, nullable=True, required=False),
    "pde": Field("str", max_len=2000, required=False),
    "dx": Field("rational", required=False),
    "arch": Field("record", schema={"kind": Field("str", max_len=100)}, extra=True, required=False),
}
#: Bytes a weights file may take beyond its float64 parameters (the zip's headers and names).
WEIGHTS_OVERHEAD_BYTES = 1 << 20


def sidecar_path(path) -> Path:
    return Path(path).with_suffix(".json")


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sidecar_digest(record: dict) -> str:
    """SHA-256 of a sidecar's canonical JSON, every field but ``sidecar_sha256`` itself."""
    body = {k: v for k, v in record.items() if k != "sidecar_sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def save_tensors(path, tensors: dict[str, torch.Tensor], meta: dict) -> dict:
    """Write ``tensors`` (float64, detached) to ``path`` and ``meta`` to its sidecar.

    Returns the sidecar dict as written (``meta`` plus format fields, shapes,
    parameter count and checksum).
    """
    path = check_writable(path)
    if path.suffix != ".pt":
        raise InputError(f"weights file {str(path)!r} must end in .pt")
    state = {name: t.detach().to(torch.float64).cpu().contiguous() for name, t in tensors.items()}
    if not all(bool(torch.isfinite(t).all()) for t in state.values()):
        raise InputError(f"refusing to save NaN or Inf weights to {str(path)!r}")
    side = sidecar_path(path)
    check_writable(side)
    with contextlib.ExitStack() as stack:
        tmp_json = stack.enter_context(atomic_path(side))
        tmp = stack.enter_context(atomic_path(path))  # exits first: the weights are published, then the sidecar
        torch.save(state, tmp)
        record = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            **meta,
            "shapes": {name: list(t.shape) for name, t in state.items()},
            "parameters": int(sum(t.numel() for t in state.values())),
            "sha256": file_sha256(tmp),
        }
        record["sidecar_sha256"] = sidecar_digest(record)
        tmp_json.write_text(json.dumps(record, indent=2) + "\n")
    return record


def load_tensors(path) -> tuple[dict[str, torch.Tensor], dict]:
    """Read a weights file and its sidecar; verify format, both checksums, shapes and finiteness."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"weights file {str(path)!r} does not exist")
    side = sidecar_path(path)
    if not side.is_file():
        raise InputError(f"weights file {str(path)!r} has no sidecar {str(side)!r} (it records the boundary condition)")
    if side.stat().st_size > MAX_SIDECAR_BYTES:
        raise InputError(
            f"sidecar {str(side)!r} is larger than {MAX_SIDECAR_BYTES} bytes: not a pixelpde weights description"
        )
    try:
        meta = json.loads(side.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise InputError(f"sidecar {str(side)!r} is not valid JSON") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise InputError(f"sidecar {str(side)!r} is not a pixelpde weights description")
    if meta.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"sidecar {str(side)!r} has format version {meta.get('format_version')!r}, this pixelpde reads "
            f"{FORMAT_VERSION} (version 1 sidecars were not protected; write the weights again)"
        )
    try:
        intact = meta.get("sidecar_sha256") == sidecar_digest(meta)
    except (TypeError, ValueError):  # NaN/Infinity or odd JSON: not what we wrote
        intact = False
    if not intact:
        raise InputError(f"sidecar {str(side)!r} was edited after it was written (its own checksum differs)")
    checked = check_record(meta, SIDECAR_SCHEMA, f"sidecar {str(side)!r}", extra=True)
    counts = {name: math.prod(shape) for name, shape in checked["shapes"].items()}
    if sum(counts.values()) != checked["parameters"]:
        raise InputError(f"sidecar {str(side)!r}: field 'parameters' is not the sum of the shapes' sizes")
    size = path.stat().st_size
    if size > 8 * checked["parameters"] + WEIGHTS_OVERHEAD_BYTES:
        raise InputError(
            f"weights file {str(path)!r} is {size} bytes, more than its {checked['parameters']} parameters"
        )
    if meta.get("sha256") != file_sha256(path):
        raise InputError(f"weights file {str(path)!r} does not match its sidecar (checksum differs)")
    try:
        with warnings.catch_warnings():  # torch warns in many lines before raising on a foreign pickle
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt or foreign files
        raise InputError(
            f"cannot read weights file {str(path)!r}: {type(exc).__name__} (not a weights-only file)"
        ) from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise InputError(f"weights file {str(path)!r} is not a dict of tensors")
    shapes = {name: list(t.shape) for name, t in state.items()}
    if shapes != meta.get("shapes"):
        raise InputError(f"weights file {str(path)!r}: tensor shapes {shapes} differ from the sidecar")
    for name, t in state.items():
        if not (t.is_floating_point() and bool(torch.isfinite(t).all())):
            raise InputError(f"weights file {str(path)!r}: tensor {name} holds NaN, Inf or non-float entries")
    return state, meta


def save_network(path, network, sd=None) -> dict:
    """Save a :class:`~pixelpde.constructive.network.Theorem32Network` or a
    :class:`~pixelpde.constructive.polynomial.PolynomialNetwork` (in full 3 x 3 form).

    A polynomial network's sidecar has ``network: "polynomial"`` and its degree
    structure, ``structure: {n, m, branches: {degree: channels}}``, which fixes the shapes.
    """
    from pixelpde.constructive.network import Theorem32Network
    from pixelpde.constructive.polynomial import PolynomialNetwork

    if not isinstance(network, (Theorem32Network, PolynomialNetwork)):
        raise TypeError("save_network saves Theorem32Network and PolynomialNetwork instances")
    full = network.expanded()
    meta = {"network": "theorem32", "bc": str(full.bc), "size": full.size, "n": full.n}
    if full.dim != 2:
        meta["dim"] = full.dim
    if full.channels != 1:
        meta["channels"] = full.channels
    if full.source:
        meta["source"] = True
    if isinstance(full, PolynomialNetwork):
        meta.update({"network": "polynomial", "structure": full.structure})
    if sd is not None:
        meta.update({k: v for k, v in sd.describe().items() if k not in ("bc", "size", "n", "dim")})
    return save_tensors(path, full.weights(), meta)


def load_network(path, compact: bool = False, dtype=torch.float64):
    """Load a network saved by :func:`save_network` (Theorem 3.2 or polynomial); returns ``(network, sidecar)``."""
    state, meta = load_tensors(path)
    return network_from_tensors(path, state, meta, compact=compact, dtype=dtype)


def network_from_tensors(path, state: dict, meta: dict, compact: bool = False, dtype=torch.float64):
    """The network of tensors and sidecar already read by :func:`load_tensors` from ``path``."""
    from pixelpde.constructive.network import ExactNetwork, Theorem32Network
    from pixelpde.constructive.polynomial import PolynomialNetwork

    if meta.get("network") not in ("theorem32", "polynomial"):
        raise InputError(
            f"weights file {str(path)!r} holds a {meta.get('network')!r} network, not theorem32 or polynomial"
        )
    if not all(key in meta for key in ("n", "bc", "size")):
        raise InputError(f"sidecar of {str(path)!r} lacks n, bc or size")
    n = check_int(meta["n"], f"sidecar of {str(path)!r}: n", 0, MAX_TERMS)
    size = check_int(meta["size"], f"sidecar of {str(path)!r}: size", 1, MAX_KERNEL_SIZE)
    channels = check_int(meta.get("channels", 1), f"sidecar of {str(path)!r}: channels", 1, MAX_FIELDS)
    dim = check_int(meta.get("dim", 2), f"sidecar of {str(path)!r}: dim", 1, 3)
    source = meta.get("source", False)
    if source not in (True, False):
        raise InputError(f"sidecar of {str(path)!r}: source must be true or false")
    from pixelpde.constructive.polynomial import polynomial_shapes
    from pixelpde.constructive.theorem32 import theorem32_shapes

    try:  # the shapes n, size and structure imply, compared with the tensors' before anything is built
        if meta["network"] == "polynomial":
            expected = polynomial_shapes(meta["structure"], size, 3, dim)
        else:
            expected = theorem32_shapes(n, size, 3, channels, source, dim)
    except KeyError:
        raise InputError(f"sidecar of {str(path)!r} lacks the polynomial structure") from None
    except (TypeError, ValueError) as exc:
        raise InputError(f"sidecar of {str(path)!r}: {exc}") from None
    found = {name: tuple(t.shape) for name, t in state.items()}
    if {name: tuple(shape) for name, shape in expected.items()} != found:
        raise InputError(
            f"sidecar of {str(path)!r}: fields 'n', 'size' or 'structure' do not match the tensors' shapes {found}"
        )
    net: ExactNetwork
    try:
        if meta["network"] == "polynomial":
            net = PolynomialNetwork(meta["structure"], meta["bc"], size, compact=False, dim=dim)
        else:
            net = Theorem32Network(n, meta["bc"], size, compact=False, channels=channels, source=source, dim=dim)
    except KeyError:
        raise InputError(f"sidecar of {str(path)!r} lacks the polynomial structure") from None
    except (TypeError, ValueError) as exc:
        raise InputError(f"sidecar of {str(path)!r}: {exc}") from None
    net.load_weights(state)
    if compact:
        net = net.compacted()
    return net.to(dtype), meta
