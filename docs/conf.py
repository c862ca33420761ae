"""Sphinx configuration of the riskmodel documentation.

Build offline, warnings as errors (as CI does)::

    pip install -e ".[docs]"
    sphinx-build -W --keep-going -b html docs docs/_build/html

Two things are generated into ``docs/_generated/`` (ignored by git) at every build:

- ``api/``: one page per public module of ``riskmodel`` (``riskmodel.X``, found by walking the
  package, so a new module appears without editing anything here), documenting the names in
  its ``__all__`` (or, without ``__all__``, its own public functions and classes), and a page
  for the top-level names that links each to the module that documents it;
- ``notebooks/``: copies of ``notebooks/*.ipynb``, rendered with their committed outputs (they
  are never executed here; ``tests/test_notebooks.py`` executes them).
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import shutil
from pathlib import Path

import riskmodel

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
GENERATED = DOCS / "_generated"
os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")  # jupyter_core's path warning

project = "riskmodel"
author = "the riskmodel contributors"
copyright = "2026, the riskmodel contributors"
release = riskmodel.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
root_doc = "index"

# autodoc / autosummary / numpydoc
autosummary_generate = False  # the pages in _generated/api are written below
autodoc_default_options = {"member-order": "groupwise"}
autodoc_typehints = "none"  # numpydoc's Parameters sections give the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()

# notebooks: committed outputs only, never executed
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"riskmodel {release}"
html_static_path: list[str] = []


# --------------------------------------------------------------------------- generated pages
def _public_modules() -> list[str]:
    """``riskmodel.X`` for every public module or package directly under ``riskmodel``."""
    return sorted(
        f"riskmodel.{m.name}"
        for m in pkgutil.iter_modules(riskmodel.__path__)
        if not m.name.startswith("_")
    )


def _members(module) -> list[str]:
    """The names a module documents: its ``__all__``, else its own public functions and
    classes."""
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    return [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and getattr(obj, "__module__", "") == module.__name__
    ]


def _kind(obj) -> str:
    if inspect.isclass(obj):
        return "autoexception" if issubclass(obj, BaseException) else "autoclass"
    if callable(obj):
        return "autofunction"
    return "autodata"


def _title(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n"


def _module_page(name: str) -> str:
    module = importlib.import_module(name)
    members = _members(module)
    lines = [_title(f"``{name}``"), f".. automodule:: {name}", "   :no-members:", ""]
    if members:
        lines += [".. autosummary::", ""] + [f"   {m}" for m in members] + [""]
        for m in members:
            obj = getattr(module, m)
            options = ["   :members:"] if _kind(obj) == "autoclass" else []
            lines += [f".. {_kind(obj)}:: {name}.{m}", *options, ""]
    return "\n".join(lines)


def _top_level_page(modules: list[str]) -> str:
    """The names importable from ``riskmodel`` itself, each linked to where it is documented;
    names without a public module (the exceptions and warnings) are documented here."""
    homes = {}
    for name in modules:
        module = importlib.import_module(name)
        for m in getattr(module, "__all__", ()):
            homes.setdefault((m, id(getattr(module, m))), name)
    linked, here = [], []
    for m in riskmodel.__all__:
        if m == "__version__":
            continue
        home = homes.get((m, id(getattr(riskmodel, m))))
        (linked.append(f"   ~{home}.{m}") if home else here.append(m))
    lines = [
        _title("``riskmodel``"),
        ".. automodule:: riskmodel",
        "   :no-members:",
        "",
        "The names below are importable from ``riskmodel`` itself; each links to the module",
        "that documents it.",
        "",
        ".. currentmodule:: None",
        "",
        ".. autosummary::",
        "",
        *linked,
        "",
    ]
    if here:
        lines += [_title("Errors and warnings", "-"), ".. currentmodule:: riskmodel", ""]
        for m in here:
            lines += [f".. {_kind(getattr(riskmodel, m))}:: riskmodel.{m}", ""]
    return "\n".join(lines)


def _write_if_changed(path: Path, text: str) -> None:
    # an unchanged page keeps its time stamp, so an incremental build skips it
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _generate() -> None:
    api = GENERATED / "api"
    api.mkdir(parents=True, exist_ok=True)
    modules = _public_modules()
    pages = {"riskmodel": _top_level_page(modules)}
    pages.update({name: _module_page(name) for name in modules})
    for stale in set(p.stem for p in api.glob("*.rst")) - set(pages):
        (api / f"{stale}.rst").unlink()
    for name, text in pages.items():
        _write_if_changed(api / f"{name}.rst", text)

    notebooks = GENERATED / "notebooks"
    notebooks.mkdir(parents=True, exist_ok=True)
    sources = sorted((ROOT / "notebooks").glob("*.ipynb"))
    for stale in set(p.name for p in notebooks.glob("*.ipynb")) - {p.name for p in sources}:
        (notebooks / stale).unlink()
    for src in sources:
        dst = notebooks / src.name
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)


_generate()
