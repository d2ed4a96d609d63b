"""The paper's training protocol as options: first windows only, mean-free first filters at random
initialisation, input noise, 5 x 5 kernels (section 4 and the paper's published code)."""

import json

import pytest
import torch

from pixelpde.cli import main
from pixelpde.ground.errors import InputError
from pixelpde.integrators import get_integrator
from pixelpde.learned.architectures import PRESETS
from pixelpde.learned.config import TrainConfig
from pixelpde.learned.data import Trajectories, gather_windows, training_windows
from pixelpde.learned.embedding import random_init_
from pixelpde.learned.loop import batch_loss, run_epoch
from pixelpde.learned.train import build_model, train

pytestmark = pytest.mark.usefixtures("single_thread")

HEAT = "u_t = 0.01*(u_xx + u_yy)"


def heat_data(n=3, steps=5, p=8) -> Trajectories:
    U = torch.rand(n, steps + 1, p, p, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    return Trajectories(U, 0.01, 1 / (p + 1), "dirichlet", HEAT, {"problem": "heat"})


def test_first_windows_start_at_the_initial_condition():
    data = heat_data()
    assert training_windows(data, 4, "first").tolist() == [[0, 0], [1, 0], [2, 0]]
    assert len(training_windows(data, 4, "all")) == 3 * 3
    with pytest.raises(InputError):
        training_windows(data, 4, "middle")


def test_mean_free_first_filters_at_random_init():
    for arch, first in (("table4", ("relu.convs.0", "relu2.convs.0")), ("algorithm1", ("conv1",))):
        plain = random_init_(PRESETS[arch].build("dirichlet", torch.float64), torch.Generator().manual_seed(1))
        free = random_init_(
            PRESETS[arch].build("dirichlet", torch.float64), torch.Generator().manual_seed(1), mean_free=True
        )
        for name, p in free.named_parameters():
            q = dict(plain.named_parameters())[name]
            if name.removesuffix(".weight") in first:
                assert p.sum(dim=(-2, -1)).abs().max() < 1e-15, name  # each filter annihilates constants
                assert torch.allclose(p, q - q.mean(dim=(-2, -1), keepdim=True), rtol=0, atol=1e-15)
            else:
                assert torch.equal(p, q), name
    with pytest.raises(InputError, match="option of --init random"):
        TrainConfig(init="constructive", mean_free=True)


def test_input_noise_perturbs_only_the_initial_state_within_its_amplitude():
    data = heat_data()
    a = 1e-2
    config = TrainConfig(arch="table3", stages=(2,), batch_size=4, input_noise=a, dtype="float64")
    model = build_model(config, data, torch.Generator().manual_seed(0))[2]
    index = training_windows(data, 3)
    seen = []

    def capture(model, windows, dt, integrator, total):
        seen.append(windows.clone())
        return batch_loss(model, windows, dt, integrator, total)

    optimizer = torch.optim.Adam(model.parameters(), lr=0.0)
    run_epoch(model, optimizer, data.U, index, 2, data.dt, get_integrator("euler", 3), config, 0, 0, loss_fn=capture)
    from pixelpde.learned.loop import epoch_permutation

    order = index[epoch_permutation(len(index), 0, 0, 0)]
    clean = gather_windows(data.U, order, 3)
    noisy = torch.cat(seen)
    assert torch.equal(noisy[:, 1:], clean[:, 1:])
    delta = noisy[:, 0] - clean[:, 0]
    assert delta.abs().max() <= a
    assert delta.abs().max() > 0.9 * a
    assert abs(delta.mean()) < 0.1 * a


def test_5x5_kernels_train_and_embed_exactly(tmp_path):
    data = heat_data()
    config = TrainConfig(
        arch="table3",
        integrator="euler",
        substeps=3,
        kernel_size=5,
        init="constructive",
        stages=(2,),
        epochs=1,
        batch_size=4,
        lr=1e-6,
        dtype="float64",
    )
    spec, sd, model = build_model(config, data, torch.Generator().manual_seed(0))
    assert spec.size == 5
    assert spec.num_parameters() == sum(p.numel() for p in model.parameters())
    assert model.relu.convs[0].weight.shape[-1] == 5
    U = data.U[0, 0]
    X = torch.as_tensor(sd.rhs(U.numpy()))  # the SciPy evaluation of X(U) with 5 x 5 stencils
    assert torch.allclose(model(U), X, rtol=0, atol=1e-12 * X.abs().max())
    result = train(data, config, tmp_path / "run", progress=False)
    assert json.loads((tmp_path / "run" / "model.json").read_text())["arch"]["size"] == 5
    assert result.log
    assert all(r["windows"] == 12 for r in result.log)


def test_cli_protocol_options(tmp_path, capsys):
    from pixelpde.fem import generate, write_dataset

    write_dataset(tmp_path / "train.h5", generate("heat", 3, 5, 0, p=8, progress=False))
    common = ["train", "heat", "--data", str(tmp_path / "train.h5"), "--stages", "2", "--epochs", "1", "--no-progress"]
    assert (
        main(
            [
                *common,
                "--out",
                str(tmp_path / "a"),
                "--windows",
                "first",
                "--mean-free-filters",
                "--input-noise",
                "1e-2",
                "--kernel-size",
                "5",
            ]
        )
        == 0
    )
    meta = json.loads((tmp_path / "a" / "model.json").read_text())
    assert meta["config"]["windows"] == "first"
    assert meta["config"]["mean_free"]
    assert meta["arch"]["size"] == 5
    assert json.loads((tmp_path / "a" / "log.json").read_text())[0]["windows"] == 3
    capsys.readouterr()
    for bad, message in (
        (["--windows", "middle"], "'all' or 'first'"),
        (["--kernel-size", "4"], "odd"),
        (["--input-noise", "-1"], ">= 0"),
        (["--init", "constructive", "--mean-free-filters"], "--init random"),
    ):
        assert main([*common, "--out", str(tmp_path / "bad"), *bad]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1, err
        assert message in err[0], err
        assert not (tmp_path / "bad").exists()
