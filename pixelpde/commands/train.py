"""``pixelpde train PROBLEM --data FILE --out DIR [--nproc N]``: Algorithm 3 for an Algorithm 2 network.

With ``--nproc N`` the same training runs in N local data-parallel workers
(:mod:`pixelpde.learned.distributed`); under ``torchrun --nproc-per-node N -m pixelpde
train ...`` each launched process is one worker.  Everything the workers would
refuse is checked once, before any worker starts.
"""

from __future__ import annotations

import sys

from pixelpde.commands._common import add_nproc_option, add_runtime_options, apply_runtime_options
from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import MAX_SUBSTEPS, check_int, check_seed

#: CLI option -> TrainConfig field; every one defaults to None so that the
#: problem's preset, the paper's defaults or (with --resume) the checkpoint fill it.
OPTIONS = {
    "arch": (
        str,
        "network: table1..table4, algorithm1[:a-b-c], theorem32 or RELU/RELU2 channel lists (default: the problem's table)",
    ),
    "integrator": (str, "euler, projected-euler, rk2, rk4 or projected-rk2/-rk4 (default: the problem's)"),
    "substeps": (int, "integrator substeps s per dt (default: 2 advection, 3 heat and fisher)"),
    "init": (
        str,
        "random (orthogonal weights, zero biases; default), constructive (exact F = X) or fitted (the data's one-step map, periodic linear data)",
    ),
    "init_noise": (float, "with --init constructive: add noise * N(0,1) to every weight (default 0)"),
    "epochs": (int, "epochs per stage (default 100)"),
    "lr": (float, "starting learning rate (default 1e-2)"),
    "lr_step": (int, "divide the learning rate every this many epochs (default 30)"),
    "lr_gamma": (float, "by this factor (default 0.1)"),
    "stage_lr_factor": (float, "starting lr of each next stage times this (default 0.2, i.e. /5)"),
    "batch_size": (int, "windows per batch (default 32)"),
    "seed": (int, "seed of the initialisation and the window order (default 0)"),
    "dtype": (str, "float32 (default) or float64"),
    "dt": (float, "the network's time step (default: the dataset's; a different value is refused)"),
    "window_stride": (int, "windows start every this many snapshots (default 1: all windows)"),
    "windows": (
        str,
        "all (every window of M+1 snapshots; default) or first (one per trajectory, from its initial condition, as the paper's code)",
    ),
    "input_noise": (
        float,
        "add uniform noise in [-a, a] to each window's initial state (the paper's later code: 1e-2; default 0)",
    ),
    "kernel_size": (int, "filter size k of the convolutions (default 3; the paper's later code: 5)"),
    "name": (str, "model name in evaluation (default: learned, or learned-constructive-init)"),
    "curve_data": (
        str,
        "held-out trajectories (.h5, same PDE, grid and dt): write the learning curve curve.csv/curve.json (rE, maxE)",
    ),
    "curve_every": (int, "with --curve-data: measure after every this many epochs and after the last (default 10)"),
    "curve_n": (int, "with --curve-data: on the first N held-out trajectories (default 30)"),
    "curve_steps": (int, "with --curve-data: for j = 1..J steps (default 40)"),
}


def register(sub) -> None:
    p = sub.add_parser("train", help="train an Algorithm 2 network with recurrent loss (Algorithm 3)")
    p.add_argument("problem", choices=["advection", "heat", "fisher"], help="sets the paper's network and integrator")
    p.add_argument("--data", required=True, help="training dataset (.h5 from the finite-element generator)")
    p.add_argument("--out", required=True, help="run directory (checkpoint, log.csv/json, model.pt + .json)")
    for key, (kind, text) in OPTIONS.items():
        p.add_argument("--" + key.replace("_", "-"), type=kind, default=None, help=text)
    p.add_argument("--stages", default=None, help="window lengths M of the stages, comma separated (default 3,4,5)")
    p.add_argument("--no-relu-bias", action="store_true", help="no biases in the ReLU chain")
    p.add_argument("--no-relu2-bias", action="store_true", help="no biases in the ReLU^2 branch")
    p.add_argument("--allow-dt-mismatch", action="store_true", help="accept --dt different from the dataset's")
    p.add_argument("--n-train", type=int, default=None, help="use the first N trajectories (after --min-norm)")
    p.add_argument(
        "--min-norm",
        type=float,
        default=None,
        help="keep only trajectories with ||U^0|| > this (default: all; the generator already filters Fisher data)",
    )
    p.add_argument(
        "--mean-free-filters",
        action="store_true",
        help="with --init random: subtract each first-layer filter's mean (the paper's code)",
    )
    p.add_argument(
        "--compile",
        action="store_true",
        help="run the loss and rollout through torch.compile: about 2x fewer CPU-seconds per step measured at p = 100, after minutes of compilation per window length; for long runs",
    )
    p.add_argument(
        "--tied-pairs",
        action="store_true",
        help="with --init fitted: fine-tune keeping the network exactly linear (tied ReLU pairs, zero biases and ReLU^2 branch)",
    )
    p.add_argument("--resume", action="store_true", help="continue the interrupted run in --out (unchanged settings)")
    add_runtime_options(p)
    add_nproc_option(p)
    p.set_defaults(func=run)


