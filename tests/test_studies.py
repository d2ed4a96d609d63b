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
    assert "rE_frac(1)" in header.split(",")  # a fraction, the unit in the column name
    assert "norm_drift_frac(J)" in header
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


def test_runs_written_before_rE_named_its_unit_are_read_back(tiny_structure, tmp_path):
    """result.json files sealed before the unit was named hold the same fractions under "rE": read back,
    not retrained (files from before the seal are refused in one line: test_an_edited_or_corrupt_result...)."""
    import shutil

    from pixelpde.ground.schema import seal
    from pixelpde.studies.runner import run_study

    out = tmp_path / "old"
    shutil.copytree(tiny_structure[0], out)
    for path in (out / "runs").glob("*/result.json"):
        result = json.loads(path.read_text())
        result["metrics"]["rE"] = result["metrics"].pop("rE_frac")
        path.write_text(json.dumps(seal(result)))
    lines = []
    run_study("structure", out, size="tiny", echo=lines.append)
    assert sum("read back" in line for line in lines) == 3
    assert (out / "results.csv").read_text() == (tiny_structure[0] / "results.csv").read_text()
    assert all("rE_frac" in r["metrics"] for r in json.loads((out / "study.json").read_text())["results"])


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (lambda text: "{not json", "is not valid JSON"),
        (lambda text: "[1, 2]", "the content must be a mapping"),
        (lambda text: text.replace('"parameters": ', '"parameters": 1'), "content hash differs"),
        (lambda text: text.replace('"epochs": ', '"epochs": "'), "is not valid JSON"),
        (lambda text: text.replace('"rE_frac": [', '"rE_frac": ["x", '), "field 'metrics.rE_frac[0]'"),
    ],
)
def test_an_edited_or_corrupt_result_is_refused_in_one_line(tiny_structure, tmp_path, capsys, edit, fragment):
    """A run's result.json is read back only when intact: an edited figure is refused, not reported."""
    import shutil

    out = tmp_path / "study"
    shutil.copytree(tiny_structure[0], out)
    result = sorted((out / "runs").rglob("result.json"))[0]
    result.write_text(edit(result.read_text()))
    assert main(["study", "structure", "--size", "tiny", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert fragment in err[0]
    assert str(result) in err[0]


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
    assert all(r["metrics"]["rE_frac"][0] is not None for r in record["results"])
    assert (tmp_path / "figure.png").stat().st_size > 0
    assert "Findings" in (tmp_path / "report.md").read_text()
    if name == "advection":  # the initialisation alone is evaluated untrained, next to the trained runs
        trained = {r["run"]["name"]: r["run"]["train"] for r in record["results"]}
        assert trained["fitted-init-only-seed0"] is False
        assert trained["fitted-seed0"] is True
        assert trained["fitted-tied-seed0"] is True  # --tied-pairs: the fine-tuning that keeps the fitted start


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


def test_structure_figure_reads(monkeypatch):
    """A colour per seed (drift) and per band width (heat), legends listing them once, and a drift of
    exactly 0 drawn on the curve (a symmetric-log axis) instead of the gap log(0) leaves."""
    import math

    from pixelpde.studies import structure

    def run(name, problem, integrator, seed, measures):
        labels = {"problem": problem, "integrator": integrator, "seed": seed}
        return {"run": {"name": name, "labels": labels}, "measures": measures}

    results = []
    for seed in range(3):
        for integ, drift in (("projected-euler", [0.0, 1e-16, 0.0, 2e-16]), ("euler", [1e-3, 2e-3, 4e-3, 8e-3])):
            results.append(run(f"adv-{integ}-{seed}", "advection", integ, seed, {"norm_drift": drift}))
        bands = {str(w): {"band": [0.01 * w, 0.02 * w], "interior": [0.005, 0.01]} for w in (1, 2, 4)}
        results.append(run(f"heat-{seed}", "heat", "euler", seed, {"boundary_band": bands}))
    captured = {}
    monkeypatch.setattr(structure, "save_figure", lambda fig, path: captured.setdefault("fig", fig))
    structure.figure(None, results, "unused.png")
    drift_ax, heat_ax = captured["fig"].axes
    drift_lines = drift_ax.get_lines()
    assert len(drift_lines) == 6
    assert all(math.isfinite(y) for line in drift_lines for y in line.get_ydata())  # no gap at 0
    assert drift_ax.get_yscale() == "symlog"
    seed_colours = {line.get_color() for line in drift_lines}
    assert len(seed_colours) == 3
    assert [t.get_text() for t in drift_ax.get_legend().get_texts()] == [
        "seed 0",
        "seed 1",
        "seed 2",
        "projected Euler",
        "Euler",
    ]
    heat_lines = heat_ax.get_lines()
    assert len(heat_lines) == 3 * 3 * 2
    assert len({line.get_color() for line in heat_lines}) == 3  # one per band width
    assert len({line.get_marker() for line in heat_lines}) == 3  # one per seed
    assert len(heat_ax.get_legend().get_texts()) == 3 + 2 + 3
    assert "fraction" in heat_ax.get_ylabel()
