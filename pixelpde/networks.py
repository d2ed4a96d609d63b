"""Load any saved network by the kind its sidecar names.

Used by the CLI (``apply``, ``convergence --weights``, ``evaluate``), which
sits above every package; the packages themselves only load their own kinds.
Every network is returned in float64 (unless asked otherwise) with its
sidecar dict, which holds at least ``network`` and ``bc``.
"""

from __future__ import annotations

import torch

from pixelpde.ground.errors import InputError

#: sidecar "network" value -> "module:function" returning (network, sidecar)
LOADERS = {
    "theorem32": "pixelpde.constructive.io:load_network",
    "polynomial": "pixelpde.constructive.io:load_network",
    "algorithm2": "pixelpde.learned.io:load_network",
    "algorithm1": "pixelpde.learned.io:load_network",
}


def load_any_network(path, dtype=torch.float64):
    from importlib import import_module

    from pixelpde.constructive.io import load_tensors

    _, meta = load_tensors(path)
    kind = meta.get("network")
    if kind not in LOADERS:
        raise InputError(f"weights file {str(path)!r} holds an unknown network kind {kind!r}")
    module, func = LOADERS[kind].split(":")
    return getattr(import_module(module), func)(path, dtype=dtype)
