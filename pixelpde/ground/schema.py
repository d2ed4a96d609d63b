"""Schemas of the files pixelpde writes and reads back: every field typed and bounded before use.

A file the project wrote (a training checkpoint, a weights or run sidecar, a
study's ``result.json``, a dataset's attributes) may have been edited, cut
short or corrupted since.  Each reader therefore checks it against a *table*
of :class:`Field` rows (one per key) before it allocates anything that the
file's numbers size, and refuses the first bad field with one
:class:`~pixelpde.ground.errors.InputError` line that names the file and the
field, e.g. ``'run/checkpoint.pt': field 'position[0]'=7 must be an integer in 0..2``.

The tables live beside their readers (``learned/runfiles.py``,
``constructive/io.py``, ``learned/io.py``, ``studies/runs.py``,
``fem/dataset.py``); adding a key to a file format is adding a row there.
:func:`check_record` walks nested records, lists and mappings; keys a table
does not name are refused (``extra=False``) or passed through (``extra=True``:
a sidecar also carries descriptive fields no reader acts on).

Kinds: ``int`` (bool refused), ``float`` (finite; ints accepted), ``str``
(bounded length), ``bool``, ``hex`` (lower-case hexadecimal of a fixed length:
a SHA-256), ``rational`` (``"p/q"``, a decimal, or a number: positive),
``list`` (bounded length, each item one :class:`Field`), ``map`` (bounded
number of keys, each key a string matching ``key_pattern``, each value one
:class:`Field`), ``record`` (a nested table) and ``any`` (not looked at here;
the reader checks it, e.g. tensors).
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn, cast

from pixelpde.ground.errors import InputError

#: Longest string field accepted anywhere (a PDE text is at most 2000 characters).
MAX_STRING = 10_000
#: Most entries of a list or mapping field unless its row says otherwise.
MAX_ITEMS = 10_000
#: Digits of a rational field's numerator or denominator (a float64 needs at most ~770).
MAX_RATIONAL_DIGITS = 1000
_RATIONAL = re.compile(r"\s*(\d+(?:\.\d*)?(?:[eE][+-]?\d{1,4})?)\s*(?:/\s*(\d+)\s*)?")


@dataclass(frozen=True)
class Field:
    """One row of a schema table: what a key must hold."""

    kind: str
    low: float | None = None
    high: float | None = None
    required: bool = True
    choices: tuple[Any, ...] | None = None
    max_len: int | None = None
    item: Field | None = None  #: list items / map values
    schema: dict[str, Field] | None = None  #: a nested record's table
    extra: bool = False  #: a nested record may carry keys its table does not name
    key_pattern: str | None = None  #: map keys must match this (full match)
    nullable: bool = False
    pattern: str | None = None  #: a string field must match this (full match)


def _bounds(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f" in {low:g}..{high:g}" if isinstance(low, float) or isinstance(high, float) else f" in {low}..{high}"
    if low is not None:
        return f" >= {low}"
    if high is not None:
        return f" <= {high}"
    return ""


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_value(value: Any, spec: Field, where: str, name: str) -> Any:
    """``value`` checked against ``spec``; returns it (ints as ``int``, floats as ``float``)."""

    def fail(what: str) -> NoReturn:
        raise InputError(f"{where}: field {name!r}={_show(value)} {what}")

    if value is None and spec.nullable:
        return None
    kind = spec.kind
    if kind == "any":
        return value
    if kind == "int":
        if not isinstance(value, numbers.Integral) or isinstance(value, bool):
            fail(f"must be an integer{_bounds(spec.low, spec.high)}")
        value = int(value)
        if (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high):
            fail(f"must be an integer{_bounds(spec.low, spec.high)}")
    elif kind == "float":
        if not isinstance(value, numbers.Real) or isinstance(value, bool):
            fail(f"must be a number{_bounds(spec.low, spec.high)}")
        value = float(value)
        bad = not math.isfinite(value)
        bad = bad or (spec.low is not None and value < spec.low) or (spec.high is not None and value > spec.high)
        if bad:
            fail(f"must be a finite number{_bounds(spec.low, spec.high)}")
    elif kind == "bool":
        if not isinstance(value, bool):
            fail("must be true or false")
    elif kind == "str":
        if not isinstance(value, str):
            fail("must be a string")
        if len(value) > (spec.max_len or MAX_STRING):
            fail(f"is longer than {spec.max_len or MAX_STRING} characters")
        if spec.pattern is not None and (not re.fullmatch(spec.pattern, value) or ".." in value):
            fail("is not a plain name (letters, digits, . _ + -; no separator or '..')")
    elif kind == "hex":
        length = spec.max_len or 64
        if not (isinstance(value, str) and len(value) == length and re.fullmatch(r"[0-9a-f]+", value)):
            fail(f"must be {length} lower-case hexadecimal digits")
    elif kind == "rational":
        value = _rational(value, fail)
    elif kind == "list":
        if not isinstance(value, list):
            fail("must be a list")
        high = spec.max_len or MAX_ITEMS
        if len(value) > high or (spec.low is not None and len(value) < spec.low):
            fail(f"must have {_bounds(int(spec.low or 0), high).strip()} entries")
        if spec.item is not None:
            value = [check_value(v, spec.item, where, f"{name}[{i}]") for i, v in enumerate(value)]
    elif kind == "map":
        if not isinstance(value, dict):
            fail("must be a mapping")
        if len(value) > (spec.max_len or MAX_ITEMS):
            fail(f"has more than {spec.max_len or MAX_ITEMS} entries")
        out: dict[str, Any] = {}
        for key, v in value.items():
            if not isinstance(key, str) or (spec.key_pattern and not re.fullmatch(spec.key_pattern, key)):
                raise InputError(f"{where}: field {name!r} has an unexpected key {_show(key)}")
            out[key] = v if spec.item is None else check_value(v, spec.item, where, f"{name}.{key}")
        value = out
    elif kind == "record":
        if not isinstance(value, dict):
            fail("must be a mapping")
        value = check_record(value, spec.schema or {}, where, extra=spec.extra, prefix=f"{name}.")
    else:  # pragma: no cover - a bad table is a bug
        raise ValueError(f"unknown field kind {kind!r}")
    if spec.choices is not None and value not in spec.choices:
        fail(f"must be one of {', '.join(map(str, spec.choices))}")
    return value


def _rational(value: object, fail: Callable[[str], NoReturn]) -> Fraction:
    """A positive rational from ``"p/q"``, a decimal string or a number (digit counts bounded first)."""
    if isinstance(value, bool):
        fail("must be a positive rational such as 1/100")
    if isinstance(value, numbers.Real):
        if not math.isfinite(float(value)) or value <= 0:
            fail("must be a positive rational such as 1/100")
        # Fraction takes every Real a reader meets (int, float and their NumPy kin); its stubs name only
        # Rational | float, so the value is passed on as it is, without converting it first.
        return Fraction(cast("numbers.Rational | float", value))
    if not isinstance(value, str) or len(value) > 2 * MAX_RATIONAL_DIGITS + 10:
        fail("must be a positive rational such as 1/100")
    match = _RATIONAL.fullmatch(value)
    if match is None:
        fail("must be a positive rational such as 1/100")
    top, bottom = match.group(1), match.group(2)
    if len(top) > MAX_RATIONAL_DIGITS or (bottom and len(bottom) > MAX_RATIONAL_DIGITS):
        fail(f"has more than {MAX_RATIONAL_DIGITS} digits")
    result = Fraction(top) / Fraction(bottom or 1) if (bottom or "1").strip("0") else None
    if result is None or result <= 0 or not (0 < float(result) < math.inf):
        fail("must be a positive rational such as 1/100")
    return result


def check_record(
    record: object, schema: dict[str, Field], where: str, extra: bool = False, prefix: str = ""
) -> dict[str, Any]:
    """``record`` (a mapping) checked row by row against ``schema`` (key -> :class:`Field`).

    Returns a copy with the checked values (and, with ``extra``, the unnamed keys as they were).
    The first missing, unknown or bad field is one :class:`InputError` naming ``where`` and the field.
    """
    if not isinstance(record, dict):
        raise InputError(f"{where}: {'field ' + repr(prefix[:-1]) if prefix else 'the content'} must be a mapping")
    for key in record:
        if not isinstance(key, str):
            raise InputError(f"{where}: unexpected key {_show(key)}{' in ' + prefix[:-1] if prefix else ''}")
        if not extra and key not in schema:
            raise InputError(f"{where}: unexpected field {prefix + key!r}")
    out = dict(record)
    for key, spec in schema.items():
        if key not in record:
            if spec.required:
                raise InputError(f"{where}: field {prefix + key!r} is missing")
            continue
        out[key] = check_value(record[key], spec, where, prefix + key)
    return out


#: Largest JSON record read back (results and manifests are small; a 1 GB "result" is not ours).
MAX_JSON_BYTES = 64 << 20
#: The key under which :func:`seal` stores a record's own SHA-256.
SEAL = "content_sha256"


def canonical_digest(record: dict[str, Any], key: str = SEAL) -> str:
    """SHA-256 of ``record``'s canonical JSON (keys sorted, compact, ASCII), every field but ``key``."""
    body = {k: v for k, v in record.items() if k != key}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def seal(record: dict[str, Any], key: str = SEAL) -> dict[str, Any]:
    """``record`` with its own content hash under ``key`` (for accidents, not an adversary: no key)."""
    return {**{k: v for k, v in record.items() if k != key}, key: canonical_digest(record, key)}


def read_json(path: str | os.PathLike[str], what: str = "file", max_bytes: int = MAX_JSON_BYTES) -> Any:
    """The JSON value in ``path``, its size bounded before reading; one line if it is not JSON."""
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(f"{what} {str(path)!r} is {size} bytes, more than {max_bytes}: not one pixelpde wrote")
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InputError(f"{what} {str(path)!r} is not valid JSON (corrupt or edited?)") from None


def check_sealed(
    record: object, schema: dict[str, Field], where: str, extra: bool = False, key: str = SEAL
) -> dict[str, Any]:
    """:func:`check_record`, then the content hash :func:`seal` wrote: one line if it differs."""
    checked = check_record(record, {**schema, key: Field("hex")}, where, extra=extra)
    try:
        intact = checked[key] == canonical_digest(checked, key)
    except (TypeError, ValueError):
        intact = False
    if not intact:
        raise InputError(f"{where} was changed after it was written (its content hash differs)")
    return checked


__all__ = [
    "MAX_ITEMS",
    "MAX_JSON_BYTES",
    "MAX_STRING",
    "SEAL",
    "Field",
    "canonical_digest",
    "check_record",
    "check_sealed",
    "check_value",
    "read_json",
    "seal",
]
