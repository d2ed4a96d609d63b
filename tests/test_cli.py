"""The CLI contract: working commands, and one line + exit code 2 for every bad input."""

import json
import os

import numpy as np
import pytest
import torch
from cli_helpers import assert_one_line_error, run_console

from pixelpde.cli import main

FISHER = "u_t = 0.01*(u_xx + u_yy) + u*(1 - u)"


def test_stencil_prints_exact_rationals(capsys):
    assert main(["stencil", "u_xy"]) == 0
    out = capsys.readouterr().out
    assert "1/4" in out
    assert "-1/4" in out
    assert "dx**2" in out
    assert main(["stencil", "u_xx", "--size", "5", "--order", "4"]) == 0
    out = capsys.readouterr().out
    assert "-1/12" in out
    assert "4/3" in out
    assert "-5/2" in out
    assert "dx**4" in out


def test_weights_apply_rhs_agree(tmp_path, capsys):
    w = tmp_path / "fisher.pt"
    assert main(["weights", "--pde", FISHER, "--bc", "dirichlet", "--dx", "0.01", "--out", str(w)]) == 0
    out = capsys.readouterr().out
    assert "n = 1" in out
    assert "parameters: 459" in out
    state = torch.load(w, weights_only=True)
    assert set(state) == {"A1", "A2", "B1", "B2", "C"}
    assert all(t.dtype == torch.float64 for t in state.values())
    meta = json.loads((tmp_path / "fisher.json").read_text())
    assert meta["pde"] == FISHER
    assert meta["bc"] == "dirichlet"
    assert meta["dx"] == "1/100"
    assert meta["n"] == 1
    assert meta["stencils"]["L"] == [["0", "100", "0"], ["100", "-399", "100"], ["0", "100", "0"]]
    assert meta["stencils"]["terms"][0]["beta"] == "-1"
    U = np.random.default_rng(0).uniform(-1, 1, (2, 12, 9))
    np.save(tmp_path / "U.npy", U)
    assert (
        main(["apply", "--weights", str(w), "--input", str(tmp_path / "U.npy"), "--out", str(tmp_path / "F.npy")]) == 0
    )
    args = ["rhs", "--pde", FISHER, "--bc", "dirichlet", "--dx", "0.01"]
    assert main([*args, "--input", str(tmp_path / "U.npy"), "--out", str(tmp_path / "X.npy")]) == 0
    F, X = np.load(tmp_path / "F.npy"), np.load(tmp_path / "X.npy")
    assert F.shape == X.shape == U.shape
    np.testing.assert_allclose(F, X, rtol=0, atol=1e-12 * np.abs(X).max())


def test_linear_pde_has_no_B_tensors(tmp_path):
    w = tmp_path / "adv.pt"
    assert main(["weights", "--pde", "u_x + u_y", "--bc", "periodic", "--dx", "1/64", "--out", str(w)]) == 0
    assert set(torch.load(w, weights_only=True)) == {"A1", "A2", "C"}


@pytest.fixture
def files(tmp_path):
    good = tmp_path / "U.npy"
    np.save(good, np.ones((6, 6)))
    nan = tmp_path / "nan.npy"
    arr = np.ones((6, 6))
    arr[2, 3] = np.nan
    np.save(nan, arr)
    np.save(tmp_path / "1d.npy", np.ones(6))
    np.save(tmp_path / "tiny.npy", np.ones((2, 2)))
    (tmp_path / "junk.npy").write_bytes(b"not numpy")
    return tmp_path


