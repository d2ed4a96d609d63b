"""The log-log plot of a study record (matplotlib, Agg backend, no LaTeX).

Errors in the max and discrete L2 norms against the step (dt or dx), with
dashed reference slopes of the expected order (and one less and one more),
anchored at the finest point of the norm the orders are computed in.
Drawn from the JSON record alone, so a saved study can be re-plotted.
"""

from __future__ import annotations

import numpy as np

from pixelpde.ground.atomic import atomic_path

_LABELS = {"max": "max error", "l2": "discrete L2 error", "rel": "relative error"}
_KEYS = {"max": "error_max", "l2": "error_l2", "rel": "error_rel"}


def plot_study(study: dict, path) -> None:
    """Write the plot of ``study`` (a :func:`pixelpde.convergence.run_study` record) to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    delta = np.array([row["delta"] for row in study["rows"]])
    symbol = "\u0394t" if study["vary"] == "dt" else "\u0394x"
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=120)
    for norm, marker in (("max", "o"), ("l2", "s")):
        errors = np.array([row[_KEYS[norm]] for row in study["rows"]])
        ax.loglog(delta, errors, marker=marker, linewidth=1.8, label=_LABELS[norm])
    chosen = np.array([row[_KEYS[study["norm"]]] for row in study["rows"]])
    expected = study.get("expected_order")
    if expected:
        anchor_d, anchor_e = delta[-1], chosen[-1]
        for slope, style, colour in (
            (expected - 1, ":", "tab:red"),
            (expected, "--", "black"),
            (expected + 1, ":", "tab:green"),
        ):
            if slope <= 0:
                continue
            label = f"slope {slope}" + (" (expected)" if slope == expected else "")
            ax.loglog(delta, anchor_e * (delta / anchor_d) ** slope, style, color=colour, linewidth=1.0, label=label)
    size = study["stencils"]["size"]
    fitted = study.get("fitted_order")
    fit_text = "n/a" if fitted is None else f"{fitted:.3f}"
    ax.set_xlabel(f"{symbol} (step)" if study["vary"] == "dt" else f"{symbol} (grid spacing)")
    ax.set_ylabel(f"error at t = {study['T']:g} (field units)")
    lowered = (
        "\nexpected order lowered by zero Dirichlet padding (deviation 8)" if study.get("expected_order_note") else ""
    )
    ax.set_title(
        f"{study['pde']} ({study['bc']}, {size}x{size} stencils), {study['integrator']}\n"
        f"fitted order {fit_text} ({_LABELS[study['norm']]}), expected {expected}{lowered}",
        fontsize=9,
    )
    ax.set_xticks(delta, [f"{d:.3g}" for d in delta], fontsize=8)
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
