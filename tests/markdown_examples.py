"""Run the code examples of a Markdown file as written (README.md, docs/*.md).

Every ```bash and ```python block runs, in order, in one scratch directory,
except a block right after a ``<!-- ci:... -->`` marker (the README's install
and test commands, which .ci/run executes) or a ``<!-- skip-test: reason -->``
marker.  A failing block fails the test with its output.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"(?:<!--\s*(?P<marker>[^>]*?)\s*-->\s*\n)?```(?P<lang>bash|python)\n(?P<body>.*?)```", re.S)


def examples(path: Path) -> list[tuple[str, str]]:
    out = []
    for m in BLOCK.finditer(Path(path).read_text()):
        marker = m.group("marker") or ""
        if marker.startswith(("ci:", "skip-test")):
            continue
        out.append((m.group("lang"), m.group("body")))
    return out


def run_examples(path: Path, workdir: Path, timeout: float = 900) -> list[tuple[str, str]]:
    """Run every example of ``path`` in ``workdir``; return the blocks run."""
    blocks = examples(path)
    env = {
        "MPLBACKEND": "Agg",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "HOME": str(workdir),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
    }
    for lang, body in blocks:
        cmd = ["bash", "-euo", "pipefail", "-c", body] if lang == "bash" else [sys.executable, "-c", body]
        proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)
        assert proc.returncode == 0, (
            f"example in {Path(path).name} failed:\n{body}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )
    return blocks
