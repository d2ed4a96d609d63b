"""Every example in docs/learned.md runs as written (as README.md's do, see test_readme.py),
except the one marked ``skip-test`` (``reproduce --quick`` takes minutes; timed by hand)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_readme import BLOCK  # the README's block syntax, one definition

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "learned.md"


@pytest.mark.slow
def test_learned_doc_examples_run(tmp_path):
    blocks = [(m.group("lang"), m.group("body")) for m in BLOCK.finditer(DOC.read_text()) if not (m.group("marker") or "").startswith("skip-test")]
    assert any(lang == "bash" for lang, _ in blocks) and any(lang == "python" for lang, _ in blocks)
    env = {"MPLBACKEND": "Agg", "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT), "HOME": str(tmp_path), "OMP_NUM_THREADS": "1"}
    for lang, body in blocks:
        cmd = ["bash", "-euo", "pipefail", "-c", body] if lang == "bash" else [sys.executable, "-c", body]
        proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"example failed:\n{body}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    assert {"model.pt", "model.json", "log.csv", "checkpoint.pt"} <= {p.name for p in (tmp_path / "runs" / "fisher-small").iterdir()}
    assert (tmp_path / "runs" / "fisher-small" / "eval" / "metrics.json").is_file()
