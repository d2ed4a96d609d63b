"""Where training and evaluation run: the device choice.

``auto`` is CUDA when present, else the CPU.  Under data-parallel training
each worker takes the GPU of its local rank (``cuda:LOCAL_RANK``, one GPU per
worker, :mod:`pixelpde.learned.distributed`).
"""

from __future__ import annotations

import torch

from pixelpde.ground.errors import InputError


def pick_device(name: str = "auto", local_rank: int | None = None) -> torch.device:
    """CUDA when present (``auto``), else CPU; with ``local_rank`` the worker's own GPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"device {name!r} requested but CUDA is not available")
    device = torch.device(name)
    if device.type == "cuda" and local_rank is not None and device.index is None:
        if local_rank >= torch.cuda.device_count():
            raise InputError(f"worker with local rank {local_rank} has no GPU: {torch.cuda.device_count()} visible")
        device = torch.device("cuda", local_rank)
    return device


def deterministic(device: torch.device) -> None:
    """cuDNN's deterministic kernels on CUDA (no benchmark autotuning)."""
    if device.type == "cuda":
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
