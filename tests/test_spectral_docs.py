"""Every example in docs/spectral.md runs as written (see tests/markdown_examples.py)."""

import h5py
import pytest
from markdown_examples import ROOT, run_examples


@pytest.mark.slow
def test_spectral_doc_examples_run(tmp_path):
    blocks = run_examples(ROOT / "docs" / "spectral.md", tmp_path, timeout=600)
    assert {lang for lang, _ in blocks} == {"bash", "python"}
    with h5py.File(tmp_path / "data" / "gs.h5", "r") as f:
        assert f["U"].shape == (4, 21, 2, 64, 64)
