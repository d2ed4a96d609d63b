"""The files of a training run directory, all written atomically.

``checkpoint.pt`` (model, optimiser, position, log; after every epoch),
``log.json`` / ``log.csv`` (one row per epoch) and, at the end, ``model.pt``
with its JSON sidecar (through :func:`pixelpde.constructive.io.save_tensors`,
loadable by ``pixelpde apply`` and :func:`pixelpde.learned.io.load_run`).
Under data-parallel training only rank 0 calls the writers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import warnings
from pathlib import Path

import torch

from pixelpde.ground.atomic import atomic_path
from pixelpde.ground.errors import InputError
from pixelpde.ground.schema import Field, check_record
from pixelpde.ground.validate import (
    MAX_COUNT,
    MAX_KERNEL_SIZE,
    MAX_LAYERS,
    MAX_PARAMETERS,
    MAX_SEED,
    MAX_STEPS,
    MAX_SUBSTEPS,
    MAX_TIME,
    MAX_WORKERS,
)

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


#: Checkpoint format written now: 2 adds ``content_sha256`` (version 1 files are read without it).
CHECKPOINT_VERSION = 2
#: Largest checkpoint read: the model and Adam's two moments at the parameter limit, and the log.
MAX_CHECKPOINT_BYTES = 3 * 8 * MAX_PARAMETERS + (64 << 20)
#: Most epochs a run can log (stages x epochs at their limits would be 6.4e7; a log row is ~200 bytes).
MAX_LOG_ROWS = MAX_COUNT

_FLOAT = Field("float")
_BOOL_OR_NONE = Field("bool", nullable=True)
#: One row per TrainConfig field (the keys a checkpoint's ``config`` may have; all of them are written).
CONFIG_SCHEMA = {
    "arch": Field("str", max_len=2000),
    "integrator": Field("str", max_len=100),
    "substeps": Field("int", 1, MAX_SUBSTEPS),
    "init": Field("str", max_len=100),
    "init_noise": Field("float", 0.0),
    "mean_free": Field("bool"),
    "stages": Field("list", 1, item=Field("int", 1, MAX_STEPS), max_len=MAX_LAYERS),
    "epochs": Field("int", 1, MAX_COUNT),
    "lr": _FLOAT,
    "lr_step": Field("int", 1, MAX_COUNT),
    "lr_gamma": _FLOAT,
    "stage_lr_factor": _FLOAT,
    "batch_size": Field("int", 1, MAX_COUNT),
    "seed": Field("int", 0, MAX_SEED),
    "dtype": Field("str", choices=("float32", "float64")),
    "device": Field("str", max_len=100),
    "dt": Field("float", 0.0, MAX_TIME, nullable=True),
    "allow_dt_mismatch": Field("bool"),
    "window_stride": Field("int", 1, MAX_COUNT),
    "windows": Field("str", choices=("all", "first")),
    "input_noise": Field("float", 0.0),
    "kernel_size": Field("int", 1, MAX_KERNEL_SIZE, nullable=True),
    "relu_bias": _BOOL_OR_NONE,
    "relu2_bias": _BOOL_OR_NONE,
    "compile": Field("bool"),
    "tied_pairs": Field("bool"),
    "name": Field("str", max_len=200, nullable=True),
    "curve_data": Field("str", max_len=4096, nullable=True),
    "curve_every": Field("int", 1, MAX_COUNT),
    "curve_n": Field("int", 1, MAX_COUNT),
    "curve_steps": Field("int", 1, MAX_STEPS),
}
#: One epoch's row of ``log`` (written by :func:`pixelpde.learned.loop.run_epoch`, plus ``lr``).
LOG_ROW_SCHEMA = {
    "stage": Field("int", 1, MAX_LAYERS),
    "M": Field("int", 1, MAX_STEPS),
    "epoch": Field("int", 1, MAX_COUNT),
    "lr": _FLOAT,
    "loss": _FLOAT,
    "windows": Field("int", 0, 2**62),
    "seconds": Field("float", 0.0),
    "windows_per_s": Field("float", 0.0, nullable=True, required=False),
    "workers": Field("int", 1, MAX_WORKERS, required=False),
    # a learning-curve point (pixelpde.learned.curve): rE_frac(j), maxE(J), eval_seconds
    "curve": Field(
        "map",
        item=Field("float", nullable=True),
        max_len=8,
        key_pattern=r"[A-Za-z_]{1,20}(\([0-9]{1,7}\))?",
        required=False,
    ),
}
#: The checkpoint itself; ``model`` and ``optimizer`` hold tensors, checked against the model built.
CHECKPOINT_SCHEMA = {
    "format": Field("str", choices=("pixelpde-checkpoint",)),
    "version": Field("int", choices=(1, CHECKPOINT_VERSION)),
    "config": Field("record", schema=CONFIG_SCHEMA),
    "data_sha256": Field("hex"),
    "position": Field("list", 2, item=Field("int", 0, MAX_COUNT), max_len=2),
    "model": Field("map", item=Field("any"), max_len=4 * MAX_LAYERS + 16, key_pattern=r"[A-Za-z0-9_.]{1,200}"),
    "optimizer": Field(
        "record", schema={"state": Field("any"), "param_groups": Field("list", max_len=4 * MAX_LAYERS + 16)}
    ),
    "log": Field("list", item=Field("record", schema=LOG_ROW_SCHEMA, extra=True), max_len=MAX_LOG_ROWS),
    "content_sha256": Field("hex", required=False),
}


def content_digest(state) -> str:
    """SHA-256 of a checkpoint's content, every entry but ``content_sha256``: the JSON of its plain
    values (keys sorted) and the dtype, shape and bytes of every tensor, in a fixed order."""
    digest = hashlib.sha256()

    def feed(obj) -> None:
        if isinstance(obj, torch.Tensor):
            t = obj.detach().cpu().contiguous()
            digest.update(f"T{t.dtype}{tuple(t.shape)}".encode())
            digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
        elif isinstance(obj, dict):
            digest.update(b"{")
            for key in sorted(obj, key=lambda k: (type(k).__name__, str(k))):
                if key == "content_sha256":
                    continue
                digest.update(json.dumps(str(key)).encode() + type(key).__name__.encode() + b":")
                feed(obj[key])
            digest.update(b"}")
        elif isinstance(obj, (list, tuple)):
            digest.update(b"[")
            for item in obj:
                feed(item)
            digest.update(b"]")
        else:
            digest.update(json.dumps(obj, allow_nan=True).encode() + type(obj).__name__.encode())

    feed(state)
    return digest.hexdigest()


def save_checkpoint(path: Path, config, fingerprint: str, model, optimizer, position, log) -> None:
    """``checkpoint.pt``: a zip written by :func:`torch.save` (CRC-32 per member) whose content
    also carries ``content_sha256`` (:func:`content_digest`), written atomically."""
    state = {
        "format": "pixelpde-checkpoint",
        "version": CHECKPOINT_VERSION,
        "config": config.to_dict(),
        "data_sha256": fingerprint,
        "position": list(position),
        "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "optimizer": optimizer.state_dict(),
        "log": log,
    }
    state["content_sha256"] = content_digest(state)
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def _verify_archive(path: Path) -> None:
    """Refuse a checkpoint whose zip members fail their CRC-32 (a flipped bit), before unpickling."""
    import zipfile

    where = f"checkpoint {str(path)!r}"
    size = path.stat().st_size
    if size > MAX_CHECKPOINT_BYTES:
        raise InputError(f"{where} is {size} bytes, more than a pixelpde checkpoint can be ({MAX_CHECKPOINT_BYTES})")
    try:
        with zipfile.ZipFile(path) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_CHECKPOINT_BYTES:
                raise InputError(f"{where} declares more content than a pixelpde checkpoint can hold")
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
        raise InputError(f"cannot read {where}: not a readable archive (corrupt or truncated?)") from None
    if bad is not None:
        raise InputError(f"{where} is corrupt: member {bad!r} fails its CRC-32 check")


def read_checkpoint(path, device="cpu") -> dict:
    """The state saved by a training run in ``path``, checked before use: the archive's CRCs, the
    content hash (version 2), every field against :data:`CHECKPOINT_SCHEMA`, the config as a
    :class:`~pixelpde.learned.config.TrainConfig`, and ``position`` against ``config`` and ``log``.
    One line (:class:`InputError`) naming the file and the field otherwise."""
    from pixelpde.learned.config import TrainConfig

    path = Path(path)
    if not path.is_file():
        raise InputError(f"--resume: no checkpoint {str(path)!r} to resume from")
    where = f"checkpoint {str(path)!r}"
    _verify_archive(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt files
        raise InputError(f"cannot read {where}: {type(exc).__name__}") from None
    if not isinstance(state, dict) or state.get("format") != "pixelpde-checkpoint":
        raise InputError(f"{str(path)!r} is not a pixelpde training checkpoint")
    state = check_record(state, CHECKPOINT_SCHEMA, where)
    if state["version"] >= 2:
        if "content_sha256" not in state:
            raise InputError(f"{where}: field 'content_sha256' is missing")
        if state["content_sha256"] != content_digest(state):
            raise InputError(f"{where} was changed after it was written (its content hash differs)")
    try:
        config = TrainConfig.from_dict(state["config"])
    except InputError as exc:
        raise InputError(f"{where}: field 'config': {exc}") from None
    for key, value in state["model"].items():
        if (
            not isinstance(value, torch.Tensor)
            or not value.is_floating_point()
            or not bool(torch.isfinite(value).all())
        ):
            raise InputError(f"{where}: field 'model.{key}' is not a finite floating-point tensor")
    stage, epoch = state["position"]
    stages, epochs = len(config.stages), config.epochs
    if not (stage < stages and epoch < epochs) and (stage, epoch) != (stages, 0):
        raise InputError(
            f"{where}: field 'position'={[stage, epoch]} is outside the run's {stages} stages of {epochs} epochs"
        )
    if len(state["log"]) != stage * epochs + epoch:
        raise InputError(
            f"{where}: field 'position'={[stage, epoch]} does not match the {len(state['log'])} epochs of its log"
        )
    return state


def load_checkpoint(path: Path, config, fingerprint: str, model, optimizer, device):
    """Restore ``model`` and ``optimizer`` from ``path`` for ``--resume``; returns (position, log).

    Refuses (one line) a checkpoint of other settings or other data, or whose tensors do not fit."""
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
    try:
        model.load_state_dict(state["model"])
    except (RuntimeError, KeyError, TypeError, ValueError):
        raise InputError(f"checkpoint {str(path)!r}: field 'model' does not fit the run's architectures") from None
    try:
        optimizer.load_state_dict(state["optimizer"])
        for group in optimizer.state.values():
            for value in group.values():
                if isinstance(value, torch.Tensor) and not bool(torch.isfinite(value).all()):
                    raise ValueError("non-finite optimizer state")
    except (RuntimeError, KeyError, TypeError, ValueError, IndexError):
        raise InputError(f"checkpoint {str(path)!r}: field 'optimizer' does not fit the run's model") from None
    return tuple(state["position"]), list(state["log"])


def kept_message(path: Path) -> str:
    """What a diverged run leaves: the last good checkpoint and where it resumes."""
    path = Path(path)
    if not path.is_file():
        return "no checkpoint was written (it diverged in the first epoch)"
    try:
        position = read_checkpoint(path)["position"]
    except InputError:  # pragma: no cover - the checkpoint is ours and atomic
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
