"""Study ``datasize`` (section 4): how much does the number of training trajectories explain?

The paper's code trains on 1000 trajectories, one window each from the initial condition
(``--windows first``); our p = 100 runs on 20 trajectories stay at rE(40) of 5-15 % where the
paper reports about 1 %.  This study trains the problem's network from a random initialisation
on the first n of one set of trajectories, n in ``counts``, with a **fixed budget of Adam
steps**: the windows differ, the number of parameter updates does not.

Budget.  ``epochs`` and ``lr_step`` are the per-stage numbers of a shortened Algorithm 3 at the
largest count N (Algorithm 3 itself: 100 epochs, lr / 10 every 30; a step is one batch of
``batch_size`` windows, ceil(N / b) steps per epoch).  A run on n
trajectories takes ceil(N / b) / ceil(n / b) times as many epochs, its lr step scaled alike
(both rounded, at least 1), so every run takes about ``epochs * ceil(N / b)`` steps per stage;
the exact count of each run is in ``results.csv`` (``adam_steps``).  Below b trajectories a
batch holds all n windows.

The datasets are nested: the generator's trajectories are the first accepted draws of its seed,
in a fixed order that does not depend on how many are asked for (Fisher's ||U^0|| filter
included), so the n-trajectory file is the first n of the N-trajectory one.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from pixelpde.ground.errors import InputError
from pixelpde.ground.validate import check_positive_int
from pixelpde.learned.presets import preset
from pixelpde.studies.output import pct, pyplot, rE_at, save_figure
from pixelpde.studies.runs import RunSpec
from pixelpde.studies.sizes import TINY, Sizes, StudyHeader, datasets


@dataclass(frozen=True)
class DataSizes(Sizes):
    """:class:`Sizes` plus the trajectory counts compared and the problems (``n_train`` is the
    largest count; ``epochs``/``lr_step`` hold at that count)."""

    counts: tuple[int, ...] = (1,)
    problems: tuple[str, ...] = ("fisher",)

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "counts", tuple(self.counts))
        object.__setattr__(self, "problems", tuple(self.problems))
        for n in self.counts:
            check_positive_int(n, "a trajectory count")
        if not self.counts or list(self.counts) != sorted(set(self.counts)) or self.counts[-1] != self.n_train:
            raise InputError(f"counts {list(self.counts)} must increase and end at n_train={self.n_train}")
        if self.lr_step is not None:
            check_positive_int(self.lr_step, "lr-step")
        if not self.problems:
            raise InputError("a datasize study needs at least one problem")
        for problem in self.problems:
            preset(problem)  # one line for an unknown problem


HEADER = StudyHeader(
    title="training trajectories at a fixed budget of Adam steps",
    question=(
        "Section 4 / the paper's code: 1000 training trajectories, one window each. At a fixed number of Adam "
        "steps, how does rE(40) of a randomly initialised network change with the number of trajectories, "
        "and how much of the gap to the paper's ~1 % does it close?"
    ),
    sizes={
        "tiny": DataSizes(**{**asdict(TINY), "n_train": 4, "batch_size": 2}, counts=(2, 4)),
        "quick": DataSizes(
            p=16,
            n_train=64,
            train_steps=5,
            n_test=10,
            test_steps=40,
            seeds=1,
            epochs=3,
            lr_step=1,
            batch_size=8,
            counts=(4, 16, 64),
        ),
        "full": DataSizes(
            p=100,
            n_train=1000,
            train_steps=10,
            n_test=30,
            test_steps=40,
            seeds=1,
            epochs=5,
            lr_step=2,
            batch_size=32,
            counts=(20, 100, 1000),
            problems=("fisher", "advection"),
        ),
    },
)


def schedule(sizes: DataSizes, n: int) -> tuple[int, int, int]:
    """(epochs, lr_step, Adam steps per stage) of a run on ``n`` trajectories (one window each)."""
    per_epoch = math.ceil(n / sizes.batch_size)
    scale = math.ceil(sizes.n_train / sizes.batch_size) / per_epoch
    epochs = max(1, round(sizes.epochs * scale))
    lr_step = max(1, round((sizes.lr_step or sizes.epochs) * scale))
    return epochs, lr_step, epochs * per_epoch


def plan(sizes: DataSizes) -> list[RunSpec]:
    runs = []
    for problem in sizes.problems:
        pre = preset(problem)
        test = datasets(sizes, problem)[1]
        for n in sizes.counts:
            train = datasets(sizes, problem, n_train=n)[0]
            epochs, lr_step, steps = schedule(sizes, n)
            for seed in range(sizes.seeds):
                config = sizes.train_config(
                    arch=pre.arch,
                    integrator=pre.integrator,
                    substeps=pre.substeps,
                    init="random",
                    lr=1e-2,
                    seed=seed,
                    windows="first",
                    epochs=epochs,
                    lr_step=lr_step,
                )
                runs.append(
                    RunSpec(
                        f"{problem}-n{n}-seed{seed}",
                        config,
                        train,
                        test,
                        sizes.steps,
                        labels={
                            "problem": problem,
                            "n_train": n,
                            "seed": seed,
                            "adam_steps": steps * len(sizes.stages),
                        },
                        eval_dtype=sizes.eval_dtype,
                    )
                )
    return runs


def columns(result: dict) -> dict:
    return {"final_loss": result["final_loss"]}


def figure(sizes, results, path) -> None:
    plt = pyplot()
    J = sizes.steps
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), constrained_layout=True)
    for problem in dict.fromkeys(r["run"]["labels"]["problem"] for r in results):
        rs = sorted(
            (r for r in results if r["run"]["labels"]["problem"] == problem),
            key=lambda r: r["run"]["labels"]["n_train"],
        )
        n = [r["run"]["labels"]["n_train"] for r in rs]
        for ax, values in ((axes[0], [rE_at(r, J) for r in rs]), (axes[1], [r["final_loss"] for r in rs])):
            ax.plot(n, [float("nan") if v is None else v for v in values], "o-", label=problem)
    axes[0].axhline(0.01, color="grey", lw=0.8, ls=":", label="1 % (the paper's random-init aim)")
    for ax, label in ((axes[0], f"rE({J}) on the test trajectories (fraction)"), (axes[1], "final training loss")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("training trajectories (one window each)")
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    fig.suptitle(f"fixed budget: about {results[0]['run']['labels']['adam_steps']} Adam steps per run")
    save_figure(fig, path)


def findings(sizes, results) -> str:
    J = sizes.steps
    lines = []
    for problem in dict.fromkeys(r["run"]["labels"]["problem"] for r in results):
        rs = sorted(
            (r for r in results if r["run"]["labels"]["problem"] == problem),
            key=lambda r: r["run"]["labels"]["n_train"],
        )
        parts = [
            f"n = {r['run']['labels']['n_train']}: {pct(rE_at(r, J))} ({r['run']['labels']['adam_steps']} steps)"
            for r in rs
        ]
        lines.append(f"- {problem}, rE({J}): " + "; ".join(parts))
        first, last = rE_at(rs[0], J), rE_at(rs[-1], J)
        if first is None or last is None:
            lines.append("  - a run diverged: no trend is stated")
            continue
        a, b = rs[0]["run"]["labels"]["n_train"], rs[-1]["run"]["labels"]["n_train"]
        verdict = "lower" if last < first else "not lower"
        lines.append(
            f"  - {b} trajectories against {a}: rE({J}) {verdict} ({last / first:.3g}x) at the same number of "
            f"Adam steps; {'at or below' if last <= 0.01 else 'above'} the paper's ~1 %"
        )
    return "\n".join(lines)
