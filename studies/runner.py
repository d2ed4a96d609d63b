"""``run_study``: spec -> plan of runs -> each run trained and evaluated -> study.json, CSV, figure, report.

A study module defines ``HEADER`` (a :class:`~pixelpde.studies.sizes.StudyHeader`: title, question,
sizes ``tiny`` for the tests, ``quick`` for minutes on a CPU, ``full``), ``plan(sizes) -> [RunSpec]``,
``figure(sizes, results, path)``, ``findings(sizes, results) -> str`` and
optionally ``columns(result) -> dict`` (extra CSV columns).
"""

from __future__ import annotations

import importlib
import platform
import time
from pathlib import Path

from pixelpde.ground.errors import InputError
from pixelpde.studies import STUDIES
from pixelpde.studies.folder import check_folder
from pixelpde.studies.output import markdown_table, rows, write_csv, write_manifest
from pixelpde.studies.runs import execute


def get_study(name: str):
    if name not in STUDIES:
        raise InputError(f"unknown study {name!r} (use one of {', '.join(STUDIES)})")
    return importlib.import_module(f"pixelpde.studies.{name}")


def study_sizes(name: str, size: str = "quick", **overrides):
    """The validated :class:`~pixelpde.studies.sizes.Sizes` of a study (``overrides``: p, seeds, ...)."""
    return get_study(name).HEADER.sized(size, **overrides)


def run_study(
    name: str,
    out,
    size: str = "quick",
    progress: bool = False,
    echo=print,
    nproc: int = 1,
    threads: int | None = None,
    **overrides,
) -> dict:
    """Run (or resume) the study ``name`` into ``out``; returns the study record (also ``out/study.json``).
    ``nproc`` > 1: each training in that many data-parallel workers of ``threads`` CPU threads each
    (None: the cores shared out)."""
    module = get_study(name)
    sizes = study_sizes(name, size, **overrides)
    runs = module.plan(sizes)
    if nproc > 1:
        from pixelpde.learned.distributed import World, check_world

        for run in runs:
            check_world(World(0, nproc), run.config["batch_size"])
    out = Path(out)
    key = check_folder(out, name, sizes)
    out.mkdir(parents=True, exist_ok=True)
    write_manifest(out, name, key, sizes, runs, "running", size=size)
    start = time.perf_counter()
    results = []
    for i, run in enumerate(runs):
        echo(f"[{i + 1}/{len(runs)}] {run.name}")
        results.append(execute(run, out, progress, echo, nproc=nproc, threads=threads))
    seconds = time.perf_counter() - start
    table = rows(results, getattr(module, "columns", None))
    write_csv(out / "results.csv", table)
    module.figure(sizes, results, out / "figure.png")
    text = module.findings(sizes, results)
    machine = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
    }
    summary = {
        "table": table,
        "findings": text,
        "figure": "figure.png",
        "csv": "results.csv",
        "seconds_this_call": seconds,
        "machine": machine,
    }
    write_manifest(
        out,
        name,
        key,
        sizes,
        runs,
        "complete",
        size=size,
        summary=summary,
        results=[
            {k: r[k] for k in ("run", "parameters", "train_seconds", "epochs", "final_loss", "metrics", "measures")}
            for r in results
        ],
    )
    _write_report(out, module, name, size, sizes, runs, table, text, seconds)
    return summary


def _write_report(out: Path, module, name, size, sizes, runs, table, text, seconds) -> None:
    from dataclasses import asdict

    from pixelpde.ground.atomic import atomic_path

    lines = [
        f"# pixelpde study {name}{' --quick' if size == 'quick' else ''}: {module.HEADER.title}",
        "",
        f"**Question.** {module.HEADER.question}",
        "",
        "## Setup",
        "",
    ]
    lines += [f"- {k}: {v}" for k, v in asdict(sizes).items()]
    lines += [
        f"- {len(runs)} runs; every configuration (TrainConfig, datasets, seeds) is in `study.json`",
        f"- wall time of the call that finished it: {seconds:.0f} s (runs done before are read back, not retrained)",
        "",
        "## Results",
        "",
        "rE(j) is eq. (25) on the test trajectories, shown here in per cent (`study.json` and `results.csv` hold "
        "it as a fraction, `rE_frac`); maxE, mse are (23), (24) at the last step.",
        "",
        markdown_table(table),
        "",
        "![figure](figure.png)",
        "",
        "## Findings",
        "",
        text.strip(),
        "",
    ]
    with atomic_path(out / "report.md") as tmp:
        tmp.write_text("\n".join(lines))
