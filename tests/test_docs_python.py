"""The Python quickstart of docs/python.md runs as written (tests/markdown_examples.py) and names
every public name of ``pixelpde``."""

import re

import pytest
from markdown_examples import ROOT, run_examples

import pixelpde

DOC = ROOT / "docs" / "python.md"


@pytest.mark.slow
def test_python_quickstart_runs(tmp_path):
    blocks = run_examples(DOC, tmp_path, timeout=600)
    assert [lang for lang, _ in blocks] == ["python"]
    run = tmp_path / "runs" / "quick"
    assert {"model.pt", "model.json", "log.csv", "checkpoint.pt"} <= {p.name for p in run.iterdir()}
    assert (run / "eval" / "metrics.json").is_file()


def test_every_public_name_is_in_the_doc():
    documented = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", DOC.read_text()))
    missing = [name for name in pixelpde.__all__ if name != "__version__" and name not in documented]
    assert not missing, f"docs/python.md does not name {missing}"
