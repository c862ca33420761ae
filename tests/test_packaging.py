"""The release metadata agree: one version, a licence file that matches, a changelog."""

from __future__ import annotations

import pathlib
import re
import sys

import riskmodel

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_version_is_written_once_and_cited_as_written():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = meta["project"]
    assert "version" not in project and "version" in project["dynamic"]
    attr = meta["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "riskmodel.__version__"
    assert re.fullmatch(r"\d+\.\d+\.\d+", riskmodel.__version__)
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(r"^version: (\S+)$", cff, re.M)[1] == riskmodel.__version__
    assert re.search(r"^license: (\S+)$", cff, re.M)[1] == project["license"] == "MIT"


def test_licence_file_is_the_mit_licence_named_in_the_metadata():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text


def test_changelog_has_an_unreleased_section_and_the_current_version():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings[0] == "Unreleased"
    assert riskmodel.__version__ in headings
