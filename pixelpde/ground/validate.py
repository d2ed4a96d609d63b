"""Checks of user-given numbers: one policy, one family, documented limits.

Every size, count and number a user controls is checked here, up front,
before any work is done, so that a typo fails in one line (an
:class:`~pixelpde.ground.errors.InputError`: exit 2 at the CLI) instead of
hanging a shared machine, filling its memory or its disk.

Policy
------
* **Integers** are Python ``int`` or NumPy integers.  ``3.0``, ``"3"`` and
  ``True`` are refused (a float that happens to be whole is a sign of a
  computed, not a counted, value; a bool is never a count).
* **Real numbers** are ``int``, ``float`` or NumPy reals (not ``bool``, not
  strings) and must be finite.
* Every check names the culprit (``--p``, ``substeps``, ...) and the accepted
  range in its one-line message.

Limits
------
The limits below are the documented bounds of pixelpde (also in the README,
section "Limits").  Each keeps the work a single input can cause small
enough for a laptop; raise one here (one place) if you need more.

Text (PDEs, initial conditions; :func:`pixelpde.stencils.expr.parse_expression`):

* length 2000 characters; :data:`MAX_NODES` = 1000 syntax nodes; ASCII only;
* total degree as written, before expansion: :data:`MAX_EXPRESSION_DEGREE` = 16
  (``u**16`` ok, ``(u**4)**5`` refused); an upper bound of the number of
  terms of its expansion, computed from the text: :data:`MAX_TERMS` = 2000
  (``(u+u_x+u_y+u_xx+u_xy+u_yy+1)**16`` refused); integer exponents 0..16;
* every number, literal or computed constant: 0 or
  :data:`MIN_MAGNITUDE` = 2**-1074 (~4.9e-324, the smallest subnormal) <= |c|
  < :data:`MAX_MAGNITUDE` = 1e308 (what float64 holds: no silent overflow to inf
  or underflow to 0);
  dx likewise, and the stencil weights c/dx^k must stay finite.

Sizes and counts:

* kernel size: odd, 1..:data:`MAX_KERNEL_SIZE` = 11; order of accuracy 1..:data:`MAX_ORDER` = 10;
* grid nodes per axis: 3..:data:`MAX_NODES_PER_AXIS` = 4096;
* trajectories, epochs, batch size, window stride: 1..:data:`MAX_COUNT` = 10**6;
* time steps (simulate, evaluate): 1..:data:`MAX_STEPS` = 10**6 (0 would be an empty dataset);
* a dataset n (steps+1) p^2 itemsize: at most the free disk space at the output
  (:func:`check_bytes`); one trajectory (and :func:`pixelpde.fem.generate`'s whole
  array) at most half the available memory (:func:`check_memory`);
* substeps: 1..:data:`MAX_SUBSTEPS` = 1000; Newton iterations per step:
  1..:data:`MAX_NEWTON_ITERATIONS` = 1000;
* a convergence study: 0 < T <= :data:`MAX_TIME` = 1e6, at most
  :data:`MAX_STUDY_STEPS` = 200000 time steps and :data:`MAX_STUDY_WORK` = 10**9
  node-steps (steps x nodes^2 summed over its levels: a minute or two on one core);
* networks: channel widths 1..:data:`MAX_WIDTH` = 1024, channel lists and training
  stages at most :data:`MAX_LAYERS` = 64 entries, at most :data:`MAX_PARAMETERS` = 10**7
  parameters, n quadratic terms 0..:data:`MAX_TERMS`;
* seeds: 0..:data:`MAX_SEED` = 2**63 - 1 (NumPy and torch both accept them);
* torch threads: 1..:data:`MAX_THREADS` = 1024; local training workers (``--nproc``):
  1..:data:`MAX_WORKERS` = 256.
"""

from __future__ import annotations

import math
import numbers
import os
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeGuard

from pixelpde.ground.errors import InputError

MAX_NODES = 1000
MAX_EXPRESSION_DEGREE = 16
MAX_TERMS = 2000
MAX_KERNEL_SIZE = 11
MAX_ORDER = 10
MAX_NODES_PER_AXIS = 4096
MAX_COUNT = 10**6
MAX_STEPS = 10**6
MAX_SUBSTEPS = 1000
MAX_NEWTON_ITERATIONS = 1000
MAX_TIME = 1e6
MAX_STUDY_STEPS = 200_000
MAX_STUDY_WORK = 10**9
MAX_WIDTH = 1024
MAX_LAYERS = 64
MAX_PARAMETERS = 10**7
MAX_SEED = 2**63 - 1
MAX_THREADS = 1024
MAX_WORKERS = 256
#: Smallest and largest magnitude of a non-zero coefficient float64 holds (subnormals included; rounded inwards).
MIN_MAGNITUDE = Fraction(2) ** -1074
MAX_MAGNITUDE = 10**308


