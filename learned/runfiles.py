"""The files of a training run directory, all written atomically.

``checkpoint.pt`` (model, optimiser, position, log; after every epoch),
``log.json`` / ``log.csv`` (one row per epoch) and, at the end, ``model.pt``
with its JSON sidecar (through :func:`pixelpde.constructive.io.save_tensors`,
loadable by ``pixelpde apply`` and :func:`pixelpde.learned.io.load_run`).
Under data-parallel training only rank 0 calls the writers.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import torch

from pixelpde.ground.atomic import atomic_path
from pixelpde.ground.errors import InputError

CHECKPOINT = "checkpoint.pt"
MODEL = "model.pt"
LOG_FIELDS = ("stage", "M", "epoch", "lr", "loss", "windows", "seconds", "windows_per_s", "workers")


def write_log(out: Path, log: list[dict]) -> None:
    """``log.json`` (a list of per-epoch rows) and ``log.csv`` (the same), atomically."""
    out = Path(out)
    with atomic_path(out / "log.json") as tmp:
        tmp.write_text(json.dumps(log, indent=1) + "\n")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=LOG_FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(log)
    with atomic_path(out / "log.csv") as tmp:
        tmp.write_text(buf.getvalue())


def save_checkpoint(path: Path, config, fingerprint: str, model, optimizer, position, log) -> None:
    state = {
        "format": "pixelpde-checkpoint",
        "version": 1,
        "config": config.to_dict(),
        "data_sha256": fingerprint,
        "position": list(position),
        "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "optimizer": optimizer.state_dict(),
        "log": log,
    }
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def read_checkpoint(path, device="cpu") -> dict:
    """The state saved by a training run in ``path``; one-line errors for a
    missing, unreadable or foreign file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"--resume: no checkpoint {str(path)!r} to resume from")
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt files
        raise InputError(f"cannot read checkpoint {str(path)!r}: {type(exc).__name__}") from None
    if not isinstance(state, dict) or state.get("format") != "pixelpde-checkpoint":
        raise InputError(f"{str(path)!r} is not a pixelpde training checkpoint")
    return state


def load_checkpoint(path: Path, config, fingerprint: str, model, optimizer, device):
    """Restore ``model`` and ``optimizer`` from ``path`` for ``--resume``; returns (position, log).

    Refuses (one line) a checkpoint of other settings or other data."""
    state = read_checkpoint(path, device)
    differ = config.resume_differences(state["config"])
    if differ:
        key = differ[0]
        raise InputError(
            f"--resume: {key} was {state['config'].get(key)!r} in the checkpoint, now {config.to_dict()[key]!r}; "
            "resume with the same settings"
        )
    if state.get("data_sha256") != fingerprint:
        raise InputError(f"--resume: the training data differ from those of the checkpoint {str(path)!r}")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    return tuple(state["position"]), list(state["log"])


def kept_message(path: Path) -> str:
    """What a diverged run leaves: the last good checkpoint and where it resumes."""
    path = Path(path)
    if not path.is_file():
        return "no checkpoint was written (it diverged in the first epoch)"
    try:
        position = torch.load(path, map_location="cpu", weights_only=True)["position"]
    except Exception:  # pragma: no cover - the checkpoint is ours and atomic
        return f"the last good checkpoint is kept in {str(path)!r}"
    return (
        f"the last good checkpoint {str(path)!r} (resumes at stage {position[0] + 1}, epoch {position[1] + 1}) is kept"
    )


def save_model(path: Path, model, spec, meta: dict) -> dict:
    """``model.pt`` + sidecar via :func:`pixelpde.constructive.io.save_tensors` (float64).

    Theorem 3.2 architectures are saved as kind ``theorem32`` (loadable by
    :func:`pixelpde.constructive.io.load_network`), the others as ``algorithm2`` /
    ``algorithm1`` (loaded by :func:`pixelpde.learned.io.load_network`).
    """
    from pixelpde.constructive.io import save_tensors

    desc = spec.describe()
    extra = {"size": spec.size, "n": spec.n} if desc["kind"] == "theorem32" else {}
    return save_tensors(path, model.state_dict(), {"network": desc["kind"], **extra, **meta})
