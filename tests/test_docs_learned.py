"""Every example in docs/learned.md runs as written (see tests/markdown_examples.py), except
those marked ``skip-test``: ``reproduce --quick`` (minutes; timed by hand) and the p = 100
runs behind the Results section (hours on a CPU)."""

import pytest
from markdown_examples import ROOT, run_examples


@pytest.mark.slow
def test_learned_doc_examples_run(tmp_path):
    blocks = run_examples(ROOT / "docs" / "learned.md", tmp_path, timeout=600)
    assert any(lang == "bash" for lang, _ in blocks)
    assert any(lang == "python" for lang, _ in blocks)
    assert {"model.pt", "model.json", "log.csv", "checkpoint.pt"} <= {
        p.name for p in (tmp_path / "runs" / "fisher-small").iterdir()
    }
    assert (tmp_path / "runs" / "fisher-small" / "eval" / "metrics.json").is_file()
