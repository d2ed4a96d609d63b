"""Bad input (issue 12): every hostile input of ``tests/hostile_inputs.py`` fails in one line,
exit 2, without a traceback, and leaves nothing behind; a Hypothesis fuzz of the numeric
flags and PDE strings keeps to exit 0 or 2 and leaves nothing behind on failure.

Run in-process through :func:`pixelpde.cli.main` (a fresh process each would cost seconds of
imports); ``python tests/hostile_inputs.py`` measures the same cases as separate processes
(wall time, peak memory).  A hang would show as the 60 s CPU-time guard of ``_guarded`` failing.
"""

from __future__ import annotations

import shutil
import signal
import string
from pathlib import Path

import pytest
from hostile_inputs import CASES, make_fixtures
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pixelpde.cli import main

GUARD_S = 60  #: a hang guard, not a speed assertion


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile-fixtures")
    make_fixtures(d)
    return d


def _files(d: Path) -> set:
    return {p.relative_to(d) for p in d.rglob("*")}


def _guarded(argv):
    """``main(argv)``, stopped by a TimeoutError after GUARD_S s of CPU time (SIGVTALRM: the CLI's
    interrupt handling uses the real-time timer)."""

    def alarm(*_):
        raise TimeoutError(f"pixelpde {' '.join(argv)} ran longer than {GUARD_S} s of CPU time")

    previous = signal.signal(signal.SIGVTALRM, alarm)
    signal.setitimer(signal.ITIMER_VIRTUAL, GUARD_S)
    try:
        return main(argv)
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


@pytest.mark.parametrize(("argv", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_input_fails_in_one_line(argv, fragment, fixtures, tmp_path, monkeypatch, capsys):
    work = tmp_path / "w"
    shutil.copytree(fixtures, work)
    before = _files(work)
    monkeypatch.chdir(work)
    code = _guarded(argv)
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2, (out, err)
    assert len(lines) == 1, err
    assert "Traceback" not in err, err
    assert fragment in lines[0], lines[0]
    assert _files(work) == before, sorted(map(str, _files(work) - before))
    assert not (work / "PWNED").exists()


def test_edited_sidecar_field_by_field_is_refused(fixtures, tmp_path, capsys):
    """Every field of a sidecar, changed alone, makes the pair refused (in one line)."""
    import json

    src = fixtures / "fisher.pt"
    meta = json.loads(src.with_suffix(".json").read_text())
    for key in meta:
        if key == "sidecar_sha256":
            continue
        shutil.copy(src, tmp_path / "w.pt")
        edited = dict(meta)
        edited[key] = "x" if not isinstance(meta[key], str) else meta[key] + " "
        (tmp_path / "w.json").write_text(json.dumps(edited))
        code = main(
            [
                "apply",
                "--weights",
                str(tmp_path / "w.pt"),
                "--input",
                str(fixtures / "U.npy"),
                "--out",
                str(tmp_path / "F.npy"),
            ]
        )
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2, (key, err)
        assert len(err) == 1, (key, err)
        assert "edited" in err[0], (key, err)
    assert not (tmp_path / "F.npy").exists()


def test_grid_that_does_not_fit_the_network_is_warned_about(fixtures, tmp_path, capsys):
    import numpy as np

    np.save(tmp_path / "U.npy", np.zeros((40, 40)))
    code = main(
        [
            "apply",
            "--weights",
            str(fixtures / "fisher.pt"),
            "--input",
            str(tmp_path / "U.npy"),
            "--out",
            str(tmp_path / "F.npy"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0
    assert "warning: the network was built for dx=1/100 (99 nodes per axis)" in err
    code = main(
        [
            "apply",
            "--weights",
            str(fixtures / "fisher.pt"),
            "--input",
            str(fixtures / "U.npy"),
            "--out",
            str(tmp_path / "F.npy"),
        ]
    )
    assert code == 0
    assert "warning" not in capsys.readouterr().err


# -- fuzzing --------------------------------------------------------------------------------------
numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(
        [
            "0",
            "-0",
            "1e99999999",
            "1e-99999999",
            "nan",
            "inf",
            "-1",
            "3.0",
            "1e308",
            "1e-400",
            "",
            "x",
            "0x10",
            "1_0",
            "١",
            "2**9",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
pde_atoms = st.sampled_from(
    [
        "u",
        "u_x",
        "u_y",
        "u_xx",
        "u_xy",
        "u_yy",
        "1",
        "0.5",
        "1e308",
        "1e-300",
        "2",
        "16",
        "1e99999",
        "(",
        ")",
        "+",
        "*",
        "**",
        "^",
        "/",
        "-",
        "ｕ",
        "sin",
        "x",
        " ",
    ]
)
pdes = st.lists(pde_atoms, min_size=1, max_size=14).map("".join)
FLAGS = {
    "stencil": (["stencil", "u_xx"], ["--size", "--order"]),
    "simulate": (
        ["simulate", "heat", "--no-progress", "--out", "d.h5"],
        ["--n", "--steps", "--seed", "--p", "--dt", "--alpha", "--batch"],
    ),
    "convergence": (
        ["convergence", "--pde", "u_t = 0.01*(u_xx + u_yy)", "--bc", "periodic", "--vary", "dt", "--quiet"],
        ["--substeps", "--T", "--grid", "--refinements", "--steps", "--size", "--order"],
    ),
}
DEFAULTS = {"--n": "1", "--steps": "1", "--seed": "0", "--p": "4", "--grid": "4", "--refinements": "1", "--T": "0.01"}


@st.composite
def command_lines(draw):
    name = draw(st.sampled_from(sorted(FLAGS)))
    base, flags = FLAGS[name]
    argv = list(base)
    chosen = draw(st.lists(st.sampled_from(flags), min_size=1, max_size=3, unique=True))
    for flag in flags:
        if flag in chosen:
            argv += [flag, draw(numbers)]
        elif flag in DEFAULTS:
            argv += [flag, DEFAULTS[flag]]
    return argv


def _check(argv, tmp_path, capsys):
    work = tmp_path / "fuzz"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    import os

    here = os.getcwd()
    os.chdir(work)
    try:
        code = _guarded(argv)
    finally:
        os.chdir(here)
    _, err = capsys.readouterr()
    assert code in (0, 2), (argv, err)
    assert "Traceback" not in err, (argv, err)
    if code == 2:
        assert len(err.strip().splitlines()) == 1, (argv, err)
        assert not any(work.iterdir()), (argv, sorted(p.name for p in work.iterdir()))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=command_lines())
def test_fuzz_numeric_flags(argv, tmp_path, capsys):
    _check([a for a in argv], tmp_path, capsys)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pde=st.one_of(pdes, st.text(alphabet=string.printable + "ｕ×−π", max_size=40)))
def test_fuzz_pde_strings(pde, tmp_path, capsys):
    _check(["weights", "--pde", pde, "--bc", "periodic", "--dx", "1/8", "--out", "w.pt"], tmp_path, capsys)
