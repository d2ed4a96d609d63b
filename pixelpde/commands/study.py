"""``pixelpde study NAME [--quick] --out DIR``: the paper's open questions as reproducible studies."""

from __future__ import annotations

from pixelpde.commands._common import add_nproc_option, add_runtime_options, apply_runtime_options

NAMES = ("capacity", "integrators", "structure", "advection", "datasize")  # pixelpde.studies.STUDIES (checked in tests)


def register(sub) -> None:
    p = sub.add_parser(
        "study",
        help="run a study of the paper's open questions (capacity, integrators, structure, advection, datasize)",
    )
    p.add_argument("name", help=f"the study: {', '.join(NAMES)}")
    size = p.add_mutually_exclusive_group()
    size.add_argument(
        "--quick", action="store_const", const="quick", dest="size", help="minutes on a CPU (default: full sizes)"
    )
    size.add_argument("--size", dest="size", help="tiny, quick or full (default full)")
    p.add_argument(
        "--out", required=True, help="study folder: study.json, results.csv, figure.png, report.md, data/, runs/"
    )
    p.add_argument("--p", type=int, default=None, help="override the grid size p (>= 4)")
    p.add_argument("--seeds", type=int, default=None, help="override the number of seeds (>= 1)")
    add_nproc_option(p)
    add_runtime_options(p)
    p.set_defaults(func=run, size=None)


def run(args) -> None:
    import torch

    from pixelpde.learned.distributed import parse_nproc

    nproc = 1 if args.nproc is None else parse_nproc(args.nproc)
    apply_runtime_options(args)  # --threads and --device checked before torch is touched
    threads = args.threads or 1  # studies train small grids; one thread (per worker) is faster on a shared CPU
    torch.set_num_threads(threads)
    from pixelpde.ground.lock import folder_lock
    from pixelpde.studies.runner import get_study

    get_study(args.name)  # an unknown study is refused before its folder is made
    with folder_lock(args.out):
        summary = _run_study(args, nproc, threads)
    print(summary["findings"])
    print(f"wrote {args.out}/study.json, results.csv, figure.png and report.md")


def _run_study(args, nproc, threads):
    from pixelpde.studies.runner import run_study

    return run_study(
        args.name,
        args.out,
        size=args.size or "full",
        progress=not args.no_progress,
        nproc=nproc,
        threads=threads,
        p=args.p,
        seeds=args.seeds,
    )