BAD = [
    (["weights", "--pde", "u**4", "--bc", "periodic", "--dx", "0.1", "--out", "{d}/w.pt"], "degree 4", "w.pt"),
    (
        ["weights", "--pde", "u**3", "--bc", "periodic", "--dx", "0.1", "--max-degree", "2", "--out", "{d}/w.pt"],
        "degree 3",
        "w.pt",
    ),
    (
        ["weights", "--pde", "u**3", "--bc", "periodic", "--dx", "0.1", "--max-degree", "7", "--out", "{d}/w.pt"],
        "max degree",
        "w.pt",
    ),
    (["weights", "--pde", "1/u", "--bc", "periodic", "--dx", "0.1", "--out", "{d}/w.pt"], "not a polynomial", "w.pt"),
    (
        ["weights", "--pde", "u**0.5", "--bc", "periodic", "--dx", "0.1", "--out", "{d}/w.pt"],
        "non-negative integer",
        "w.pt",
    ),
    (
        ["weights", "--pde", "u*u**(-2)", "--bc", "periodic", "--dx", "0.1", "--out", "{d}/w.pt"],
        "non-negative integer",
        "w.pt",
    ),
    (
        [
            "weights",
            "--pde",
            "u**2",
            "--bc",
            "periodic",
            "--dx",
            "0.1",
            "--interactions",
            "minimum",
            "--out",
            "{d}/w.pt",
        ],
        "invalid choice",
        "w.pt",
    ),
    (
        ["weights", "--pde", "sin(u)", "--bc", "periodic", "--dx", "0.1", "--out", "{d}/w.pt"],
        "unknown function",
        "w.pt",
    ),
    (["weights", "--pde", "u_xx", "--bc", "periodic", "--dx", "-1", "--out", "{d}/w.pt"], "must be positive", "w.pt"),
    (["weights", "--pde", "u_xx", "--bc", "neumann", "--dx", "0.1", "--out", "{d}/w.pt"], "invalid choice", "w.pt"),
    (
        ["weights", "--pde", "u_xx", "--bc", "periodic", "--dx", "0.1", "--size", "4", "--out", "{d}/w.pt"],
        "odd",
        "w.pt",
    ),
    (["weights", "--pde", "u_xx", "--bc", "periodic", "--dx", "0.1", "--out", "/proc/nope/w.pt"], "cannot", None),
    (
        ["rhs", "--pde", "u_xx", "--bc", "periodic", "--dx", "0.1", "--input", "{d}/nan.npy", "--out", "{d}/X.npy"],
        "NaN",
        "X.npy",
    ),
    (
        ["rhs", "--pde", "u_xx", "--bc", "periodic", "--dx", "0.1", "--input", "{d}/1d.npy", "--out", "{d}/X.npy"],
        "shape",
        "X.npy",
    ),
    (
        ["rhs", "--pde", "u_xx", "--bc", "periodic", "--dx", "0.1", "--input", "{d}/tiny.npy", "--out", "{d}/X.npy"],
        "smaller than",
        "X.npy",
    ),
    (
        ["rhs", "--pde", "u_xx", "--bc", "periodic", "--dx", "0.1", "--input", "{d}/junk.npy", "--out", "{d}/X.npy"],
        "cannot read",
        "X.npy",
    ),
    (
        ["rhs", "--pde", "u_xx", "--bc", "periodic", "--dx", "0.1", "--input", "{d}/missing.npy", "--out", "{d}/X.npy"],
        "does not exist",
        "X.npy",
    ),
    (
        ["rhs", "--pde", "u_xx", "--bc", "periodic", "--dx", "0.1", "--input", "{d}/U.npy", "--out", "{d}/X.txt"],
        ".npy",
        "X.txt",
    ),
    (["apply", "--weights", "{d}/missing.pt", "--input", "{d}/U.npy", "--out", "{d}/F.npy"], "does not exist", "F.npy"),
    (["stencil", "u_t"], "not a derivative", None),
    (["stencil", "u_xxx"], "5x5", None),
    (["nonsense"], "invalid choice", None),
]


@pytest.mark.parametrize(("args", "fragment", "output"), BAD, ids=[" ".join(b[0][:2]) + f" [{b[1]}]" for b in BAD])
def test_bad_input_one_line_exit_2_no_output(files, args, fragment, output):
    code, _, err = run_console(*[a.format(d=files) for a in args])
    assert_one_line_error(code, err, fragment)
    if output:
        assert not (files / output).exists()
        assert not [p for p in os.listdir(files) if ".part" in p]


def test_corrupted_weights_are_refused(tmp_path):
    w = tmp_path / "w.pt"
    assert main(["weights", "--pde", "u_xx", "--bc", "periodic", "--dx", "0.1", "--out", str(w)]) == 0
    np.save(tmp_path / "U.npy", np.ones((5, 5)))
    data = bytearray(w.read_bytes())
    data[-10] ^= 0xFF
    w.write_bytes(bytes(data))
    code, _, err = run_console(
        "apply", "--weights", str(w), "--input", str(tmp_path / "U.npy"), "--out", str(tmp_path / "F.npy")
    )
    assert_one_line_error(code, err, "checksum")
    (tmp_path / "w.json").unlink()
    code, _, err = run_console(
        "apply", "--weights", str(w), "--input", str(tmp_path / "U.npy"), "--out", str(tmp_path / "F.npy")
    )
    assert_one_line_error(code, err, "no sidecar")
