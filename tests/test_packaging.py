"""The install puts exactly one import package, ``pixelpde``, on the path.

The repository's top-level folders (``stencils/``, ``constructive/``, ...) are
mapped into the namespace by ``package_dir`` in setup.cfg; nothing generic
such as ``fem`` or ``convergence`` may become importable by installing us. That its layers import
one way is checked by import-linter's contracts (``[tool.importlinter]`` in pyproject.toml, run by
``lint-imports`` in ``.ci/run``).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_package_tree_follows_setup_cfg(tmp_path):
    """scripts/package_tree.py (what mypy and lint-imports read) lays out every package of setup.cfg
    where Python finds it, with one link per source file."""
    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("package_tree", root / "scripts" / "package_tree.py")
    tree = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tree)
    mapping = tree.mapping()
    assert mapping["pixelpde.stencils"] == root / "stencils"
    assert mapping["pixelpde.ground"] == root / "pixelpde" / "ground"
    assert {f"pixelpde.{n}" for n in FOLDERS} | {"pixelpde", "pixelpde.ground", "pixelpde.commands"} == set(mapping)
    count = tree.build(tmp_path)
    sources = [p for folder in mapping.values() for p in folder.glob("*.py")]
    assert count == len(sources) + 1  # and py.typed
    for package, folder in mapping.items():
        linked = tmp_path.joinpath(*package.split("."))
        for source in folder.glob("*.py"):
            assert (linked / source.name).resolve() == source.resolve()
