r"""One epoch of recurrent training: the loss of section 2.3/4 and the optimisation steps.

The loss of a batch of b windows :math:`[U_i^0, \dots, U_i^M]` is

.. math::

    \mathrm{Loss} = \frac{1}{bM} \sum_{i=1}^{b} \sum_{j=1}^{M}
        \| \mathcal{N}_\theta^j(U_i^0) - U_i^j \|^2,

:math:`\|\cdot\|` the Frobenius norm (a sum over pixels, not a mean), and
:math:`\mathcal{N}_\theta = \Psi^{\delta t}_{F_\theta}` one step of the shared
integrator (:mod:`pixelpde.integrators`); the rollout :math:`\mathcal{N}^j_\theta`
is :func:`pixelpde.integrators.rollout`.

How an epoch runs (:func:`run_epoch`): the window order is a permutation
seeded by ``(seed, stage, epoch)`` (:func:`epoch_permutation`), moved to the
device once; each batch's windows are gathered on the device from the
device-resident trajectories; under data parallelism each rank takes its shard
(:mod:`pixelpde.learned.distributed`) and the gradients and loss are summed
over the ranks in one buffer.  Nothing is read back to the host per batch: the
batch losses and the first non-finite batch are recorded on the device and
read once at the end of the epoch, so a NaN/Inf loss or gradient is reported
(:class:`TrainingDiverged`, naming the batch) when its epoch ends, before any
checkpoint of that epoch is written.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from pixelpde.ground.errors import TrainingDiverged
from pixelpde.integrators import rollout
from pixelpde.learned.data import gather_windows
from pixelpde.learned.distributed import SINGLE, World, all_reduce_sum, shard


def batch_loss(model, windows: torch.Tensor, dt: float, integrator, total: int | None = None) -> torch.Tensor:
    """The recurrent loss of a batch of windows (b, M+1, p, p).

    ``total`` is the size of the global batch the windows are a shard of (default:
    ``b``, the batch itself): the sum over the shard is divided by ``total * M``, so
    the shards' losses (and gradients) add up to those of the global batch."""
    b, length = windows.shape[:2]
    M = length - 1
    pred = rollout(model, windows[:, 0], dt, M, integrator, grad=True)
    return (pred[:, 1:] - windows[:, 1:]).square().sum() / ((b if total is None else total) * M)


def _generator(seed: int, *key: int) -> torch.Generator:
    state = np.random.SeedSequence([int(seed), *(int(k) for k in key)]).generate_state(2)
    return torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))


def epoch_permutation(n: int, seed: int, stage: int, epoch: int) -> torch.Tensor:
    """The window order of one epoch, a function of (seed, stage, epoch) only."""
    return torch.randperm(n, generator=_generator(seed, stage, epoch))


def noise_generator(seed: int, stage: int, epoch: int) -> torch.Generator:
    """The input-noise stream of one epoch (independent of the order's); every rank draws the whole
    global batch's noise and keeps its shard, so the noise does not depend on the number of workers."""
    return _generator(seed, stage, epoch, 1)


def run_epoch(
    model,
    optimizer,
    U,
    index,
    M,
    dt,
    integrator,
    config,
    stage,
    epoch,
    world: World = SINGLE,
    loss_fn=None,
    on_batch=None,
    project=None,
) -> dict:
    """Epoch ``epoch`` of stage ``stage`` (0-based): one Adam step per global batch.

    Returns the epoch's log row; raises :class:`TrainingDiverged` (message without
    what was kept: the caller adds it) when a batch had a non-finite loss or gradient.
    ``loss_fn`` replaces :func:`batch_loss` (a compiled version of it); ``on_batch`` is
    called after every batch (a progress bar); ``project(params)``, when given, replaces the
    (all-reduced) gradients by their projection before each Adam step (``--tied-pairs``)."""
    loss_fn = loss_fn or batch_loss
    device = U.device
    order = index[epoch_permutation(len(index), config.seed, stage, epoch)].to(device)
    n, B = len(order), config.batch_size
    n_batches = -(-n // B)
    params = [p for p in model.parameters() if p.requires_grad]
    sizes = [p.numel() for p in params]
    losses = torch.zeros(n_batches, dtype=U.dtype, device=device)
    first_bad = torch.full((), -1, dtype=torch.long, device=device)
    noise = noise_generator(config.seed, stage, epoch) if config.input_noise else None
    start = time.perf_counter()
    for b in range(n_batches):
        rows = order[b * B : (b + 1) * B]
        mine = shard(rows, world)
        if noise is not None:
            draw = torch.rand((len(rows), *U.shape[2:]), generator=noise, dtype=torch.float64)
            draw = shard((2 * draw - 1) * config.input_noise, world).to(device=device, dtype=U.dtype)
        optimizer.zero_grad(set_to_none=False)
        if len(mine):
            windows = gather_windows(U, mine, M + 1)
            if noise is not None:
                windows = torch.cat([(windows[:, 0] + draw)[:, None], windows[:, 1:]], dim=1)
            loss = loss_fn(model, windows, dt, integrator, len(rows))
            loss.backward()
        else:  # a short last batch with fewer windows than workers: this rank adds nothing
            loss = torch.zeros((), dtype=U.dtype, device=device)
        flat = torch.cat(
            [p.grad.reshape(-1) if p.grad is not None else torch.zeros_like(p).reshape(-1) for p in params]
            + [loss.detach().reshape(1)]
        )
        all_reduce_sum(flat, world)
        if world.size > 1:
            for p, g in zip(params, flat[:-1].split(sizes), strict=True):
                if p.grad is None:  # a rank whose shards were all empty so far has no gradient yet
                    p.grad = g.view_as(p).clone()
                else:
                    p.grad.copy_(g.view_as(p))
        if project is not None:
            project(params)
        losses[b] = flat[-1]
        ok = torch.isfinite(flat).all()
        first_bad = torch.where(ok | (first_bad >= 0), first_bad, torch.full_like(first_bad, b))
        optimizer.step()
        if on_batch is not None:
            on_batch()
    losses = losses.cpu()  # the epoch's one host-device synchronisation
    bad = int(first_bad)
    seconds = time.perf_counter() - start
    if bad >= 0:
        where = f"stage {stage + 1} (M={M}), epoch {epoch + 1}, batch {bad + 1}"
        value = float(losses[bad])
        if not np.isfinite(value):
            raise TrainingDiverged(f"training diverged: loss is {value} at {where}")
        raise TrainingDiverged(f"training diverged: non-finite gradient at {where}")
    batch_sizes = torch.tensor([min(B, n - b * B) for b in range(n_batches)], dtype=torch.float64)
    return {
        "stage": stage + 1,
        "M": M,
        "epoch": epoch + 1,
        "loss": float((losses.to(torch.float64) * batch_sizes).sum() / n),
        "windows": n,
        "seconds": seconds,
        "windows_per_s": n / seconds if seconds > 0 else None,
        "workers": world.size,
    }
