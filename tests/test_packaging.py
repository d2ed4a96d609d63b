"""The install puts exactly one import package, ``pixelpde``, on the path, and its layers import one way.

The repository's top-level folders (``stencils/``, ``constructive/``, ...) are
mapped into the namespace by ``package_dir`` in setup.cfg; nothing generic
such as ``fem`` or ``convergence`` may become importable by installing us.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Each subpackage, bottom to top: a module may import only from its own layer or lower ones.
LAYERS = {
    "ground": 0,
    "stencils": 1,
    "constructive": 2,
    "integrators": 3,
    "convergence": 4,
    "fem": 4,
    "spectral": 4,
    "learned": 5,
    "studies": 6,
    "commands": 7,
    "cli": 7,
    "__main__": 7,
}
FOLDERS = {"stencils", "constructive", "integrators", "convergence", "fem", "spectral", "learned", "studies"}


def _clean_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return env


@pytest.mark.parametrize("name", sorted(FOLDERS))
def test_generic_names_are_not_importable(tmp_path, name):
    proc = subprocess.run(
        [sys.executable, "-c", f"import {name}"], cwd=tmp_path, env=_clean_env(), capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert "ModuleNotFoundError" in proc.stderr


def test_namespaced_packages_import_from_anywhere(tmp_path):
    code = "; ".join(f"import pixelpde.{n}" for n in sorted(FOLDERS | {"ground", "cli"}))
    code += "; import pixelpde.stencils as s; print(s.__name__)"
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=_clean_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "pixelpde.stencils"


def _layer_of(path: Path) -> tuple[str, int]:
    rel = path.relative_to(ROOT)
    top = rel.parts[0]
    if top == "pixelpde":
        sub = rel.parts[1] if len(rel.parts) > 2 else rel.stem
        if sub == "__init__":
            return "pixelpde", -1
        return sub, LAYERS[sub]
    return top, LAYERS[top]


def _imported_subpackages(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "pixelpde" and len(parts) > 1 and parts[1] in LAYERS:
                yield parts[1], node.lineno
                break


def test_no_import_runs_back_up():
    files = [p for d in sorted(FOLDERS | {"pixelpde"}) for p in (ROOT / d).rglob("*.py")]
    assert len(files) > 30
    upward = []
    for path in files:
        name, layer = _layer_of(path)
        if layer < 0:
            upward += [
                f"{path.relative_to(ROOT)}:{line} imports pixelpde.{sub} (pixelpde/__init__ imports nothing)"
                for sub, line in _imported_subpackages(path)
            ]
            continue
        for sub, line in _imported_subpackages(path):
            if LAYERS[sub] > layer:
                upward.append(f"{path.relative_to(ROOT)}:{line} ({name}) imports pixelpde.{sub}")
    assert not upward, "\n".join(upward)
