"""Every example in docs/fem.md runs as written (see tests/markdown_examples.py)."""

import pytest
from markdown_examples import ROOT, run_examples


@pytest.mark.slow
def test_fem_doc_examples_run(tmp_path):
    blocks = run_examples(ROOT / "docs" / "fem.md", tmp_path, timeout=600)
    assert any(lang == "bash" for lang, _ in blocks)
    assert {"heat.h5", "heat.png", "fisher.h5", "advection.h5"} <= {p.name for p in (tmp_path / "data").iterdir()}
