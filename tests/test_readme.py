"""Every example in the README runs as written.

All ```bash blocks run in order, in one scratch directory, except those right
after a ``<!-- ci:... -->`` marker (the install and test commands, which
.ci/run executes) and those after ``<!-- skip-test: reason -->``.  Python
blocks run too.  A failing command fails the test with its output.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"(?:<!--\s*(?P<marker>[^>]*?)\s*-->\s*\n)?```(?P<lang>bash|python)\n(?P<body>.*?)```", re.S)


def readme_blocks():
    text = (ROOT / "README.md").read_text()
    out = []
    for m in BLOCK.finditer(text):
        marker = m.group("marker") or ""
        if marker.startswith("ci:") or marker.startswith("skip-test"):
            continue
        out.append((m.group("lang"), m.group("body")))
    return out


def test_readme_has_the_two_setup_commands():
    text = (ROOT / "README.md").read_text()
    assert "<!-- ci:install -->" in text and "<!-- ci:test -->" in text


@pytest.mark.slow
def test_readme_examples_run(tmp_path):
    blocks = readme_blocks()
    assert blocks, "no runnable examples found in README.md"
    env = {"MPLBACKEND": "Agg", "PATH": f"{Path(sys.executable).parent}:{__import__('os').environ['PATH']}",
           "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    for lang, body in blocks:
        if lang == "bash":
            cmd = ["bash", "-euo", "pipefail", "-c", body]
        else:
            cmd = [sys.executable, "-c", body]
        proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, f"README example failed:\n{body}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