def _is_int(value: object) -> TypeGuard[numbers.Integral]:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_int(value: object, what: str, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an ``int`` in ``low..high`` (either bound optional); see the policy above."""
    if not _is_int(value):
        raise InputError(f"{what}={value!r} must be an integer{_range(low, high)}")
    out = int(value)
    if (low is not None and out < low) or (high is not None and out > high):
        raise InputError(f"{what}={out} must be an integer{_range(low, high)}")
    return out


def check_positive_int(value: object, what: str, high: int | None = None) -> int:
    """An integer >= 1 (and <= ``high``)."""
    return check_int(value, what, 1, high)


def check_kernel_size(size: object, what: str = "kernel size") -> int:
    """An odd kernel size k in 1..:data:`MAX_KERNEL_SIZE`."""
    k = check_int(size, what, 1, MAX_KERNEL_SIZE)
    if k % 2 == 0:
        raise InputError(f"{what} {k} must be odd (3, 5, 7, ...)")
    return k


def check_stencil(size: object, order: object) -> tuple[int, int]:
    """Kernel size (odd, 1..:data:`MAX_KERNEL_SIZE`) and order of accuracy (1..:data:`MAX_ORDER`)."""
    return check_kernel_size(size), check_int(order, "order of accuracy", 1, MAX_ORDER)


def check_seed(value: object, what: str = "seed") -> int:
    """A seed: an integer in 0..2**63 - 1."""
    return check_int(value, what, 0, MAX_SEED)


def check_float(
    value: object, what: str, low: float | None = None, high: float | None = None, low_open: bool = False
) -> float:
    """``value`` as a finite ``float`` in ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"{what}={value!r} must be a number{_frange(low, high, low_open)}")
    out = float(value)
    bad = not math.isfinite(out)
    bad = bad or (low is not None and (out <= low if low_open else out < low)) or (high is not None and out > high)
    if bad:
        raise InputError(f"{what}={value!r} must be a finite number{_frange(low, high, low_open)}")
    return out


def check_positive(value: object, what: str, high: float | None = None) -> float:
    """A finite number > 0 (and <= ``high``)."""
    try:
        return check_float(value, what, 0.0, high, low_open=True)
    except InputError:
        bound = "" if high is None else f" <= {high:g}"
        raise InputError(f"{what}={value!r} must be a positive finite number{bound}") from None


def check_magnitude(value: Any, what: str) -> None:  # an int, Fraction or SymPy number
    """Refuse a non-zero number that float64 cannot hold (it would become inf or 0 without a word)."""
    magnitude = abs(value)
    if magnitude == 0:
        return
    if magnitude >= MAX_MAGNITUDE:
        raise InputError(f"{what} is too large: |{_short(value)}| >= 1e308 overflows float64 to inf")
    if float(magnitude) == 0.0:  # below MIN_MAGNITUDE / 2: rounds to 0
        raise InputError(f"{what} is too small: 0 < |{_short(value)}| < 4.9e-324 underflows float64 to 0")


def check_bytes(nbytes: int, what: str, directory: str | os.PathLike[str]) -> None:
    """Refuse writing ``nbytes`` into ``directory`` when its file system has less free space."""
    folder = Path(directory)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        free = shutil.disk_usage(folder).free
    except OSError:  # pragma: no cover - unusual file systems
        return
    if nbytes > free:
        raise InputError(f"{what} needs {_size(nbytes)} but {str(folder)!r} has {_size(free)} free")


def available_memory() -> int:
    """Bytes of memory available to a new allocation (``MemAvailable``; free pages as a fallback)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    try:  # pragma: no cover - not Linux
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 2**62


def check_memory(nbytes: int, what: str, fraction: float = 0.5) -> None:
    """Refuse an allocation of ``nbytes`` larger than ``fraction`` of the available memory."""
    available = available_memory()
    if nbytes > fraction * available:
        raise InputError(f"{what} needs {_size(nbytes)} of memory; {_size(available)} is available")


def _range(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f" in {low}..{high}"
    if low is not None:
        return f" >= {low}"
    if high is not None:
        return f" <= {high}"
    return ""


def _frange(low: float | None, high: float | None, low_open: bool) -> str:
    if low is None and high is None:
        return ""
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"<= {high:g}")
    return " " + " and ".join(parts)


def _short(value: Any) -> str:
    """A number as a short decimal, even an exact rational far outside float range (by logarithms)."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    exact = Fraction(value)
    if exact == 0:
        return "0"
    sign = "-" if exact < 0 else ""
    log = math.log10(abs(exact.numerator)) - math.log10(exact.denominator)
    exponent = math.floor(log)
    return f"{sign}{10 ** (log - exponent):.3g}e{exponent:+d}"


def _size(nbytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if nbytes < 1024 or unit == "PB":
            return f"{nbytes:.3g} {unit}"
        nbytes /= 1024
    return f"{nbytes:.3g} EB"  # pragma: no cover
