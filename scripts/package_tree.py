"""Build ``build/package/pixelpde/``: the import package as static tools expect to find it on disk.

setup.cfg maps the repository's top-level folders into one import package (``stencils/`` is
``pixelpde.stencils``, ...). Python follows that mapping through the editable install's import
hook, but static tools (mypy, import-linter's grimp, an editor's go-to-definition) look for
``pixelpde/stencils/`` on disk, and from the repository root they find ``pixelpde/`` without its
mapped subpackages. This script lays out the package with one symbolic link per source file, read
from setup.cfg's ``packages`` and ``package_dir`` (the one place the mapping is written), so an
edit through the tree is an edit of the repository's file. It is rebuilt from scratch on every run
(a fraction of a second), so added or removed modules never leave the tree stale; ``.ci/run`` and
the pre-commit hooks run it before mypy and lint-imports. Usage: ``python3 scripts/package_tree.py``.
"""

from __future__ import annotations

import configparser
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TREE = ROOT / "build" / "package"
#: What a package folder contributes to the tree.
SUFFIXES = (".py", ".pyi", ".typed")


def mapping(setup_cfg: Path = ROOT / "setup.cfg") -> dict[str, Path]:
    """Each package of setup.cfg -> its source folder (``package_dir``'s longest matching prefix)."""
    cfg = configparser.ConfigParser()
    cfg.read(setup_cfg)
    packages = cfg["options"]["packages"].split()
    dirs: dict[str, str] = {}
    for line in cfg["options"].get("package_dir", "").strip().splitlines():
        name, _, folder = (part.strip() for part in line.partition("="))
        dirs[name] = folder
    out = {}
    for package in packages:
        parts = package.split(".")
        for cut in range(len(parts), -1, -1):
            prefix = ".".join(parts[:cut])
            if prefix in dirs or cut == 0:
                base = dirs.get(prefix, "")
                out[package] = ROOT.joinpath(base, *parts[cut:])
                break
    return out


def build(tree: Path = TREE) -> int:
    """(Re)build the link tree; returns the number of files linked."""
    if tree.exists():
        shutil.rmtree(tree)
    count = 0
    for package, source in mapping().items():
        if not (source / "__init__.py").is_file():
            sys.exit(f"package_tree: {package} maps to {source}, which has no __init__.py")
        target = tree.joinpath(*package.split("."))
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted(source.iterdir()):
            if path.is_file() and path.suffix in SUFFIXES:
                (target / path.name).symlink_to(os.path.relpath(path, target))
                count += 1
    return count


if __name__ == "__main__":
    n = build()
    print(f"package_tree: {n} files linked under {TREE.relative_to(ROOT)}/")
