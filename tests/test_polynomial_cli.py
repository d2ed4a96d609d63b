"""CLI and I/O of the polynomial and minimal networks: weights, sidecar degree structure,
save/load round trip, apply, and Allen-Cahn through ``pixelpde convergence``."""

import json

import numpy as np
import pytest
import torch

from pixelpde.cli import main
from pixelpde.constructive import PolynomialNetwork, exact_network, load_network, save_network
from pixelpde.ground.errors import InputError
from pixelpde.learned.io import load_any_network
from pixelpde.stencils import parse_pde

ALLEN_CAHN = "u_t = 0.0001*(u_xx+u_yy) + u - u**3"


def test_weights_of_a_cubic_pde_roundtrip_and_apply(tmp_path, capsys):
    w = tmp_path / "ac.pt"
    assert (
        main(
            [
                "weights",
                "--pde",
                "u_t = 0.01*(u_xx+u_yy) + u*(1 - u)*(u - 0.3)",
                "--bc",
                "dirichlet",
                "--dx",
                "1/33",
                "--out",
                str(w),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "degree 3: 2 ReLU^3 channels" in out
    assert "non-zero" in out
    assert "as-written instead: n = 1" in out
    meta = json.loads(w.with_suffix(".json").read_text())
    assert meta["network"] == "polynomial"
    assert meta["structure"] == {"n": 1, "m": 1, "branches": {"3": 2}}
    assert meta["degrees"] == {"3": 1}
    assert len(meta["stencils"]["higher"]) == 1
    assert set(torch.load(w, weights_only=True)) == {"A1", "A2", "B1", "B2", "C", "E1_3", "E2_3"}
    U = np.random.default_rng(0).uniform(-1, 1, size=(32, 32))
    np.save(tmp_path / "U.npy", U)
    assert (
        main(["apply", "--weights", str(w), "--input", str(tmp_path / "U.npy"), "--out", str(tmp_path / "F.npy")]) == 0
    )
    assert (
        main(
            [
                "rhs",
                "--pde",
                meta["pde"],
                "--bc",
                "dirichlet",
                "--dx",
                "1/33",
                "--input",
                str(tmp_path / "U.npy"),
                "--out",
                str(tmp_path / "X.npy"),
            ]
        )
        == 0
    )
    F, X = np.load(tmp_path / "F.npy"), np.load(tmp_path / "X.npy")
    assert np.max(np.abs(F - X)) <= 1e-13 * np.max(np.abs(X))
    net, _ = load_any_network(w)
    assert isinstance(net, PolynomialNetwork)


def test_save_load_keeps_the_network(tmp_path):
    sd = parse_pde("u_x*u_y*u + u**4 - u*u_x + u_xx", max_degree=4).discretise("1/16", "periodic")
    net = exact_network(sd, compact=True)
    save_network(tmp_path / "p.pt", net, sd)
    again, meta = load_network(tmp_path / "p.pt", compact=True)
    assert meta["structure"]["branches"] == {"3": 8, "4": 2}
    U = torch.from_numpy(np.random.default_rng(1).normal(size=(16, 16)))
    with torch.no_grad():
        assert torch.equal(again(U), net(U))


def test_tampered_structure_is_refused(tmp_path):
    sd = parse_pde(ALLEN_CAHN).discretise("1/16", "periodic")
    save_network(tmp_path / "p.pt", exact_network(sd), sd)
    side = tmp_path / "p.json"
    meta = json.loads(side.read_text())
    meta["structure"]["branches"] = {"3": 4}
    side.write_text(json.dumps(meta))
    with pytest.raises(InputError):
        load_network(tmp_path / "p.pt")


def test_weights_minimal_and_as_written(tmp_path, capsys):
    args = ["weights", "--pde", "u*u_x + u*u_y", "--bc", "periodic", "--dx", "1/16"]
    assert main([*args, "--out", str(tmp_path / "m.pt")]) == 0
    out = capsys.readouterr().out
    assert (
        "n = 1 quadratic interaction (minimal; signature (p, q) = (1, 1), minimal n = max(p, q) = 1, as written 2)"
        in out
    )
    assert "parameters: 459 (99 in compact 1x1 form), 31 non-zero" in out
    assert "as-written instead: n = 2, parameters: 1233 (217 in compact 1x1 form), 51 non-zero" in out
    assert main([*args, "--interactions", "as-written", "--out", str(tmp_path / "w.pt")]) == 0
    assert json.loads((tmp_path / "w.json").read_text())["n"] == 2
    assert json.loads((tmp_path / "m.json").read_text())["products"] == ["u*(u_x + u_y)"]


def test_allen_cahn_convergence_cli(tmp_path, capsys):
    js = tmp_path / "ac.json"
    argv = ["convergence", "--pde", ALLEN_CAHN, "--bc", "periodic", "--vary", "dt", "--integrator", "rk4"]
    argv += ["--ic", "0.5*sin(2*pi*x)*sin(2*pi*y)", "--grid", "16", "--T", "1", "--steps", "4", "--refinements", "3"]
    assert main([*argv, "--json", str(js), "--quiet"]) == 0
    study = json.loads(js.read_text())
    assert abs(study["fitted_order"] - 4) <= 0.05
    assert "field: polynomial network (exact weights" in capsys.readouterr().out  # not "Theorem 3.2 network"
    assert study["field"].startswith("polynomial network")
