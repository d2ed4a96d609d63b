"""Study ``integrators`` (section 5, question 2): the integrator inside the learned model.

The heat network (Table 3) trained and evaluated with Euler x 4, Heun x 2 and RK4 x 1 --
four network evaluations per step each (equal cost) at the data's dt (equal dt) -- and their
projected forms (eq. (31) applied after every substep).  Corollary 3.3 bounds the error of
the *constructed* network by C1 dx^2 + C2 dt^r; for a learned F the question is whether
the order r still shows once the network error ||F_theta - X|| is in the bill.
"""

from __future__ import annotations

import math

from pixelpde.learned.presets import preset
from pixelpde.studies.output import pct, pyplot, rE_at, save_figure
from pixelpde.studies.runs import RunSpec
from pixelpde.studies.sizes import TINY, Sizes, StudyHeader, datasets

#: (integrator, substeps): four evaluations of F per step each.
EQUAL_COST = (("euler", 4), ("rk2", 2), ("rk4", 1), ("projected-euler", 4), ("projected-rk2", 2), ("projected-rk4", 1))
EVALUATIONS = {"euler": 1, "rk2": 2, "rk4": 4}

HEADER = StudyHeader(
    title="integrators in the learned model",
    question=(
        "Section 5: 'the influence of higher-order numerical integrators in the definition and training of neural "
        "networks'. Same network, same data and budget, Euler / Heun / RK4 and projected forms at equal cost "
        "(network evaluations per step) and equal dt."
    ),
    sizes={
        "tiny": TINY,
        "quick": Sizes(p=16, n_train=6, train_steps=5, n_test=10, test_steps=40, seeds=2, epochs=4),
        "full": Sizes(
            p=100, n_train=20, train_steps=10, n_test=30, test_steps=40, seeds=3, epochs=10, lr_step=3, batch_size=32
        ),
    },
)


def plan(sizes: Sizes) -> list[RunSpec]:
    train, test = datasets(sizes, "heat")
    arch = preset("heat").arch
    runs = []
    for seed in range(sizes.seeds):
        for integ, s in EQUAL_COST:
            config = sizes.train_config(arch=arch, integrator=integ, substeps=s, seed=seed)
            cost = EVALUATIONS[integ.removeprefix("projected-")] * s
            runs.append(
                RunSpec(
                    f"heat-{integ}x{s}-seed{seed}",
                    config,
                    train,
                    test,
                    sizes.steps,
                    labels={"integrator": integ, "substeps": s, "evaluations_per_step": cost, "seed": seed},
                    eval_dtype=sizes.eval_dtype,
                )
            )
    return runs


def _groups(results):
    out = {}
    for r in results:
        lab = r["run"]["labels"]
        out.setdefault(f"{lab['integrator']} x{lab['substeps']}", []).append(r)
    return out


def figure(sizes, results, path) -> None:
    plt = pyplot()
    fig, (a, b) = plt.subplots(1, 2, figsize=(13, 4.5), constrained_layout=True)
    for name, rs in _groups(results).items():
        J = len(rs[0]["metrics"]["rE_frac"])
        mean = [_mean([r["metrics"]["rE_frac"][j] for r in rs]) for j in range(J)]
        a.semilogy(range(1, J + 1), mean, "--" if name.startswith("projected") else "-", marker=".", label=name)
        b.scatter([r["train_seconds"] for r in rs], [rE_at(r, J) for r in rs], label=name)
    a.set_xlabel("steps j")
    a.set_ylabel("rE(j), mean over seeds (fraction)")
    a.set_title("heat, Table 3 network, 4 evaluations of F per step")
    a.legend(fontsize=8)
    b.set_xscale("log")
    b.set_yscale("log")
    b.set_xlabel("training time (s)")
    b.set_ylabel(f"rE({sizes.steps}) (fraction)")
    b.legend(fontsize=8)
    save_figure(fig, path)


def _mean(values):
    values = [v for v in values if v is not None and math.isfinite(v)]
    return sum(values) / len(values) if values else float("nan")


def findings(sizes, results) -> str:
    J = sizes.steps
    lines = []
    for name, rs in _groups(results).items():
        lines.append(
            f"- {name}: rE(1) "
            + ", ".join(pct(rE_at(r, 1)) for r in rs)
            + f"; rE({J}) "
            + ", ".join(pct(rE_at(r, J)) for r in rs)
            + "; training "
            + ", ".join(f"{r['train_seconds']:.0f} s" for r in rs)
            + " (per seed)"
        )
    lines.append(
        "- All six use the same network, data, epochs and dt, and evaluate F four times per step. With a "
        "time error C2 dt^r of Corollary 3.3 far below the network's own error at this dt, the order r of the "
        "integrator need not show; differences between rows are then training differences."
    )
    return "\n".join(lines)
