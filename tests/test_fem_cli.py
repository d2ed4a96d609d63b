"""``pixelpde simulate`` and ``pixelpde show``: happy paths and the one-line error contract (exit 2)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run_cli

from pixelpde.cli import main
from pixelpde.fem import Dataset

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fisher_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "fisher.h5"
    assert (
        main(
            [
                "simulate",
                "fisher",
                "--n",
                "3",
                "--steps",
                "4",
                "--seed",
                "0",
                "--p",
                "24",
                "--out",
                str(path),
                "--no-progress",
            ]
        )
        == 0
    )
    return path


def test_simulate_writes_a_valid_dataset(fisher_file, capsys):
    with Dataset.open(fisher_file) as ds:
        assert (ds.n_trajectories, ds.n_steps, ds.p, ds.pde) == (3, 4, 24, "u_t = 0.01*(u_xx + u_yy) + u*(1 - u)")
        assert ds.attrs["newton_residual_max"] <= 1e-10


def test_simulate_options_and_summary(tmp_path, capsys):
    out = tmp_path / "adv.h5"
    code, stdout, stderr = run_cli(
        [
            "simulate",
            "advection",
            "--n",
            "2",
            "--steps",
            "3",
            "--seed",
            "1",
            "--p",
            "16",
            "--dt",
            "0.01",
            "--b",
            "1",
            "-0.5",
            "--dtype",
            "float32",
            "--solver",
            "lu",
            "--out",
            str(out),
        ],
        capsys,
    )
    assert code == 0, stderr
    assert "pde: u_t = u_x - 0.5*u_y" in stdout
    assert "given by the user" in stdout
    assert "traj-steps" not in stderr
    assert "\r" not in stderr
    with Dataset.open(out) as ds:
        assert ds.dt == 0.01
        assert ds.attrs["solver"] == "lu"
        assert ds.trajectory(0).dtype.name == "float32"


def test_show_draws_a_png(fisher_file, tmp_path, capsys):
    out = tmp_path / "fig.png"
    code, stdout, stderr = run_cli(["show", str(fisher_file), "--traj", "2", "--out", str(out)], capsys)
    assert code == 0, stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "snapshots 0, 1, 2, 3, 4 of trajectory 2" in stdout


def test_show_labels_every_axis_and_keeps_the_colour_bar_by_the_panels(fisher_file, tmp_path, capsys, monkeypatch):
    import matplotlib.figure
    import matplotlib.pyplot as plt

    drawn = []
    real_savefig = matplotlib.figure.Figure.savefig
    monkeypatch.setattr(plt, "close", lambda fig=None: drawn.append(fig))  # keep the figure to inspect it
    code, _, stderr = run_cli(["show", str(fisher_file), "--out", str(tmp_path / "fig.png")], capsys)
    assert code == 0, stderr
    fig = drawn[-1]
    real_savefig(fig, tmp_path / "again.png")  # lay it out
    *panels, bar = fig.axes
    assert len(panels) == 5
    for ax in panels:
        assert ax.get_xlabel() == "x"
        assert list(ax.get_xticks()) == [0.25, 0.5, 0.75]
    assert panels[0].get_ylabel() == "y"
    gap = bar.get_position().x0 - panels[-1].get_position().x1  # figure fraction
    assert 0 <= gap < 0.03, gap


@pytest.mark.parametrize(
    ("argv", "pattern"),
    [
        (["simulate", "burgers"], "invalid choice: 'burgers'"),
        (
            ["simulate", "heat", "--n", "1", "--steps", "1", "--seed", "0", "--p", "2"],
            "p=2 must be an integer in 3..4096",
        ),
        (
            ["simulate", "heat", "--n", "1", "--steps", "1", "--seed", "0", "--dt", "-0.1"],
            "--dt=-0.1 must be a finite number >= 1e-12",
        ),
        (["simulate", "heat", "--n", "0", "--steps", "1", "--seed", "0"], "n=0 must be an integer in 1..1000000"),
        (["simulate", "heat", "--n", "1", "--steps", "-1", "--seed", "0"], "steps=-1"),
        (["simulate", "heat", "--n", "1", "--steps", "1", "--seed", "-2"], "seed=-2"),
        (["simulate", "heat", "--n", "x", "--steps", "1", "--seed", "0"], "invalid int value"),
        (
            ["simulate", "advection", "--n", "1", "--steps", "1", "--seed", "0", "--alpha", "0.1"],
            "unknown parameter(s) alpha",
        ),
        (["simulate", "fisher", "--n", "1", "--steps", "1", "--seed", "0", "--p", "3"], "norm filter"),
    ],
)
def test_simulate_bad_arguments(argv, pattern, tmp_path, capsys):
    if "--out" not in argv and argv[1] != "burgers":
        argv = [*argv, "--out", str(tmp_path / "x.h5")]
    code, _, err = run_cli([*argv, "--no-progress"] if argv[1] != "burgers" else argv, capsys)
    assert_one_line_error(code, err, pattern)
    assert not (tmp_path / "x.h5").exists()


def test_simulate_unwritable_paths(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a directory\n")
    base = ["simulate", "heat", "--n", "1", "--steps", "1", "--seed", "0", "--p", "8", "--no-progress", "--out"]
    code, _, err = run_cli([*base, str(blocker / "x.h5")], capsys)
    assert_one_line_error(code, err, "is not a directory")
    code, _, err = run_cli([*base, str(tmp_path)], capsys)
    assert_one_line_error(code, err, "is a directory")


@pytest.mark.skipif(importlib.util.find_spec("firedrake") is not None, reason="Firedrake is installed here")
def test_firedrake_backend_without_firedrake_says_how_to_install(tmp_path, capsys):
    code, _, err = run_cli(
        [
            "simulate",
            "heat",
            "--n",
            "1",
            "--steps",
            "1",
            "--seed",
            "0",
            "--p",
            "8",
            "--backend",
            "firedrake",
            "--out",
            str(tmp_path / "fd.h5"),
            "--no-progress",
        ],
        capsys,
    )
    assert_one_line_error(code, err, "scripts/install-firedrake.sh")
    assert list(tmp_path.iterdir()) == []


def test_show_bad_arguments(fisher_file, tmp_path, capsys):
    code, _, err = run_cli(["show", str(fisher_file), "--traj", "3", "--out", str(tmp_path / "f.png")], capsys)
    assert_one_line_error(code, err, "trajectory index 3 out of range")
    code, _, err = run_cli(["show", str(fisher_file), "--out", str(tmp_path / "f.txt")], capsys)
    assert_one_line_error(code, err, "must end in .png, .pdf or .svg")
    code, _, err = run_cli(["show", str(tmp_path / "missing.h5"), "--out", str(tmp_path / "f.png")], capsys)
    assert_one_line_error(code, err, "no such dataset file")
    bad = tmp_path / "bad.h5"
    bad.write_bytes(fisher_file.read_bytes()[:2000])
    code, _, err = run_cli(["show", str(bad), "--out", str(tmp_path / "f.png")], capsys)
    assert_one_line_error(code, err, "not a readable HDF5 file")
    assert not (tmp_path / "f.png").exists()


def test_module_entry_point_exit_code():
    """The real process: one line on stderr, exit code 2."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pixelpde",
            "simulate",
            "heat",
            "--n",
            "1",
            "--steps",
            "1",
            "--seed",
            "0",
            "--p",
            "2",
            "--out",
            "/tmp/never.h5",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "pixelpde: error: grid size p=2 must be an integer in 3..4096"
