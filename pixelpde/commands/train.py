"""``pixelpde train PROBLEM --data FILE --out DIR``: Algorithm 3 for an Algorithm 2 network."""

from __future__ import annotations

from pixelpde.commands._common import add_runtime_options, apply_runtime_options
from pixelpde.ground.errors import InputError

#: CLI option -> TrainConfig field; every one defaults to None so that the
#: problem's preset, the paper's defaults or (with --resume) the checkpoint fill it.
OPTIONS = {
    "arch": (str, "network: table1..table4, algorithm1[:a-b-c], theorem32 or RELU/RELU2 channel lists (default: the problem's table)"),
    "integrator": (str, "euler, projected-euler, rk2, rk4 or projected-rk2/-rk4 (default: the problem's)"),
    "substeps": (int, "integrator substeps s per dt (default: 2 advection, 3 heat and fisher)"),
    "init": (str, "random (orthogonal weights, zero biases; default), constructive (exact F = X) or fitted (the data's one-step map, periodic linear data)"),
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
    "name": (str, "model name in evaluation (default: learned, or learned-constructive-init)"),
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
    p.add_argument("--min-norm", type=float, default=None, help="keep only trajectories with ||U^0|| > this (default: all; the generator already filters Fisher data)")
    p.add_argument("--resume", action="store_true", help="continue the interrupted run in --out (unchanged settings)")
    add_runtime_options(p)
    p.set_defaults(func=run)


def config_from_args(args, base: dict):
    from pixelpde.learned.train import TrainConfig

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
    if args.device is not None:
        given["device"] = args.device
    return TrainConfig(**{**base, **given})


def load_training_data(args):
    from pixelpde.learned.data import Trajectories

    data = Trajectories.open(args.data)
    if data.problem is not None and data.problem != args.problem:
        raise InputError(f"{args.data!r} holds {data.problem!r} data, not {args.problem!r}")
    return data.select(count=args.n_train, min_norm=args.min_norm)


def run(args) -> int:
    import sys
    from pathlib import Path

    from pixelpde.learned.presets import preset
    from pixelpde.learned.train import CHECKPOINT, TrainingDiverged, pick_device, read_checkpoint, train

    apply_runtime_options(args)
    pick_device(args.device or "auto")  # a missing GPU is refused before any work
    data = load_training_data(args)
    if args.resume:
        base = read_checkpoint(Path(args.out) / CHECKPOINT)["config"]
    else:
        pre = preset(args.problem)
        base = {"arch": pre.arch, "integrator": pre.integrator, "substeps": pre.substeps}
    config = config_from_args(args, base)
    try:
        result = train(data, config, args.out, resume=args.resume, progress=not args.no_progress)
    except TrainingDiverged as exc:
        print(f"pixelpde: error: {exc}", file=sys.stderr)
        return 3
    params = sum(p.numel() for p in result.model.parameters())
    last = result.log[-1] if result.log else {}
    print(
        f"trained {config.arch} ({params} parameters, init {config.init}) on {data.n_trajectories} trajectories "
        f"of {args.data}: {len(result.log)} epochs, final loss {last.get('loss', float('nan')):.6g}"
    )
    print(f"wrote {Path(args.out) / 'model.pt'} (+ .json), log.csv, log.json")
    return 0
