"""Figures of section 4 with matplotlib (Agg backend, no LaTeX).

* :func:`prediction_panel` -- Figure 1: initial condition, reference at
  J dt, prediction, and their difference, for one test trajectory.
* :func:`error_curves` -- Figures 3-5: maxE, mse and rE against the number
  of steps j, log scale, one line per model, each y axis labelled with its unit
  (rE as a fraction, like the files).
"""

from __future__ import annotations

import math
from typing import Any

from pixelpde.ground.atomic import atomic_path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["text.usetex"] = False
    import matplotlib.pyplot as plt

    return plt


def prediction_panel(U0, truth, pred, path, steps: int, title: str = "") -> None:
    """Figure 1 panel for one trajectory (fields as (p, p) arrays, axis 0 = x)."""
    plt = _pyplot()
    diff = pred - truth
    span = float(abs(diff).max()) or 1.0
    panels: list[tuple[str, Any, dict[str, Any]]] = [
        ("initial condition", U0, {"cmap": "viridis"}),
        (f"reference at {steps} dt", truth, {"cmap": "viridis"}),
        (f"prediction at {steps} dt", pred, {"cmap": "viridis"}),
        ("prediction - reference", diff, {"cmap": "RdBu_r", "vmin": -span, "vmax": span}),
    ]
    fig, axes = plt.subplots(1, 4, figsize=(16, 4), constrained_layout=True)
    for ax, (label, field, style) in zip(axes, panels, strict=True):
        im = ax.imshow(field.T, origin="lower", extent=(0, 1, 0, 1), **style)
        ax.set_title(label)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        fig.colorbar(im, ax=ax, shrink=0.8)
    if title:
        fig.suptitle(title)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=90)
    plt.close(fig)


def error_curves(metrics: dict, path, title: str = "") -> None:
    """Figures 3-5: the three metrics against j for every model (log scale)."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5), constrained_layout=True)
    labels = {
        "maxE": ("maxE(j), eq. (23)", "max |error| (field units)"),
        "mse": ("mse(j), eq. (24)", "mean squared error (field units$^2$)"),
        "rE_frac": ("rE(j), eq. (25)", "relative error (fraction; 0.01 = 1 %)"),
    }
    for ax, key in zip(axes, ("maxE", "mse", "rE_frac"), strict=True):
        for name, m in metrics.items():
            values = [v if v is not None and math.isfinite(v) and v > 0 else float("nan") for v in m[key]]
            ax.semilogy(range(1, len(values) + 1), values, marker=".", label=name)
        ax.set_xlabel("steps j")
        ax.set_title(labels[key][0])
        ax.set_ylabel(labels[key][1])
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize="small")
    if title:
        fig.suptitle(title)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=90)
    plt.close(fig)
