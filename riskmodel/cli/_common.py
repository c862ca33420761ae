"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

__all__ = ["add_data_options", "load_table", "positive_int", "print_json", "probability"]


def probability(text: str) -> float:
    """argparse type: a probability strictly between 0 and 1."""
    try:
        p = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < p < 1:
        raise argparse.ArgumentTypeError(f"must lie strictly between 0 and 1, got {text}")
    return p


def positive_int(text: str) -> int:
    """argparse type: a positive integer (accepts 1e6 and 1_000_000)."""
    try:
        v = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(v) and v >= 1 and v == int(v)):
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return int(v)


def nonnegative_float(text: str) -> float:
    """argparse type: a finite number >= 0."""
    try:
        v = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(v) and v >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return v


def add_data_options(p: argparse.ArgumentParser) -> None:
    """--data, --threshold, --since, --until."""
    p.add_argument(
        "--data",
        metavar="PATH",
        help="your own losses CSV (date, category, "
        "amount_usd); default: the bundled exchange incidents",
    )
    p.add_argument(
        "--threshold",
        type=nonnegative_float,
        default=1e6,
        metavar="USD",
        help="reporting threshold: losses below it are ignored and the severity is "
        "left-truncated there (default 1e6)",
    )
    p.add_argument(
        "--since",
        type=int,
        default=2014,
        metavar="YEAR",
        help="first calendar year of the window (default 2014)",
    )
    p.add_argument(
        "--until",
        type=int,
        default=None,
        metavar="YEAR",
        help="last calendar year of the window (default: last year in the data)",
    )


def load_table(args: argparse.Namespace):
    """The incident table the options point to."""
    from ..data import load_incidents, read_losses

    return read_losses(args.data) if args.data else load_incidents()


def print_json(obj: Any) -> None:
    """Write ``obj`` as JSON to stdout (NaN and inf as strings, which JSON lacks)."""

    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return str(v)
        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        if hasattr(v, "item"):
            return clean(v.item())
        return v

    json.dump(clean(obj), sys.stdout, indent=2)
    sys.stdout.write("\n")
