"""A study's output folder: its manifest, and the refusal to mix configurations.

``OUT/study.json`` names the study, the format version and the fingerprint of
the spec; a folder written by another version, another study or another
configuration is refused with one line saying how to start fresh, before
anything is written.  Finished runs live in ``OUT/runs/NAME-KEY/`` (see
:mod:`pixelpde.studies.runs`), the datasets in ``OUT/data/``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from pixelpde.ground.errors import InputError
from pixelpde.ground.lock import LOCK_NAME

FORMAT = "pixelpde-study"
VERSION = 1


def fingerprint(obj) -> str:
    """SHA-256 of the canonical JSON of ``obj`` (dataclasses as dicts)."""
    if hasattr(obj, "__dataclass_fields__"):
        obj = asdict(obj)
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def check_folder(out, study: str, spec) -> str:
    """Validate ``out`` for ``study`` with ``spec``; returns the spec's fingerprint.

    A missing or empty folder is fine; one holding this study with the same
    spec (an interrupted or finished run of it) is resumed; anything else is
    refused.
    """
    out = Path(out)
    key = fingerprint({"study": study, "spec": spec, "version": VERSION})
    if not out.exists():
        return key
    if not out.is_dir():
        raise InputError(f"--out {str(out)!r} is a file, not a folder")
    manifest = out / "study.json"
    fresh = f"choose another --out, or delete {str(out)!r} to start fresh"
    if not manifest.is_file():
        if any(p.name != LOCK_NAME for p in out.iterdir()):
            raise InputError(f"{str(out)!r} is not empty and holds no study.json; {fresh}")
        return key
    try:
        data = json.loads(manifest.read_text())
        found = (data["format"], data["version"], data["study"], data["fingerprint"])
    except (ValueError, KeyError, TypeError):
        raise InputError(f"{str(manifest)!r} is not a pixelpde study manifest; {fresh}") from None
    if found[0] != FORMAT or found[1] != VERSION:
        raise InputError(
            f"{str(out)!r} was written by another version of pixelpde study ({found[0]} {found[1]}); {fresh}"
        )
    if found[2] != study:
        raise InputError(f"{str(out)!r} holds the study {found[2]!r}, not {study!r}; {fresh}")
    if found[3] != key:
        raise InputError(f"{str(out)!r} holds {study!r} with another configuration (sizes, seeds); {fresh}")
    return key
