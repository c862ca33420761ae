"""Bounds on what a reader reads: regular files only, and at most a set number of bytes.

``--data /dev/zero`` or a profile path that names a pipe would otherwise be read until memory
runs out; a file larger than the bound is refused before it is read.
"""

from __future__ import annotations

import hashlib
import os
import stat

from .._errors import DataError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "ENV_MAX_MB",
    "check_input_file",
    "file_sha256",
    "max_bytes_default",
]

#: Largest input file read by default: 2 GiB (a loss file of 60 million rows)
DEFAULT_MAX_BYTES = 2 << 30
#: Environment variable that sets the default bound in MiB (for the command line and the API)
ENV_MAX_MB = "RISKMODEL_MAX_INPUT_MB"


def max_bytes_default() -> int:
    """The bound in bytes: ``$RISKMODEL_MAX_INPUT_MB`` MiB if set, else :data:`DEFAULT_MAX_BYTES`.

    Examples
    --------
    >>> max_bytes_default() == DEFAULT_MAX_BYTES or ENV_MAX_MB in os.environ
    True
    """
    text = os.environ.get(ENV_MAX_MB, "").strip()
    if not text:
        return DEFAULT_MAX_BYTES
    try:
        mb = float(text)
    except ValueError:
        mb = -1.0
    if not 0 < mb < 2**40:
        raise ValueError(f"{ENV_MAX_MB}: must be a number of MiB > 0, got {text!r}")
    return int(mb * 2**20)


def check_input_file(path: str | os.PathLike[str], max_bytes: int | None = None) -> int:
    """Check that ``path`` is a regular file of at most ``max_bytes``; return its size.

    Parameters
    ----------
    path : str or os.PathLike
    max_bytes : int, optional
        Default :func:`max_bytes_default`.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    DataError
        Naming the file: a folder, a device, a pipe or a socket, or a file over the bound.

    Examples
    --------
    >>> check_input_file("/dev/zero")  # doctest: +SKIP
    Traceback (most recent call last):
    ...
    riskmodel._errors.DataError: /dev/zero: not a regular file (a character device); ...
    """
    name = os.fspath(path)
    if max_bytes is None:
        max_bytes = max_bytes_default()
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise ValueError(f"max_bytes: must be a positive whole number, got {max_bytes!r}")
    st = os.stat(name)  # FileNotFoundError / PermissionError name the path
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "a folder"
            if stat.S_ISDIR(st.st_mode)
            else "a character device"
            if stat.S_ISCHR(st.st_mode)
            else "a block device"
            if stat.S_ISBLK(st.st_mode)
            else "a pipe"
            if stat.S_ISFIFO(st.st_mode)
            else "a socket"
            if stat.S_ISSOCK(st.st_mode)
            else "not a file"
        )
        raise DataError(f"not a regular file ({kind}); give the path of a file", path=name)
    if st.st_size > max_bytes:
        raise DataError(
            f"file is {st.st_size / 2**20:,.1f} MiB, more than the {max_bytes / 2**20:,.1f} MiB "
            f"a reader accepts (raise it with max_bytes=..., or ${ENV_MAX_MB} on the command "
            "line)",
            path=name,
        )
    return st.st_size


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes (hex), read in 1 MiB chunks: the data's provenance in a model.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_bytes(b"abc")
    >>> file_sha256(p)[:16]
    'ba7816bf8f01cfea'
    """
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
