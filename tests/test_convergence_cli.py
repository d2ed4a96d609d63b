"""``pixelpde convergence``: the CLI contract (one-line errors, exit 2, no partial files, JSON schema)."""

import json

import pytest
from cli_helpers import one_line_error
from cli_helpers import run_cli as cli

from pixelpde.cli import main

ADV = ["--pde", "u_t = u_x + u_y", "--bc", "periodic"]
ROW_KEYS = {"delta", "error_max", "error_l2", "error_rel", "order"}


def test_dt_study_writes_json_and_png(tmp_path, capsys):
    js, png = tmp_path / "out.json", tmp_path / "out.png"
    code, out, err = cli(
        [
            "convergence",
            *ADV,
            "--vary",
            "dt",
            "--integrator",
            "rk2",
            "--grid",
            "16",
            "--T",
            "0.25",
            "--refinements",
            "2",
            "--json",
            str(js),
            "--plot",
            str(png),
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    study = json.loads(js.read_text())
    assert list(study)[:4] == ["vary", "integrator", "rows", "fitted_order"]
    assert study["vary"] == "dt"
    assert study["integrator"] == "rk2"
    assert len(study["rows"]) == 3
    assert all(set(row) == ROW_KEYS for row in study["rows"])
    assert study["rows"][0]["order"] is None
    assert abs(study["rows"][1]["order"] - 2) < 0.1
    assert abs(study["fitted_order"] - 2) < 0.1
    assert study["expected_order"] == 2
    assert [row["delta"] for row in study["rows"]] == [0.25 / n for n in study["steps"]]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "fitted order" in out
    assert "wrote" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "out.png"]


def test_dx_study_records_the_ratio_and_the_reference(tmp_path, capsys):
    js = tmp_path / "dx.json"
    code, _, err = cli(
        [
            "convergence",
            *ADV,
            "--vary",
            "dx",
            "--grid",
            "8",
            "--refinements",
            "1",
            "--size",
            "5",
            "--order",
            "4",
            "--json",
            str(js),
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    study = json.loads(js.read_text())
    assert study["vary"] == "dx"
    assert [row["delta"] for row in study["rows"]] == [1 / 8, 1 / 16]
    assert study["stencils"] == {"size": 5, "order": 4}
    assert study["expected_order"] == 4
    assert study["reference"]["kind"] == "exact PDE solution (translation)"
    assert study["ratio"]["k"] == 1
    assert study["cells"] == [8, 16]


def test_weights_file_runs_a_time_study(tmp_path, capsys):
    weights = tmp_path / "adv.pt"
    assert main(["weights", *ADV, "--dx", "1/16", "--out", str(weights)]) == 0
    capsys.readouterr()
    js = tmp_path / "w.json"
    code, _, err = cli(
        [
            "convergence",
            *ADV,
            "--vary",
            "dt",
            "--weights",
            str(weights),
            "--T",
            "0.25",
            "--refinements",
            "2",
            "--json",
            str(js),
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    study = json.loads(js.read_text())
    assert study["nodes"] == [16, 16, 16]
    assert "saved network" in study["field"]
    assert abs(study["fitted_order"] - 4) < 0.1


BAD = [
    (["--ic", "__import__('os').system('true')"], "unknown function"),
    (["--ic", "x.real"], "not allowed"),
    (["--ic", "log(x - 2)"], "not finite"),
    (["--ic", "sin(2*pi*x"], "syntax error"),
    (["--ic", "exp(1000*x)"], "not finite"),
    (["--ic", "t*x"], "unknown symbol"),
    (["--pde", "u_t = u_x + sin(u)"], "unknown function"),
    (["--pde", "u_t = u*u*u*u"], "degree 4"),
    (["--pde", "u_t = u_xx"], None),  # fine with --size 3; the next line is not
    (["--pde", "u_t = u_xxxx"], "kernel"),
    (["--grid", "2"], "grid"),
    (["--grid", "5000"], "grid"),
    (["--grid", "abc"], "invalid int"),
    (["--refinements", "0"], "refinements"),
    (["--steps", "0"], "steps"),
    (["--T", "-1"], "--T=-1.0 must be a finite number >= 1e-09"),
    (["--T", "nan"], "--T=nan must be a finite number"),
    (["--substeps", "0"], "substeps"),
    (["--integrator", "rk3"], "unknown integrator 'rk3'"),
    (["--vary", "dx", "--grid", "64", "--refinements", "7"], "finest grid"),
    (["--size", "4"], "odd"),
    (["--plot", "out.pdf"], ".png"),
    (["--T", "1000", "--steps", "1000", "--integrator", "euler", "--grid", "64"], "blew up"),
    (["--factor", "1"], "factor"),
]


@pytest.mark.parametrize(
    ("extra", "message"), [b for b in BAD if b[1]], ids=[str(i) for i, b in enumerate(BAD) if b[1]]
)
def test_bad_requests_fail_with_one_line_and_no_files(extra, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ["convergence", *ADV, "--vary", "dt", "--grid", "8", "--refinements", "1", "--quiet"]
    argv += ["--json", "out.json", "--plot", "out.png", *extra]  # later options win in argparse
    code, _, err = cli(argv, capsys)
    assert code == 2
    assert message in one_line_error(err)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--bc", "dirichlet", "--vary", "dx", "--ic", "x*y"], "boundary condition"),
        (["--bc", "periodic", "--vary", "dx", "--ic", "x"], "boundary condition"),
        (["--bc", "dirichlet", "--vary", "dt", "--ic", "sin(pi*x)", "--pde", "u_t = u*u", "--T", "20"], "infinite"),
    ],
)
def test_bad_physics_requests(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = ["convergence", "--pde", "u_t = 0.1*(u_xx + u_yy)", "--grid", "7", "--refinements", "1", "--quiet"]
    code, _, err = cli(base + argv + ["--json", "out.json"], capsys)
    assert code == 2
    assert message in one_line_error(err)
    assert list(tmp_path.iterdir()) == []


def test_weights_contract(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["weights", *ADV, "--dx", "1/16", "--out", "adv.pt"]) == 0
    capsys.readouterr()
    for argv, message in [
        (["--vary", "dx", "--weights", "adv.pt"], "--vary dt"),
        (["--vary", "dt", "--weights", "adv.pt", "--grid", "32"], "does not match"),
        (["--vary", "dt", "--weights", "missing.pt"], "does not exist"),
    ]:
        code, _, err = cli(["convergence", *ADV, *argv, "--json", "out.json", "--quiet"], capsys)
        assert code == 2
        assert message in one_line_error(err)
    code, _, err = cli(
        ["convergence", "--pde", "u_t = u_x", "--bc", "dirichlet", "--vary", "dt", "--weights", "adv.pt", "--quiet"],
        capsys,
    )
    assert code == 2
    assert "bc=" in one_line_error(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adv.json", "adv.pt"]


def test_a_lowered_expected_order_says_why_in_one_line(capsys):
    """Dirichlet with 5 x 5 stencils: expected 1, not 4 (the documented zero-padding deviation), said once."""
    argv = ["convergence", "--pde", "u_t = 0.1*(u_xx + u_yy)", "--bc", "dirichlet", "--vary", "dx"]
    argv += ["--size", "5", "--order", "4", "--grid", "7", "--refinements", "1", "--T", "0.05", "--quiet"]
    code, out, err = cli(argv, capsys)
    assert code == 0, err
    assert "expected: 1" in out
    notes = [line for line in err.splitlines() if "not 4" in line]
    assert len(notes) == 1
    assert notes[0].startswith("note: expected order 1, not 4: zero padding with kernels wider than 3x3")
    assert "deviation" in notes[0]


def test_no_note_when_the_expected_order_is_the_stencils(capsys):
    argv = ["convergence", *ADV, "--vary", "dx", "--grid", "8", "--refinements", "1", "--size", "5", "--order", "4"]
    code, out, err = cli([*argv, "--quiet"], capsys)
    assert code == 0, err
    assert "expected: 4" in out
    assert "zero padding" not in err
    assert "field: Theorem 3.2 network" in out
