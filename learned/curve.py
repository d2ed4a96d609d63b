r"""The learning curve: test metrics (23)-(25) on held-out trajectories every few epochs.

With ``TrainConfig.curve_data`` set, :func:`pixelpde.learned.train.train` evaluates the
network after every ``curve_every``-th epoch (counted over all stages) and after the
last one, on the first ``curve_n`` trajectories of that file for j = 1..``curve_steps``:

.. math::

    \mathrm{rE}(j) = \frac1N \sum_i \frac{\|\mathcal{N}^j_\theta(U_i^0) - U_i^j\|}{\|U_i^j\|}
    \quad (25), \qquad
    \mathrm{maxE}(j) = \max_{i,h,k} |(\mathcal{N}^j_\theta(U_i^0) - U_i^j)_{hk}| \quad (23),

exactly as ``pixelpde evaluate`` computes them (:func:`pixelpde.learned.evaluate.error_metrics`),
in float64 on a copy of the network, with the integrator and dt it trains with.

A point is stored in its epoch's log row (key ``"curve"``), so it is saved in the
checkpoint with the log: a resumed run keeps the points measured before the
interruption.  Measuring touches neither the model, the optimiser nor any random
stream, so a run with a curve takes exactly the steps of a run without one.
``curve.csv`` / ``curve.json`` (one row per point) are rewritten, atomically,
with every checkpoint.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from pixelpde.ground.atomic import atomic_path
from pixelpde.ground.errors import InputError

if TYPE_CHECKING:
    from pixelpde.integrators import Integrator
    from pixelpde.learned.data import Trajectories

#: Columns of ``curve.csv``: where the point was measured, then the metrics.
CURVE_FIELDS = ("epochs", "stage", "M", "epoch", "adam_steps", "windows_seen", "train_seconds", "loss")


@dataclass
class Curve:
    """The held-out trajectories and when to measure on them."""

    test: Trajectories  # the first ``n`` held-out trajectories
    every: int
    steps: int
    integrator: Integrator
    dt: float

    @classmethod
    def open(cls, config, data, integrator, dt: float) -> Curve | None:
        """The curve ``config`` asks for (None without ``curve_data``); refuses, in one line,
        held-out data of another PDE, grid or dt, or with fewer than ``curve_steps`` steps."""
        if not config.curve_data:
            return None
        from pixelpde.learned.data import Trajectories
        from pixelpde.learned.timestep import same_dt

        test = Trajectories.open(config.curve_data)
        where = f"--curve-data {config.curve_data!r}"
        if (test.pde, str(test.bc), test.p) != (data.pde, str(data.bc), data.p):
            raise InputError(
                f"{where} holds {test.pde!r} ({test.bc}, p = {test.p}); training is on {data.pde!r} ({data.bc}, p = {data.p})"
            )
        if not same_dt(test.dt, dt):
            raise InputError(f"{where} has dt={test.dt!r}; the network steps dt={dt!r}")
        if test.n_steps < config.curve_steps:
            raise InputError(f"{where} has {test.n_steps} steps; --curve-steps is {config.curve_steps}")
        if test.n_trajectories < config.curve_n:
            raise InputError(f"{where} has {test.n_trajectories} trajectories; --curve-n is {config.curve_n}")
        test = test.select(count=config.curve_n, steps=config.curve_steps)
        return cls(test, config.curve_every, config.curve_steps, integrator, dt)

    def due(self, epochs_done: int, last: bool) -> bool:
        """Whether to measure after ``epochs_done`` epochs in all (``last``: the run's final epoch)."""
        return last or epochs_done % self.every == 0

    def measure(self, model) -> dict:
        """rE(1), rE(10), rE(J), maxE(J) (J = ``steps``; eqs. (23), (25)) and the seconds it took."""
        from pixelpde.learned.evaluate import Model, run_models

        start = time.perf_counter()
        F = copy.deepcopy(model).to(device="cpu", dtype=torch.float64)
        metrics, _ = run_models([Model("curve", F, self.integrator, self.dt, {})], self.test, self.steps)
        m = metrics["curve"]
        J = self.steps
        point = {f"rE_frac({j})": m["rE_frac"][j - 1] for j in sorted({1, min(10, J), J})}
        point[f"maxE({J})"] = m["maxE"][J - 1]
        point["eval_seconds"] = time.perf_counter() - start
        return point


def curve_rows(log: list[dict], batch_size: int) -> list[dict]:
    """One row per measured point of a training log: position, training so far, metrics."""
    rows, steps, windows, seconds = [], 0, 0, 0.0
    for i, row in enumerate(log):
        steps += -(-row["windows"] // batch_size)  # one Adam step per (global) batch
        windows += row["windows"]
        seconds += row["seconds"]
        if "curve" in row:
            position = {"epochs": i + 1, "stage": row["stage"], "M": row["M"], "epoch": row["epoch"]}
            so_far = {"adam_steps": steps, "windows_seen": windows, "train_seconds": seconds, "loss": row["loss"]}
            rows.append({**position, **so_far, **row["curve"]})
    return rows


def write_curve(out: Path, log: list[dict], batch_size: int) -> None:
    """``curve.json`` and ``curve.csv`` from the points in ``log`` (nothing when it has none)."""
    rows = curve_rows(log, batch_size)
    if not rows:
        return
    out = Path(out)
    with atomic_path(out / "curve.json") as tmp:
        tmp.write_text(json.dumps(rows, indent=1) + "\n")
    names = list(CURVE_FIELDS) + [k for k in rows[-1] if k not in CURVE_FIELDS]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=names, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    with atomic_path(out / "curve.csv") as tmp:
        tmp.write_text(buf.getvalue())
