"""``pixelpde evaluate RUN [RUN ...] --data TEST --out DIR``: metrics (23)-(25) and figures."""

from __future__ import annotations

from pixelpde.commands._common import add_runtime_options, apply_runtime_options
from pixelpde.ground.validate import MAX_COUNT, MAX_STEPS, MAX_SUBSTEPS, check_int, check_name


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="test errors (23)-(25) of trained runs beside the constructed networks")
    p.add_argument(
        "runs",
        nargs="*",
        help="run directories written by pixelpde train, optionally as NAME=DIR to rename the model (default name: "
        "the run's, learned or learned-constructive-init); none: only the constructed networks",
    )
    p.add_argument("--data", required=True, help="test dataset (.h5)")
    p.add_argument("--out", required=True, help="output directory (metrics.json/.csv, evaluation.json, PNGs)")
    p.add_argument("--steps", type=int, default=40, help="prediction steps j = 1..steps (default 40)")
    p.add_argument("--n-test", type=int, default=30, help="test initial conditions, the first ones kept (default 30)")
    p.add_argument(
        "--min-norm",
        type=float,
        default=None,
        help="keep only trajectories with ||U^0|| > this (default: all; the generator already filters Fisher data)",
    )
    p.add_argument("--no-constructed", action="store_true", help="skip the constructed (finite-difference) networks")
    p.add_argument(
        "--integrator", default=None, help="integrator of the constructed networks (default: the first run's)"
    )
    p.add_argument("--substeps", type=int, default=None, help="its substeps (default: the first run's, else 1)")
    p.add_argument(
        "--dtype",
        choices=["float64", "float32"],
        default="float64",
        help="evaluation precision (default float64; float32 is ~10x faster on a CPU)",
    )
    p.add_argument("--allow-dt-mismatch", action="store_true", help="evaluate a model whose dt differs from the data's")
    add_runtime_options(p)
    p.set_defaults(func=run)


def run(args) -> None:
    check_int(args.steps, "--steps", 1, MAX_STEPS)  # before the heavy imports
    check_int(args.n_test, "--n-test", 1, MAX_COUNT)
    if args.substeps is not None:
        check_int(args.substeps, "--substeps", 1, MAX_SUBSTEPS)
    from pixelpde.learned.data import Trajectories
    from pixelpde.learned.device import pick_device
    from pixelpde.learned.evaluate import evaluate_runs
    from pixelpde.learned.io import load_run
    from pixelpde.learned.report import metrics_table, write_evaluation

    apply_runtime_options(args)
    runs = []
    for text in args.runs:
        name, sep, path = text.partition("=")
        run = load_run(path if sep else text)
        if sep:
            run.meta["name"] = check_name(name, f"{text!r}: the model name of NAME=DIR")
        runs.append(run)
    test = Trajectories.open(args.data)
    test = test.select(count=args.n_test, min_norm=args.min_norm, steps=args.steps)
    device = pick_device(args.device or "auto")
    integrator = None
    if args.integrator is not None or args.substeps is not None:
        from pixelpde.integrators import get_integrator

        first = runs[0].integrator() if runs else None
        integrator = get_integrator(
            args.integrator or (first.name if first else "euler"),
            args.substeps if args.substeps is not None else (first.substeps if first else 1),
        )
    evaluation = evaluate_runs(
        runs,
        test,
        args.steps,
        not args.no_constructed,
        integrator=integrator,
        device=device,
        allow_dt_mismatch=args.allow_dt_mismatch,
        progress=not args.no_progress,
        dtype=args.dtype,
    )
    metrics = write_evaluation(args.out, evaluation, test)
    print(metrics_table(metrics))
    print(f"wrote {args.out}/metrics.json, metrics.csv, evaluation.json, errors.png, figure1-*.png")
