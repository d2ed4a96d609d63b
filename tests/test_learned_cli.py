"""The learned CLI: train, evaluate (with apply on the result), reproduce; the error contract."""

import json
from pathlib import Path

import numpy as np
import pytest

from pixelpde.cli import main

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
    args = [
        "train",
        "heat",
        "--data",
        str(heat_files / "train.h5"),
        "--out",
        str(run),
        "--stages",
        "2,3",
        "--epochs",
        "2",
        "--no-progress",
    ]
    assert main(args) == 0
    meta = json.loads((run / "model.json").read_text())
    assert meta["parameters"] == 2600
    assert meta["integrator"] == "euler"
    assert meta["substeps"] == 3
    assert len(json.loads((run / "log.json").read_text())) == 4
    out = tmp_path / "eval"
    assert (
        main(
            [
                "evaluate",
                str(run),
                "--data",
                str(heat_files / "test.h5"),
                "--steps",
                "6",
                "--n-test",
                "4",
                "--out",
                str(out),
                "--no-progress",
            ]
        )
        == 0
    )
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == {"learned", "constructed", "constructed-5x5-order4"}
    assert all(len(m[k]) == 6 for m in metrics.values() for k in ("maxE", "mse", "rE_frac"))
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
    assert len(err) == 1
    assert "differs from the dataset's dt" in err[0]
    assert main(["train", "fisher", "--data", data, "--out", str(tmp_path / "b"), "--no-progress"]) == 2
    assert "holds 'heat' data" in capsys.readouterr().err


@pytest.mark.parametrize(("content", "message"), [(None, "no checkpoint"), (b"garbage", "cannot read checkpoint")])
def test_cli_resume_without_a_readable_checkpoint_is_one_line(heat_files, tmp_path, capsys, content, message):
    run = tmp_path / "run"
    if content is not None:
        run.mkdir()
        (run / "checkpoint.pt").write_bytes(content)
    assert (
        main(["train", "heat", "--data", str(heat_files / "train.h5"), "--out", str(run), "--resume", "--no-progress"])
        == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]


def test_cli_reports_divergence_and_keeps_going_nowhere(heat_files, tmp_path, capsys):
    run = tmp_path / "run"
    args = [
        "train",
        "heat",
        "--data",
        str(heat_files / "train.h5"),
        "--out",
        str(run),
        "--lr",
        "1000",  # the largest --lr accepted (README, Limits)
        "--stages",
        "2",
        "--epochs",
        "3",
        "--batch-size",
        "2",
        "--no-progress",
    ]
    assert main(args) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "training diverged" in err[0]
    assert not (run / "model.pt").exists()


