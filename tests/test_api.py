"""The public Python API: one place (``pixelpde``), ``__all__``, lazy imports, docstrings that say
what a name takes and returns."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import pytest

import pixelpde

NAMES = [name for name in pixelpde.__all__ if name != "__version__"]


def test_import_pixelpde_loads_neither_torch_nor_sympy():
    code = (
        "import sys, pixelpde; "
        "heavy = sorted(m for m in ('torch', 'sympy', 'numpy', 'scipy', 'matplotlib', 'h5py') if m in sys.modules); "
        "ours = sorted(m for m in sys.modules if m.startswith('pixelpde.')); "
        "print(heavy, ours)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[] []"


def test_a_name_loads_its_module_on_first_use():
    code = (
        "import sys, pixelpde; f = pixelpde.parse_pde; print('sympy' in sys.modules, 'pixelpde.learned' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "True False"


@pytest.mark.parametrize("name", NAMES)
def test_every_public_name_is_the_object_of_its_home_module(name):
    home = importlib.import_module(pixelpde._EXPORTS[name])
    assert getattr(pixelpde, name) is getattr(home, name)
    assert name in dir(pixelpde)


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nosuch'"):
        pixelpde.nosuch  # noqa: B018
    assert not hasattr(pixelpde, "train_parallel")


def test_subpackages_are_reachable_as_attributes():
    assert pixelpde.fem is importlib.import_module("pixelpde.fem")


@pytest.mark.parametrize("name", NAMES)
def test_every_public_name_has_a_docstring_of_its_own(name):
    """A docstring that says what the name takes and returns, not one that only points elsewhere."""
    doc = inspect.getdoc(getattr(pixelpde, name)) or ""
    assert len(doc) >= 60, f"{name}: docstring too short: {doc!r}"
    assert "see the module docstring" not in doc.lower(), f"{name} sends the reader elsewhere: {doc!r}"
