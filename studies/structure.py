"""Study ``structure`` (section 5, question 3; section 4.2): does the learned model keep the data's structure?

* advection: the same network (Table 2) with Euler (30) and projected Euler (31), 2 substeps,
  random initialisation, every seed; the norm drift ||N^j(U^0)|| / ||U^0|| - 1 over the test
  rollouts (the data conserve the norm exactly);
* heat: Table 3 with Euler x 3; how many test steps are dissipative (||U^{j+1}|| <= ||U^j||,
  as the data's identity (38) guarantees), and rE on a boundary band of w pixels against the
  interior (zero Dirichlet padding, section 4.2's boundary artefacts).
"""

from __future__ import annotations

import math

from pixelpde.learned.presets import preset
from pixelpde.studies.output import pct, pyplot, rE_at, save_figure
from pixelpde.studies.runs import RunSpec
from pixelpde.studies.sizes import TINY, Sizes, StudyHeader, datasets

HEADER = StudyHeader(
    title="structure preservation",
    question=(
        "Section 5: 'finding the optimal strategy to preserve such structure in practice remains an open question'; "
        "section 4.2: CNN errors near the boundary. Do projected integrators keep the advection norm, do learned heat "
        "models dissipate, and are errors larger near a Dirichlet boundary?"
    ),
    sizes={
        "tiny": TINY,
        "quick": Sizes(p=32, n_train=6, train_steps=5, n_test=10, test_steps=40, seeds=2, epochs=4),
        "full": Sizes(
            p=100, n_train=20, train_steps=10, n_test=30, test_steps=40, seeds=3, epochs=30, lr_step=9, batch_size=32
        ),
    },
)


def plan(sizes: Sizes) -> list[RunSpec]:
    runs = []
    adv_train, adv_test = datasets(sizes, "advection")
    heat_train, heat_test = datasets(sizes, "heat")
    adv, heat = preset("advection"), preset("heat")
    for seed in range(sizes.seeds):
        for integ in ("projected-euler", "euler"):
            config = sizes.train_config(arch=adv.arch, integrator=integ, substeps=adv.substeps, seed=seed)
            runs.append(
                RunSpec(
                    f"advection-{integ}-seed{seed}",
                    config,
                    adv_train,
                    adv_test,
                    sizes.steps,
                    measures=("norm_drift",),
                    labels={"problem": "advection", "integrator": integ, "seed": seed},
                    eval_dtype=sizes.eval_dtype,
                )
            )
        config = sizes.train_config(arch=heat.arch, integrator=heat.integrator, substeps=heat.substeps, seed=seed)
        runs.append(
            RunSpec(
                f"heat-seed{seed}",
                config,
                heat_train,
                heat_test,
                sizes.steps,
                measures=("dissipativity", "boundary_band"),
                labels={"problem": "heat", "integrator": heat.integrator, "seed": seed},
                eval_dtype=sizes.eval_dtype,
            )
        )
    return runs


def columns(result: dict) -> dict:
    m = result["measures"]
    out = {}
    if "norm_drift" in m:
        out["norm_drift_frac(J)"] = m["norm_drift"][-1]  # ||N^J U0|| / ||U0|| - 1, a fraction
    if "dissipativity" in m:
        d = m["dissipativity"]
        out["dissipative_steps"] = f"{d['dissipative']}/{d['steps']}"
    for w, v in m.get("boundary_band", {}).items():
        out[f"rE_frac_band{w}(J)"] = v["band"][-1]
        out[f"rE_frac_interior{w}(J)"] = v["interior"][-1]
    return out


#: Below this the drift axis is linear, so an exactly conserved norm (drift 0) is drawn at 0, not left out.
DRIFT_LINEAR_BELOW = 1e-16
INTEGRATOR_STYLE = {"projected-euler": ("-", "projected Euler"), "euler": ("--", "Euler")}
SEED_MARKERS = "os^vD<>p"


