r"""Test metrics (23)-(25) of section 4, for learned and constructed networks.

For test initial conditions :math:`U_i^0` (i = 1..N, the paper's N = 30) with
reference snapshots :math:`U_i^j` and predictions
:math:`\mathcal{N}^j_\theta(U_i^0)` (j applications of one integrator step,
eq. (26)), with :math:`E_i^j = \mathcal{N}^j_\theta(U_i^0) - U_i^j`:

.. math::

    \mathrm{maxE}(j) = \max_{i, h, k} |(E_i^j)_{hk}| \qquad (23)

    \mathrm{mse}(j) = \frac1N \sum_i \frac{1}{p^2} \|E_i^j\|^2 \qquad (24)

    \mathrm{rE}(j) = \frac1N \sum_i \frac{\|E_i^j\|}{\|U_i^j\|} \qquad (25)

with the Frobenius norm, for j = 1..J (the paper's J = 40).

Units: maxE is in the field's units, mse in their square, and rE is a
**fraction** (0.01 means 1 %), stored under the key ``rE_frac`` in Python
(:attr:`Evaluation.metrics`), ``metrics.json``, ``metrics.csv`` and the
studies' records; only tables written for people show it in per cent, with
a ``%`` sign.  Files written before the key named its unit hold the same
fractions under ``rE``; :func:`with_unit_keys` reads them.  By default every
network is evaluated in float64 (weights trained in float32 are exactly
representable, so this is the trained function without rounding noise);
``dtype=torch.float32`` is ~10x faster on a CPU (PyTorch's float64
convolutions have no fast path) and differs by rounding only, ~1e-6 relative.

Models compared (names are the keys of ``metrics.json``):

* ``pixelpde.learned``, ``learned-constructive-init``, ... -- trained runs, each with the
  integrator and dt it was trained with;
* ``constructed`` -- the Theorem 3.2 network of the dataset's PDE with the
  paper's 3 x 3 second-order stencils (F = X exactly);
* ``constructed-5x5-order4`` -- the same construction with 5 x 5 fourth-order
  stencils (a larger A1), the higher-order finite-difference scheme;

the constructed ones stepped with the integrator of the first trained run
(or the one given).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from pixelpde.ground.errors import InputError
from pixelpde.integrators import Integrator, rollout
from pixelpde.learned.data import Trajectories

METRICS = ("maxE", "mse", "rE_frac")
#: The unit of each metric, as recorded in ``evaluation.json``.
UNITS = {
    "maxE": "the field's units",
    "mse": "the field's units squared",
    "rE_frac": "fraction (0.01 = 1 %)",
}
#: Keys of files written before the metric keys named their unit (the values were already fractions).
LEGACY_KEYS = {"rE": "rE_frac"}


def with_unit_keys(metrics: dict) -> dict:
    """One model's metrics ``{"maxE": [...], "mse": [...], "rE_frac": [...]}``, also from a file written
    before ``rE`` was renamed ``rE_frac`` (the same fractions under ``rE``); returns a new dict."""
    out = dict(metrics)
    for old, new in LEGACY_KEYS.items():
        if old in out and new not in out:
            out[new] = out.pop(old)
    return out


@dataclass
class Model:
    """A vector field F with the step it is used with."""

    name: str
    F: torch.nn.Module
    integrator: Integrator
    dt: float
    info: dict


def error_metrics(pred: torch.Tensor, true: torch.Tensor) -> dict[str, list[float]]:
    """Eqs. (23)-(25) for j = 1..J from (N, J+1, p, q) predictions ``pred`` and references ``true``; for a
    system, (N, J+1, C, p, q), over all fields at once (the norms of (23)-(25) taken over every field's
    pixels; mse divides by C p q).  Per field: :func:`field_metrics`.

    Returns ``{"maxE": [J floats], "mse": [...], "rE_frac": [...]}``, entry j-1 for step j (index 0 of the
    inputs, the initial condition, is skipped); ``rE_frac`` is a fraction, not per cent."""
    if pred.shape != true.shape or pred.ndim not in (4, 5):
        raise InputError(
            f"predictions {tuple(pred.shape)} and references {tuple(true.shape)} must both be (N, J+1, p, q) "
            "or (N, J+1, C, p, q)"
        )
    E = (pred[:, 1:] - true[:, 1:]).to(torch.float64).flatten(2)
    T = true[:, 1:].to(torch.float64).flatten(2)
    enorm = torch.linalg.vector_norm(E, dim=-1)
    return {
        "maxE": E.abs().amax(dim=(0, 2)).tolist(),
        "mse": (enorm.square() / E.shape[-1]).mean(dim=0).tolist(),
        "rE_frac": (enorm / torch.linalg.vector_norm(T, dim=-1)).mean(dim=0).tolist(),
    }


def field_metrics(pred: torch.Tensor, true: torch.Tensor, fields) -> dict[str, dict[str, list[float]]]:
    """Eqs. (23)-(25) of each field of a system separately: ``{name: metrics}`` from
    (N, J+1, C, p, q) predictions and references, ``fields`` the C names."""
    if pred.ndim != 5 or pred.shape[2] != len(fields):
        raise InputError(f"per-field metrics need (N, J+1, C, p, q) with C = {len(fields)}, got {tuple(pred.shape)}")
    return {name: error_metrics(pred[:, :, c], true[:, :, c]) for c, name in enumerate(fields)}


def predict(model: Model, U0: torch.Tensor, steps: int, device="cpu", dtype=torch.float64) -> torch.Tensor:
    """``[U0, N(U0), ..., N^steps(U0)]``, (N, steps+1, p, p), computed in ``dtype``, returned float64 on the CPU."""
    F = model.F.to(device=device, dtype=dtype)
    with torch.no_grad():
        out = rollout(F, U0.to(device=device, dtype=dtype), model.dt, steps, model.integrator, grad=False)
    return out.to(device="cpu", dtype=torch.float64)


def check_dt(model: Model, test: Trajectories, allow_mismatch: bool = False) -> None:
    from pixelpde.learned.timestep import same_dt

    if not same_dt(model.dt, test.dt) and not allow_mismatch:
        raise InputError(
            f"model {model.name!r} steps dt={model.dt!r} but the test data have dt={test.dt!r}; "
            "pass --allow-dt-mismatch if this is intended"
        )


def constructed_models(test: Trajectories, integrator, dt: float, higher_order: bool = True) -> list[Model]:
    """The exact networks of the test data's PDE or system (3 x 3, and 5 x 5 fourth order)."""
    from pixelpde.constructive import exact_network

    out = []
    variants = [("constructed", 3, 2)] + ([("constructed-5x5-order4", 5, 4)] if higher_order else [])
    for name, size, order in variants:
        sd = test.semidiscrete(size=size, order=order)
        net = exact_network(sd, compact=True)
        info = {
            "pde": test.pde,
            "stencils": f"{size}x{size}, order {order}",
            "integrator": integrator.name,
            "substeps": integrator.substeps,
        }
        out.append(Model(name, net, integrator, dt, info))
    return out


