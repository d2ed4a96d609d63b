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
  or underflow to 0), and its exact numerator and denominator at most
  :data:`MAX_CONSTANT_DIGITS` = 1000 digits (checked at every node, so a power of a long literal
  cannot grow without bound);
  dx likewise, and the stencil weights c/dx^k must stay finite.

Sizes and counts:

* kernel size: odd, 1..:data:`MAX_KERNEL_SIZE` = 11; order of accuracy 1..:data:`MAX_ORDER` = 10;
  derivative order per axis, read from the name's letters before any stencil is derived:
  0..:data:`MAX_DERIVATIVE_ORDER` = 10 (``u_`` followed by 200 x's is refused at once);
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
  1..:data:`MAX_WORKERS` = 256; seeds of a study: 1..:data:`MAX_STUDY_SEEDS` = 1000;
* names that become file names (``train --name``, ``evaluate NAME=DIR``, study runs): 1..100 of
  ``A-Z a-z 0-9 . _ + -``, not starting with ``.``, no ``..`` (:func:`check_name`);
* every real-valued flag (``--T``, ``--dt``, ``--alpha``, ``--b``, ``--tol``, ``--min-norm``, ``--lr``, ...):
  the range in :data:`FLOAT_FLAGS`, checked by :func:`check_float_flags` before the command runs.
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
#: Highest derivative per axis a kernel of at most MAX_KERNEL_SIZE points can represent (k points: order k - 1).
MAX_DERIVATIVE_ORDER = MAX_KERNEL_SIZE - 1
#: Most decimal digits of an exact constant's numerator or denominator (float64's range needs ~330;
#: Python refuses to print integers of more than 4300 digits).
MAX_CONSTANT_DIGITS = 1000
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
#: Seeds of one study (``pixelpde study --seeds``): each is a full set of trainings.
MAX_STUDY_SEEDS = 1000
#: The documented range of every real-valued CLI flag, by its argparse name: (low, high, low excluded).
#: Checked once, in :func:`check_float_flags`, before any command runs (README, Limits).
FLOAT_FLAGS = {
    "T": (1e-9, MAX_TIME, False),  # convergence: final time
    "dt": (1e-12, MAX_TIME, False),  # simulate, train: time step
    "alpha": (1e-12, 1e6, False),  # simulate: diffusivity
    "b": (-1e6, 1e6, False),  # simulate: advection velocity (each component)
    "tol": (1e-16, 1.0, False),  # simulate: Newton residual tolerance
    "min_norm": (0.0, 1e12, False),  # simulate, train, evaluate: ||U^0|| filter
    "lr": (1e-12, 1e3, False),  # train: learning rate
    "lr_gamma": (1e-12, 1e3, False),
    "stage_lr_factor": (1e-12, 1e3, False),
    "init_noise": (0.0, 1e3, False),
    "input_noise": (0.0, 1e3, False),
}
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


#: A name that becomes part of a file or folder name (a model's ``--name``, a study run's name):
#: letters, digits and ``. _ + -``, not starting with a dot; never a separator or ``..``.
NAME_PATTERN = r"[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,99}"
MAX_NAME_LENGTH = 100


def check_name(value: object, what: str = "name") -> str:
    """A plain name (:data:`NAME_PATTERN`): it stays inside the folder it is written to."""
    import re

    if not isinstance(value, str) or not re.fullmatch(NAME_PATTERN, value) or ".." in value:
        shown = repr(value) if not isinstance(value, str) or len(value) <= 60 else repr(value[:57] + "...")
        raise InputError(
            f"{what} {shown} must be a plain name of 1..{MAX_NAME_LENGTH} letters, digits and . _ + - "
            "(no separator, no '..', not starting with '.'): it becomes a file name"
        )
    return value


def check_float_flags(args: object) -> None:
    """Every flag of :data:`FLOAT_FLAGS` that ``args`` (an argparse namespace) sets, in its range."""
    for name, (low, high, low_open) in FLOAT_FLAGS.items():
        value = getattr(args, name, None)
        if value is None:
            continue
        flag = "--" + name.replace("_", "-")
        for item in value if isinstance(value, (list, tuple)) else (value,):
            check_float(item, flag, low, high, low_open)


def check_magnitude(value: Any, what: str) -> None:
    """Refuse a non-zero number that float64 cannot hold (it would become inf or 0 without a word)."""
    magnitude = abs(value)
    if magnitude == 0:
        return
    if magnitude >= MAX_MAGNITUDE:
        raise InputError(f"{what} is too large: |{_short(value)}| >= 1e308 overflows float64 to inf")
    if float(magnitude) == 0.0:  # below MIN_MAGNITUDE / 2: rounds to 0
        raise InputError(f"{what} is too small: 0 < |{_short(value)}| < 4.9e-324 underflows float64 to 0")
    if isinstance(magnitude, (int, Fraction)):  # exact: bound the digits before anything prints or powers them
        bits = max(Fraction(magnitude).numerator.bit_length(), Fraction(magnitude).denominator.bit_length())
        if bits > MAX_CONSTANT_DIGITS * 3.33:
            raise InputError(
                f"{what} has more than {MAX_CONSTANT_DIGITS} digits as an exact fraction; write it with fewer digits"
            )


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
        raise InputError(f"{what} needs {_size(nbytes)} but {str(directory)!r} has {_size(free)} free")
    limit = file_size_limit()
    if nbytes > limit:
        raise InputError(f"{what} needs {_size(nbytes)} but this process may write files of at most {_size(limit)}")


def file_size_limit() -> int:
    """The largest file this process may write (``RLIMIT_FSIZE``; unlimited: 2**62)."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    except (ImportError, OSError, ValueError):  # pragma: no cover - not POSIX
        return 2**62
    return 2**62 if soft == resource.RLIM_INFINITY else int(soft)


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
