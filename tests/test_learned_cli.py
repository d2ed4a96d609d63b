"""The learned CLI: train, evaluate (with apply on the result), reproduce; the error contract."""

import json

import numpy as np
import pytest

from pixelpde.cli import main
from pixelpde.ground.errors import InputError

pytestmark = pytest.mark.usefixtures("single_thread")

@pytest.fixture(scope="module")
def heat_files(tmp_path_factory):
    from pixelpde.fem import generate, write_dataset

    root = tmp_path_factory.mktemp("heat")
    write_dataset(root / "train.h5", generate("heat", 3, 5, 0, p=8, progress=False))
    write_dataset(root / "test.h5", generate("heat", 4, 6, 1, p=8, progress=False))
    return root


def test_cli_train_evaluate_apply(heat_files, tmp_path, capsys):
    run = tmp_path / "run"
    args = ["train", "heat", "--data", str(heat_files / "train.h5"), "--out", str(run), "--stages", "2,3", "--epochs", "2", "--no-progress"]
    assert main(args) == 0
    meta = json.loads((run / "model.json").read_text())
    assert meta["parameters"] == 2600 and meta["integrator"] == "euler" and meta["substeps"] == 3
    assert len(json.loads((run / "log.json").read_text())) == 4
    out = tmp_path / "eval"
    assert main(["evaluate", str(run), "--data", str(heat_files / "test.h5"), "--steps", "6", "--n-test", "4", "--out", str(out), "--no-progress"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == {"learned", "constructed", "constructed-5x5-order4"}
    assert all(len(m[k]) == 6 for m in metrics.values() for k in ("maxE", "mse", "rE"))
    for name in ("errors.png", "figure1-learned.png", "evaluation.json", "metrics.csv"):
        assert (out / name).stat().st_size > 0
    U = tmp_path / "U.npy"
    np.save(U, np.random.default_rng(0).normal(size=(8, 8)))
    assert main(["apply", "--weights", str(run / "model.pt"), "--input", str(U), "--out", str(tmp_path / "F.npy")]) == 0
    assert np.load(tmp_path / "F.npy").shape == (8, 8)


def test_cli_refuses_dt_mismatch_and_wrong_problem(heat_files, tmp_path, capsys):
    data = str(heat_files / "train.h5")
    assert main(["train", "heat", "--data", data, "--out", str(tmp_path / "a"), "--dt", "0.5", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "differs from the dataset's dt" in err[0]
    assert main(["train", "fisher", "--data", data, "--out", str(tmp_path / "b"), "--no-progress"]) == 2
    assert "holds 'heat' data" in capsys.readouterr().err


@pytest.mark.parametrize("content, message", [(None, "no checkpoint"), (b"garbage", "cannot read checkpoint")])
def test_cli_resume_without_a_readable_checkpoint_is_one_line(heat_files, tmp_path, capsys, content, message):
    run = tmp_path / "run"
    if content is not None:
        run.mkdir()
        (run / "checkpoint.pt").write_bytes(content)
    assert main(["train", "heat", "--data", str(heat_files / "train.h5"), "--out", str(run), "--resume", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_cli_reports_divergence_and_keeps_going_nowhere(heat_files, tmp_path, capsys):
    run = tmp_path / "run"
    args = ["train", "heat", "--data", str(heat_files / "train.h5"), "--out", str(run), "--lr", "1e30", "--stages", "2", "--epochs", "3", "--batch-size", "2", "--no-progress"]
    assert main(args) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "training diverged" in err[0]
    assert not (run / "model.pt").exists()


def test_reproduce_pipeline_end_to_end(tmp_path, monkeypatch):
    """``reproduce`` with a toy size (the real --quick size takes minutes)."""
    import pixelpde.learned.reproduce as rep
    from pixelpde.learned.presets import SIZES, ReproduceSize

    toy = ReproduceSize(p=8, n_train=2, train_steps=4, n_test=3, test_steps=5, stages=(2,), epochs=1, lr_step=30, batch_size=4, constructive_noise=0.0, dt_grid=100)
    monkeypatch.setitem(SIZES, "quick", toy)
    out = tmp_path / "fisher"
    assert main(["reproduce", "fisher", "--quick", "--out", str(out), "--no-progress"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == {"learned", "learned-constructive-init", "constructed", "constructed-5x5-order4"}
    assert all(len(m["rE"]) == 5 for m in metrics.values())
    report = (out / "report.md").read_text()
    assert "errors.png" in report and "quick mode" in report
    setup = json.loads((out / "reproduce.json").read_text())
    assert setup["min_norm"] == pytest.approx(0.8)  # 0.1 p: the paper's 10 at p = 100
    assert setup["dt"] == pytest.approx(0.24 / 101**2 / 0.01)  # the time step of p = 100
    with pytest.raises(InputError, match="already holds"):
        rep.reproduce("fisher", out, quick=True, progress=False)


def test_reproduce_advection_compares_euler_and_projected_euler(tmp_path, monkeypatch):
    """Figure 3: on the advection data the network is trained with Psi_2 (projected
    Euler, the paper's choice) and with Psi_1 (Euler), and both are evaluated."""
    import pixelpde.learned.reproduce as rep
    from pixelpde.learned.presets import SIZES, ReproduceSize

    toy = ReproduceSize(p=8, n_train=2, train_steps=4, n_test=3, test_steps=5, stages=(2,), epochs=1, lr_step=30, batch_size=4, constructive_noise=0.0)
    monkeypatch.setitem(SIZES, "quick", toy)
    out = tmp_path / "advection"
    rep.reproduce("advection", out, quick=True, progress=False, constructive=False, echo=lambda *a: None)
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == {"learned", "learned-euler", "constructed", "constructed-5x5-order4"}
    models = json.loads((out / "evaluation.json").read_text())["models"]
    assert models["learned"]["integrator"] == "projected-euler"
    assert models["learned-euler"]["integrator"] == "euler"
    assert models["learned"]["substeps"] == models["learned-euler"]["substeps"] == 2
    assert models["constructed"]["integrator"] == "projected-euler"
