"""Every example in docs/studies.md runs as written (tests/markdown_examples.py), except those marked
``skip-test``: the ``--quick`` and full studies (minutes to hours; timed by hand, numbers in the doc)."""

import json

import pytest
from markdown_examples import ROOT, run_examples


@pytest.mark.slow
def test_studies_doc_examples_run(tmp_path):
    blocks = run_examples(ROOT / "docs" / "studies.md", tmp_path, timeout=600)
    assert any(lang == "bash" for lang, _ in blocks)
    assert any(lang == "python" for lang, _ in blocks)
    record = json.loads((tmp_path / "runs" / "structure-tiny" / "study.json").read_text())
    assert record["status"] == "complete"
