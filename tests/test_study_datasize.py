"""pixelpde study datasize: the fixed Adam budget, nested datasets, data-parallel runs, bad input."""

import json
import math

import pytest

from pixelpde.cli import main

pytestmark = pytest.mark.usefixtures("single_thread")


@pytest.mark.parametrize("size", ["tiny", "quick", "full"])
def test_every_count_gets_the_same_number_of_adam_steps(size):
    from pixelpde.studies.datasize import HEADER, plan, schedule

    sizes = HEADER.sizes[size]
    budget = sizes.epochs * math.ceil(sizes.n_train / sizes.batch_size)  # per stage, at the largest count
    for n in sizes.counts:
        epochs, lr_step, steps = schedule(sizes, n)
        per_epoch = math.ceil(n / sizes.batch_size)
        assert steps == epochs * per_epoch
        assert abs(steps - budget) <= per_epoch / 2
        assert 1 <= lr_step <= epochs
    runs = plan(sizes)
    assert len(runs) == len(sizes.counts) * len(sizes.problems) * sizes.seeds
    assert {r.config["windows"] for r in runs} == {"first"}
    assert {r.config["init"] for r in runs} == {"random"}
    if size == "full":  # the paper's protocol: 1000 trajectories, one window each, batch 32; 160 steps per stage each
        assert sizes.counts == (20, 100, 1000)
        assert sizes.p == 100
        assert sizes.batch_size == 32
        assert {r.labels["adam_steps"] for r in runs} == {3 * 160}
        assert [schedule(sizes, n)[:2] for n in (20, 100, 300, 1000)] == [(160, 64), (40, 16), (16, 6), (5, 2)]


def test_the_smaller_datasets_are_the_first_trajectories_of_the_largest(tmp_path):
    """The docstring's claim: trajectory i depends on (seed, i) only, Fisher's norm filter included."""
    import torch

    from pixelpde.studies.data import load_or_simulate
    from pixelpde.studies.datasize import HEADER
    from pixelpde.studies.sizes import datasets

    sizes = HEADER.sizes["tiny"]
    big = load_or_simulate(datasets(sizes, "fisher", n_train=4)[0], tmp_path)
    small = load_or_simulate(datasets(sizes, "fisher", n_train=2)[0], tmp_path)
    assert small.U.shape[0] == 2
    assert torch.equal(small.U, big.U[:2])


def test_bad_sizes_are_refused():
    from pixelpde.ground.errors import InputError
    from pixelpde.studies.datasize import DataSizes

    base = dict(p=8, n_train=4, train_steps=3, n_test=2, test_steps=4, seeds=1, epochs=1, stages=(2,))
    for counts in [(2, 3), (4, 4), (), (0, 4), (4, 2)]:
        with pytest.raises(InputError):
            DataSizes(**base, counts=counts)
    with pytest.raises(InputError, match="unknown"):
        DataSizes(**base, counts=(4,), problems=("wave",))
    with pytest.raises(InputError, match="at least one problem"):
        DataSizes(**base, counts=(4,), problems=())
    with pytest.raises(InputError, match="lr-step"):
        DataSizes(**base, counts=(4,), lr_step=0)


@pytest.fixture(scope="module")
def tiny_datasize(tmp_path_factory):
    from pixelpde.studies.runner import run_study

    out = tmp_path_factory.mktemp("datasize")
    summary = run_study("datasize", out, size="tiny", echo=lambda line: None)
    return out, summary


def test_tiny_study_writes_everything(tiny_datasize):
    out, summary = tiny_datasize
    record = json.loads((out / "study.json").read_text())
    assert record["status"] == "complete"
    assert record["study"] == "datasize"
    header, *rows = (out / "results.csv").read_text().strip().splitlines()
    assert len(rows) == 2
    assert "n_train" in header
    assert "adam_steps" in header
    assert "final_loss" in header
    assert [r["epochs"] for r in record["results"]] == [2, 1]  # n = 2: twice the epochs of n = 4 (batch 2)
    assert "fisher, rE(4)" in summary["findings"]
    assert (out / "figure.png").read_bytes()[:4] == b"\x89PNG"


def test_data_parallel_runs_end_where_one_process_ends(tiny_datasize, tmp_path):
    """``--nproc 2`` trains each run in two gloo workers: the same metrics to float32 rounding."""
    out, _ = tiny_datasize
    assert main(["study", "datasize", "--size", "tiny", "--nproc", "2", "--out", str(tmp_path), "--no-progress"]) == 0
    one = json.loads((out / "study.json").read_text())["results"]
    two = json.loads((tmp_path / "study.json").read_text())["results"]
    assert len(one) == len(two) == 2
    assert [json.loads(p.read_text())["workers"] for p in sorted((tmp_path / "runs").glob("*/model.json"))] == [2, 2]
    for a, b in zip(one, two, strict=True):
        assert a["epochs"] == b["epochs"]
        for x, y in zip(a["metrics"]["rE_frac"], b["metrics"]["rE_frac"], strict=True):
            assert abs(x - y) <= 1e-5 * abs(x)


@pytest.mark.parametrize("nproc", ["0", "-1", "1.5", "two", "3"])
def test_bad_nproc_is_one_line_and_writes_nothing(tmp_path, capsys, nproc):
    out = tmp_path / "study"
    assert main(["study", "datasize", "--size", "tiny", "--nproc", nproc, "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "--nproc" in err[0]
    assert not out.exists()
