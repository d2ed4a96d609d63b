"""Every example in README.md runs as written (see tests/markdown_examples.py)."""

import pytest
from markdown_examples import ROOT, examples, run_examples


def test_readme_has_the_two_setup_commands():
    """.ci/run executes these two blocks: the install (CPU torch first) with the main job, and pytest."""
    text = (ROOT / "README.md").read_text()
    assert "<!-- ci:install -->" in text
    assert "<!-- ci:test -->" in text
    block = lambda marker: text.split(marker, 1)[1].split("```bash\n", 1)[1].split("```", 1)[0].strip()
    assert block("<!-- ci:test -->") == "python3 -m pytest"
    install = block("<!-- ci:install -->")
    assert install.startswith("python3 -m pip install torch==2.13.0 && ")
    assert "pixelpde reproduce" in install


@pytest.mark.slow
def test_readme_examples_run(tmp_path):
    assert examples(ROOT / "README.md"), "no runnable examples found in README.md"
    run_examples(ROOT / "README.md", tmp_path)
