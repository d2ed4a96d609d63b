"""Loading trained networks and training runs.

A run directory (``pixelpde train --out DIR``) holds ``model.pt`` with its
JSON sidecar (written by :func:`pixelpde.learned.runfiles.save_model` through
:func:`pixelpde.constructive.io.save_tensors`), ``checkpoint.pt``, ``log.csv`` and
``log.json``.  The sidecar's ``network`` field is ``algorithm2``,
``algorithm1`` or ``theorem32``; the first two are loaded here (and
registered in :data:`pixelpde.networks.LOADERS`), the last by
:func:`pixelpde.constructive.io.load_network`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from pixelpde.ground.errors import InputError

KINDS = ("algorithm2", "algorithm1")


def load_network(path, dtype=torch.float64):
    """An Algorithm 2 / Algorithm 1 network saved by training; returns ``(network, sidecar)``."""
    from pixelpde.constructive.io import load_tensors
    from pixelpde.learned.architectures import spec_from_description

    state, meta = load_tensors(path)
    if meta.get("network") not in KINDS:
        raise InputError(f"weights file {str(path)!r} holds a {meta.get('network')!r} network, not {' or '.join(KINDS)}")
    spec = spec_from_description(meta.get("arch", {}))
    try:
        model = spec.build(meta["bc"], dtype=torch.float64)
    except KeyError:
        raise InputError(f"sidecar of {str(path)!r} lacks the boundary condition") from None
    try:
        model.load_state_dict(state)
    except RuntimeError:
        raise InputError(f"weights file {str(path)!r} does not fit its architecture {spec.describe()}") from None
    return model.to(dtype), meta


@dataclass
class Run:
    """A finished training run: the network (float64) and what it was trained with."""

    path: Path
    model: torch.nn.Module
    meta: dict

    @property
    def name(self) -> str:
        return self.meta.get("name") or "learned"

    @property
    def dt(self) -> float:
        return float(self.meta["dt"])

    def integrator(self):
        from pixelpde.integrators import get_integrator

        return get_integrator(self.meta["integrator"], int(self.meta["substeps"]))


def load_run(directory, dtype=torch.float64) -> Run:
    """Open ``DIR/model.pt`` of a finished run (an unfinished one has only a checkpoint)."""
    from pixelpde.learned.runfiles import CHECKPOINT, MODEL

    directory = Path(directory)
    path = directory / MODEL
    if not path.is_file():
        if (directory / CHECKPOINT).is_file():
            raise InputError(f"run {str(directory)!r} has not finished (only a checkpoint); continue it with --resume")
        raise InputError(f"{str(directory)!r} is not a training run (no {MODEL})")
    from pixelpde.constructive.io import load_tensors

    _, meta = load_tensors(path)
    if meta.get("network") == "theorem32":
        from pixelpde.constructive.io import load_network as load_theorem32

        model, meta = load_theorem32(path, dtype=dtype)
    else:
        model, meta = load_network(path, dtype=dtype)
    for key in ("dt", "integrator", "substeps", "pde", "bc"):
        if key not in meta:
            raise InputError(f"{str(path)!r} is not a trained network (its sidecar lacks {key!r})")
    return Run(directory, model.eval(), meta)
