"""``pixelpde reproduce advection|heat|fisher|gray-scott|lambda-omega [--quick] --out DIR``: end to end."""

from __future__ import annotations

from pixelpde.commands._common import add_runtime_options, apply_runtime_options


def register(sub) -> None:
    p = sub.add_parser("reproduce", help="simulate -> train -> evaluate -> compare for one problem of section 4")
    p.add_argument(
        "problem",
        choices=["advection", "heat", "fisher", "gray-scott", "lambda-omega"],
        help="a problem of section 4, or a system (spectral data, PeRCNN-style baseline beside)",
    )
    p.add_argument("--quick", action="store_true", help="small grid, few trajectories and epochs (minutes on a CPU)")
    p.add_argument(
        "--out",
        required=True,
        help="output directory (data/, runs/, metrics.json, report.md, PNGs); "
        "run again to reuse a finished or continue an interrupted reproduction",
    )
    p.add_argument(
        "--force", action="store_true", help="start over: remove what a previous reproduction wrote into --out"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the data (test data: seed + 1) and of training")
    p.add_argument("--no-constructive-init", action="store_true", help="skip the constructively initialised run")
    add_runtime_options(p)
    from pixelpde.commands._common import add_nproc_option

    add_nproc_option(p)
    p.set_defaults(func=run)


def run(args) -> None:
    from pixelpde.ground.validate import check_seed
    from pixelpde.learned.device import pick_device
    from pixelpde.learned.distributed import World, check_world, parse_nproc
    from pixelpde.learned.presets import SIZES
    from pixelpde.learned.report import metrics_table
    from pixelpde.learned.reproduce import reproduce

    check_seed(args.seed, "--seed")
    apply_runtime_options(args)
    nproc = 1 if args.nproc is None else parse_nproc(args.nproc)
    check_world(World(0, nproc), SIZES["quick" if args.quick else "full"].batch_size)
    pick_device(args.device or "auto")  # a missing GPU is refused before anything is written
    metrics = reproduce(
        args.problem,
        args.out,
        quick=args.quick,
        seed=args.seed,
        progress=not args.no_progress,
        device=args.device or "auto",
        constructive=not args.no_constructive_init,
        force=args.force,
        nproc=nproc,
    )
    print(metrics_table(metrics))
    print(f"report: {args.out}/report.md (metrics.json, metrics.csv and figures beside it)")
