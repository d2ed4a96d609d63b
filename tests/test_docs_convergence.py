"""Every example in docs/convergence.md runs as written (see tests/markdown_examples.py)."""

import pytest
from markdown_examples import ROOT, run_examples


@pytest.mark.slow
def test_convergence_doc_examples_run(tmp_path):
    blocks = run_examples(ROOT / "docs" / "convergence.md", tmp_path, timeout=600)
    assert any(lang == "bash" for lang, _ in blocks)
    assert any(lang == "python" for lang, _ in blocks)
    assert {"adv_dt.json", "adv_dt.png", "adv_dx.json", "adv_dx.png", "adv.pt", "rk2.png"} <= {
        p.name for p in (tmp_path / "out").iterdir()
    }
