"""The CLI on systems: weights, apply and rhs agree; bad systems are one line, exit 2, nothing written."""

import numpy as np
import pytest

from tests.cli_helpers import assert_one_line_error, run_cli

GRAY_SCOTT = "u_t = 2e-5*(u_xx + u_yy) - u*v**2 + 0.04*(1 - u); v_t = 1e-5*(v_xx + v_yy) + u*v**2 - 0.1*v"


def test_weights_apply_rhs_on_a_system(tmp_path, capsys):
    U = np.random.default_rng(0).uniform(0, 1, (3, 2, 20, 20))
    np.save(tmp_path / "U.npy", U)
    grid = ["--bc", "periodic", "--dx", "1/20"]
    code, out, err = run_cli(["weights", "--pde", GRAY_SCOTT, *grid, "--out", str(tmp_path / "gs.pt")], capsys)
    assert code == 0, err
    assert "system of 2 fields (u, v" in out
    assert "PeRCNN cell for 2 fields" in out
    assert '"fields": [\n    "u",\n    "v"\n  ]' in (tmp_path / "gs.json").read_text()
    files = ["--input", str(tmp_path / "U.npy"), "--out"]
    assert run_cli(["apply", "--weights", str(tmp_path / "gs.pt"), *files, str(tmp_path / "F.npy")], capsys)[0] == 0
    assert run_cli(["rhs", "--pde", GRAY_SCOTT, *grid, *files, str(tmp_path / "X.npy")], capsys)[0] == 0
    F, X = np.load(tmp_path / "F.npy"), np.load(tmp_path / "X.npy")
    assert F.shape == X.shape == U.shape
    np.testing.assert_allclose(F, X, rtol=0, atol=1e-14)


@pytest.mark.parametrize(
    ("pde", "fragment"),
    [
        ("u_t = u_xx; v_t = w", "'w' uses field 'w', which has no equation"),
        ("u_t = u_xx + v", "'v' is an unknown symbol"),
        ("u_t = u_xx; u_t = u", "field 'u' has two equations"),
        ("u_t = v; t_t = u", "'t' names an axis or time"),
        ("u_t = v/u; v_t = u", "not a polynomial"),
        ("; ".join(f"{c}_t = {c}" for c in "abcdefghi"), "at most 8 fields"),
        ("u_t = v; v = u", "must read NAME_t = RHS"),
    ],
)
def test_bad_systems_are_one_line(tmp_path, capsys, pde, fragment):
    code, _, err = run_cli(
        ["weights", "--pde", pde, "--bc", "periodic", "--dx", "0.1", "--out", str(tmp_path / "w.pt")], capsys
    )
    assert_one_line_error(code, err, fragment)
    assert not list(tmp_path.iterdir())


def test_a_field_file_with_the_wrong_number_of_fields_is_refused(tmp_path, capsys):
    weights = ["weights", "--pde", GRAY_SCOTT, "--bc", "periodic", "--dx", "0.1", "--out", str(tmp_path / "gs.pt")]
    assert run_cli(weights, capsys)[0] == 0
    np.save(tmp_path / "U.npy", np.zeros((3, 10, 10)))
    apply = ["apply", "--weights", str(tmp_path / "gs.pt"), "--input", str(tmp_path / "U.npy")]
    code, _, err = run_cli([*apply, "--out", str(tmp_path / "F.npy")], capsys)
    assert_one_line_error(code, err, "2 component(s)")
    assert not (tmp_path / "F.npy").exists()
