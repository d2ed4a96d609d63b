"""Loading trained networks and training runs.

A run directory (``pixelpde train --out DIR``) holds ``model.pt`` with its
JSON sidecar (written by :func:`pixelpde.learned.runfiles.save_model` through
:func:`pixelpde.constructive.io.save_tensors`), ``checkpoint.pt``, ``log.csv`` and
``log.json``.  The sidecar's ``network`` field is ``algorithm2``,
``algorithm1`` or ``theorem32``; :func:`load_any_network` is the one dispatch
on it (the CLI's ``apply``, ``convergence --weights`` and ``evaluate`` use it),
reading the file once and building the first two here, the last with
:func:`pixelpde.constructive.io.network_from_tensors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from pixelpde.ground.errors import InputError

KINDS = ("algorithm2", "algorithm1", "percnn")


def load_any_network(path, dtype=torch.float64):
    """Any saved network, by the kind its sidecar names (``theorem32``, ``polynomial``, ``algorithm2``, ``algorithm1``);
    returns ``(network, sidecar)``.  The one kind dispatch: the file is read once."""
    from pixelpde.constructive.io import load_tensors
    from pixelpde.constructive.io import network_from_tensors as theorem32_from_tensors

    state, meta = load_tensors(path)
    kind = meta.get("network")
    if kind in ("theorem32", "polynomial"):
        return theorem32_from_tensors(path, state, meta, dtype=dtype)
    if kind in KINDS:
        return network_from_tensors(path, state, meta, dtype=dtype)
    raise InputError(f"weights file {str(path)!r} holds an unknown network kind {kind!r}")


def load_network(path, dtype=torch.float64):
    """An Algorithm 2 / Algorithm 1 network saved by training; returns ``(network, sidecar)``."""
    from pixelpde.constructive.io import load_tensors

    state, meta = load_tensors(path)
    return network_from_tensors(path, state, meta, dtype=dtype)


def network_from_tensors(path, state: dict, meta: dict, dtype=torch.float64):
    """The Algorithm 2 / 1 network of tensors and sidecar already read from ``path``."""
    from pixelpde.learned.architectures import spec_from_description

    if meta.get("network") not in KINDS:
        raise InputError(
            f"weights file {str(path)!r} holds a {meta.get('network')!r} network, not {' or '.join(KINDS)}"
        )
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
    model, meta = load_any_network(path, dtype=dtype)
    for key in ("dt", "integrator", "substeps", "pde", "bc"):
        if key not in meta:
            raise InputError(f"{str(path)!r} is not a trained network (its sidecar lacks {key!r})")
    return Run(directory, model.eval(), meta)
