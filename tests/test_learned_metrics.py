"""Metrics (23)-(25) by hand, metrics files, constructed models, the dt check at evaluation."""

import json
import math

import numpy as np
import pytest
import torch

from pixelpde.constructive import Theorem32Network
from pixelpde.ground.errors import InputError
from pixelpde.integrators import get_integrator
from pixelpde.learned.data import Trajectories
from pixelpde.learned.evaluate import Model, error_metrics, run_models
from pixelpde.learned.report import metrics_table, read_metrics, write_metrics

pytestmark = pytest.mark.usefixtures("single_thread")


def hand_case():
    """N = 2 samples, J = 2 steps, 2 x 2 fields; errors E chosen by hand."""
    true = torch.zeros(2, 3, 2, 2, dtype=torch.float64)
    E = torch.zeros_like(true)
    true[0, 1] = torch.tensor([[1.0, 0], [0, 0]])  # ||U|| = 1
    E[0, 1] = torch.tensor([[0.0, 0], [0, 1]])  # ||E|| = 1
    true[1, 1] = torch.tensor([[0.0, 4], [0, 0]])  # ||U|| = 4
    E[1, 1] = torch.tensor([[0.0, 0], [3, 0]])  # ||E|| = 3
    true[0, 2] = torch.tensor([[2.0, 0], [0, 0]])  # ||U|| = 2
    E[0, 2] = torch.tensor([[0.5, -0.5], [0.5, -0.5]])  # ||E|| = 1
    true[1, 2] = torch.tensor([[0.0, 0], [0, 3]])  # ||U|| = 3
    E[1, 2] = torch.tensor([[-2.0, 0], [0, 0]])  # ||E|| = 2
    true[:, 0] = 7.0  # j = 0 is not a metric step
    return true + E, true


def test_metrics_23_to_25_by_hand():
    pred, true = hand_case()
    m = error_metrics(pred, true)
    # (23) max over samples and pixels
    assert m["maxE"] == [3.0, 2.0]
    # (24) mean over samples of ||E||^2 / p^2, p^2 = 4
    assert m["mse"] == pytest.approx([(1 / 4 + 9 / 4) / 2, (1 / 4 + 4 / 4) / 2], rel=1e-15)
    # (25) mean over samples of ||E|| / ||U||
    assert m["rE_frac"] == pytest.approx([(1 / 1 + 3 / 4) / 2, (1 / 2 + 2 / 3) / 2], rel=1e-15)


def test_metrics_files(tmp_path):
    pred, true = hand_case()
    m = error_metrics(pred, true)
    write_metrics(
        tmp_path, {"learned": m, "bad": {"maxE": [math.inf, 1.0], "mse": [math.nan, 1.0], "rE_frac": [1.0, 2.0]}}
    )
    data = json.loads((tmp_path / "metrics.json").read_text())
    assert set(data) == {"learned", "bad"}
    assert set(data["learned"]) == {"maxE", "mse", "rE_frac"}
    assert data["learned"]["maxE"] == [3.0, 2.0]
    assert data["bad"]["maxE"] == [None, 1.0]
    rows = (tmp_path / "metrics.csv").read_text().splitlines()
    assert rows[0] == "model,j,maxE,mse,rE_frac"
    assert rows[1].startswith("learned,1,3.0,")


def test_relative_error_is_a_fraction_named_as_one_and_a_percent_only_in_the_table(tmp_path):
    pred, true = hand_case()
    m = error_metrics(pred, true)
    # 0.875 is 87.5 %: the data hold the fraction under a key that says so
    assert m["rE_frac"][0] == pytest.approx(0.875, rel=1e-15)
    write_metrics(tmp_path, {"learned": m})
    table = metrics_table(read_metrics(tmp_path / "metrics.json"), at=(1, 2))
    head, _, row = table.splitlines()
    assert "| rE(1) % | rE(2) % |" in head
    assert row.startswith("| learned | 87.5 % | 58.3 % |")


def test_metrics_json_written_before_the_unit_key_still_reads(tmp_path):
    old = {"learned": {"maxE": [3.0, 2.0], "mse": [0.5, 0.25], "rE": [0.875, 0.5833]}}
    (tmp_path / "metrics.json").write_text(json.dumps(old))
    back = read_metrics(tmp_path / "metrics.json")
    assert back == {"learned": {"maxE": [3.0, 2.0], "mse": [0.5, 0.25], "rE_frac": [0.875, 0.5833]}}


def numpy_heat_euler(U0, dt, dx, steps, substeps=3, alpha=0.01):
    """Explicit Euler with ``substeps`` substeps of the 5-point Laplacian, zero Dirichlet boundary,
    written in NumPy (independent of the networks and integrators under test)."""
    U, out = U0.copy(), [U0.copy()]
    h = dt / substeps
    for _ in range(steps):
        for _ in range(substeps):
            P = np.pad(U, ((0, 0), (1, 1), (1, 1)))
            lap = (P[:, 2:, 1:-1] + P[:, :-2, 1:-1] + P[:, 1:-1, 2:] + P[:, 1:-1, :-2] - 4 * U) / dx**2
            U = U + h * alpha * lap
        out.append(U)
    return np.stack(out, axis=1)


def fd_heat(p=8, n=2, steps=6):
    """Heat trajectories of the 3x3 scheme with Euler, 3 substeps, computed by :func:`numpy_heat_euler`."""
    pde = "u_t = 0.01*(u_xx + u_yy)"
    dx = 1 / (p + 1)
    dt = 0.24 * dx**2 / 0.01
    x = np.arange(1, p + 1) * dx
    X, Y = np.meshgrid(x, x, indexing="ij")
    U0 = np.stack([(i + 1) * np.sin(np.pi * X) * np.sin((i + 1) * np.pi * Y) * (1 + X * Y**2) for i in range(n)])
    U = torch.from_numpy(numpy_heat_euler(U0, dt, dx, steps))
    return Trajectories(U, dt, dx, "dirichlet", pde, {"problem": "heat"})


def test_constructed_network_has_zero_error_on_independent_data_of_its_scheme():
    from pixelpde.learned.evaluate import constructed_models

    data = fd_heat()
    models = constructed_models(data, get_integrator("euler", 3), data.dt)
    metrics, _ = run_models(models, data, steps=6)
    assert max(metrics["constructed"]["rE_frac"]) < 1e-14  # the constructed 3x3 network is that scheme
    assert min(metrics["constructed-5x5-order4"]["rE_frac"]) > 1e-6  # a different scheme


def test_evaluation_refuses_a_dt_mismatch():
    data = fd_heat()
    net = Theorem32Network.from_system(data.semidiscrete())
    model = Model("learned", net, get_integrator("euler", 3), data.dt * 2, {})
    with pytest.raises(InputError, match="dt="):
        run_models([model], data, steps=2)
    run_models([model], data, steps=2, allow_dt_mismatch=True)
