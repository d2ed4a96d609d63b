"""``--dim 1|2|3`` on stencil, weights, apply and rhs: lines and voxel grids end to end, and their
bad input (an axis the grid lacks, a field of the wrong rank, ``--dim 4``) in one line, exit 2,
nothing written."""

import numpy as np
import pytest

from tests.cli_helpers import assert_one_line_error, run_cli

KDV = "u_t = -6*u*u_x - u_xxx"
GRAY_SCOTT_3D = (
    "u_t = 0.2*(u_xx + u_yy + u_zz) - u*v**2 + 0.025*(1 - u); v_t = 0.1*(v_xx + v_yy + v_zz) + u*v**2 - 0.08*v"
)


def test_stencil_prints_a_row_in_1d_and_slices_in_3d(capsys):
    code, out, _ = run_cli(["stencil", "u_xxx", "--size", "5", "--dim", "1"], capsys)
    assert code == 0
    assert out.splitlines()[1] == "  [-1/2     1     0    -1   1/2]"
    assert "5-point, order 2" in out
    assert "dx**2*u_xxxxx/4" in out
    code, out, _ = run_cli(["stencil", "u_xz", "--dim", "3"], capsys)
    assert code == 0
    assert out.count("slice i = ") == 3
    assert "3x3x3, order 2" in out
    lines = out.splitlines()
    assert lines[1].startswith("  slice i = -1")
    assert lines[3] == "    [ 1/4     0  -1/4]"
    assert "u_xxxz/6 + u_xzzz/6" in out


def test_two_d_output_unchanged_by_default(capsys):
    _, default, _ = run_cli(["stencil", "u_xy"], capsys)
    _, explicit, _ = run_cli(["stencil", "u_xy", "--dim", "2"], capsys)
    assert default == explicit
    assert default.startswith("u_xy ~ K * U / dx^2   (3x3, order 2;")


@pytest.mark.parametrize(
    ("pde", "dim", "size", "shape"),
    [
        (KDV, 1, 5, (3, 64)),
        (GRAY_SCOTT_3D, 3, 5, (2, 12, 12, 12)),
        ("u_xx + u_yy + u_zz + u*u_z", 3, 3, (9, 9, 9)),
    ],
)
def test_weights_apply_rhs_in_1d_and_3d(tmp_path, capsys, pde, dim, size, shape):
    order = "2" if pde == KDV else "4" if size == 5 else "2"
    common = [
        "--pde",
        pde,
        "--bc",
        "periodic",
        "--dx",
        "1/64",
        "--size",
        str(size),
        "--order",
        order,
        "--dim",
        str(dim),
    ]
    w, U, F, X = (str(tmp_path / n) for n in ("net.pt", "U.npy", "F.npy", "X.npy"))
    code, _, err = run_cli(["weights", *common, "--out", w], capsys)
    assert code == 0, err
    assert (tmp_path / "net.json").read_text().count('"dim": ' + str(dim)) == 1
    np.save(U, np.random.default_rng(0).uniform(0, 1, shape))
    assert run_cli(["apply", "--weights", w, "--input", U, "--out", F], capsys)[0] == 0
    assert run_cli(["rhs", *common, "--input", U, "--out", X], capsys)[0] == 0
    Fv, Xv = np.load(F), np.load(X)
    assert Fv.shape == Xv.shape == shape
    assert np.abs(Fv - Xv).max() <= 1e-12 * np.abs(Xv).max()


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["stencil", "u_z"], "'u_z' differentiates along z, but the grid is 2-D"),
        (["stencil", "u_y", "--dim", "1"], "the grid is 1-D"),
        (["stencil", "u", "--dim", "4"], "dimension=4"),
        (["stencil", "u", "--dim", "0"], "dimension=0"),
        (["weights", "--pde", "u_zz", "--bc", "periodic", "--dx", "1/8", "--out", "OUT.pt"], "'u_zz'"),
        (
            ["weights", "--pde", "u_t = u_xx; v_t = v_yz", "--bc", "periodic", "--dx", "1/8", "--out", "OUT.pt"],
            "'v_yz'",
        ),
        (["weights", "--pde", "u_xx", "--bc", "periodic", "--dx", "1/8", "--dim", "4", "--out", "OUT.pt"], "dimension"),
        (
            [
                "rhs",
                "--pde",
                "u_xx",
                "--bc",
                "periodic",
                "--dx",
                "1/8",
                "--dim",
                "3",
                "--input",
                "U2.npy",
                "--out",
                "OUT.npy",
            ],
            "3-D grid",
        ),
        (
            [
                "rhs",
                "--pde",
                "u_xx",
                "--bc",
                "periodic",
                "--dx",
                "1/8",
                "--dim",
                "1",
                "--input",
                "U0.npy",
                "--out",
                "OUT.npy",
            ],
            "1-D grid",
        ),
        (
            ["apply", "--weights", "line.pt", "--input", "U2.npy", "--out", "OUT.npy", "--dim", "2"],
            "1-D grid, not --dim 2",
        ),
        (["apply", "--weights", "line.pt", "--input", "U0.npy", "--out", "OUT.npy"], "1-D grid"),
    ],
)
def test_bad_dimensions_are_one_line_and_write_nothing(tmp_path, capsys, monkeypatch, argv, fragment):
    monkeypatch.chdir(tmp_path)
    np.save("U2.npy", np.zeros((8, 8)))
    np.save("U0.npy", np.float64(1.0))
    assert (
        run_cli(
            ["weights", "--pde", "u_xx", "--bc", "periodic", "--dx", "1/8", "--dim", "1", "--out", "line.pt"], capsys
        )[0]
        == 0
    )
    before = sorted(p.name for p in tmp_path.iterdir())
    code, _, err = run_cli(argv, capsys)
    assert_one_line_error(code, err, fragment)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_3d_field_too_large_for_memory_is_refused_before_reading(tmp_path, capsys, monkeypatch):
    """The header of a (p, p, p) file is checked against the memory first (a 3-D field grows as p^3)."""
    import pixelpde.ground.validate as validate

    U = tmp_path / "U.npy"
    np.save(U, np.zeros((16, 16, 16)))
    monkeypatch.setattr(validate, "available_memory", lambda: 1000)
    out = tmp_path / "X.npy"
    code, _, err = run_cli(
        [
            "rhs",
            "--pde",
            "u_xx",
            "--bc",
            "periodic",
            "--dx",
            "1/16",
            "--dim",
            "3",
            "--input",
            str(U),
            "--out",
            str(out),
        ],
        capsys,
    )
    assert_one_line_error(code, err, "of memory")
    assert not out.exists()
