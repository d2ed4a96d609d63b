"""What a study writes: ``study.json``, ``results.csv``, ``figure.png`` and ``report.md`` (atomically).

Relative errors are fractions in ``study.json`` and ``results.csv`` (columns ``rE_frac(j)``,
``rE_frac_band{w}(J)``, ...: 0.01 means 1 %); ``report.md``'s table, for people, shows them in
per cent: its headers read ``rE(j) %`` and its cells carry a ``%`` sign.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from pathlib import Path

from pixelpde.ground.atomic import atomic_path
from pixelpde.learned.report import percent
from pixelpde.studies.folder import FORMAT, VERSION

AT = (1, 10, 40)


#: Column-name prefix of a relative error held as a fraction; the report shows it as ``rE... %``.
FRACTION = "rE_frac"


def pct(x) -> str:
    """A fraction as per cent, four digits (``0.012345 -> '1.234 %'``)."""
    return percent(x, 4)


def rE_at(result: dict, j: int):
    """rE(j) of a run's result as a fraction (the last j if the run has fewer steps)."""
    rE = result["metrics"]["rE_frac"]
    return rE[min(j, len(rE)) - 1]


def rows(results: list[dict], extra=None) -> list[dict]:
    """One CSV row per run: labels, size, time, rE_frac(1), rE_frac(10), rE_frac(J), maxE(J), mse(J), extras."""
    out = []
    for r in results:
        m = r["metrics"]
        J = len(m["rE_frac"])
        row = {
            "run": r["run"]["name"],
            **r["run"]["labels"],
            "parameters": r["parameters"],
            "train_seconds": round(r["train_seconds"], 3),
            "epochs": r["epochs"],
        }
        for j in sorted({min(j, J) for j in AT}):
            row[f"rE_frac({j})"] = m["rE_frac"][j - 1]
        row[f"maxE({J})"] = m["maxE"][-1]
        row[f"mse({J})"] = m["mse"][-1]
        if extra:
            row.update(extra(r))
        out.append(row)
    return out


def write_json(path: Path, data) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, default=str) + "\n")


def write_manifest(out: Path, study: str, key: str, sizes, runs, status: str, **more) -> None:
    write_json(
        out / "study.json",
        {
            "format": FORMAT,
            "version": VERSION,
            "study": study,
            "fingerprint": key,
            "status": status,
            "sizes": asdict(sizes),
            "runs": [asdict(r) for r in runs],
            **more,
        },
    )


def write_csv(path: Path, table: list[dict]) -> None:
    names = []
    for row in table:
        names += [k for k in row if k not in names]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=names)
    writer.writeheader()
    writer.writerows(table)
    with atomic_path(path) as tmp:
        tmp.write_text(buf.getvalue())


def markdown_table(table: list[dict]) -> str:
    if not table:
        return "(no runs)"
    """The rows as a Markdown table for people: ``rE_frac...`` columns shown in per cent, headed ``rE... %``."""
    names = list(table[0])
    heads = [f"rE{k.removeprefix(FRACTION)} %" if k.startswith(FRACTION) else k for k in names]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(names)]
    for row in table:
        cells = [_cell(k, row.get(k)) for k in names]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(name: str, value) -> str:
    if value is None:
        return ""
    if name.startswith(FRACTION):
        return pct(value)
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=90, format="png")
    pyplot().close(fig)
