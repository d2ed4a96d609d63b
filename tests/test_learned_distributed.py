"""Data-parallel training (torch.distributed, 2 gloo workers on the CPU): the same weights as one
process, the error contract of --nproc and of the launcher environment."""

import json
import os

import pytest
import torch

from pixelpde.cli import main
from pixelpde.constructive.io import load_tensors
from pixelpde.ground.errors import InputError
from pixelpde.learned.distributed import World, launch, parse_nproc, shard, world_from_env

pytestmark = pytest.mark.usefixtures("single_thread")

ENV = {"RANK": "0", "WORLD_SIZE": "2", "LOCAL_RANK": "0", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500"}


@pytest.fixture(scope="module")
def heat_file(tmp_path_factory):
    from pixelpde.fem import generate, write_dataset

    path = tmp_path_factory.mktemp("heat") / "train.h5"
    write_dataset(path, generate("heat", 3, 5, 0, p=8, progress=False))
    return path


def _train(heat_file, out, *extra):
    # 3 trajectories x 4 windows (M=2) = 12 windows: batches of 5, 5, 2 -> shards 3+2, 3+2, 1+1
    return main(
        [
            "train",
            "heat",
            "--data",
            str(heat_file),
            "--out",
            str(out),
            "--stages",
            "2",
            "--epochs",
            "2",
            "--batch-size",
            "5",
            "--dtype",
            "float64",
            "--lr",
            "1e-3",
            "--input-noise",
            "1e-2",
            "--no-progress",
            *extra,
        ]
    )


def test_two_gloo_workers_end_with_the_weights_of_one_process(heat_file, tmp_path):
    """Unequal shards (5 = 3 + 2), input noise, float64: the all-reduced gradient is the global batch's."""
    assert _train(heat_file, tmp_path / "one", "--threads", "1") == 0
    assert _train(heat_file, tmp_path / "two", "--nproc", "2") == 0
    a, _ = load_tensors(tmp_path / "one" / "model.pt")
    b, meta_b = load_tensors(tmp_path / "two" / "model.pt")
    scale = max(v.abs().max().item() for v in a.values())
    error = max((a[k] - b[k]).abs().max().item() for k in a)
    assert scale > 0
    assert error <= 1e-12 * scale, error
    log_a = json.loads((tmp_path / "one" / "log.json").read_text())
    log_b = json.loads((tmp_path / "two" / "log.json").read_text())
    assert [r["windows"] for r in log_b] == [12, 12]
    assert [r["workers"] for r in log_b] == [2, 2]
    assert [r["loss"] for r in log_b] == pytest.approx([r["loss"] for r in log_a], rel=1e-12)
    assert meta_b["workers"] == 2


def test_workers_train_on_the_selected_trajectories(heat_file, tmp_path, capsys):
    """--n-train reaches the spawned workers: 2 of the 3 trajectories, 4 windows each (M=2)."""
    assert _train(heat_file, tmp_path / "run", "--nproc", "2", "--n-train", "2", "--epochs", "1") == 0
    log = json.loads((tmp_path / "run" / "log.json").read_text())
    assert [r["windows"] for r in log] == [8]
    assert [r["workers"] for r in log] == [2]
    out = capsys.readouterr().out
    assert "on 2 trajectories" in out
    assert "1 epochs, 2 workers" in out


def test_a_worker_with_no_window_at_all_still_steps_with_the_others(heat_file, tmp_path):
    """One trajectory, one window per epoch (--windows first): rank 1's shard is always empty
    (it never has a gradient of its own) and both ranks still end with one process's weights."""
    extra = ("--n-train", "1", "--windows", "first", "--epochs", "3")
    assert _train(heat_file, tmp_path / "one", "--threads", "1", *extra) == 0
    assert _train(heat_file, tmp_path / "two", "--nproc", "2", *extra) == 0
    a, _ = load_tensors(tmp_path / "one" / "model.pt")
    b, meta = load_tensors(tmp_path / "two" / "model.pt")
    scale = max(v.abs().max().item() for v in a.values())
    assert max((a[k] - b[k]).abs().max().item() for k in a) <= 1e-12 * scale
    assert meta["workers"] == 2


def test_worker_divergence_stops_all_and_keeps_the_checkpoint(heat_file, tmp_path):
    """Through train_parallel (what reproduce --nproc uses): every worker stops, one line, no model.pt."""
    from pixelpde.learned.config import TrainConfig
    from pixelpde.learned.loop import TrainingDiverged
    from pixelpde.learned.train import train_parallel

    run = tmp_path / "run"
    config = TrainConfig(arch="table3", integrator="euler", substeps=3, stages=(2,), epochs=3, batch_size=2, lr=1e30)
    with pytest.raises(TrainingDiverged, match=r"training diverged: .* at stage 1 \(M=2\), epoch \d, batch \d+; "):
        train_parallel(2, heat_file, config, run, threads=1)
    assert not (run / "model.pt").exists()


def _die_on_rank_1(_):
    if os.environ["RANK"] == "1":
        os._exit(7)
    import time

    time.sleep(60)  # would hang here if the launcher did not stop the survivors
    return 0


def test_a_worker_that_dies_is_one_line_and_stops_the_others():
    code, message = launch(2, _die_on_rank_1, None, threads=1)
    assert code == 2
    assert "worker 1 of 2 died (exit code 7)" in message
    assert "\n" not in message


@pytest.mark.parametrize("text", ["0", "-1", "1.5", "two", ""])
def test_nproc_must_be_a_positive_integer(heat_file, tmp_path, capsys, text):
    assert _train(heat_file, tmp_path / "run", "--nproc", text) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "--nproc" in err[0]
    assert "positive integer" in err[0]
    assert not (tmp_path / "run").exists()
    assert parse_nproc("3") == 3


def test_more_workers_than_windows_per_batch_is_refused(heat_file, tmp_path, capsys):
    assert _train(heat_file, tmp_path / "run", "--nproc", "6") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "6 workers but only 5 windows per batch" in err[0]


def test_incomplete_launcher_environment_is_one_line(heat_file, tmp_path, capsys, monkeypatch):
    for key, value in ENV.items():
        if key != "MASTER_PORT":
            monkeypatch.setenv(key, value)
    monkeypatch.delenv("MASTER_PORT", raising=False)
    assert _train(heat_file, tmp_path / "run") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "MASTER_PORT missing" in err[0]
    assert "torchrun" in err[0]


def test_world_from_env():
    assert world_from_env({}) is None
    assert world_from_env(ENV) == World(0, 2, 0)
    for bad in ({**ENV, "RANK": "2"}, {**ENV, "WORLD_SIZE": "x"}, {"RANK": "0"}):
        with pytest.raises(InputError):
            world_from_env(bad)


def test_shards_are_disjoint_and_cover_the_batch():
    rows = torch.arange(11)
    parts = [shard(rows, World(r, 3)) for r in range(3)]
    assert torch.equal(torch.cat(parts), rows)
    assert [len(p) for p in parts] == [4, 4, 3]
