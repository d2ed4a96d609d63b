"""Recurrent training (Algorithm 3): loss falls, constructive start, resume, dt check, NaN."""

import json
import math

import numpy as np
import pytest
import torch

import pixelpde.learned.loop as loop_module
from pixelpde.constructive import Theorem32Network
from pixelpde.ground.errors import InputError
from pixelpde.integrators import get_integrator, rollout
from pixelpde.learned.architectures import PRESETS
from pixelpde.learned.data import Trajectories, gather_windows, window_index
from pixelpde.learned.embedding import random_init_
from pixelpde.learned.train import CHECKPOINT, TrainConfig, TrainingDiverged, train

pytestmark = pytest.mark.usefixtures("single_thread")

FISHER = "u_t = 0.01*(u_xx + u_yy) + u*(1 - u)"


def fisher_data(p=8, n=3, steps=5, seed=0) -> Trajectories:
    """Fisher trajectories of the 3x3 scheme stepped finely with RK4 (a stand-in dataset).

    dt = 0.24 dx^2 / 0.01 as in the paper's data; the initial conditions are positive,
    since negative values of u_t = ... + u(1 - u) blow up in finite time."""
    dx = 1 / (p + 1)
    dt = 0.24 * dx**2 / 0.01
    sd = Trajectories(torch.zeros(1, 1, p, p), dt, dx, "dirichlet", FISHER).semidiscrete()
    x = np.arange(1, p + 1) / (p + 1)
    X, Y = np.meshgrid(x, x, indexing="ij")
    rng = np.random.default_rng(seed)
    bump = np.sin(np.pi * X) * np.sin(np.pi * Y)  # positive: no finite-time blow-up of u - u^2
    U0 = np.stack([rng.uniform(0.3, 1.2) * bump * (1 + rng.uniform(-0.8, 0.8) * X * Y**2) for _ in range(n)])
    U = rollout(Theorem32Network.from_system(sd), torch.from_numpy(U0), dt, steps, get_integrator("rk4", 4), grad=False)
    return Trajectories(U, dt, dx, "dirichlet", FISHER, {"problem": "fisher"})


SMALL = dict(arch="table1", integrator="euler", substeps=3, stages=(2, 3), epochs=2, batch_size=4)


def test_learning_rate_schedule_is_algorithm_3():
    c = TrainConfig()
    table = {
        (0, 0): 1e-2,
        (0, 29): 1e-2,
        (0, 30): 1e-3,
        (0, 59): 1e-3,
        (0, 60): 1e-4,
        (0, 99): 1e-5,
        (1, 0): 2e-3,
        (1, 30): 2e-4,
        (2, 0): 4e-4,
    }
    for (stage, epoch), lr in table.items():
        assert math.isclose(c.learning_rate(stage, epoch), lr, rel_tol=1e-12), (stage, epoch)
    assert (c.stages, c.epochs, c.batch_size, c.dtype) == ((3, 4, 5), 100, 32, "float32")


def test_windows_cover_every_start():
    index = window_index(2, 5, 3)
    assert index.tolist() == [[i, s] for i in range(2) for s in range(4)]
    U = torch.arange(2 * 6 * 1 * 1, dtype=torch.float64).reshape(2, 6, 1, 1)
    w = gather_windows(U, index[5:6], 3)
    assert w[0, :, 0, 0].tolist() == U[1, 1:4, 0, 0].tolist()
    with pytest.raises(InputError):
        window_index(2, 5, 7)


def test_random_init_is_orthogonal_with_zero_biases():
    net = random_init_(PRESETS["table4"].build("periodic", torch.float64), torch.Generator().manual_seed(3))
    for name, p in net.named_parameters():
        if p.ndim == 1:
            assert torch.all(p == 0), name
        else:
            W = p.reshape(p.shape[0], -1)
            gram = W @ W.T if W.shape[0] <= W.shape[1] else W.T @ W
            assert torch.allclose(gram, torch.eye(gram.shape[0], dtype=torch.float64), atol=1e-12), name
    again = random_init_(PRESETS["table4"].build("periodic", torch.float64), torch.Generator().manual_seed(3))
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), again.parameters(), strict=True))


def test_loss_falls_on_a_tiny_dataset(tmp_path):
    data = fisher_data()
    result = train(data, TrainConfig(**{**SMALL, "stages": (2,), "epochs": 12}), tmp_path / "run", progress=False)
    losses = [row["loss"] for row in result.log]
    assert losses[-1] < 0.3 * losses[0], losses
    log = json.loads((tmp_path / "run" / "log.json").read_text())
    assert [r["loss"] for r in log] == losses
    assert (tmp_path / "run" / "log.csv").read_text().splitlines()[0].startswith("stage,M,epoch,lr,loss")


def numpy_fisher_loss(windows, dt, dx, substeps=3):
    """The recurrent loss of section 4, sum_b sum_{j=1..M} ||N^j(U_b^0) - U_b^j||_F^2 / (b M), with N
    Euler in ``substeps`` substeps of the 3x3 Fisher scheme 0.01 (5-point Laplacian) + u (1 - u),
    zero Dirichlet padding: written in NumPy, independent of the network, integrators and loss code."""
    b, length = windows.shape[:2]
    U, total, h = windows[:, 0].copy(), 0.0, dt / substeps
    for j in range(1, length):
        for _ in range(substeps):
            P = np.pad(U, ((0, 0), (1, 1), (1, 1)))
            lap = (P[:, 2:, 1:-1] + P[:, :-2, 1:-1] + P[:, 1:-1, 2:] + P[:, 1:-1, :-2] - 4 * U) / dx**2
            U = U + h * (0.01 * lap + U * (1 - U))
        total += np.sum((U - windows[:, j]) ** 2)
    return total / (b * (length - 1))


