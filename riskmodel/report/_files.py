"""Atomic writing of a report folder, and the JSON form of its numbers.

A report is written into a temporary sibling folder (``.<name>.tmp-<random>``) next to the
target, each file through its own temporary file and :func:`os.replace`; the finished folder
is then renamed into place. A crash at any point leaves either no report (the temporary
folder is removed on the way out, SIGTERM and SIGINT included) or the previous one, never a
half-written report.

Every report holds a marker file, :data:`MARKER`; ``overwrite`` replaces only a folder that
holds one (a previous report), never a folder of anything else. Files and the folder get the
modes the umask gives (as ``open`` would), and a folder that is replaced keeps its mode.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import stat
import tempfile
import threading
from pathlib import Path
from typing import Any

__all__ = ["MARKER", "ReportFolder", "check_target", "jsonable"]

#: name of the marker file written into every report folder
MARKER = ".riskmodel-report"


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
    """Refuse a target that is a file, a folder that cannot be written, or a non-empty folder
    unless ``overwrite`` and it holds a riskmodel report (its :data:`MARKER`).

    Raises
    ------
    ValueError
        For an empty path.
    NotADirectoryError, FileExistsError, PermissionError
        Naming the path.
    """
    if not str(path).strip() or str(path) in (".", ".."):  # Path("") is the current folder
        raise ValueError(f"OUT_DIR: give a folder name, got {str(path)!r}")
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"{path} exists and is not a folder: give another OUT_DIR")
    if not path.is_dir():
        return
    # a folder without write permission bits is read-only to its owner's intent, even for
    # root (whom os.access lets write anywhere)
    if not os.access(path, os.W_OK | os.X_OK) or not path.stat().st_mode & 0o222:
        raise PermissionError(f"{path} is not writable (read-only): give another OUT_DIR")
    if not any(path.iterdir()):
        return
    if not overwrite:
        raise FileExistsError(
            f"{path} exists and is not empty: give another folder or overwrite=True "
            "(--overwrite) to replace it"
        )
    if not (path / MARKER).is_file():
        raise FileExistsError(
            f"{path} is not a riskmodel report (it has no {MARKER} marker): overwrite replaces "
            "only a previous report; give another OUT_DIR"
        )


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class _Terminated(SystemExit):
    """SIGTERM, raised in the main thread so that the temporary folder is removed; the
    process then exits with status 143 (128 + SIGTERM), as it would have without the trap."""


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
        check_target(Path(target), overwrite)
        self.target = Path(target).absolute()
        self.overwrite = overwrite
        self.path: Path | None = None
        self._old_handler = None

    def __enter__(self) -> ReportFolder:
        check_target(self.target, self.overwrite)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self._trap_sigterm()
        try:
            self.path = Path(
                tempfile.mkdtemp(prefix=f".{self.target.name}.tmp-", dir=self.target.parent)
            )
            os.chmod(self.path, 0o777 & ~_umask())
            self.write_bytes(MARKER, b"riskmodel report folder (overwrite replaces it)\n")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if self.path is not None and self.path.exists():
                shutil.rmtree(self.path, ignore_errors=True)
        finally:
            self.path = None
            self._restore_sigterm()

    def _trap_sigterm(self) -> None:
        """Turn SIGTERM into an exception while the folder exists (main thread only), so the
        ``with`` block unwinds and removes the temporary folder; SIGINT already does."""
        if threading.current_thread() is not threading.main_thread():
            return
        previous = signal.getsignal(signal.SIGTERM)
        if previous not in (signal.SIG_DFL, None):
            return  # the program handles SIGTERM itself

        def handler(signum, frame):
            raise _Terminated(128 + signum)

        signal.signal(signal.SIGTERM, handler)
        self._old_handler = previous

    def _restore_sigterm(self) -> None:
        if self._old_handler is not None:
            signal.signal(signal.SIGTERM, self._old_handler)
            self._old_handler = None

    def _file(self, name: str) -> Path:
        if self.path is None:
            raise RuntimeError("ReportFolder: use it as a context manager")
        if os.sep in name or (name.startswith(".") and name != MARKER):
            raise ValueError(f"report file names are plain names, got {name!r}")
        return self.path / name

    def write_bytes(self, name: str, data: bytes) -> None:
        """Write ``data`` to ``name`` through a temporary file and ``os.replace``."""
        dest = self._file(name)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=self.path)
        try:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 is not what the user asked for
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
        os.chmod(partial, 0o666 & ~_umask())
        os.replace(partial, self._file(name))

    def files(self) -> list[str]:
        """Names of the finished files, sorted."""
        return sorted(p.name for p in self.path.iterdir() if not p.name.startswith("."))

    def commit(self) -> Path:
        """Move the finished folder into place (replacing the target when allowed)."""
        check_target(self.target, self.overwrite)  # again: someone may have written there
        target, new = self.target, self.path
        if target.is_dir():  # a replaced folder keeps its mode
            os.chmod(new, stat.S_IMODE(target.stat().st_mode))
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