def figure(sizes, results, path) -> None:
    """Left: advection norm drift, a colour per seed and a line style per integrator, on a symmetric log
    axis (linear below :data:`DRIFT_LINEAR_BELOW`: a drift of exactly 0 stays on the curve).  Right: heat,
    rE(j) on the boundary band and the interior, a colour per band width w, solid band / dotted interior,
    a marker per seed.  Each legend lists the colours and styles once, outside the axes."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    plt = pyplot()
    seed_colours = plt.get_cmap("tab10").colors
    band_colours = plt.get_cmap("Dark2").colors
    fig, (a, b) = plt.subplots(1, 2, figsize=(14, 4.8), layout="constrained")
    seeds, integrators = set(), set()
    for r in results:
        drift = r["measures"].get("norm_drift")
        if drift is None:
            continue
        labels = r["run"]["labels"]
        seeds.add(labels["seed"])
        integrators.add(labels["integrator"])
        values = [abs(v) if v is not None and math.isfinite(v) else float("nan") for v in drift]
        style = INTEGRATOR_STYLE.get(labels["integrator"], ("-.", labels["integrator"]))[0]
        colour = seed_colours[labels["seed"] % len(seed_colours)]
        a.plot(range(1, len(values) + 1), values, style, color=colour, marker=".")
    a.set_yscale("symlog", linthresh=DRIFT_LINEAR_BELOW)
    top = max([abs(x) for x in a.get_ylim()] + [DRIFT_LINEAR_BELOW * 10])
    decades = range(round(math.log10(DRIFT_LINEAR_BELOW)), math.ceil(math.log10(top)) + 1)
    step = max(1, len(decades) // 8)  # at most about 8 labelled decades
    a.set_yticks([0.0] + [10.0**k for k in decades[::step]])
    a.set_ylim(0, 10.0 ** decades[-1])
    a.set_xlabel("steps j")
    a.set_ylabel("| ||N^j(U0)|| / ||U0|| - 1 |  (fraction)")
    a.set_title(f"advection: norm drift (data: 0; axis linear below {DRIFT_LINEAR_BELOW:g})")
    handles = [Line2D([], [], color=seed_colours[s % len(seed_colours)], label=f"seed {s}") for s in sorted(seeds)]
    handles += [
        Line2D([], [], color="k", ls=INTEGRATOR_STYLE.get(i, ("-.", i))[0], label=INTEGRATOR_STYLE.get(i, ("", i))[1])
        for i in sorted(integrators, key=lambda i: list(INTEGRATOR_STYLE).index(i) if i in INTEGRATOR_STYLE else 99)
    ]
    if handles:
        a.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    widths, heat_seeds = [], set()
    for r in results:
        bands = r["measures"].get("boundary_band", {})
        seed = r["run"]["labels"]["seed"]
        if bands:
            heat_seeds.add(seed)
        for i, (w, v) in enumerate(bands.items()):
            if w not in widths:
                widths.append(w)
            colour = band_colours[i % len(band_colours)]
            marker = SEED_MARKERS[seed % len(SEED_MARKERS)]
            j = range(1, len(v["band"]) + 1)
            for values, style in ((v["band"], "-"), (v["interior"], ":")):
                finite = [x if x is not None and math.isfinite(x) and x > 0 else float("nan") for x in values]
                b.semilogy(j, finite, style, color=colour, marker=marker, markersize=4)
    for ax in (a, b):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, which="major", alpha=0.3)
    b.set_xlabel("steps j")
    b.set_ylabel("rE(j) on the region (fraction; 0.01 = 1 %)")
    b.set_title("heat: boundary band of w pixels vs interior")
    handles = [
        Line2D([], [], color=band_colours[i % len(band_colours)], label=f"w = {w}") for i, w in enumerate(widths)
    ]
    handles += [Line2D([], [], color="k", ls="-", label="band"), Line2D([], [], color="k", ls=":", label="interior")]
    handles += [
        Line2D([], [], color="k", ls="", marker=SEED_MARKERS[s % len(SEED_MARKERS)], label=f"seed {s}")
        for s in sorted(heat_seeds)
    ]
    if widths:
        b.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    save_figure(fig, path)


def findings(sizes, results) -> str:
    J = sizes.steps
    lines = []
    for integ in ("projected-euler", "euler"):
        rs = [
            r
            for r in results
            if r["run"]["labels"].get("integrator") == integ and r["run"]["labels"]["problem"] == "advection"
        ]
        drifts = [r["measures"]["norm_drift"][-1] for r in rs]
        lines.append(
            f"- advection, {integ}: rE({J}) "
            + ", ".join(pct(rE_at(r, J)) for r in rs)
            + f" (seeds 0..{len(rs) - 1}); norm drift ||N^j(U0)|| / ||U0|| - 1 at j = {J}: "
            + ", ".join(pct(d) for d in drifts)
        )
    for r in results:
        if r["run"]["labels"]["problem"] != "heat":
            continue
        d = r["measures"]["dissipativity"]
        band = r["measures"]["boundary_band"]
        bands = "; ".join(
            f"w = {w}: band {pct(v['band'][-1])}, interior {pct(v['interior'][-1])}" for w, v in band.items()
        )
        lines.append(
            f"- heat, seed {r['run']['labels']['seed']}: {d['dissipative']} of {d['steps']} test steps dissipative "
            f"(data: {d['reference_dissipative']}); rE({J}) {pct(rE_at(r, J))}; {bands}"
        )
    lines.append(
        "- Projected Euler keeps ||U|| by construction (drift at rounding level, Lemma 2.1); plain Euler's drift is "
        "what the network's F does to the norm. A band error above the interior error means the network has "
        "not learned the zero padding's effect on the first rows."
    )
    return "\n".join(lines)
