"""Every example in docs/systems.md runs as written (see tests/markdown_examples.py)."""

from markdown_examples import ROOT, run_examples


def test_systems_doc_examples_run(tmp_path):
    blocks = run_examples(ROOT / "docs" / "systems.md", tmp_path, timeout=600)
    assert sum(lang == "python" for lang, _ in blocks) == 2
    assert (tmp_path / "gray-scott.json").is_file()
