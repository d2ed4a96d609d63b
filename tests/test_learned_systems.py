"""Learning on systems: C-channel Algorithm 2 networks, the constructive start, the PeRCNN-style
baseline, per-field metrics (the recurrent training of section 2.3 on two-field data)."""

import numpy as np
import pytest
import torch

from pixelpde.constructive import exact_network
from pixelpde.ground.errors import InputError
from pixelpde.integrators import get_integrator, rollout
from pixelpde.learned.architectures import PeRCNNSpec, parse_arch
from pixelpde.learned.data import Trajectories, gather_windows, window_index
from pixelpde.learned.embedding import constructive_state
from pixelpde.learned.evaluate import error_metrics, field_metrics
from pixelpde.learned.train import TrainConfig, train
from pixelpde.stencils import parse_system

pytestmark = pytest.mark.usefixtures("single_thread")

#: Gray-Scott on the unit square, diffusion scaled up so that a 12 x 12 grid moves in a few steps.
GRAY_SCOTT = "u_t = 0.002*(u_xx + u_yy) - u*v**2 + 0.04*(1 - u); v_t = 0.001*(v_xx + v_yy) + u*v**2 - 0.1*v"
ARCH = "2-8-16-8-2/2-8-2/3:2-8-2"


def gray_scott_data(p=12, n=4, steps=4, seed=0) -> Trajectories:
    """Trajectories of the 3 x 3 scheme, stepped finely with RK4 (a stand-in dataset)."""
    dx, dt = 1 / p, 0.5
    sd = parse_system(GRAY_SCOTT).discretise(f"1/{p}", "periodic")
    rng = np.random.default_rng(seed)
    U0 = np.stack([np.ones((p, p)), np.zeros((p, p))])[None].repeat(n, 0)
    U0[:, 0] -= 0.5 * rng.uniform(0, 1, (n, p, p))
    U0[:, 1] += 0.25 * rng.uniform(0, 1, (n, p, p))
    U = rollout(exact_network(sd), torch.from_numpy(U0), dt, steps, get_integrator("rk4", 8), grad=False)
    return Trajectories(U, dt, dx, "periodic", GRAY_SCOTT, {"problem": "gray-scott"})


def test_trajectories_know_their_fields():
    data = gray_scott_data()
    assert data.channels == 2
    assert tuple(data.U.shape) == (4, 5, 2, 12, 12)
    assert data.semidiscrete().channels == 2


def test_constructive_start_of_a_system_is_exact():
    data = gray_scott_data()
    spec = parse_arch(ARCH, fields=2)
    net = spec.build("periodic", torch.float64)
    net.load_state_dict(constructive_state(spec, data.semidiscrete()))
    U = data.U[:, 0]
    np.testing.assert_allclose(net(U).detach().numpy(), data.semidiscrete().rhs(U.numpy()), rtol=0, atol=1e-14)


def test_constructive_start_is_at_the_finite_difference_loss(tmp_path):
    """First logged loss (one batch = all windows, before any step) = the recurrent loss of the exact
    network of the data's system with the same integrator, computed by a plain rollout."""
    data = gray_scott_data()
    M = 2
    windows = gather_windows(data.U, window_index(data.n_trajectories, data.n_steps, M + 1), M + 1)
    integrator = get_integrator("euler", 4)
    pred = rollout(exact_network(data.semidiscrete()), windows[:, 0], data.dt, M, integrator, grad=False)
    expected = float(((pred[:, 1:] - windows[:, 1:]) ** 2).sum() / (len(windows) * M))
    assert expected > 1e-6  # the data are RK4, the scheme Euler: a genuine, non-zero loss
    config = TrainConfig(
        arch=ARCH,
        integrator="euler",
        substeps=4,
        stages=(M,),
        epochs=1,
        batch_size=len(windows),
        init="constructive",
        dtype="float64",
        lr=1e-6,
    )
    result = train(data, config, tmp_path / "run", progress=False)
    assert result.log[0]["loss"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("arch", [ARCH, "percnn:4"])
def test_random_start_learns(tmp_path, arch):
    data = gray_scott_data()
    config = TrainConfig(arch=arch, integrator="euler", substeps=1, stages=(1,), epochs=8, batch_size=4, lr=1e-3)
    result = train(data, config, tmp_path / "run", progress=False)
    losses = [r["loss"] for r in result.log]
    assert losses[-1] < 0.7 * losses[0], losses


def test_a_network_for_another_number_of_fields_is_refused(tmp_path):
    data = gray_scott_data()
    with pytest.raises(InputError, match="field channel"):
        train(data, TrainConfig(arch="table1", stages=(1,), epochs=1, batch_size=4), tmp_path / "run", progress=False)


def test_percnn_parameter_count_is_the_published_cell():
    """PeRCNN's 2-D cell: 3 parallel 5x5 convolutions of 16 channels per field, 1x1 out, a diffusion
    coefficient per field: 2 * (3 * (2*16*25 + 16) + 17) + 2 = 4932."""
    spec = PeRCNNSpec(fields=2)
    assert spec.num_parameters() == spec.build("periodic").num_parameters() == 4932


def test_metrics_over_all_fields_and_per_field():
    rng = np.random.default_rng(0)
    true = torch.as_tensor(rng.uniform(1, 2, (3, 4, 2, 5, 5)))
    pred = true.clone()
    pred[:, 1:, 1] += 0.1  # only v is wrong
    per = field_metrics(pred, true, ("u", "v"))
    assert max(per["u"]["rE_frac"]) == 0
    assert min(per["v"]["rE_frac"]) > 0
    total = error_metrics(pred, true)
    np.testing.assert_allclose(total["mse"], np.array(per["v"]["mse"]) / 2, rtol=1e-12)
    assert total["maxE"] == pytest.approx(per["v"]["maxE"], rel=1e-12)


def test_reproduce_a_system_end_to_end(tmp_path, monkeypatch):
    """Spectral data -> the two-channel network (random and constructive start) and the PeRCNN-style
    baseline -> metrics over all fields and per field, beside the constructed networks."""
    problem = "gray-scott"
    import json

    import pixelpde.learned.reproduce as rep
    from pixelpde.learned.presets import SIZES, ReproduceSize

    toy = ReproduceSize(
        p=12,
        n_train=2,
        train_steps=3,
        n_test=2,
        test_steps=4,
        stages=(2,),
        epochs=1,
        lr_step=30,
        batch_size=4,
        constructive_noise=0.0,
    )
    monkeypatch.setitem(SIZES, "quick", toy)
    out = tmp_path / problem
    rep.reproduce(problem, out, quick=True, progress=False, echo=lambda *a: None)
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == {
        "learned",
        "learned-constructive-init",
        "baseline-percnn",
        "constructed",
        "constructed-5x5-order4",
    }
    fields = json.loads((out / "metrics-fields.json").read_text())
    assert set(fields["constructed"]) == {"u", "v"}
    assert len(fields["learned"]["v"]["rE_frac"]) == 4
    report = (out / "report.md").read_text()
    assert "Per field" in report
    assert "spectral (ETDRK4)" in report
