"""Atomic writing of a report folder, and the JSON form of its numbers.

A report is written into a temporary sibling folder (``.<name>.tmp-<random>``) next to the
target, each file through its own temporary file and :func:`os.replace`; the finished folder
is then renamed into place. A crash at any point leaves either no report (the temporary
folder is removed on the way out) or the previous one, never a half-written report.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["ReportFolder", "check_target", "jsonable"]


def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars as Python numbers and inf / NaN as the strings JSON lacks.

    Tuples become lists and mapping keys strings; ``-inf``, ``inf`` and ``nan`` are written as
    those strings (the convention of the ``--json`` output of every command).
    """
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return jsonable(value.tolist())
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


def check_target(path: Path, overwrite: bool) -> None:
    """Refuse a target that is a file, or a non-empty folder without ``overwrite``."""
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"{path} exists and is not a folder: give another OUT_DIR")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise FileExistsError(
            f"{path} exists and is not empty: give another folder or overwrite=True "
            "(--overwrite) to replace it"
        )


class ReportFolder:
    """A temporary folder that becomes ``target`` on :meth:`commit`, or vanishes.

    Use as a context manager: files are written with :meth:`write_text` / :meth:`write_bytes`
    or into :meth:`tmp_path` and then :meth:`commit` moves the folder into place; leaving the
    block without a commit (an exception) removes the temporary folder.

    Notes
    -----
    Replacing an existing non-empty folder is two renames: the old folder moves to a hidden
    sibling, the new one into place, then the old one is deleted. A crash between the two
    renames leaves the old report in the hidden ``.<name>.old-*`` sibling, not lost; every
    other step is a single atomic rename on one file system.
    """

    def __init__(self, target: Path, overwrite: bool = False) -> None:
        self.target = Path(target).absolute()
        self.overwrite = overwrite
        self.path: Path | None = None

    def __enter__(self) -> ReportFolder:
        check_target(self.target, self.overwrite)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(
            tempfile.mkdtemp(prefix=f".{self.target.name}.tmp-", dir=self.target.parent)
        )
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.path is not None and self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)

    def _file(self, name: str) -> Path:
        if self.path is None:
            raise RuntimeError("ReportFolder: use it as a context manager")
        if os.sep in name or name.startswith("."):
            raise ValueError(f"report file names are plain names, got {name!r}")
        return self.path / name

    def write_bytes(self, name: str, data: bytes) -> None:
        """Write ``data`` to ``name`` through a temporary file and ``os.replace``."""
        dest = self._file(name)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=self.path)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def write_text(self, name: str, text: str) -> None:
        """Write UTF-8 ``text`` to ``name`` atomically."""
        self.write_bytes(name, text.encode("utf-8"))

    def write_json(self, name: str, doc: Any) -> None:
        """Write ``doc`` as indented JSON (see :func:`jsonable`) atomically."""
        text = json.dumps(jsonable(doc), indent=2, allow_nan=False, ensure_ascii=False)
        self.write_text(name, text + "\n")

    def write_csv(self, name: str, frame) -> None:
        """Write a DataFrame as CSV (full float precision, index included) atomically."""
        self.write_text(name, frame.to_csv(lineterminator="\n"))

    def tmp_path(self, name: str) -> Path:
        """Path of a temporary file for a writer that needs a file name (moved by :meth:`put`)."""
        self._file(name)  # checks the name
        return self.path / f".partial-{name}"

    def put(self, partial: Path, name: str) -> None:
        """Move a finished temporary file ``partial`` to ``name`` (``os.replace``)."""
        os.replace(partial, self._file(name))

    def files(self) -> list[str]:
        """Names of the finished files, sorted."""
        return sorted(p.name for p in self.path.iterdir() if not p.name.startswith("."))

    def commit(self) -> Path:
        """Move the finished folder into place (replacing the target when allowed)."""
        check_target(self.target, self.overwrite)  # again: someone may have written there
        target, new = self.target, self.path
        if target.is_dir() and any(target.iterdir()):
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / "report")
            try:
                os.replace(new, target)
            except BaseException:
                os.replace(old / "report", target)  # put the old report back
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            if target.is_dir():  # empty: remove it (renaming over a folder fails on Windows)
                target.rmdir()
            os.replace(new, target)
        self.path = None
        return target
