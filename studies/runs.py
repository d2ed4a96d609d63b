"""One run of a study: train a configuration (or only initialise it), evaluate it, keep the result.

A run is a :class:`RunSpec`: a name, the :class:`pixelpde.learned.train.TrainConfig`
fields, the datasets, and which extra measures to take.  :func:`execute`
trains with :func:`pixelpde.learned.train.train` into ``OUT/runs/NAME-KEY``
(resuming an interrupted training from its checkpoint), evaluates metrics
(23)-(25) on the test data with :func:`pixelpde.learned.evaluate.run_models`
plus the measures of :mod:`pixelpde.studies.measures`, and writes
``OUT/runs/NAME-KEY/result.json``, KEY the run's fingerprint: a finished run
with the same fingerprint is read back, never retrained.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from pixelpde.ground.atomic import atomic_path
from pixelpde.ground.schema import SEAL, Field, check_sealed, read_json, seal
from pixelpde.ground.validate import MAX_COUNT, MAX_PARAMETERS, MAX_STEPS, check_name
from pixelpde.studies.data import DataSpec, data_path, load_or_simulate
from pixelpde.studies.folder import fingerprint
from pixelpde.studies.measures import MEASURES

_CURVE = Field("list", item=Field("float", nullable=True), max_len=MAX_STEPS + 1)
#: ``result.json`` of one run, one row per field (sealed with its content hash: :func:`read_result`).
RESULT_SCHEMA = {
    "key": Field("hex"),
    "run": Field("record", schema={"name": Field("str", max_len=200)}, extra=True),
    "parameters": Field("int", 0, MAX_PARAMETERS),
    "train_seconds": Field("float", 0.0),
    "epochs": Field("int", 0, MAX_COUNT * 64),
    "final_loss": Field("float", nullable=True),
    "eval_seconds": Field("float", 0.0),
    "metrics": Field("map", item=_CURVE, max_len=16),
    "measures": Field("map", item=Field("any"), max_len=256),
}


def read_result(path) -> dict:
    """A run's ``result.json``, checked field by field and against its content hash (one line otherwise)."""
    where = f"study result {str(path)!r}"
    record = check_sealed(read_json(path, "study result"), RESULT_SCHEMA, where)
    record.pop(SEAL)
    return record


@dataclass(frozen=True)
class RunSpec:
    """What one run trains and how it is evaluated.

    ``train=False`` evaluates the initialisation itself (no training: e.g. the
    fitted or constructive initialisation as it is).  ``labels`` are free
    (group, seed, ...) and go to the CSV and the plots.
    """

    name: str
    config: dict
    train_data: DataSpec
    test_data: DataSpec
    steps: int = 40
    train: bool = True
    measures: tuple[str, ...] = ()
    labels: dict = field(default_factory=dict)
    eval_dtype: str = "float64"

    def key(self) -> str:
        return fingerprint(self)


def execute(
    run: RunSpec, folder, progress: bool = False, echo=print, nproc: int = 1, threads: int | None = None
) -> dict:
    """The result of ``run`` (read back from ``folder/runs/NAME-KEY/result.json`` when it is there).

    ``nproc`` > 1 trains in that many data-parallel workers (:func:`pixelpde.learned.train.train_parallel`);
    it is not part of the fingerprint: the workers take the same steps as one process, to rounding."""
    from pixelpde.integrators import get_integrator
    from pixelpde.learned.config import DTYPES, TrainConfig
    from pixelpde.learned.evaluate import Model, run_models, with_unit_keys
    from pixelpde.learned.train import build_model, train, train_parallel

    key = run.key()
    check_name(run.name, "study run name")  # it becomes a folder under runs/
    out = Path(folder) / "runs" / f"{run.name}-{key[:10]}"  # a changed configuration gets a fresh directory
    result_path = out / "result.json"
    if result_path.is_file():
        saved = read_result(result_path)
        if saved["key"] == key:
            echo(f"  {run.name}: done before, read back")
            return {**saved, "metrics": with_unit_keys(saved["metrics"])}  # also a result written with "rE"
    train_data = load_or_simulate(run.train_data, folder, progress)
    test_data = load_or_simulate(run.test_data, folder, progress)
    config = TrainConfig(**{**run.config, "name": run.name})
    start = time.perf_counter()
    if run.train:
        resume = (out / "checkpoint.pt").is_file()
        echo(f"  {run.name}: training{' (resumed)' if resume else ''}")
        if nproc > 1:
            saved = train_parallel(
                nproc, data_path(run.train_data, folder), config, out, progress=progress, resume=resume, threads=threads
            )
            model, epochs, final_loss = saved.model, saved.meta["epochs"], saved.meta["final_loss"]
        else:
            result = train(train_data, config, out, resume=resume, progress=progress)
            model, epochs, final_loss = result.model, len(result.log), result.final_loss
    else:
        echo(f"  {run.name}: initialisation only")
        model = build_model(config, train_data, torch.Generator().manual_seed(int(config.seed)))[2]
        epochs, final_loss = 0, None
    train_seconds = time.perf_counter() - start
    integrator = get_integrator(config.integrator, config.substeps)
    start = time.perf_counter()
    metrics, predictions = run_models(
        [Model(run.name, model, integrator, train_data.dt, {})], test_data, run.steps, dtype=DTYPES[run.eval_dtype]
    )
    pred = predictions[run.name]
    true = test_data.U[:, : run.steps + 1]
    extras = {name: MEASURES[name](pred, true, test_data) for name in run.measures}
    record = {
        "key": key,
        "run": asdict(run),
        "parameters": sum(p.numel() for p in model.parameters()),
        "train_seconds": train_seconds,
        "epochs": epochs,
        "final_loss": final_loss,
        "eval_seconds": time.perf_counter() - start,
        "metrics": _finite(metrics[run.name]),
        "measures": extras,
    }
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(result_path) as tmp:
        tmp.write_text(json.dumps(seal(record), indent=1) + "\n")
    return record


def _finite(m: dict) -> dict:
    import math

    return {k: [v if math.isfinite(v) else None for v in vals] for k, vals in m.items()}
