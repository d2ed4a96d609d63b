"""``pixelpde simulate --generator spectral``: the happy path and the one-line error contract (exit 2)."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run_cli, run_console

BASE = ["simulate", "--n", "2", "--steps", "2", "--seed", "0", "--no-progress"]


def test_spectral_preset_writes_a_system_dataset(tmp_path, capsys):
    out = tmp_path / "gs.h5"
    argv = [*BASE, "--generator", "spectral", "--preset", "gray-scott", "--p", "16", "--refine", "2"]
    code, stdout, stderr = run_cli([*argv, "--param", "f=0.03", "--substeps", "2", "--out", str(out)], capsys)
    assert code == 0, stderr
    assert "2 trajectories x 3 snapshots of 2 fields on 16x16" in stdout
    assert "spectral grid 32 per axis (refine 2)" in stdout
    with h5py.File(out, "r") as f:
        assert f["U"].shape == (2, 3, 2, 16, 16)
        assert f.attrs["param_f"] == 0.03
        assert f.attrs["substeps"] == 2
        assert "0.03" in f.attrs["system"]
        assert np.all(np.isfinite(f["U"][...]))


def test_spectral_system_text(tmp_path, capsys):
    out = tmp_path / "fhn.h5"
    text = "u_t = 0.01*(u_xx + u_yy) + u - u**3 - v; v_t = 0.05*(v_xx + v_yy) + u - v"
    argv = [*BASE, "--generator", "spectral", "--system", text, "--p", "12", "--dt", "0.1", "--out", str(out)]
    code, stdout, stderr = run_cli(argv, capsys)
    assert code == 0, stderr
    assert "u_t = 0.01*u_xx + 0.01*u_yy + u - v - u**3" in stdout
    with h5py.File(out, "r") as f:
        assert f["U"].shape == (2, 3, 2, 12, 12)
        assert f.attrs["problem"] == "system"


def test_fem_stays_the_default(tmp_path, capsys):
    out = tmp_path / "heat.h5"
    code, stdout, stderr = run_cli(["simulate", "heat", "--n", "1", "--steps", "1", "--seed", "0", "--p", "8",
                                    "--no-progress", "--out", str(out)], capsys)  # fmt: skip
    assert code == 0, stderr
    assert "fem/embedded" in stdout
    with h5py.File(out, "r") as f:
        assert f["U"].shape == (1, 2, 8, 8)


@pytest.mark.parametrize(
    ("extra", "pattern"),
    [
        (["--generator", "spectral"], "needs exactly one of --preset"),
        (["--generator", "spectral", "--preset", "burgers", "--system", "u_t = u_xx"], "exactly one of --preset"),
        (["--generator", "spectral", "--system", "u_t = 0.1*u_xx + w", "--p", "8", "--dt", "0.1"], "no equation"),
        (["--generator", "spectral", "--system", "u_t = 0.1*u_xx"], "needs the grid size p"),
        (["--generator", "spectral", "--system", "u_t = -0.1*u_xx", "--p", "8", "--dt", "0.1"], "ill-posed"),
        (["--generator", "spectral", "--preset", "grey-scott"], "unknown preset 'grey-scott'"),
        (["--generator", "spectral", "--preset", "burgers", "--param", "nu"], "must be NAME=VALUE"),
        (["--generator", "spectral", "--preset", "burgers", "--param", "nu=x"], "is not a number"),
        (["--generator", "spectral", "--preset", "burgers", "--param", "mu=1"], "no parameter(s) mu"),
        (["--generator", "spectral", "--preset", "burgers", "--alpha", "0.1"], "--alpha: option(s) of the fem"),
        (["--generator", "spectral", "--preset", "burgers", "--solver", "lu"], "--solver lu: option(s) of the fem"),
        (["--generator", "spectral", "--preset", "burgers", "--refine", "0"], "refine=0"),
        (["--generator", "spectral", "--preset", "burgers", "--substeps", "0"], "substeps=0"),
        (["--generator", "spectral", "--preset", "burgers", "--p", "2"], "p=2"),
        (["--generator", "spectral", "heat", "--preset", "burgers"], "takes --preset, not the Appendix A problem"),
        (["heat", "--preset", "burgers"], "--preset: option(s) of --generator spectral"),
        ([], "give a problem"),
        (["--generator", "pseudo"], "invalid choice: 'pseudo'"),
    ],
)
def test_bad_spectral_arguments_are_one_line(extra, pattern, tmp_path, capsys):
    out = tmp_path / "x.h5"
    code, _, err = run_cli([*BASE, *extra, "--out", str(out)], capsys)
    assert_one_line_error(code, err, pattern)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("du", "pattern"), [("-1", "ill-posed"), ("-1e-3", "ill-posed")])
def test_console_anti_diffusion_is_one_line_and_leaves_nothing(tmp_path, du, pattern):
    out = tmp_path / "b.h5"
    code, _, err = run_console(*BASE, "--generator", "spectral", "--preset", "fitzhugh-nagumo", "--p", "8",
                               "--param", f"Du={du}", "--out", str(out))  # fmt: skip
    assert_one_line_error(code, err, pattern)
    assert list(tmp_path.iterdir()) == []
