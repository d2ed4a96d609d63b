"""scripts/gpu-run.sh --dry: the GPU session's pipeline (bench, data, both trainings, evaluation,
summary) end to end on the CPU, on a tiny Fisher problem."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_run_dry(tmp_path):
    out = tmp_path / "gpu"
    env = {
        **os.environ,
        "SKIP_TESTS": "1",
        "OMP_NUM_THREADS": "1",
        "PYTHON": sys.executable,
    }  # the interpreter under test
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "gpu-run.sh"), "--dry", "--out", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = (out / "summary.md").read_text()
    for model in ("| fisher | learned |", "| fisher | learned-constructive-init |", "| fisher | constructed |"):
        assert model in summary, summary
    assert "windows/s" in (out / "bench.txt").read_text()
    for run in ("random", "constructive"):
        assert (out / "fisher" / run / "model.pt").is_file()
    assert "all done" in (out / "run.log").read_text()
