"""Command-line interface: ``riskmodel <command>`` (also ``python -m riskmodel``).

Exit status: 0 success; 2 bad input, including a file or folder that cannot be read or
written (a one-line message says what and where); 1 internal error (one line; set
``RISKMODEL_DEBUG=1`` for the traceback).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import NoReturn

from .._errors import DataError

__all__ = ["console", "main"]

#: subcommand modules, each with ``add_parser(subparsers)`` and ``run(args) -> int``
COMMANDS = ("reserve", "fit", "price", "simulate", "report", "book", "compile")


class UsageError(Exception):
    """Bad command-line usage (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, no usage dump
        raise UsageError(f"{self.prog}: {message} (see --help)")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every available subcommand."""
    parser = _Parser(
        prog="riskmodel",
        description="Reserves for customer losses at crypto exchanges: fit, simulate, reserve.",
        epilog="Run 'riskmodel <command> --help' for a command's options and examples.",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"riskmodel {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="command", parser_class=_Parser)
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"riskmodel.cli._{name}")
        except ModuleNotFoundError as exc:  # a command whose module is not installed
            if exc.name != f"riskmodel.cli._{name}":
                raise
            continue
        mod.add_parser(sub)
    return parser


def _message(exc: BaseException) -> str:
    """One line saying what went wrong and, for an OS error, with which path."""
    if isinstance(exc, OSError) and exc.filename is not None:
        what = "no such file" if isinstance(exc, FileNotFoundError) else exc.strerror
        msg = f"{what}: {exc.filename}"
        if exc.filename2 is not None:
            msg += f" -> {exc.filename2}"
    else:
        msg = str(exc)
    # messages of the Python API name its arguments; on the command line, name the option
    msg = msg.replace("on_invalid='drop'", "--drop-invalid")
    return " ".join(msg.split())


def main(argv: list[str] | None = None, *, own_process: bool = False) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit status.

    ``own_process``: the process exists for this command alone (the console script,
    ``python -m riskmodel``), so the command may settle the interpreter's heap before it
    simulates (``_common.settle_heap``); called from Python, it leaves the caller's alone.
    """
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        args.own_process = own_process
        if args.command is None:
            parser.print_help()
            return 2
        return int(args.run(args) or 0)
    except (UsageError, DataError, ValueError, OSError) as exc:
        # OSError: a file or folder that is missing, unreadable, not writable, a folder where
        # a file is wanted...; the message names the path
        print(f"riskmodel: error: {_message(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("riskmodel: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # last line of defence: one line, exit 1
        if os.environ.get("RISKMODEL_DEBUG"):
            raise
        print(
            f"riskmodel: internal error: {type(exc).__name__}: {exc} "
            "(set RISKMODEL_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


def console() -> int:
    """Entry point of the console script and ``python -m riskmodel``: :func:`main`, alone."""
    return main(own_process=True)
