"""Saving and loading network weights with a JSON sidecar.

A weights file ``NAME.pt`` is a :func:`torch.save` of a plain dict of float64
tensors (for Theorem 3.2 exactly the keys ``A1, A2, B1, B2, C``; B1, B2 are
absent when n = 0; a polynomial network adds ``E1_q, E2_q`` per degree q >= 3),
readable with ``torch.load(path, weights_only=True)``.
Beside it, ``NAME.json`` records what the tensors mean: the network kind,
the PDE string, the boundary condition (which fixes the padding), dx, the
stencils in exact rationals, n, the shapes, the parameter count and the
SHA-256 of the ``.pt`` file, so a stale or mismatched pair is refused.

Both files are written atomically (:mod:`pixelpde.ground.atomic`), the sidecar
last: a killed run never leaves a pair that loads.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch

from pixelpde.ground.atomic import atomic_path, check_writable
from pixelpde.ground.errors import InputError

FORMAT = "pixelpde-weights"
FORMAT_VERSION = 1


def sidecar_path(path) -> Path:
    return Path(path).with_suffix(".json")


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_tensors(path, tensors: dict[str, torch.Tensor], meta: dict) -> dict:
    """Write ``tensors`` (float64, detached) to ``path`` and ``meta`` to its sidecar.

    Returns the sidecar dict as written (``meta`` plus format fields, shapes,
    parameter count and checksum).
    """
    path = check_writable(path)
    if path.suffix != ".pt":
        raise InputError(f"weights file {str(path)!r} must end in .pt")
    state = {name: t.detach().to(torch.float64).cpu().contiguous() for name, t in tensors.items()}
    side = sidecar_path(path)
    check_writable(side)
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
        checksum = file_sha256(tmp)
        record = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            **meta,
            "shapes": {name: list(t.shape) for name, t in state.items()},
            "parameters": int(sum(t.numel() for t in state.values())),
            "sha256": checksum,
        }
        with atomic_path(side) as tmp_json:
            tmp_json.write_text(json.dumps(record, indent=2) + "\n")
    return record


def load_tensors(path) -> tuple[dict[str, torch.Tensor], dict]:
    """Read a weights file and its sidecar; verify format, checksum and shapes."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"weights file {str(path)!r} does not exist")
    side = sidecar_path(path)
    if not side.is_file():
        raise InputError(f"weights file {str(path)!r} has no sidecar {str(side)!r} (it records the boundary condition)")
    try:
        meta = json.loads(side.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(f"sidecar {str(side)!r} is not valid JSON") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise InputError(f"sidecar {str(side)!r} is not a pixelpde weights description")
    if meta.get("sha256") != file_sha256(path):
        raise InputError(f"weights file {str(path)!r} does not match its sidecar (checksum differs)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt files
        raise InputError(f"cannot read weights file {str(path)!r}: {type(exc).__name__}") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise InputError(f"weights file {str(path)!r} is not a dict of tensors")
    shapes = {name: list(t.shape) for name, t in state.items()}
    if shapes != meta.get("shapes"):
        raise InputError(f"weights file {str(path)!r}: tensor shapes {shapes} differ from the sidecar")
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
    if isinstance(full, PolynomialNetwork):
        meta.update({"network": "polynomial", "structure": full.structure})
    if sd is not None:
        meta.update({k: v for k, v in sd.describe().items() if k not in ("bc", "size", "n")})
    return save_tensors(path, full.weights(), meta)


def load_network(path, compact: bool = False, dtype=torch.float64):
    """Load a network saved by :func:`save_network`; returns ``(network, sidecar)``."""
    from pixelpde.constructive.network import Theorem32Network
    from pixelpde.constructive.polynomial import PolynomialNetwork

    state, meta = load_tensors(path)
    if meta.get("network") not in ("theorem32", "polynomial"):
        raise InputError(f"weights file {str(path)!r} holds a {meta.get('network')!r} network, not theorem32")
    try:
        if meta["network"] == "polynomial":
            net = PolynomialNetwork(meta["structure"], meta["bc"], int(meta["size"]), compact=False)
        else:
            net = Theorem32Network(int(meta["n"]), meta["bc"], int(meta["size"]), compact=False)
    except (KeyError, TypeError, ValueError):
        raise InputError(f"sidecar of {str(path)!r} lacks n, structure, bc or size") from None
    net.load_weights(state)
    if compact:
        net = net.compacted()
    return net.to(dtype), meta
