"""bench/bench_training.py's equal-hardware logic (configurations, the comparison) and its --dry pipeline.

Speed itself is never asserted here: only which configurations are timed and how they are compared."""

import json
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))  # the spawned workers import bench_training by name, as the script's own
    try:
        import bench_training

        yield bench_training
    finally:
        sys.path.remove(str(BENCH))


@given(cores=st.integers(1, 24), compiled=st.booleans())
def test_every_configuration_uses_exactly_the_cores_given(bench, cores, compiled):
    configs = bench.configurations(cores, compiled)
    base = [c for c in configs if c.trainer == "baseline"]
    ours = [c for c in configs if c.trainer == "pixelpde"]
    assert sorted(c.threads for c in base) == list(range(1, cores + 1))
    assert all(c.nproc == 1 and not c.compiled for c in base)
    assert all(c.nproc * c.threads == cores for c in ours)
    divisors = [n for n in range(1, cores + 1) if cores % n == 0]
    assert sorted(c.nproc for c in ours if not c.compiled) == divisors
    assert sorted(c.nproc for c in ours if c.compiled) == (divisors if compiled else [])


def test_the_comparison_takes_each_trainers_best_and_amortises_compilation(bench):
    C, T = bench.Config, bench.Timing
    timings = [
        T(C("baseline", 1, 1), 4.0),
        T(C("baseline", 1, 2), 5.0),  # the baseline's best thread count
        T(C("pixelpde", 1, 2), 6.0),
        T(C("pixelpde", 2, 1), 9.0),  # pixelpde's best eager
        T(C("pixelpde", 1, 2, True), 8.0, 100.0),
        T(C("pixelpde", 2, 1, True), 12.5, 200.0),  # pixelpde's best compiled
    ]
    s = bench.equal_hardware(timings, paper_windows=30_000, compiles=6)
    assert s["baseline"] == {"config": "2 threads", "rate": 5.0}
    assert s["eager"]["config"] == "--nproc 2 --threads 1"
    assert s["eager"]["ratio"] == pytest.approx(9.0 / 5.0)
    assert s["compiled"]["config"] == "--nproc 2 --threads 1 --compile"
    assert s["compiled"]["ratio"] == pytest.approx(12.5 / 5.0)
    assert s["compiled"]["compile_s"] == 200.0
    # 30 000 windows at 12.5/s = 2400 s, plus 6 compilations of 200 s = 3600 s: 8.33 windows/s
    assert s["compiled"]["amortised"] == pytest.approx(30_000 / 3600 / 5.0)
    assert "compiled" not in bench.equal_hardware(timings[:4])
    with pytest.raises(ValueError, match="baseline"):
        bench.equal_hardware(timings[2:])


def test_dry_run_times_every_configuration_at_tiny_size(bench, tmp_path, capsys):
    out = tmp_path / "bench.json"
    report = bench.main(["--dry", "--no-compile", "--cores", "2", "--problems", "heat", "--json", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(report))
    heat = report["problems"]["heat"]
    timed = {(t["trainer"], t["nproc"], t["threads"], t["compiled"]) for t in heat["timings"]}
    assert timed == {
        ("baseline", 1, 1, False),
        ("baseline", 1, 2, False),
        ("pixelpde", 1, 2, False),
        ("pixelpde", 2, 1, False),
    }
    assert all(t["rate"] > 0 for t in heat["timings"])
    summary = heat["summary"]
    assert summary["eager"]["ratio"] == pytest.approx(summary["eager"]["rate"] / summary["baseline"]["rate"])
    assert "load" in capsys.readouterr().out
