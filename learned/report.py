"""Evaluation outputs: metrics files, figures and a Markdown report (writing only).

:func:`write_evaluation` writes what :func:`pixelpde.learned.evaluate.evaluate_runs`
computed (metrics (23)-(25) of trained runs and constructed networks) into the
output directory

* ``metrics.json`` -- ``{model: {"maxE": [J floats], "mse": [...], "rE_frac": [...]}}``,
* ``metrics.csv`` -- one row per (model, j): ``model, j, maxE, mse, rE_frac``,
* ``evaluation.json`` -- what was compared (data, steps, integrators) and the metrics' ``units``,
* ``errors.png`` -- Figures 3-5 style error curves,
* ``figure1-MODEL.png`` -- the Figure 1 panel of the first test trajectory.

:func:`write_report` adds ``report.md`` (used by ``pixelpde reproduce``).

rE is a fraction in every file (``rE_frac``: 0.01 means 1 %); ``report.md``'s table, written for
people, shows it in per cent with a ``%`` sign.  :func:`read_metrics` reads ``metrics.json`` back,
also one written before the key named its unit (``rE``, the same fractions).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from pathlib import Path

from pixelpde.ground.atomic import atomic_path
from pixelpde.ground.validate import check_name
from pixelpde.learned.data import Trajectories
from pixelpde.learned.evaluate import METRICS, with_unit_keys


def write_evaluation(out, evaluation, test: Trajectories) -> dict:
    """Write what :func:`pixelpde.learned.evaluate.evaluate_runs` found into ``out``; returns the metrics."""
    from pixelpde.learned.plots import error_curves, prediction_panel

    out = Path(out)
    metrics, steps = evaluation.metrics, evaluation.record["steps"]
    write_metrics(out, metrics)
    with atomic_path(out / "evaluation.json") as tmp:
        tmp.write_text(json.dumps(evaluation.record, indent=1, default=str) + "\n")
    title = f"{test.problem or test.pde}: {test.n_trajectories} test trajectories, p = {test.p}"
    error_curves(metrics, out / "errors.png", title)
    # a system's panel shows its first field (channel 0); per-field metrics are reproduce's metrics-fields.json
    first = (lambda a: a[0]) if test.channels > 1 else (lambda a: a)
    field = f" (field {str(test.attrs.get('fields', 'u')).split(',')[0]})" if test.channels > 1 else ""
    for name, pred in evaluation.predictions.items():
        check_name(name, "model name")  # it becomes figure1-NAME.png inside out_dir
        prediction_panel(
            first(test.U[0, 0].numpy()),
            first(test.U[0, steps].numpy()),
            first(pred[0, steps].numpy()),
            out / f"figure1-{name}.png",
            steps,
            f"{name}{field}: {test.pde}",
        )
    return metrics


def _finite(x: float):
    return x if math.isfinite(x) else None


def write_metrics(out_dir, metrics: dict) -> None:
    """``metrics.json`` ``{model: {"maxE": [...], "mse": [...], "rE_frac": [...]}}``
    (non-finite values as null) and ``metrics.csv`` (model, j, maxE, mse, rE_frac); rE as a fraction."""
    out_dir = Path(out_dir)
    clean = {name: {k: [_finite(v) for v in m[k]] for k in METRICS} for name, m in metrics.items()}
    with atomic_path(out_dir / "metrics.json") as tmp:
        tmp.write_text(json.dumps(clean, indent=1) + "\n")
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["model", "j", *METRICS])
    for name, m in clean.items():
        for j in range(len(m["rE_frac"])):
            writer.writerow([name, j + 1, *(m[k][j] for k in METRICS)])
    with atomic_path(out_dir / "metrics.csv") as tmp:
        tmp.write_text(buf.getvalue())


def read_metrics(path) -> dict:
    """``{model: {"maxE", "mse", "rE_frac"}}`` from a ``metrics.json`` (also one whose rE key is the older ``rE``)."""
    return {name: with_unit_keys(m) for name, m in json.loads(Path(path).read_text()).items()}


def _fmt(x) -> str:
    return "diverged" if x is None or not math.isfinite(x) else f"{x:.3g}"


def percent(fraction, digits: int = 3) -> str:
    """A fraction as per cent for people to read: ``0.0542 -> '5.42 %'`` (``'diverged'`` if not finite)."""
    return "diverged" if fraction is None or not math.isfinite(fraction) else f"{100 * fraction:.{digits}g} %"


def metrics_table(metrics: dict, at=(1, 10, 20, 40)) -> str:
    """Markdown table of rE(j) at some j, in per cent (headers and cells say so), and maxE, mse at the last j."""
    J = len(next(iter(metrics.values()))["rE_frac"])
    at = [j for j in at if j <= J]
    head = "| model | " + " | ".join(f"rE({j}) %" for j in at) + f" | maxE({J}) | mse({J}) |"
    rows = [head, "|" + "---|" * (len(at) + 3)]
    for name, m in metrics.items():
        rE = [percent(m["rE_frac"][j - 1]) for j in at]
        rows.append(f"| {name} | " + " | ".join(rE) + f" | {_fmt(m['maxE'][-1])} | {_fmt(m['mse'][-1])} |")
    return "\n".join(rows)


#: What each metric measures, for a reader of report.md (eqs. (23)-(25) of the paper).
METRICS_TEXT = """\
E^j = (predicted U^j) - (reference U^j: the test data, finite-element or spectral) is the error after j
steps of the network, started from the test trajectory's U^0; every metric is taken over all test
trajectories (and, for a system, over all its fields), at each j:

