"""pixelpde study: bad input (one line, exit 2, nothing written), the folder contract, resumption."""

import json

import pytest

from pixelpde.cli import main
from pixelpde.studies import STUDIES

pytestmark = pytest.mark.usefixtures("single_thread")


def test_cli_names_match_the_registry():
    from pixelpde.commands.study import NAMES

    assert tuple(NAMES) == STUDIES


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nosuch"], "unknown study 'nosuch'"),
        (["structure", "--size", "tiny", "--p", "3"], "p=3 is too small"),
        (["capacity", "--size", "tiny", "--seeds", "0"], "at least one seed"),
        (["structure", "--size", "huge"], "unknown size 'huge'"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, args, message):
    out = tmp_path / "study"
    assert main(["study", *args, "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]
    assert not out.exists()


@pytest.fixture(scope="module")
def tiny_structure(tmp_path_factory):
    from pixelpde.studies.runner import run_study

    out = tmp_path_factory.mktemp("structure")
    lines = []
    run_study("structure", out, size="tiny", echo=lines.append)
    return out, lines


def test_tiny_study_writes_everything(tiny_structure):
    out, lines = tiny_structure
    record = json.loads((out / "study.json").read_text())
    assert record["status"] == "complete"
    assert record["study"] == "structure"
    assert len(record["runs"]) == len(record["results"]) == 3  # advection: 2 integrators; heat: 1; one seed
    header, *rows = (out / "results.csv").read_text().strip().splitlines()
    assert len(rows) == 3
    assert "rE(1)" in header
    assert "norm_drift(J)" in header
    assert (out / "figure.png").read_bytes()[:4] == b"\x89PNG"
    report = (out / "report.md").read_text()
    assert "Findings" in report
    assert "![figure](figure.png)" in report
    by_name = {r["run"]["name"]: r for r in record["results"]}
    drift = by_name["advection-projected-euler-seed0"]["measures"]["norm_drift"]
    assert max(abs(d) for d in drift) < 1e-12  # Lemma 2.1: the projection keeps the norm
    heat = by_name["heat-seed0"]["measures"]
    assert heat["dissipativity"]["steps"] == 2 * 4
    assert heat["dissipativity"]["reference_dissipative"] == 8
    assert all(len(v["band"]) == 4 for v in heat["boundary_band"].values())
    assert not any("read back" in line for line in lines)


def test_finished_runs_are_read_back_not_retrained(tiny_structure):
    from pixelpde.studies.runner import run_study

    out, _ = tiny_structure
    before = {p: p.stat().st_mtime_ns for p in (out / "runs").rglob("*")}
    lines = []
    run_study("structure", out, size="tiny", echo=lines.append)
    assert sum("read back" in line for line in lines) == 3
    assert {p: p.stat().st_mtime_ns for p in (out / "runs").rglob("*")} == before


def test_another_configuration_is_refused_and_nothing_overwritten(tiny_structure, capsys):
    out, _ = tiny_structure
    files = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(["study", "structure", "--size", "tiny", "--seeds", "2", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "another configuration" in err[0]
    assert "start fresh" in err[0]
    assert main(["study", "capacity", "--size", "tiny", "--out", str(out), "--no-progress"]) == 2
    assert "holds the study 'structure'" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == files


def test_foreign_folders_are_refused(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["study", "structure", "--size", "tiny", "--out", str(tmp_path), "--no-progress"]) == 2
    assert "holds no study.json" in capsys.readouterr().err
    other = tmp_path / "old"
    other.mkdir()
    (other / "study.json").write_text(
        json.dumps({"format": "pixelpde-study", "version": 0, "study": "structure", "fingerprint": "x"})
    )
    assert main(["study", "structure", "--size", "tiny", "--out", str(other), "--no-progress"]) == 2
    assert "another version" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("name", ["integrators", "capacity"])
def test_plans_cover_what_the_study_compares(name):
    from pixelpde.studies.runner import get_study, study_sizes

    sizes = study_sizes(name, "quick")
    runs = get_study(name).plan(sizes)
    assert len({r.key() for r in runs}) == len(runs)
    assert len({r.name for r in runs}) == len(runs)
    if name == "integrators":  # equal cost: four evaluations of F per step, the data's dt
        assert {r.labels["evaluations_per_step"] for r in runs} == {4}
        assert {(r.config["integrator"], r.config["substeps"]) for r in runs} >= {("euler", 4), ("rk2", 2), ("rk4", 1)}
    else:
        archs = {r.labels["arch"] for r in runs}
        assert {"theorem32", "algorithm1", "table3", "table4", "1-2-1/1-1-1", "1-2-1/1-6-1"} <= archs
        assert {r.labels["init"] for r in runs} == {"random", "constructive"}


@pytest.mark.parametrize("name", ["integrators", "capacity", "advection"])
def test_every_study_runs_at_the_tiny_size(name, tmp_path, monkeypatch):
    from pixelpde.learned import fitted
    from pixelpde.studies.runner import run_study

    monkeypatch.setattr(fitted, "CHAIN_ITERATIONS", 250)  # the tiny advection grid cannot be fitted well anyway
    summary = run_study(name, tmp_path, size="tiny", echo=lambda line: None)
    record = json.loads((tmp_path / "study.json").read_text())
    assert record["status"] == "complete"
    assert len(summary["table"]) == len(record["runs"])
    assert all(r["metrics"]["rE"][0] is not None for r in record["results"])
    assert (tmp_path / "figure.png").stat().st_size > 0
    assert "Findings" in (tmp_path / "report.md").read_text()
    if name == "advection":  # the initialisation alone is evaluated untrained, next to the trained runs
        trained = {r["run"]["name"]: r["run"]["train"] for r in record["results"]}
        assert trained["fitted-init-only-seed0"] is False
        assert trained["fitted-seed0"] is True


def test_a_diverged_training_is_one_line_and_exit_3(tmp_path, capsys, monkeypatch):
    """Any command that trains (study, reproduce, train) reports divergence as one line, exit 3."""
    from pixelpde.ground.errors import TrainingDiverged
    from pixelpde.studies import runner

    def diverge(*args, **kwargs):
        raise TrainingDiverged("training diverged: loss is nan at stage 1 (M=2), epoch 1, batch 1; kept nothing")

    monkeypatch.setattr(runner, "run_study", diverge)
    assert main(["study", "structure", "--size", "tiny", "--out", str(tmp_path / "s"), "--no-progress"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("pixelpde: error: training diverged")


@pytest.mark.parametrize("name", STUDIES)
def test_every_study_declares_one_header(name):
    """Title, question and the three sizes, in one shape; the report's heading and question come from it."""
    from pixelpde.studies.runner import get_study, study_sizes
    from pixelpde.studies.sizes import SIZE_NAMES, StudyHeader

    module = get_study(name)
    assert isinstance(module.HEADER, StudyHeader)
    assert tuple(module.HEADER.sizes) == SIZE_NAMES
    assert not any(hasattr(module, old) for old in ("TITLE", "QUESTION", "SIZES"))
    assert study_sizes(name, "tiny", seeds=2).seeds == 2
    assert study_sizes(name, "tiny", seeds=None) == module.HEADER.sizes["tiny"]


def test_a_malformed_header_is_refused():
    from pixelpde.studies.sizes import TINY, StudyHeader

    with pytest.raises(ValueError, match="sizes"):
        StudyHeader("t", "q?", {"tiny": TINY, "quick": TINY})
    with pytest.raises(ValueError, match="one-line title"):
        StudyHeader("two\nlines", "q?", {"tiny": TINY, "quick": TINY, "full": TINY})
    header = StudyHeader("t", "q?", {"tiny": TINY, "quick": TINY, "full": TINY})
    with pytest.raises(TypeError):
        header.sizes["tiny"] = TINY  # read-only