def run_models(
    models: list[Model],
    test: Trajectories,
    steps: int = 40,
    device="cpu",
    allow_dt_mismatch=False,
    progress=False,
    dtype=torch.float64,
):
    """Metrics of every model on ``test``; returns ``(metrics, predictions)``.

    ``metrics[name]`` holds the lists ``maxE``, ``mse``, ``rE_frac`` (j = 1..steps; :func:`error_metrics`);
    ``predictions[name]`` the float64 rollouts (N, steps+1, p, p).
    """
    if steps > test.n_steps:
        raise InputError(f"{steps} steps requested but the test trajectories have {test.n_steps}")
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise InputError(f"two models share a name: {names}")
    for m in models:
        check_dt(m, test, allow_dt_mismatch)
    true = test.U[:, : steps + 1]
    metrics, predictions = {}, {}
    from pixelpde.ground.progress import progress_bar

    for m in progress_bar(models, enabled=progress, desc="evaluate", leave=False):
        pred = predict(m, true[:, 0], steps, device, dtype)
        metrics[m.name] = error_metrics(pred, true)
        predictions[m.name] = pred
    return metrics, predictions


@dataclass
class Evaluation:
    """What :func:`evaluate_runs` found.

    ``metrics[model]`` is :func:`error_metrics`' ``{"maxE": [...], "mse": [...], "rE_frac": [...]}`` (j = 1..J;
    ``rE_frac`` a fraction: 0.5425 is 54.25 %), ``predictions[model]`` the float64 rollouts (N, J+1, p, p),
    ``record`` what was compared (data, steps, models, the metrics' ``units``; ``evaluation.json``)."""

    metrics: dict
    predictions: dict
    record: dict = field(default_factory=dict)


def evaluate_runs(
    runs,
    test: Trajectories,
    steps: int = 40,
    constructed: bool = True,
    integrator=None,
    device: str | torch.device = "cpu",
    allow_dt_mismatch: bool = False,
    progress: bool = True,
    dtype: str = "float64",
) -> Evaluation:
    """Metrics (23)-(25) of trained ``runs`` and of the constructed networks on ``test``; returns an :class:`Evaluation`.

    ``runs`` are :class:`pixelpde.learned.io.Run` (:func:`pixelpde.learned.io.load_run`), each stepped with its
    own integrator and dt; ``test`` are :class:`~pixelpde.learned.data.Trajectories` of the same PDE and grid;
    ``steps`` the J of the metrics.  ``constructed`` adds the Theorem 3.2 networks of the test data's PDE
    (3 x 3 and 5 x 5 order 4), stepped with ``integrator`` (default: the first run's).  ``dtype`` is the
    arithmetic of the rollouts.  Evaluates only; :func:`pixelpde.learned.report.write_evaluation` writes the
    files."""
    from pixelpde.learned.config import DTYPES

    models = []
    for run in runs:
        if run.meta["pde"] != test.pde or run.meta["bc"] != str(test.bc):
            raise InputError(
                f"run {str(run.path)!r} was trained on {run.meta['pde']!r} ({run.meta['bc']}), the test data are {test.pde!r} ({test.bc})"
            )
        info = {k: run.meta.get(k) for k in ("arch", "integrator", "substeps", "dt", "final_loss", "epochs")}
        info["run"] = str(run.path)
        info["init"] = run.meta.get("config", {}).get("init")
        models.append(Model(run.name, run.model, run.integrator(), run.dt, info))
    if constructed:
        if integrator is None:
            if not runs:
                raise InputError("give a trained run or an --integrator for the constructed networks")
            integrator = models[0].integrator
        models += constructed_models(test, integrator, test.dt)
    if not models:
        raise InputError("nothing to evaluate")
    metrics, predictions = run_models(models, test, steps, device, allow_dt_mismatch, progress, DTYPES[dtype])
    record = {
        "data": test.describe(),
        "steps": steps,
        "dtype": dtype,
        "test_trajectories": test.n_trajectories,
        "units": UNITS,
        "models": {
            m.name: {"dt": m.dt, "integrator": m.integrator.name, "substeps": m.integrator.substeps, **m.info}
            for m in models
        },
    }
    return Evaluation(metrics, predictions, record)
