"""The user guide's Python examples run as written (each page's blocks in order, one
namespace per page), so the guide cannot drift from the API."""

from __future__ import annotations

import pathlib
import re

import pytest

GUIDE = pathlib.Path(__file__).resolve().parents[1] / "docs" / "guide"
PAGES = sorted(p.stem for p in GUIDE.glob("*.md"))
BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def test_the_guide_has_examples():
    assert "getting_started" in PAGES
    assert sum(bool(BLOCK.findall((GUIDE / f"{p}.md").read_text())) for p in PAGES) >= 6


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_guide_examples_run(page, capsys, monkeypatch, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)  # anything an example writes lands here
    text = (GUIDE / f"{page}.md").read_text(encoding="utf-8")
    namespace: dict = {"__name__": f"guide_{page}"}
    for i, code in enumerate(BLOCK.findall(text)):
        exec(compile(code, f"docs/guide/{page}.md [block {i + 1}]", "exec"), namespace)
    capsys.readouterr()
