r"""Data-parallel training over :mod:`torch.distributed` (section 4 at the paper's data size).

Every worker (rank) holds the whole model and the whole dataset, draws the
same seeded window order, and takes a disjoint shard of each global batch
(:func:`shard`: ``torch.tensor_split`` of the batch's rows, contiguous, sizes
differing by at most one).  Each rank backpropagates its part of the global
loss

.. math::  \mathrm{Loss}_r = \frac{1}{bM} \sum_{i \in \text{shard}_r} \sum_{j=1}^M
           \| \mathcal{N}^j_\theta(U_i^0) - U_i^j \|^2

with b the size of the *global* batch, so that the all-reduced sum of the
ranks' gradients is exactly the gradient of the global batch loss (shards of
unequal size are weighted by their size automatically); the optimiser then
takes the same step on every rank.  The loss and gradients travel in one flat
buffer (:func:`all_reduce_sum`), one collective per batch.

Two ways to start workers, the same code in each:

* ``pixelpde train ... --nproc N``: :func:`launch` spawns N local processes
  (:func:`torch.multiprocessing.start_processes`), gloo on the CPU, NCCL on
  CUDA with one GPU per worker;
* ``torchrun --nproc-per-node N [--nnodes ...] -m pixelpde train ...``: the
  launcher sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``,
  ``MASTER_PORT``, read by :func:`world_from_env` (across machines the run
  directory must be on a shared file system: every rank reads the checkpoint
  to resume, rank 0 writes it).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import tempfile
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist

from pixelpde.ground import interrupt
from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import MAX_WORKERS, check_int

#: The variables a launcher (torchrun, :func:`launch`) sets for every worker.
LAUNCHER_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")
#: A collective waits this long for a peer before failing (a dead peer usually fails it at once).
TIMEOUT = timedelta(minutes=10)


@dataclass(frozen=True)
class World:
    """This process's place among the workers (``size == 1``: a single process)."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        """Rank 0 writes the files and prints."""
        return self.rank == 0


SINGLE = World()


def parse_nproc(text) -> int:
    """``--nproc``: a positive integer (``'2'`` or ``2``) up to :data:`MAX_WORKERS`, else one-line :class:`InputError`."""
    message = f"--nproc {text!r} must be a positive integer (the number of local workers)"
    try:
        value = int(str(text).strip())
    except ValueError:
        raise InputError(message) from None
    if str(value) != str(text).strip().lstrip("+") or value < 1:
        raise InputError(message)
    return check_int(value, "--nproc", 1, MAX_WORKERS)