- **rE(j)**, eq. (25): the relative error, the mean over trajectories of ||E^j|| / ||U^j||
  (Frobenius norms), shown here in per cent: 1 % means the prediction is off by a hundredth of the field
  (the files hold it as a fraction, `rE_frac`: 0.01 there is 1 % here);
- **maxE(j)**, eq. (23): the largest pointwise error |E^j| over all trajectories and pixels;
- **mse(j)**, eq. (24): the mean over trajectories of ||E^j||^2 / p^2, the mean squared pixel error
  (for a system: / (C p^2), C fields).

Lower is better for all three; 0 would be the reference data exactly.  `constructed` is the
exact network of the PDE (Theorem 3.2; the 3 x 3 finite-difference scheme), `constructed-5x5-order4`
its fourth-order 5 x 5 version, `learned*` the trained networks, `baseline-*` a peer's design trained
on the same data."""


def _last_finite(values):
    return values[-1] if values and values[-1] is not None and math.isfinite(values[-1]) else None


def conclusion(metrics: dict) -> str:
    """The table in words: the models ranked by rE at the last step, with ratios to the best."""
    J = len(next(iter(metrics.values()))["rE_frac"])
    final = {name: _last_finite(m["rE_frac"]) for name, m in metrics.items()}
    ranked = sorted((v, name) for name, v in final.items() if v is not None)
    diverged = [name for name, v in final.items() if v is None]
    if not ranked:
        return f"Every model diverged within {J} steps."
    best_value, best = ranked[0]
    lines = [f"After j = {J} steps the most accurate model is `{best}` (rE = {percent(best_value)})."]
    for value, name in ranked[1:]:
        ratio = value / best_value if best_value > 0 else math.inf
        lines.append(f"`{name}` follows with rE = {percent(value)} ({ratio:.3g} times larger).")
    if diverged:
        lines.append("Diverged (non-finite error): " + ", ".join(f"`{n}`" for n in diverged) + ".")
    learned = [name for name in final if name.startswith("learned") and final[name] is not None]
    if "constructed" in final and final["constructed"] is not None and learned:
        better = [n for n in learned if final[n] < final["constructed"]]
        lines.append(
            (
                "Trained networks more accurate than the constructed 3 x 3 network: "
                + ", ".join(f"`{n}`" for n in better)
                + "."
            )
            if better
            else "No trained network is more accurate than the constructed 3 x 3 network here."
        )
    return " ".join(lines)


def write_report(
    out,
    title: str,
    sections: list[tuple[str, str]],
    metrics: dict,
    figures: list[str],
    after: Sequence[tuple[str, str]] = (),
) -> Path:
    """``out/report.md``: a title, free-form sections, the metrics explained, the table, its conclusion, figures."""
    out = Path(out)
    lines = [f"# {title}", ""]
    for heading, body in sections:
        lines += [f"## {heading}", "", body.strip(), ""]
    lines += ["## Test errors (metrics (23)-(25))", "", METRICS_TEXT, "", metrics_table(metrics), ""]
    lines += [conclusion(metrics), "", "Full curves: `metrics.json`, `metrics.csv`.", ""]
    for heading, body in after:
        lines += [f"## {heading}", "", body.strip(), ""]
    for fig in figures:
        lines += [f"![{fig}]({fig})", ""]
    path = out / "report.md"
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines))
    return path