def test_constructive_init_starts_at_the_finite_difference_loss(tmp_path):
    """First logged loss (one batch = all windows, before any step) equals the recurrent loss of
    the 3x3 finite-difference scheme, computed independently in NumPy."""
    data = fisher_data()
    M = 3
    windows = gather_windows(data.U, window_index(data.n_trajectories, data.n_steps, M + 1), M + 1)
    fd = numpy_fisher_loss(windows.numpy(), data.dt, float(data.dx))
    assert fd > 1e-8  # the data are RK4, the scheme Euler: a genuine, non-zero loss
    config = TrainConfig(
        arch="table4",
        integrator="euler",
        substeps=3,
        stages=(M,),
        epochs=1,
        batch_size=len(windows),
        init="constructive",
        dtype="float64",
        lr=1e-6,
    )
    result = train(data, config, tmp_path / "run", progress=False)
    assert result.log[0]["loss"] == pytest.approx(fd, rel=1e-12)


def test_resume_ends_with_the_same_weights_as_an_uninterrupted_run(tmp_path):
    data = fisher_data()
    config = TrainConfig(**SMALL)
    full = train(data, config, tmp_path / "full", progress=False)
    part = train(data, config, tmp_path / "resumed", progress=False, max_epochs=3)
    assert not part.finished
    assert not (tmp_path / "resumed" / "model.pt").exists()
    assert torch.load(tmp_path / "resumed" / CHECKPOINT, weights_only=True)["position"] == [1, 1]
    resumed = train(data, config, tmp_path / "resumed", resume=True, progress=False)
    a, b = full.model.state_dict(), resumed.model.state_dict()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [r["loss"] for r in full.log] == [r["loss"] for r in resumed.log]


def test_resume_refuses_changed_settings_and_a_fresh_run_refuses_an_existing_one(tmp_path):
    data = fisher_data()
    train(data, TrainConfig(**SMALL), tmp_path / "run", progress=False, max_epochs=1)
    with pytest.raises(InputError, match="lr"):
        train(data, TrainConfig(**{**SMALL, "lr": 1e-3}), tmp_path / "run", resume=True, progress=False)
    with pytest.raises(InputError, match="data differ"):
        train(fisher_data(seed=1), TrainConfig(**SMALL), tmp_path / "run", resume=True, progress=False)
    with pytest.raises(InputError, match="--resume"):
        train(data, TrainConfig(**SMALL), tmp_path / "run", progress=False)


def test_dt_mismatch_is_refused_unless_allowed(tmp_path):
    data = fisher_data()
    with pytest.raises(InputError, match="differs from the dataset"):
        train(data, TrainConfig(**SMALL, dt=data.dt * 3), tmp_path / "a", progress=False)
    assert not (tmp_path / "a").exists()
    result = train(
        data,
        TrainConfig(**{**SMALL, "epochs": 1}, dt=data.dt * 3, allow_dt_mismatch=True),
        tmp_path / "b",
        progress=False,
    )
    assert result.dt == data.dt * 3
    assert json.loads((tmp_path / "b" / "model.json").read_text())["dt"] == data.dt * 3


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    data = fisher_data()
    config = TrainConfig(**SMALL)
    good = train(data, config, tmp_path / "good", progress=False, max_epochs=1)
    batches_per_epoch = math.ceil(len(window_index(3, 5, 3)) / 4)
    calls = {"n": 0}
    real = loop_module.batch_loss

    def poisoned(*args):
        calls["n"] += 1
        loss = real(*args)
        return loss * float("nan") if calls["n"] == batches_per_epoch + 2 else loss

    monkeypatch.setattr(loop_module, "batch_loss", poisoned)
    with pytest.raises(
        TrainingDiverged, match=r"loss is nan at stage 1 \(M=2\), epoch 2, batch 2.*last good checkpoint"
    ):
        train(data, config, tmp_path / "bad", progress=False)
    kept = torch.load(tmp_path / "bad" / CHECKPOINT, weights_only=True)
    assert kept["position"] == [0, 1]
    assert all(torch.equal(kept["model"][k], v) for k, v in good.model.state_dict().items())
    assert all(torch.isfinite(v).all() for v in kept["model"].values())
    assert not (tmp_path / "bad" / "model.pt").exists()


def test_saved_model_loads_through_the_registry(tmp_path):
    from pixelpde.learned.io import load_any_network

    data = fisher_data()
    result = train(data, TrainConfig(**{**SMALL, "epochs": 1}), tmp_path / "run", progress=False)
    net, meta = load_any_network(tmp_path / "run" / "model.pt")
    assert meta["network"] == "algorithm2"
    assert meta["parameters"] == 2632
    assert meta["dt"] == data.dt
    U = data.U[0, 0]
    assert torch.allclose(net(U), result.model.to(torch.float64)(U), rtol=0, atol=0)


@pytest.mark.parametrize("arch", ["theorem32", "algorithm1"])
def test_algorithm1_and_theorem32_train_save_and_load(tmp_path, arch):
    from pixelpde.learned.io import load_run

    data = fisher_data()
    config = TrainConfig(**{**SMALL, "arch": arch, "epochs": 1, "stages": (2,)}, init="constructive", lr=1e-5)
    result = train(data, config, tmp_path / arch, progress=False)
    run = load_run(tmp_path / arch)
    assert run.meta["network"] == arch
    assert run.name == "learned-constructive-init"
    U = data.U[:, 0]
    assert torch.equal(run.model(U), result.model.to(torch.float64)(U))