def world_from_env(environ=None) -> World | None:
    """The :class:`World` a launcher describes in the environment; ``None`` when no launcher variable
    is set; a one-line :class:`InputError` for an incomplete or inconsistent set."""
    environ = os.environ if environ is None else environ
    present = [k for k in LAUNCHER_VARS if k in environ]
    if not present:
        return None
    missing = [k for k in LAUNCHER_VARS if k not in environ]
    if missing:
        raise InputError(
            f"incomplete launcher environment: {', '.join(present)} set but {', '.join(missing)} missing; "
            "start workers with torchrun or pixelpde train --nproc N"
        )
    try:
        rank, size, local = (int(environ[k]) for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK"))
    except ValueError:
        raise InputError("launcher environment: RANK, WORLD_SIZE and LOCAL_RANK must be integers") from None
    if size < 1 or not 0 <= rank < size or local < 0:
        raise InputError(f"launcher environment: RANK={rank} WORLD_SIZE={size} LOCAL_RANK={local} are inconsistent")
    return World(rank, size, local)


def check_world(world: World, batch_size: int) -> None:
    """Every rank needs a share of every full batch."""
    if world.size > batch_size:
        raise InputError(
            f"{world.size} workers but only {batch_size} windows per batch: use at most --nproc {batch_size} "
            "or a larger --batch-size"
        )


def init(world: World, device: torch.device) -> None:
    """Join the process group (gloo on the CPU, NCCL on CUDA); nothing for a single process."""
    if world.size == 1 or dist.is_initialized():
        return
    backend = "nccl" if device.type == "cuda" else "gloo"
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(backend, rank=world.rank, world_size=world.size, timeout=TIMEOUT)


def finish(success: bool = False) -> None:
    """Leave the process group.  After a run every rank finished (``success``), wait for all of
    them first: a rank that tears gloo down while a peer is still in its last collective can
    abort at exit ("terminate called without an active exception", seen once under torchrun).
    After a failure there is no barrier, since a peer may never arrive."""
    if dist.is_initialized():
        if success:
            dist.barrier()
        dist.destroy_process_group()


def shard(rows: torch.Tensor, world: World) -> torch.Tensor:
    """This rank's disjoint, contiguous part of a global batch's ``rows``."""
    if world.size == 1:
        return rows
    return torch.tensor_split(rows, world.size)[world.rank]


def all_reduce_sum(buffer: torch.Tensor, world: World) -> torch.Tensor:
    """Sum ``buffer`` over all ranks, in place (one collective)."""
    if world.size > 1:
        dist.all_reduce(buffer, op=dist.ReduceOp.SUM)
    return buffer


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _entry(local_rank: int, nproc: int, port: int, threads: int, target, args, box: str) -> None:
    """One spawned worker: the launcher's environment, then ``target(args)``; the outcome goes
    to the parent as ``BOX/RANK.json``, ``[rank, exit code, one-line message or None]`` (a file, not a
    multiprocessing queue: a queue's semaphore leaked when a worker was killed)."""
    from pixelpde.learned.loop import TrainingDiverged

    os.environ.update(
        RANK=str(local_rank),
        WORLD_SIZE=str(nproc),
        LOCAL_RANK=str(local_rank),
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
    )
    torch.set_num_threads(threads)
    import threading

    from tqdm import tqdm

    # tqdm's default lock is a multiprocessing semaphore: a worker killed after the grace period would leak it
    tqdm.set_lock(threading.RLock())
    code, message = 0, None
    try:
        with interrupt.handle_signals():  # SIGTERM from the parent: unwind (temporary files removed), publish nothing
            code = int(target(args) or 0)
    except KeyboardInterrupt as exc:
        code, message = interrupt.exit_code(exc), f"worker {local_rank} {exc}"
    except InputError as exc:
        code, message = 2, str(exc)
    except TrainingDiverged as exc:
        code, message = 3, str(exc)
    except Exception as exc:  # a bug or a dead peer: one line for the parent
        code, message = (
            2,
            f"worker {local_rank} failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
        )
    outcome = os.path.join(box, f"{local_rank}.json")
    with open(outcome + ".tmp", "w") as fh:
        json.dump([local_rank, code, message], fh)
    os.replace(outcome + ".tmp", outcome)
    finish(success=code == 0)
    if code:
        sys.exit(code)


#: How often the parent looks at its workers, and how long a worker has to unwind after SIGTERM
#: (a worker waiting in a collective for a peer that already stopped never gets there: SIGKILL).
JOIN_POLL_S = 0.2
STOP_GRACE_S = 1.0


def stop_workers(processes, grace: float = STOP_GRACE_S) -> None:
    """SIGTERM to every live worker; after ``grace`` seconds SIGKILL to those left; reap all (no orphans)."""
    import time

    for p in processes:
        if p.is_alive():
            p.terminate()
    deadline = time.monotonic() + grace
    for p in processes:
        p.join(max(0.0, deadline - time.monotonic()))
    for p in processes:
        if p.is_alive():
            p.kill()
        p.join()


def launch(nproc: int, target, args, threads: int | None = None) -> tuple[int, str | None]:
    """Run ``target(args)`` in ``nproc`` spawned local workers; returns ``(exit code, message)``.

    ``target`` must be importable by name (a module-level function) and return
    0; :class:`InputError` gives exit code 2, :class:`~pixelpde.learned.loop.TrainingDiverged`
    3, a worker that dies (signal, crash) 2, each with one line.  When one worker fails
    the others are stopped.
    """
    import torch.multiprocessing as mp

    threads = threads or max(1, (os.cpu_count() or 1) // nproc)
    box = tempfile.mkdtemp(prefix="pixelpde-workers-")
    try:
        return _launch(nproc, target, args, threads, box, mp)
    finally:
        shutil.rmtree(box, ignore_errors=True)


def _launch(nproc, target, args, threads, box, mp) -> tuple[int, str | None]:
    failure = None
    context = mp.start_processes(
        _entry,
        args=(nproc, _free_port(), threads, target, args, box),
        nprocs=nproc,
        join=False,
        start_method="spawn",
    )
    try:
        while not context.join(timeout=JOIN_POLL_S):
            pass
    except mp.ProcessExitedException as exc:
        failure = exc
    except mp.ProcessRaisedException as exc:  # pragma: no cover - _entry catches everything
        failure = exc
    except BaseException:  # SIGINT/SIGTERM to this process (pixelpde.ground.interrupt): stop every worker first
        with interrupt.held():
            stop_workers(context.processes)
        raise
    outcomes = []
    for name in sorted(os.listdir(box)):
        if name.endswith(".json"):
            with open(os.path.join(box, name)) as fh:
                outcomes.append(tuple(json.load(fh)))
    outcomes.sort()
    for code in (3, 2):  # divergence first: it is what stopped the others
        for _rank, c, message in outcomes:
            if c == code:
                return code, message
    if failure is not None:
        rank = failure.error_index
        how = getattr(failure, "signal_name", None) or f"exit code {getattr(failure, 'exit_code', '?')}"
        return (
            2,
            f"worker {rank} of {nproc} died ({how}); training stopped, no model.pt written, checkpoints of finished epochs kept",
        )
    return 0, None
