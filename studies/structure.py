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
        out["norm_drift(J)"] = m["norm_drift"][-1]
    if "dissipativity" in m:
        d = m["dissipativity"]
        out["dissipative_steps"] = f"{d['dissipative']}/{d['steps']}"
    for w, v in m.get("boundary_band", {}).items():
        out[f"rE_band{w}(J)"] = v["band"][-1]
        out[f"rE_interior{w}(J)"] = v["interior"][-1]
    return out


def figure(sizes, results, path) -> None:
    plt = pyplot()
    fig, (a, b) = plt.subplots(1, 2, figsize=(13, 4.5), constrained_layout=True)
    for r in results:
        drift = r["measures"].get("norm_drift")
        if drift is not None:
            style = "-" if r["run"]["labels"]["integrator"] == "projected-euler" else "--"
            values = [abs(v) if v is not None and math.isfinite(v) and v != 0 else float("nan") for v in drift]
            a.semilogy(range(1, len(values) + 1), values, style, marker=".", label=r["run"]["name"])
    a.set_xlabel("steps j")
    a.set_ylabel("| ||N^j(U0)|| / ||U0|| - 1 |")
    a.set_title("advection: norm drift (data: 0)")
    a.legend(fontsize=7)
    for r in results:
        for w, v in r["measures"].get("boundary_band", {}).items():
            j = range(1, len(v["band"]) + 1)
            line = b.semilogy(j, v["band"], label=f"{r['run']['name']} band w={w}")[0]
            b.semilogy(j, v["interior"], ":", color=line.get_color(), label=f"{r['run']['name']} interior w={w}")
    b.set_xlabel("steps j")
    b.set_ylabel("rE(j) on the region")
    b.set_title("heat: boundary band vs interior")
    b.legend(fontsize=6)
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
            + f" (seeds 0..{len(rs) - 1}); norm drift at j = {J}: "
            + ", ".join(_g(d) for d in drifts)
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


def _g(x) -> str:
    return "diverged" if x is None or not math.isfinite(x) else f"{x:.3g}"
