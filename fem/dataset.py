"""HDF5 dataset files: atomic writing, validated lazy reading.

One file per dataset (h5py):

* ``U``  -- float64 (or float32) array (N, M+1, p, p), ``U[i, j, h, k] =
  U_i^j(x_h, y_k)`` (axis 2 is x); spectral data of a system or of d != 2 add
  a channel axis, (N, M+1, C, p, ..., p), with attributes ``fields``,
  ``channels``, ``dim`` and ``system``; chunked one trajectory per chunk, each
  chunk with a Fletcher-32 checksum (a corrupted chunk is refused on read);
* ``t``  -- the M+1 snapshot times ``j * dt``;
* ``ic`` -- the (N, c) random parameters of each initial condition, column
  names in its attribute ``columns``;
* file attributes ``problem``, ``pde``, ``bc``, ``dt``, ``dx``, ``p``,
  ``seed``, ``generator``, ``version`` (the file-format version,
  :data:`FORMAT_VERSION`), the problem's parameters (``b``; ``alpha``;
  ``alpha``, ``min_norm``, ``tol``, ``max_iter``) and provenance (``backend``,
  ``solver``, ``scheme``, ``ic_formula``, ``dt_rule``, and for Fisher the
  Newton statistics and the number of draws the norm filter rejected).

Files are written through :func:`pixelpde.ground.atomic.atomic_path` (temporary
file, then rename) and the attributes are written last, so neither a killed
run nor a half-written temporary file looks like a complete dataset.
:meth:`Dataset.open` refuses missing, corrupt, truncated, incomplete and
mislabelled files with a one-line :class:`~pixelpde.ground.errors.InputError`.
"""

from __future__ import annotations

import contextlib
import errno
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from pixelpde.fem.problems import Problem, get_problem
from pixelpde.ground.atomic import atomic_path
from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import MAX_COUNT, MAX_NODES_PER_AXIS, MAX_STEPS, check_int, check_memory
from pixelpde.stencils.boundary import BoundaryCondition

#: Version of the file layout described in this module's docstring.
FORMAT_VERSION = 1
#: Attributes every dataset file has (the problem's parameters come on top).
REQUIRED_ATTRS = ("problem", "pde", "bc", "dt", "dx", "p", "seed", "generator", "version")
#: Chunk cache per open file (several trajectories of 4 MB at p = 100, M = 50).
CHUNK_CACHE_BYTES = 64 * 2**20
#: Element types ``U`` may have (the writer's choices).
DTYPES = ("float64", "float32")
#: The axes of ``U`` and each one's bounds, in order; a trajectory is one chunk (every axis but the
#: first).  A coupled system's channel axis C goes between ``snapshots`` and ``x`` (a row here).
U_AXES = (
    ("trajectories", 1, MAX_COUNT),
    ("snapshots", 2, MAX_STEPS + 1),
    ("x", 3, MAX_NODES_PER_AXIS),
    ("y", 3, MAX_NODES_PER_AXIS),
)


@dataclass
class Simulation:
    """An in-memory dataset: ``U`` (N, M+1, p, p), ``t`` (M+1,), ``ic`` (N, c), ``attrs``."""

    U: np.ndarray
    t: np.ndarray
    ic: np.ndarray
    attrs: dict = field(default_factory=dict)


def _to_attr(value):
    if isinstance(value, (tuple, list)):
        return np.asarray(value, dtype=np.float64)
    return value


