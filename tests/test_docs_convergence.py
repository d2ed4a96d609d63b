"""Every example in docs/convergence.md runs as written (as README.md's do, see test_readme.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_readme import BLOCK  # the README's block syntax, one definition

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "convergence.md"


@pytest.mark.slow
def test_convergence_doc_examples_run(tmp_path):
    blocks = [(m.group("lang"), m.group("body")) for m in BLOCK.finditer(DOC.read_text())]
    assert any(lang == "bash" for lang, _ in blocks) and any(lang == "python" for lang, _ in blocks)
    env = {"MPLBACKEND": "Agg", "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    for lang, body in blocks:
        cmd = ["bash", "-euo", "pipefail", "-c", body] if lang == "bash" else [sys.executable, "-c", body]
        proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"example failed:\n{body}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    assert {"adv_dt.json", "adv_dt.png", "adv_dx.json", "adv_dx.png", "adv.pt", "rk2.png"} <= {p.name for p in (tmp_path / "out").iterdir()}
