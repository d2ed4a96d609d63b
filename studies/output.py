"""What a study writes: ``study.json``, ``results.csv``, ``figure.png`` and ``report.md`` (atomically)."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict
from pathlib import Path

from pixelpde.ground.atomic import atomic_path
from pixelpde.studies.folder import FORMAT, VERSION

AT = (1, 10, 40)


def pct(x) -> str:
    return "diverged" if x is None or not math.isfinite(x) else f"{100 * x:.4g} %"


def rE_at(result: dict, j: int):
    rE = result["metrics"]["rE"]
    return rE[min(j, len(rE)) - 1]


def rows(results: list[dict], extra=None) -> list[dict]:
    """One CSV row per run: labels, size, time, rE(1), rE(10), rE(J), maxE(J), mse(J), extras."""
    out = []
    for r in results:
        m = r["metrics"]
        J = len(m["rE"])
        row = {
            "run": r["run"]["name"],
            **r["run"]["labels"],
            "parameters": r["parameters"],
            "train_seconds": round(r["train_seconds"], 3),
            "epochs": r["epochs"],
        }
        for j in sorted({min(j, J) for j in AT}):
            row[f"rE({j})"] = m["rE"][j - 1]
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
    names = list(table[0])
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    for row in table:
        cells = []
        for k in names:
            v = row.get(k)
            cells.append(
                "" if v is None else pct(v) if k.startswith("rE(") else f"{v:.3g}" if isinstance(v, float) else str(v)
            )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=90, format="png")
    pyplot().close(fig)
