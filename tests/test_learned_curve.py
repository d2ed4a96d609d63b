"""The learning curve (pixelpde.learned.curve): exact metrics, no effect on training, resumable."""

import json

import pytest
import torch

from pixelpde.ground.errors import InputError
from pixelpde.learned.config import TrainConfig
from pixelpde.learned.curve import curve_rows
from pixelpde.learned.data import Trajectories
from pixelpde.learned.evaluate import Model, run_models
from pixelpde.learned.runfiles import read_checkpoint
from pixelpde.learned.train import build_model, train

pytestmark = pytest.mark.usefixtures("single_thread")

SMALL = dict(arch="table1", integrator="euler", substeps=3, stages=(2, 3), epochs=2, batch_size=4)


def heat_data(n=3, steps=5, seed=0) -> Trajectories:
    from pixelpde.fem import generate

    return Trajectories.from_arrays(generate("heat", n, steps, seed, p=8, progress=False))


@pytest.fixture
def held_out(tmp_path):
    """Six held-out finite-element heat trajectories of 12 steps (another seed), as a dataset file."""
    from pixelpde.fem import generate, write_dataset

    path = tmp_path / "held-out.h5"
    write_dataset(path, generate("heat", 6, 12, 7, p=8, progress=False))
    return path, Trajectories.open(path)


def curve_config(path, **more):
    return TrainConfig(**{**SMALL, "curve_data": str(path), "curve_every": 3, "curve_n": 5, "curve_steps": 12, **more})


def metrics_of(state, data, config, test) -> dict:
    """rE and maxE of the network with weights ``state``, computed by evaluate's own path."""
    from pixelpde.integrators import get_integrator

    _, _, model = build_model(config, data, torch.Generator().manual_seed(0))
    model.load_state_dict({k: v.to(torch.float64) for k, v in state.items()})
    m = Model("x", model, get_integrator(config.integrator, config.substeps), data.dt, {})
    return run_models([m], test.select(count=5), 12)[0]["x"]


def test_the_curve_changes_no_training_step(tmp_path, held_out):
    data = heat_data()
    plain = train(data, TrainConfig(**SMALL), tmp_path / "plain", progress=False)
    with_curve = train(data, curve_config(held_out[0]), tmp_path / "curve", progress=False)
    a, b = plain.model.state_dict(), with_curve.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [r["loss"] for r in plain.log] == [r["loss"] for r in with_curve.log]
    assert not (tmp_path / "plain" / "curve.json").exists()


def test_points_are_evaluates_metrics_of_the_weights_at_that_epoch(tmp_path, held_out):
    """Every 3rd of 4 epochs and the last: points after epochs 3 and 4, equal (to the bit) to
    pixelpde.learned.evaluate on the weights saved after those epochs."""
    path, test = held_out
    data = heat_data()
    config = curve_config(path)
    train(data, config, tmp_path / "part", progress=False, max_epochs=3)
    after3 = read_checkpoint(tmp_path / "part" / "checkpoint.pt")["model"]
    full = train(data, config, tmp_path / "full", progress=False)
    rows = json.loads((tmp_path / "full" / "curve.json").read_text())
    assert [r["epochs"] for r in rows] == [3, 4]
    assert [(r["stage"], r["M"], r["epoch"]) for r in rows] == [(2, 3, 1), (2, 3, 2)]
    # 3 trajectories of 5 steps: 12 windows of M = 2, 9 of M = 3; 3 batches of <= 4 either way
    assert [r["adam_steps"] for r in rows] == [3 * 3, 4 * 3]
    assert [r["windows_seen"] for r in rows] == [12 + 12 + 9, 12 + 12 + 9 + 9]
    for row, state in zip(rows, (after3, full.model.state_dict()), strict=True):
        m = metrics_of(state, data, config, test)
        assert row["rE_frac(1)"] == m["rE_frac"][0]
        assert row["rE_frac(10)"] == m["rE_frac"][9]
        assert row["rE_frac(12)"] == m["rE_frac"][11]
        assert row["maxE(12)"] == m["maxE"][11]
    assert rows[0]["rE_frac(12)"] != rows[1]["rE_frac(12)"]
    header = (tmp_path / "full" / "curve.csv").read_text().splitlines()[0]
    assert header.startswith(
        "epochs,stage,M,epoch,adam_steps,windows_seen,train_seconds,loss,rE_frac(1),rE_frac(10),rE_frac(12)"
    )


def test_a_resumed_run_keeps_its_points_and_may_add_a_curve(tmp_path, held_out):
    path, _ = held_out
    data = heat_data()
    full = train(data, curve_config(path), tmp_path / "full", progress=False)
    train(data, curve_config(path), tmp_path / "resumed", progress=False, max_epochs=3)
    resumed = train(data, curve_config(path), tmp_path / "resumed", resume=True, progress=False)
    strip = ("train_seconds", "eval_seconds")
    a = [{k: v for k, v in r.items() if k not in strip} for r in curve_rows(full.log, 4)]
    b = [{k: v for k, v in r.items() if k not in strip} for r in curve_rows(resumed.log, 4)]
    assert a == b
    assert len(a) == 2
    # started without a curve, resumed with one: the curve settings are free on --resume
    train(data, TrainConfig(**SMALL), tmp_path / "late", progress=False, max_epochs=1)
    late = train(data, curve_config(path, curve_every=1), tmp_path / "late", resume=True, progress=False)
    assert [r["epochs"] for r in curve_rows(late.log, 4)] == [2, 3, 4]


def test_bad_curve_settings_are_refused_in_one_line(tmp_path, held_out):
    path, _ = held_out
    data = heat_data()
    with pytest.raises(InputError, match="curve-every"):
        curve_config(path, curve_every=0)
    with pytest.raises(InputError, match="curve-steps"):
        train(data, curve_config(path, curve_steps=13), tmp_path / "a", progress=False)
    with pytest.raises(InputError, match="curve-n"):
        train(data, curve_config(path, curve_n=7), tmp_path / "b", progress=False)
    from pixelpde.fem import generate, write_dataset

    write_dataset(tmp_path / "other.h5", generate("heat", 1, 12, 0, p=9, progress=False))
    with pytest.raises(InputError, match="training is on"):
        train(data, curve_config(tmp_path / "other.h5", curve_n=1), tmp_path / "c", progress=False)
    with pytest.raises(InputError):
        train(data, curve_config(tmp_path / "missing.h5"), tmp_path / "d", progress=False)
    assert not (tmp_path / "c" / "checkpoint.pt").exists()


def test_an_interrupt_while_measuring_keeps_the_epochs_checkpoint(tmp_path, held_out, monkeypatch):
    """The point is measured after its epoch's checkpoint is written: stopping there loses no training."""
    from pixelpde.learned.curve import Curve

    def interrupted(self, model):
        raise KeyboardInterrupt

    monkeypatch.setattr(Curve, "measure", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train(heat_data(), curve_config(held_out[0]), tmp_path / "run", progress=False)
    assert read_checkpoint(tmp_path / "run" / "checkpoint.pt")["position"] == [1, 1]  # after epoch 3 of 4
