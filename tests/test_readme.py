"""Every example in README.md runs as written (see tests/markdown_examples.py)."""

import pytest

from markdown_examples import ROOT, examples, run_examples


def test_readme_has_the_two_setup_commands():
    text = (ROOT / "README.md").read_text()
    assert "<!-- ci:install -->" in text and "<!-- ci:test -->" in text


@pytest.mark.slow
def test_readme_examples_run(tmp_path):
    assert examples(ROOT / "README.md"), "no runnable examples found in README.md"
    run_examples(ROOT / "README.md", tmp_path)
