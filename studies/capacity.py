"""Study ``capacity`` (section 4, question 1): can the theory's own small networks be trained?

For heat and Fisher (advection in the full size): rE(J) against the parameter count for

* ``1-2-1/...``: the ReLU chain of eq. (27) (A1: 2 x 1 x 3 x 3, [L, -L]) inside Algorithm 2, with
  the smallest ReLU^2 branch that holds Lemma 3.1 for the PDE's n terms (width max(1, 6n));
* ``theorem32``: the Theorem 3.2 network at the PDE's n (widths (4n+2, 2n+1, 6n), no biases);
* ``algorithm1``: Algorithm 1 at widths 6-3-6;
* the embedded Table 1-4 networks (the problem's table and Table 1);

each from a random and from the constructive initialisation (exact F = X, then fine-tuned at the
lower learning rate of :mod:`pixelpde.learned.presets`), every seed.
"""

from __future__ import annotations

import math

from pixelpde.learned.presets import preset
from pixelpde.studies.output import pct, pyplot, rE_at, save_figure
from pixelpde.studies.runs import RunSpec
from pixelpde.studies.sizes import TINY, Sizes, StudyHeader, datasets

HEADER = StudyHeader(
    title="small networks",
    question=(
        "Section 4: 'We could not obtain accurate results with networks of the same size as those presented in the "
        "theoretical derivations'. rE against parameter count for the theory's networks and the embedded tables, "
        "random vs constructive initialisation."
    ),
    sizes={
        "tiny": TINY,
        "quick": Sizes(p=16, n_train=6, train_steps=5, n_test=10, test_steps=40, seeds=2, epochs=3),
        "full": Sizes(
            p=100, n_train=20, train_steps=10, n_test=30, test_steps=40, seeds=3, epochs=10, lr_step=3, batch_size=32
        ),
    },
)
#: ``full`` also covers advection; the smaller sizes heat and Fisher.
PROBLEMS = {"tiny": ("heat", "fisher"), "quick": ("heat", "fisher"), "full": ("heat", "fisher", "advection")}
#: Quadratic interactions n of each problem's PDE (u_t = ... + u(1-u) has one: u*u).
N_TERMS = {"heat": 0, "fisher": 1, "advection": 0}


def architectures(problem: str) -> list[str]:
    n = N_TERMS[problem]
    small = f"1-2-1/1-{max(1, 6 * n)}-1"
    tables = [preset(problem).arch] + (["table1"] if preset(problem).arch != "table1" else [])
    return [small, "theorem32", "algorithm1", *tables]


def _problems(sizes: Sizes):
    return PROBLEMS["full"] if sizes.p >= 100 else PROBLEMS["quick"]


def plan(sizes: Sizes) -> list[RunSpec]:
    runs = []
    for problem in _problems(sizes):
        pre = preset(problem)
        train, test = datasets(sizes, problem)
        for seed in range(sizes.seeds):
            for arch in architectures(problem):
                for init in ("random", "constructive"):
                    lr = pre.constructive_lr if init == "constructive" else 1e-2
                    config = sizes.train_config(
                        arch=arch, integrator=pre.integrator, substeps=pre.substeps, init=init, lr=lr, seed=seed
                    )
                    runs.append(
                        RunSpec(
                            f"{problem}-{arch.replace('/', '_')}-{init}-seed{seed}",
                            config,
                            train,
                            test,
                            sizes.steps,
                            labels={"problem": problem, "arch": arch, "init": init, "seed": seed},
                            eval_dtype=sizes.eval_dtype,
                        )
                    )
    return runs


def figure(sizes, results, path) -> None:
    plt = pyplot()
    problems = list(dict.fromkeys(r["run"]["labels"]["problem"] for r in results))
    fig, axes = plt.subplots(
        1, len(problems), figsize=(6.5 * len(problems), 4.5), constrained_layout=True, squeeze=False
    )
    J = sizes.steps
    for ax, problem in zip(axes[0], problems, strict=True):
        for init, marker in (("random", "o"), ("constructive", "s")):
            rs = [r for r in results if r["run"]["labels"]["problem"] == problem and r["run"]["labels"]["init"] == init]
            ys = [rE_at(r, J) if rE_at(r, J) is not None else float("nan") for r in rs]
            ax.scatter([r["parameters"] for r in rs], ys, marker=marker, label=f"{init} init")
            for r, y in zip(rs, ys, strict=True):
                if r["run"]["labels"]["seed"] == 0 and math.isfinite(y):
                    ax.annotate(r["run"]["labels"]["arch"], (r["parameters"], y), fontsize=6)
        ax.axhline(0.01, color="grey", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("parameters")
        ax.set_ylabel(f"rE({J}) (fraction; 0.01 = 1 %)")
        ax.set_title(problem)
        ax.legend(fontsize=8)
    save_figure(fig, path)


def findings(sizes, results) -> str:
    J = sizes.steps
    lines = []
    for problem in dict.fromkeys(r["run"]["labels"]["problem"] for r in results):
        for init in ("random", "constructive"):
            rs = [r for r in results if r["run"]["labels"]["problem"] == problem and r["run"]["labels"]["init"] == init]
            parts = []
            for arch in dict.fromkeys(r["run"]["labels"]["arch"] for r in rs):
                sub = [r for r in rs if r["run"]["labels"]["arch"] == arch]
                parts.append(f"{arch} ({sub[0]['parameters']} par.) " + "/".join(pct(rE_at(r, J)) for r in sub))
            lines.append(f"- {problem}, {init} init, rE({J}) per seed: " + "; ".join(parts))
            ok = [r for r in rs if rE_at(r, J) is not None and rE_at(r, J) <= 0.01]
            if ok:
                best = min(ok, key=lambda r: r["parameters"])
                lines.append(
                    f"  - smallest network with rE({J}) <= 1 % ({init} init): {best['run']['labels']['arch']}, "
                    f"{best['parameters']} parameters (seed {best['run']['labels']['seed']})"
                )
            else:
                lines.append(f"  - no network reached rE({J}) <= 1 % from the {init} initialisation at this budget")
    return "\n".join(lines)