def _from_attr(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return tuple(v.item() for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


#: Bytes an HDF5 dataset file takes beyond its snapshots: headers, attributes, ``t``, ``ic``, B-tree.
HDF5_OVERHEAD_BYTES = 256 * 1024
#: Set once HDF5 has met a full disk in this process: the library is left in a state in which its
#: exit handlers crash (a segfault after the one-line error), so the CLI then ends with ``os._exit``.
HDF5_FAILED = False
_KEPT: list = []


def dataset_bytes(n: int, steps: int, p: int, itemsize: int = 8) -> int:
    """Bytes on disk of a dataset of ``n`` trajectories of ``steps + 1`` snapshots of p x p (an upper bound:
    the snapshots, a Fletcher-32 checksum per chunk, the ``ic`` rows and :data:`HDF5_OVERHEAD_BYTES`)."""
    return n * ((steps + 1) * p * p * itemsize + 4 + 64) + 16 * (steps + 1) + HDF5_OVERHEAD_BYTES


def check_room(nbytes: int, directory) -> None:
    """A :class:`~pixelpde.ground.atomic.DiskFull` before HDF5 would meet a full disk (or the file-size
    limit) writing ``nbytes`` more into ``directory`` (HDF5 cannot recover from it in-process)."""
    import shutil

    from pixelpde.ground.atomic import DiskFull
    from pixelpde.ground.validate import file_size_limit

    free = shutil.disk_usage(directory).free
    if nbytes > free or nbytes > file_size_limit():
        raise DiskFull(
            errno.ENOSPC,
            f"no space left on the device or over the file-size limit for the dataset in {str(directory)!r} "
            f"({nbytes} more bytes needed, {free} free); nothing was written",
        )


class DatasetWriter:
    """The open temporary file of :func:`dataset_writer`: fill ``U``, then :meth:`finish`.  Before each
    trajectory the room for the rest of the file is checked (:func:`check_room`), so a disk that fills
    while the dataset is written stops it with one line, before HDF5 meets the full disk."""

    def __init__(self, f, n: int, steps: int, p: int, dtype, frame: tuple[int, ...] | None = None):
        self.file = f
        self.directory = Path(f.filename).parent
        self.shape = (steps, p, np.dtype(dtype).itemsize)
        self.n = n
        frame = (p, p) if frame is None else tuple(frame)
        self.U = f.create_dataset(
            "U",
            shape=(n, steps + 1, *frame),
            dtype=dtype,
            chunks=(1, steps + 1, *frame),
            fletcher32=True,
            track_times=False,
        )
        self.finished = False

    def write(self, start: int, block: np.ndarray) -> None:
        """Trajectories ``start .. start + len(block) - 1``, one HDF5 chunk (trajectory) per call,
        so an interrupt waits for one chunk, never for a whole batch."""
        for i, trajectory in enumerate(block):
            done = Path(self.file.filename).stat().st_size
            check_room(max(0, dataset_bytes(self.n, *self.shape) - done), self.directory)
            self.U[start + i] = trajectory

    def finish(self, t: np.ndarray, ic: np.ndarray, ic_columns, attrs: dict) -> None:
        """Write ``t``, ``ic`` and, last of all, the file attributes."""
        self.file.create_dataset("t", data=np.asarray(t, dtype=np.float64), track_times=False)
        ds = self.file.create_dataset("ic", data=np.asarray(ic, dtype=np.float64), track_times=False)
        ds.attrs["columns"] = np.array(list(ic_columns), dtype=h5_string())
        for key, value in attrs.items():
            self.file.attrs[key] = _to_attr(value)
        self.finished = True


def h5_string():
    import h5py

    return h5py.string_dtype()


def check_space_gone(tmp) -> bool:
    """Whether the device of ``tmp`` is (nearly) full now: an HDF5 error then was a full disk."""
    import shutil

    try:
        return shutil.disk_usage(Path(tmp).parent).free < (1 << 20)
    except OSError:  # pragma: no cover
        return False


#: File name endings of HDF5 datasets.
SUFFIXES = (".h5", ".hdf5")


def check_dataset_path(path) -> Path:
    """Refuse an output name that does not say HDF5 (``--out d.txt`` would hide an HDF5 file)."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(f"dataset file {str(path)!r} must end in {' or '.join(SUFFIXES)} (it is HDF5)")
    return path


@contextlib.contextmanager
def dataset_writer(path, n: int, steps: int, p: int, dtype=np.float64, frame=None) -> Iterator[DatasetWriter]:
    """Open a temporary HDF5 file beside ``path``; it replaces ``path`` only after :meth:`DatasetWriter.finish`.

    ``frame`` is the shape of one snapshot: ``(p, p)`` by default (a scalar 2-D field); systems and
    other dimensions write ``(C, p, ..., p)`` (pixelpde.spectral.generator)."""
    import h5py

    check_dataset_path(path)
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise InputError(f"dataset dtype must be float64 or float32, got {dtype}")
    global HDF5_FAILED
    from pixelpde.ground.atomic import disk_full

    with atomic_path(path) as tmp:
        f = writer = None
        try:
            with h5py.File(tmp, "w", libver=("earliest", "v110")) as f:
                writer = DatasetWriter(f, n, steps, p, dtype, frame)
                yield writer
                if not writer.finished:
                    raise RuntimeError("dataset_writer closed before finish(): refusing to publish an incomplete file")
                f.flush()  # a full disk shows here, in ordinary code, not in a finaliser at close
        except (OSError, RuntimeError) as exc:
            if disk_full(exc) or check_space_gone(tmp):
                HDF5_FAILED = True
                _KEPT.append((f, writer))  # never finalised: their finalisers would crash HDF5 before os._exit
            raise


def write_dataset(path, sim: Simulation, dtype=None) -> Path:
    """Write an in-memory :class:`Simulation` atomically (``dtype`` defaults to that of ``sim.U``)."""
    U = np.asarray(sim.U)
    if U.ndim != 4 or U.shape[2] != U.shape[3]:
        raise InputError(f"U must have shape (N, M+1, p, p), got {U.shape}")
    n, m1, p, _ = U.shape
    dtype = U.dtype if dtype is None else np.dtype(dtype)
    problem = get_problem(sim.attrs.get("problem", ""))
    with dataset_writer(path, n, m1 - 1, p, dtype) as w:
        w.write(0, U)
        w.finish(sim.t, sim.ic, problem.ic_columns, {**sim.attrs, "dtype": str(dtype)})
    return Path(path)


class Dataset:
    """A validated dataset file, read lazily; use as ``with Dataset.open(path) as ds: ...``."""

    def __init__(self, path: Path, f):
        self.path = path
        self._file = f
        self.attrs = {key: _from_attr(value) for key, value in f.attrs.items()}
        self._U = f["U"]

    # -- opening and validation ------------------------------------------------------------
    @classmethod
    def open(cls, path) -> Dataset:
        """Open and validate ``path``; :class:`InputError` if it is not a complete pixelpde dataset."""
        import h5py

        path = Path(path)
        if not path.is_file():
            raise InputError(f"no such dataset file: {str(path)!r}")
        try:
            f = h5py.File(path, "r", rdcc_nbytes=CHUNK_CACHE_BYTES)
        except OSError as exc:
            reason = " ".join(str(exc).split())
            raise InputError(f"{str(path)!r} is not a readable HDF5 file (corrupt or truncated?): {reason}") from None
        try:
            ds = cls(path, f) if "U" in f else None
            if ds is None:
                raise InputError(f"{str(path)!r} has no dataset 'U': not a pixelpde dataset")
            ds._validate()
        except InputError:
            f.close()
            raise
        except (OSError, RuntimeError, KeyError, ValueError, TypeError, AttributeError) as exc:
            f.close()  # h5py's reading of a damaged header or attribute raises any of these
            reason = " ".join(str(exc).split())[:200]
            raise InputError(f"{str(path)!r} is not a readable pixelpde dataset (corrupt?): {reason}") from None
        except BaseException:
            f.close()
            raise
        return ds

    def _fail(self, message: str):
        raise InputError(f"{str(self.path)!r}: {message}")

    def _validate(self) -> None:
        a = self.attrs
        missing = [k for k in REQUIRED_ATTRS if k not in a]
        if missing:
            self._fail(f"missing attribute(s) {', '.join(missing)} (incomplete write, or not a pixelpde dataset)")
        if not str(a["generator"]).startswith("pixelpde"):
            self._fail(f"generator {a['generator']!r} is not pixelpde")
        if a["version"] != FORMAT_VERSION:
            self._fail(f"file format version {a['version']!r} is not supported (this reader knows {FORMAT_VERSION})")
        if " spectral " in f" {a['generator']} ":
            return self._validate_spectral()
        try:
            problem = get_problem(a["problem"])
        except InputError:
            self._fail(f"unknown problem {a['problem']!r} (mislabelled file)")
        if a["bc"] != str(problem.bc):
            self._fail(f"mislabelled: bc {a['bc']!r} but problem {problem.name!r} is {problem.bc}")
        params = {k: a[k] for k in problem.defaults if k in a}
        if len(params) != len(problem.defaults):
            self._fail(
                f"missing parameter attribute(s) of {problem.name}: {', '.join(sorted(set(problem.defaults) - set(a)))}"
            )
        try:
            params = problem.parameters(params)
        except InputError as exc:
            self._fail(f"bad parameter attribute: {exc}")
        if a["pde"] != problem.pde(params):
            self._fail(
                f"mislabelled: pde {a['pde']!r} is not the {problem.name} PDE with these parameters ({problem.pde(params)!r})"
            )
        p = self._check_grid()
        U = self._U
        if U.ndim != 4 or U.shape[2:] != (p, p) or U.dtype.kind != "f":
            self._fail(f"U has shape {U.shape} and dtype {U.dtype}; expected float (N, M+1, {p}, {p})")
        self._check_layout(U)
        self._check_times(U)
        if self._file["ic"].shape != (U.shape[0], len(problem.ic_columns)):
            self._fail(f"ic has shape {self._file['ic'].shape}; expected ({U.shape[0]}, {len(problem.ic_columns)})")
        self.problem: Problem | None = problem  # None for a spectral dataset (no Appendix A problem)
        self.params = params

    def _validate_spectral(self) -> None:
        """A spectral dataset (pixelpde.spectral): its system parses, its fields match the channel
        axis, the periodic grid and dt are consistent, U is (N, M+1, C, p, p) (C = 1: (N, M+1, p, p))."""
        from pixelpde.stencils import is_system, parse_pde, parse_system

        a = self.attrs
        try:
            text = str(a["pde"])
            system = (parse_system if is_system(text) else parse_pde)(text, size=3, order=2, max_degree=6)
        except InputError as exc:
            self._fail(f"its system does not parse: {exc}")
        channels = getattr(system, "channels", 1)
        fields = str(a.get("fields", "u")).split(",")
        if len(fields) != channels:
            self._fail(f"mislabelled: fields {a.get('fields')!r} but the system has {channels} equation(s)")
        if a["bc"] != "periodic":
            self._fail(f"bad attribute bc={a['bc']!r} (spectral data are periodic)")
        p = self._check_grid()
        U = self._U
        self._check_layout(U)
        frame = (p, p) if channels == 1 else (channels, p, p)
        if U.ndim != 2 + len(frame) or U.shape[2:] != frame or U.dtype.kind != "f":
            self._fail(
                f"U has shape {U.shape} and dtype {U.dtype}; expected float (N, M+1, {', '.join(map(str, frame))})"
            )
        self._check_times(U)
        self.problem = None
        self.params = {}

    def _check_grid(self) -> int:
        """The attributes p (an integer >= 3), dx (the spacing of the boundary condition's grid) and dt (a
        positive float), in that order; returns p."""
        a = self.attrs
        p = a["p"]
        if not isinstance(p, int) or p < 3:
            self._fail(f"bad attribute p={p!r}")
        if not math.isclose(float(a["dx"]), float(self.bc.spacing(p)), rel_tol=1e-12):
            self._fail(
                f"mislabelled: dx={a['dx']!r} but a {self.bc} grid with p={p} has dx={float(self.bc.spacing(p))!r}"
            )
        dt = a["dt"]
        if not isinstance(dt, float) or not math.isfinite(dt) or dt <= 0:
            self._fail(f"bad attribute dt={dt!r}")
        return p

    def _check_times(self, U) -> None:
        """The datasets 't' and 'ic' present, and t = j*dt for the snapshots of ``U``."""
        dt = self.attrs["dt"]
        if "t" not in self._file or "ic" not in self._file:
            self._fail("missing dataset 't' or 'ic' (incomplete write)")
        t = self._file["t"][...]
        if t.shape != (U.shape[1],) or not np.allclose(t, dt * np.arange(U.shape[1]), rtol=1e-12, atol=0):
            self._fail(f"mislabelled: t (shape {t.shape}) is not j*dt for the {U.shape[1]} snapshots")

    def _check_layout(self, U) -> None:
        """Dimensions, dtype, chunking and stored bytes of ``U`` against the limits, before any read."""
        if U.dtype.name not in DTYPES:
            self._fail(f"U has dtype {U.dtype}; expected {' or '.join(DTYPES)}")
        if not 3 <= U.ndim <= 6:
            self._fail(f"U has shape {U.shape}; expected (N, M+1, p, p) or (N, M+1, C, p, ...)")
        # a system's channel axis and the spatial axes of 1-D/3-D data are bounded like a grid axis
        extra = tuple(("fields or nodes", 1, MAX_NODES_PER_AXIS) for _ in range(U.ndim - 4))
        axes = U_AXES if U.ndim == 4 else U_AXES[:2] + extra + U_AXES[2 : 2 + min(2, U.ndim - 2)]
        for (axis, low, high), length in zip(axes, U.shape, strict=True):
            if not low <= length <= high:
                self._fail(f"U declares {length} {axis}; expected {low}..{high}")
        one = (1, *U.shape[1:])
        if U.chunks != one:
            self._fail(f"U is stored in chunks {U.chunks}; expected one trajectory per chunk {one}")
        check_memory(math.prod(one) * U.dtype.itemsize, f"{str(self.path)!r}: one trajectory")
        declared = math.prod(U.shape) * U.dtype.itemsize
        stored = U.id.get_storage_size()
        if stored < declared:  # chunks never written read as zeros: refuse, do not invent data
            self._fail(
                f"U declares {U.shape[0]} trajectories ({declared} bytes) but stores {stored} bytes "
                "(unwritten chunks: incomplete or edited file)"
            )

    # -- context manager -------------------------------------------------------------------
    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Dataset:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"Dataset({str(self.path)!r}: {self.problem.name if self.problem is not None else self.pde}, "
            f"{self.n_trajectories} trajectories x "
            f"{self.n_steps + 1} snapshots of {self.p}x{self.p}, dt={self.dt:g})"
        )

    # -- metadata --------------------------------------------------------------------------
    @property
    def n_trajectories(self) -> int:
        return int(self._U.shape[0])

    @property
    def n_steps(self) -> int:
        """M: each trajectory has M + 1 snapshots U^0 .. U^M."""
        return int(self._U.shape[1]) - 1

    @property
    def p(self) -> int:
        return int(self.attrs["p"])

    @property
    def dt(self) -> float:
        return float(self.attrs["dt"])

    @property
    def dx(self) -> float:
        return float(self.attrs["dx"])

    @property
    def dx_exact(self) -> Fraction:
        """dx as an exact rational (1/p periodic, 1/(p+1) Dirichlet), e.g. for ``parse_pde(...).discretise``."""
        return self.bc.spacing(self.p)

    @property
    def bc(self) -> BoundaryCondition:
        return BoundaryCondition.parse(self.attrs["bc"])

    @property
    def pde(self) -> str:
        return str(self.attrs["pde"])

    @property
    def t(self) -> np.ndarray:
        return self._file["t"][...]

    @property
    def ic(self) -> np.ndarray:
        """The (N, c) initial-condition parameters (columns :attr:`ic_columns`)."""
        return self._file["ic"][...]

    @property
    def ic_columns(self) -> tuple[str, ...]:
        return tuple(_from_attr(c) for c in self._file["ic"].attrs["columns"])

    def semidiscrete(self, size: int = 3, order: int = 2):
        """``pixelpde.stencils.parse_pde(pde).discretise(dx, bc)``: the system (11) the data approximate."""
        from pixelpde.stencils import parse_pde

        return parse_pde(self.pde, size=size, order=order).discretise(self.dx_exact, self.bc)

    # -- data ------------------------------------------------------------------------------
    def trajectory(self, i: int) -> np.ndarray:
        """Trajectory ``i`` as an (M+1, p, p) array (read from disk now)."""
        return read_block(self._U, self.path, self._index(i), slice(None))

    def _index(self, i) -> int:
        n = self.n_trajectories
        if not -n <= check_int(i, "trajectory index") < n:
            raise InputError(f"trajectory index {i!r} out of range (the file has {n})")
        return int(i) % n

    def iter_trajectories(self) -> Iterator[np.ndarray]:
        """Every trajectory in turn, one (M+1, p, p) array in memory at a time."""
        for i in range(self.n_trajectories):
            yield self.trajectory(i)

    def verify(self) -> None:
        """Read every chunk once (checksums): :class:`InputError` on a corrupted trajectory."""
        for i in range(self.n_trajectories):
            self.trajectory(i)


def read_block(U, path, i: int, steps: slice) -> np.ndarray:
    try:
        return U[i, steps]
    except OSError as exc:
        reason = " ".join(str(exc).split())
        raise InputError(f"{str(path)!r}: trajectory {i} cannot be read (corrupt file?): {reason}") from None
