"""Evaluation outputs: metrics files, figures and a Markdown report.

:func:`evaluate_runs` is what ``pixelpde evaluate`` does: it loads trained
runs, adds the constructed networks of the test data's PDE, computes metrics
(23)-(25) and writes into the output directory

* ``metrics.json`` -- ``{model: {"maxE": [J floats], "mse": [...], "rE": [...]}}``,
* ``metrics.csv`` -- one row per (model, j),
* ``evaluation.json`` -- what was compared (data, steps, integrators),
* ``errors.png`` -- Figures 3-5 style error curves,
* ``figure1-MODEL.png`` -- the Figure 1 panel of the first test trajectory.

:func:`write_report` adds ``report.md`` (used by ``pixelpde reproduce``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from pixelpde.learned.data import Trajectories
from pixelpde.learned.evaluate import Model, constructed_models, run_models, write_metrics
from pixelpde.ground.atomic import atomic_path
from pixelpde.ground.errors import InputError


def evaluate_runs(
    runs,
    test: Trajectories,
    out,
    steps: int = 40,
    constructed: bool = True,
    integrator=None,
    device: str = "cpu",
    allow_dt_mismatch: bool = False,
    progress: bool = True,
    dtype: str = "float64",
) -> dict:
    """Metrics and figures for trained ``runs`` (:class:`pixelpde.learned.io.Run`) on ``test``."""
    from pixelpde.learned.plots import error_curves, prediction_panel

    out = Path(out)
    models = []
    for run in runs:
        if run.meta["pde"] != test.pde or run.meta["bc"] != str(test.bc):
            raise InputError(f"run {str(run.path)!r} was trained on {run.meta['pde']!r} ({run.meta['bc']}), the test data are {test.pde!r} ({test.bc})")
        info = {k: run.meta.get(k) for k in ("arch", "integrator", "substeps", "dt", "final_loss", "epochs")}
        info["run"] = str(run.path)
        info["init"] = run.meta.get("config", {}).get("init")
        models.append(Model(run.name, run.model, run.integrator(), run.dt, info))
    if constructed:
        if integrator is None:
            if not runs:
                raise InputError("give a trained run or an --integrator for the constructed networks")
            integrator = models[0].integrator
        models += constructed_models(test, integrator, test.dt)
    if not models:
        raise InputError("nothing to evaluate")
    from pixelpde.learned.config import DTYPES

    metrics, predictions = run_models(models, test, steps, device, allow_dt_mismatch, progress, DTYPES[dtype])
    write_metrics(out, metrics)
    record = {
        "data": test.describe(),
        "steps": steps,
        "dtype": dtype,
        "test_trajectories": test.n_trajectories,
        "models": {m.name: {"dt": m.dt, "integrator": m.integrator.name, "substeps": m.integrator.substeps, **m.info} for m in models},
    }
    with atomic_path(out / "evaluation.json") as tmp:
        tmp.write_text(json.dumps(record, indent=1, default=str) + "\n")
    title = f"{test.problem or test.pde}: {test.n_trajectories} test trajectories, p = {test.p}"
    error_curves(metrics, out / "errors.png", title)
    for name, pred in predictions.items():
        prediction_panel(
            test.U[0, 0].numpy(), test.U[0, steps].numpy(), pred[0, steps].numpy(), out / f"figure1-{name}.png", steps, f"{name}: {test.pde}"
        )
    return metrics


def _fmt(x) -> str:
    return "diverged" if x is None or not math.isfinite(x) else f"{x:.3g}"


def metrics_table(metrics: dict, at=(1, 10, 20, 40)) -> str:
    """Markdown table of rE(j) (as %) at some j, and maxE, mse at the last j."""
    J = len(next(iter(metrics.values()))["rE"])
    at = [j for j in at if j <= J]
    head = "| model | " + " | ".join(f"rE({j})" for j in at) + f" | maxE({J}) | mse({J}) |"
    rows = [head, "|" + "---|" * (len(at) + 3)]
    for name, m in metrics.items():
        rE = [_fmt(None if m["rE"][j - 1] is None else 100 * m["rE"][j - 1]) + ("" if m["rE"][j - 1] is None else " %") for j in at]
        rows.append(f"| {name} | " + " | ".join(rE) + f" | {_fmt(m['maxE'][-1])} | {_fmt(m['mse'][-1])} |")
    return "\n".join(rows)


def write_report(out, title: str, sections: list[tuple[str, str]], metrics: dict, figures: list[str]) -> Path:
    """``out/report.md``: a title, free-form sections, the metrics table and figures."""
    out = Path(out)
    lines = [f"# {title}", ""]
    for heading, body in sections:
        lines += [f"## {heading}", "", body.strip(), ""]
    lines += ["## Test errors (metrics (23)-(25))", "", metrics_table(metrics), ""]
    lines += ["Full curves: `metrics.json`, `metrics.csv`.", ""]
    for fig in figures:
        lines += [f"![{fig}]({fig})", ""]
    path = out / "report.md"
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines))
    return path
