"""Argument helpers shared by the subcommands (one definition of each option).

Every subcommand module imports this one to build ``pixelpde --help``, so it imports nothing heavy at
module level: NumPy, SymPy and torch are imported inside the helpers that need them
(``tests/test_cli_imports.py`` runs ``--help`` with them made unimportable).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from pixelpde.ground.atomic import atomic_path
from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import MAX_COUNT, MAX_NODES_PER_AXIS, MAX_THREADS, check_int, check_memory

if TYPE_CHECKING:
    import numpy as np


def add_pde_options(parser: argparse.ArgumentParser, dx: bool = True) -> None:
    """``--pde --bc [--dx] --size --order``: what a semi-discrete system needs."""
    parser.add_argument(
        "--pde",
        required=True,
        help='PDE, e.g. "u_t = 0.01*(u_xx + u_yy) + u*(1 - u)", or a system "u_t = ...; v_t = ..." (one equation per field)',
    )
    parser.add_argument("--bc", required=True, choices=["periodic", "dirichlet"], help="boundary condition (padding)")
    if dx:
        parser.add_argument("--dx", required=True, help="grid spacing, e.g. 0.01 or 1/64 (read exactly)")
    add_stencil_options(parser)
    if dx:
        parser.add_argument(
            "--interactions",
            default="minimal",
            choices=["minimal", "as-written"],
            help="quadratic part as max(p, q) products (minimal, default) or one product per term as written",
        )
        parser.add_argument(
            "--max-degree", type=int, default=3, help="highest degree of a product term accepted (default 3, at most 6)"
        )


def add_dim_option(parser: argparse.ArgumentParser, default: int | None = 2, help_default: str = "2") -> None:
    """``--dim 1|2|3``: the grid's dimension (lines, pixels, voxels; axes x, y, z)."""
    parser.add_argument(
        "--dim",
        type=int,
        default=default,
        help=f"grid dimension: 1 (fields (p,)), 2 ((p, p)) or 3 ((p, p, p)); axes x, y, z (default {help_default})",
    )


def add_stencil_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", type=int, default=3, help="kernel size k (odd; default 3)")
    parser.add_argument("--order", type=int, default=2, help="order of accuracy of the stencils (default 2)")


def parse_from_args(args):
    """The scalar PDE (:class:`~pixelpde.stencils.pde.PDE`) or the system
    (:class:`~pixelpde.stencils.system.PDESystem`) that ``--pde`` writes."""
    from pixelpde.stencils import is_system, parse_pde, parse_system

    parse = parse_system if is_system(args.pde) else parse_pde
    return parse(
        args.pde,
        size=args.size,
        order=args.order,
        max_degree=getattr(args, "max_degree", 3),
        dim=getattr(args, "dim", 2),
    )


def semidiscrete_from_args(args):
    """X of ``--pde`` on the grid ``--dx``, ``--bc``: a SemiDiscretePDE or a SemiDiscreteSystem."""
    return parse_from_args(args).discretise(args.dx, args.bc, interactions=getattr(args, "interactions", "minimal"))


def _npy_shape(path: Path) -> tuple[int, ...] | None:
    """The shape a ``.npy`` file's header declares (nothing else read), or None if unreadable."""
    import numpy as np

    try:
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _, _ = read(fh)
        return tuple(int(n) for n in shape)
    except Exception:  # the full read below reports what is wrong
        return None


def load_field(path, channels: int = 1, dim: int = 2, arrays: int = 1) -> np.ndarray:
    """Read a field of ``channels`` components from a ``.npy`` file: (r, s) or (batch, r, s) for a
    scalar, (C, r, s) or (batch, C, r, s) for a system (the layout rule of
    :func:`pixelpde.stencils.boundary.as_batch`), ``dim`` spatial axes (1, 2, 3); refuse NaN/Inf,
    a wrong number of fields, an array rank that does not fit ``dim``, and, from the file's header
    before anything is read, a field whose work would not fit in memory: ``arrays`` float64
    arrays of one component's size per field component (a 3-D field grows as p^3)."""
    import numpy as np

    from pixelpde.stencils.boundary import as_batch, check_dim

    dim = check_dim(dim)
    path = Path(path)
    if not path.is_file():
        raise InputError(f"input file {str(path)!r} does not exist")
    shape = _npy_shape(path)
    if shape is not None:
        if shape and min(shape) < 1:
            raise InputError(f"{str(path)!r} has shape {shape}: an empty field")
        for length, what, high in zip(
            shape[::-1],
            ("nodes along an axis",) * dim + ("fields or batch",) * 2,
            (MAX_NODES_PER_AXIS,) * dim + (MAX_COUNT,) * 2,
            strict=False,
        ):
            check_int(length, f"{str(path)!r}: {what}", 1, high)
        view = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), shape=shape, strides=(0,) * len(shape))
        try:  # the layout, from a view of the declared shape that holds no memory
            as_batch(view, channels, dim)
        except InputError as exc:
            raise InputError(f"{str(path)!r}: {exc}") from None
        check_memory(int(np.prod(shape, dtype=np.float64)) * 8 * max(1, arrays), f"{str(path)!r} (shape {shape})")
    try:
        U = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise InputError(f"cannot read {str(path)!r} as a .npy array: {' '.join(str(exc).split())[:200]}") from None
    if U.dtype.kind not in "fiu" or U.dtype == np.bool_:
        raise InputError(f"{str(path)!r} holds dtype {U.dtype}; a real float array is needed")
    try:
        as_batch(U, channels, dim)
    except InputError as exc:
        raise InputError(f"{str(path)!r}: {exc}") from None
    U = np.array(U)
    if not np.all(np.isfinite(U)):
        raise InputError(f"{str(path)!r} contains NaN or Inf")
    return U.astype(np.float64, copy=False)


def save_array(path, array: np.ndarray) -> None:
    import numpy as np

    path = Path(path)
    if path.suffix != ".npy":
        raise InputError(f"output file {str(path)!r} must end in .npy")
    with atomic_path(path) as tmp:
        np.save(tmp, array, allow_pickle=False)


def save_json(path, data) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2) + "\n")


def add_runtime_options(parser: argparse.ArgumentParser) -> None:
    """``--device --threads --no-progress``: where and how long work runs."""
    parser.add_argument("--device", default=None, help="auto (CUDA when present, else CPU; default), cpu, cuda")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="CPU threads for torch (default: torch's choice; 1 is faster on a busy machine)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def apply_runtime_options(args) -> None:
    """Check ``--threads`` and ``--device`` before any work (a missing GPU is refused up front)."""
    if args.threads is not None:
        check_int(args.threads, "--threads", 1, MAX_THREADS)
    if args.device is not None:
        from pixelpde.learned.device import pick_device

        pick_device(args.device)
    if args.threads is not None:
        import torch

        torch.set_num_threads(args.threads)


def add_nproc_option(parser: argparse.ArgumentParser) -> None:
    """``--nproc N``: data-parallel workers (parsed by :func:`pixelpde.learned.distributed.parse_nproc`)."""
    parser.add_argument(
        "--nproc",
        default=None,
        help="data-parallel workers on this machine (torch.distributed: gloo on "
        "the CPU, NCCL with one GPU each on CUDA; default 1)",
    )