def config_from_args(args, base: dict):
    from pixelpde.learned.config import TrainConfig

    given = {key: getattr(args, key) for key in OPTIONS if getattr(args, key) is not None}
    if args.stages is not None:
        try:
            given["stages"] = tuple(int(m) for m in args.stages.split(","))
        except ValueError:
            raise InputError(f"--stages {args.stages!r} must be comma-separated integers such as 3,4,5") from None
    if args.no_relu_bias:
        given["relu_bias"] = False
    if args.no_relu2_bias:
        given["relu2_bias"] = False
    if args.allow_dt_mismatch:
        given["allow_dt_mismatch"] = True
    if args.mean_free_filters:
        given["mean_free"] = True
    if args.compile:
        given["compile"] = True
    if args.tied_pairs:
        given["tied_pairs"] = True
    if args.device is not None:
        given["device"] = args.device
    return TrainConfig(**{**base, **given})


def load_training_data(args):
    from pixelpde.learned.data import Trajectories

    data = Trajectories.open(args.data)
    if data.problem is not None and data.problem != args.problem:
        raise InputError(f"{args.data!r} holds {data.problem!r} data, not {args.problem!r}")
    return data.select(count=args.n_train, min_norm=args.min_norm)


def prepare(args):
    """(data, config): everything a worker would refuse, checked here (one line, exit 2)."""
    from pathlib import Path

    if args.substeps is not None:  # cheap checks before the heavy imports (TrainConfig checks all again)
        check_int(args.substeps, "substeps", 1, MAX_SUBSTEPS)
    if args.seed is not None:
        check_seed(args.seed)
    from pixelpde.learned.device import pick_device
    from pixelpde.learned.presets import preset
    from pixelpde.learned.runfiles import CHECKPOINT, read_checkpoint
    from pixelpde.learned.timestep import model_dt

    pick_device(args.device or "auto")  # a missing GPU is refused before any work
    data = load_training_data(args)
    if args.resume:
        base = read_checkpoint(Path(args.out) / CHECKPOINT)["config"]
    else:
        pre = preset(args.problem)
        base = {"arch": pre.arch, "integrator": pre.integrator, "substeps": pre.substeps}
        if (Path(args.out) / CHECKPOINT).exists():
            raise InputError(
                f"{args.out!r} already holds a training run; pass --resume to continue it or choose another --out"
            )
    config = config_from_args(args, base)
    model_dt(config, data.dt)
    return data, config


def run(args) -> int:
    from pixelpde.learned import distributed

    apply_runtime_options(args)
    world = distributed.world_from_env()
    nproc = None if args.nproc is None else distributed.parse_nproc(args.nproc)
    if world is not None:  # started by torchrun: this process is one worker
        if nproc not in (None, world.size):
            raise InputError(
                f"--nproc {nproc} under a launcher of {world.size} workers; drop --nproc (the launcher starts the workers)"
            )
        return worker(args, world)
    from pixelpde.ground.lock import folder_lock

    with folder_lock(args.out):  # one run per folder: a second writer is refused in one line
        return _run_locked(args, nproc)


def _run_locked(args, nproc) -> int:
    from pixelpde.learned import distributed

    data, config = prepare(args)
    if nproc in (None, 1):
        return train_here(args, data, config, distributed.SINGLE)
    from pixelpde.learned.train import train_parallel

    distributed.check_world(distributed.World(0, nproc), config.batch_size)
    # a divergence (TrainingDiverged) is one line and exit 3 in pixelpde.cli, as for every command
    run = train_parallel(
        nproc,
        args.data,
        config,
        args.out,
        progress=not args.no_progress,
        threads=args.threads,
        resume=args.resume,
        count=args.n_train,
        min_norm=args.min_norm,
    )
    report(args, data, config, run.model, run.meta["epochs"], run.meta["final_loss"], nproc)
    return 0


def worker(args, world) -> int:
    """One data-parallel worker started by torchrun; rank 0 prints and reports errors."""
    from pixelpde.learned import distributed

    code = 2
    try:
        data, config = prepare(args)
        code = train_here(args, data, config, world)
        return code
    except InputError:
        if world.main:
            raise
        return 2
    finally:
        distributed.finish(success=code == 0)


def train_here(args, data, config, world) -> int:
    """Train in this process (alone, or as one torchrun worker)."""
    from pixelpde.learned import distributed
    from pixelpde.learned.device import pick_device
    from pixelpde.learned.train import TrainingDiverged, train

    distributed.check_world(world, config.batch_size)
    distributed.init(world, pick_device(config.device, world.local_rank if world.size > 1 else None))
    try:
        result = train(data, config, args.out, resume=args.resume, progress=not args.no_progress, world=world)
    except TrainingDiverged as exc:
        if world.main:
            print(f"pixelpde: error: {exc}", file=sys.stderr)
        return 3
    if world.main:
        report(args, data, config, result.model, len(result.log), result.final_loss, world.size)
    return 0


def report(args, data, config, model, epochs: int, final_loss, workers: int) -> None:
    """The two closing lines: what was trained, and what was written."""
    from pathlib import Path

    params = sum(p.numel() for p in model.parameters())
    many = f", {workers} workers" if workers > 1 else ""
    loss = float("nan") if final_loss is None else final_loss
    print(
        f"trained {config.arch} ({params} parameters, init {config.init}) on {data.n_trajectories} trajectories "
        f"of {args.data}: {epochs} epochs{many}, final loss {loss:.6g}"
    )
    print(f"wrote {Path(args.out) / 'model.pt'} (+ .json), log.csv, log.json")