def test_reproduce_pipeline_end_to_end(tmp_path, monkeypatch):
    """``reproduce`` with a toy size (the real --quick size takes minutes)."""
    from pixelpde.learned.presets import SIZES, ReproduceSize

    toy = ReproduceSize(
        p=8,
        n_train=2,
        train_steps=4,
        n_test=3,
        test_steps=5,
        stages=(2,),
        epochs=1,
        lr_step=30,
        batch_size=4,
        constructive_noise=0.0,
        dt_grid=100,
    )
    monkeypatch.setitem(SIZES, "quick", toy)
    out = tmp_path / "fisher"
    assert main(["reproduce", "fisher", "--quick", "--out", str(out), "--no-progress"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == {"learned", "learned-constructive-init", "constructed", "constructed-5x5-order4"}
    assert all(len(m["rE_frac"]) == 5 for m in metrics.values())
    report = (out / "report.md").read_text()
    assert "errors.png" in report
    assert "quick mode" in report
    setup = json.loads((out / "reproduce.json").read_text())
    assert setup["min_norm"] == pytest.approx(0.8)  # 0.1 p: the paper's 10 at p = 100
    assert setup["dt"] == pytest.approx(0.24 / 101**2 / 0.01)  # the time step of p = 100
    assert "lower is better" in report.lower()
    assert "eq. (25)" in report
    assert "eq. (23)" in report
    assert "eq. (24)" in report
    assert "After j = 5 steps the most accurate model is" in report
    assert "pixelpde reproduce fisher --out runs/fisher-full" in report  # the paper-size command


TOY = dict(
    p=8,
    n_train=2,
    train_steps=4,
    n_test=3,
    test_steps=5,
    stages=(2,),
    epochs=2,
    lr_step=30,
    batch_size=4,
    constructive_noise=0.0,
    dt_grid=100,
)


@pytest.fixture
def quick_figures(monkeypatch):
    """Figures as tiny stand-in files (matplotlib takes most of a toy reproduction's time; the
    real figures are drawn by test_reproduce_pipeline_end_to_end)."""
    import pixelpde.learned.plots as plots

    def stand_in(*args):
        path = next(a for a in args if isinstance(a, Path))
        path.write_bytes(b"figure")

    monkeypatch.setattr(plots, "error_curves", stand_in)
    monkeypatch.setattr(plots, "prediction_panel", stand_in)


def _files(out):
    return {str(f.relative_to(out)): f.read_bytes() for f in sorted(out.rglob("*")) if f.is_file()}


def test_reproduce_twice_reuses_a_finished_run(tmp_path, monkeypatch, capsys, quick_figures):
    """The README's main job run a second time: exit 0, reported and reused, nothing recomputed."""
    import pixelpde.fem
    import pixelpde.learned.train
    from pixelpde.learned.presets import SIZES, ReproduceSize

    monkeypatch.setitem(SIZES, "quick", ReproduceSize(**TOY))
    out = tmp_path / "heat-quick"
    argv = ["reproduce", "heat", "--quick", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    before = _files(out)
    capsys.readouterr()

    def refuse(*args, **kwargs):
        raise AssertionError("a finished reproduction must not simulate or train again")

    monkeypatch.setattr(pixelpde.learned.train, "train", refuse)
    monkeypatch.setattr(pixelpde.fem, "generate", refuse)
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "already holds this reproduction, finished" in printed
    assert "rE(1)" in printed
    assert _files(out) == before  # byte for byte: nothing was rewritten


def test_reproduce_refuses_another_configuration_and_force_starts_over(tmp_path, monkeypatch, capsys, quick_figures):
    import pixelpde.learned.train
    from pixelpde.learned.presets import SIZES, ReproduceSize

    monkeypatch.setitem(SIZES, "quick", ReproduceSize(**TOY))
    out = tmp_path / "heat-quick"
    assert main(["reproduce", "heat", "--quick", "--out", str(out), "--no-progress", "--no-constructive-init"]) == 0
    capsys.readouterr()
    for other in (["--seed", "1"], []):  # another seed; with the constructive run: another set of runs
        argv = ["reproduce", "heat", "--quick", "--out", str(out), "--no-progress", *other]
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1
        assert "another configuration" in err[0]
        assert "--force" in err[0]
        assert "--out" in err[0]
    (out / "stray.txt").write_text("not ours")
    calls = []
    real = pixelpde.learned.train.train
    monkeypatch.setattr(pixelpde.learned.train, "train", lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    assert main(["reproduce", "heat", "--quick", "--out", str(out), "--no-progress", "--seed", "1", "--force"]) == 0
    assert len(calls) == 2  # both runs trained afresh
    assert json.loads((out / "reproduce.json").read_text())["seed"] == 1
    assert (out / "stray.txt").read_text() == "not ours"  # --force removes only what reproduce wrote
    # a folder with a reproduction's files but no record (an older version, or a copy) is refused too
    (out / "reproduce-config.json").unlink()
    assert main(["reproduce", "heat", "--quick", "--out", str(out), "--no-progress"]) == 2
    assert "--force" in capsys.readouterr().err


def test_interrupted_reproduction_is_continued_to_the_same_result(tmp_path, monkeypatch, quick_figures):
    """Interrupted in its second training run: the rerun reuses the data and the finished run, resumes the
    other from its checkpoint, and ends with the same networks and metrics as an uninterrupted reproduction."""
    import torch

    import pixelpde.learned.train
    from pixelpde.learned.presets import SIZES, ReproduceSize

    monkeypatch.setitem(SIZES, "quick", ReproduceSize(**TOY))
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    argv = lambda out: ["reproduce", "heat", "--quick", "--out", str(out), "--no-progress"]
    assert main(argv(whole)) == 0
    real = pixelpde.learned.train.train
    calls = []

    def interrupted(data, config, run_dir, **kwargs):
        calls.append((config.name, kwargs.get("resume")))
        if config.init == "constructive":
            real(data, config, run_dir, **{**kwargs, "max_epochs": 1})
            raise KeyboardInterrupt
        return real(data, config, run_dir, **kwargs)

    monkeypatch.setattr(pixelpde.learned.train, "train", interrupted)
    assert main(argv(parts)) == 130  # Ctrl-C during the second run
    data = {name: (parts / "data" / name).read_bytes() for name in ("train.h5", "test.h5")}
    first = (parts / "runs" / "learned" / "model.pt").read_bytes()
    assert not (parts / "report.md").exists()
    monkeypatch.setattr(
        pixelpde.learned.train, "train", lambda *a, **k: calls.append((a[1].name, k.get("resume"))) or real(*a, **k)
    )
    assert main(argv(parts)) == 0
    assert calls == [("learned", False), ("learned-constructive-init", False), ("learned-constructive-init", True)]
    assert {name: (parts / "data" / name).read_bytes() for name in data} == data
    assert (parts / "runs" / "learned" / "model.pt").read_bytes() == first
    for name in ("learned", "learned-constructive-init"):
        a = torch.load(whole / "runs" / name / "model.pt", weights_only=True)
        b = torch.load(parts / "runs" / name / "model.pt", weights_only=True)
        assert a.keys() == b.keys()
        assert all(torch.equal(a[k], b[k]) for k in a)
    assert json.loads((whole / "metrics.json").read_text()) == json.loads((parts / "metrics.json").read_text())


def test_reproduce_advection_compares_euler_and_projected_euler(tmp_path, monkeypatch, quick_figures):
    """Figure 3: on the advection data the network is trained with Psi_2 (projected
    Euler, the paper's choice) and with Psi_1 (Euler), and both are evaluated."""
    import pixelpde.learned.reproduce as rep
    from pixelpde.learned.presets import SIZES, ReproduceSize

    toy = ReproduceSize(
        p=8,
        n_train=2,
        train_steps=4,
        n_test=3,
        test_steps=5,
        stages=(2,),
        epochs=1,
        lr_step=30,
        batch_size=4,
        constructive_noise=0.0,
    )
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
