"""The model options every simulating command shares: --model, --severity, --cap, --trend,
--projection-year; building the calibration they describe and printing it."""

from __future__ import annotations

import argparse
import math
import re
from typing import Any

from ..data._input import file_sha256
from ._common import load_table

__all__ = [
    "add_model_options",
    "build_calibration",
    "cap_spec",
    "print_calibration",
    "print_extrapolation",
    "severity_spec",
]


def severity_spec(text: str) -> tuple[str | None, str]:
    """argparse type of --severity: ``FAMILY`` (every category) or ``CATEGORY=FAMILY``."""
    from ..severity import get_family

    cat, _, fam = text.rpartition("=")
    fam = fam.strip()
    try:
        get_family(fam)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return (cat.strip() or None), fam


def cap_spec(text: str) -> tuple[str | None, float | None]:
    """argparse type of --cap: ``USD``, ``none``, ``CATEGORY=USD`` or ``CATEGORY=none``."""
    cat, _, val = text.rpartition("=")
    val = val.strip().replace("_", "")
    if val.lower() == "none":
        return (cat.strip() or None), None
    try:
        v = float(val)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a number of USD or 'none': {text!r} (e.g. 1e11, hack=5e10, none)"
        ) from None
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of USD, got {text}")
    return (cat.strip() or None), v


def add_model_options(p: argparse.ArgumentParser, *, model_file: bool = True) -> None:
    """--model (unless ``model_file`` is false), --severity, --cap, --trend, --projection-year."""
    g = p.add_argument_group("model (default: the model the data support, capped)")
    if model_file:
        g.add_argument(
            "--model",
            metavar="FILE",
            help="simulate exactly this model file (TOML, from `riskmodel fit --save-model`); "
            "--cap and --projection-year still apply",
        )
    g.add_argument(
        "--severity",
        type=severity_spec,
        action="append",
        default=[],
        metavar="[CATEGORY=]FAMILY",
        help="severity family instead of the selection rule's choice, for one category or "
        "(without CATEGORY=) all; repeatable (e.g. --severity fraud=lognormal)",
    )
    g.add_argument(
        "--cap",
        type=cap_spec,
        action="append",
        default=[],
        metavar="[CATEGORY=]USD",
        help="per-loss cap in USD, for one category or all; 'none' removes it; repeatable "
        "(default 1e11: the customer assets of the largest exchange, see the data card)",
    )
    g.add_argument(
        "--trend",
        choices=("auto", "on", "off"),
        default="auto",
        help="frequency trend: auto (used where significant at 5%% with >= 10 events; "
        "default), on, off",
    )
    g.add_argument(
        "--projection-year",
        type=int,
        default=None,
        metavar="YEAR",
        help="year whose rate is simulated when a trend is used (default: after the window)",
    )


def _per_category(pairs: list[tuple[str | None, Any]], names, option: str) -> dict[str, Any]:
    """The values a repeatable ``[CATEGORY=]VALUE`` option sets, as ``{category: value}``.

    A value without ``CATEGORY=`` sets every category; a named one wins over it. Empty when
    the option is not given.
    """
    unknown = sorted({c for c, _ in pairs if c is not None} - set(names))
    if unknown:
        raise ValueError(f"{option}: unknown categories {unknown}; the model has {list(names)}")
    every = [v for c, v in pairs if c is None]
    out = dict.fromkeys(names, every[-1]) if every else {}
    out.update({c: v for c, v in pairs if c is not None})
    return out


def build_calibration(args: argparse.Namespace):
    """The :class:`~riskmodel.calibrate.IndustryCalibration` the options describe.

    With --model: the file's model (with --cap and --projection-year applied). Otherwise the
    data (bundled, or --data) calibrated by the default rules with --severity, --cap and
    --trend.
    """
    from ..calibrate import DEFAULT_CAP_USD

    if not getattr(args, "model", None) and getattr(args, "profile", None):
        from ._common import load_profile

        named = load_profile(args.profile).model_path()
        if named and not args.data and not args.severity:
            args.model = named  # the profile names its model; --data/--severity refit instead
    if getattr(args, "model", None):
        from ..spec import load_model

        if args.severity:
            raise ValueError(
                "--severity refits the data and cannot change a model file; edit the family "
                f"and parameters in {args.model}, or drop --model"
            )
        if args.data:
            raise ValueError("--data and --model: give one (the model file states its data)")
        spec = load_model(args.model)
        caps = _per_category(args.cap, spec.names, "--cap")
        if caps:
            spec = spec.with_changes(cap=caps)
        if args.projection_year is not None:
            spec = spec.with_changes(projection_year=args.projection_year)
        return spec.calibration()
    table = load_table(args)
    cats = [str(c) for c in table["category"].astype("category").cat.categories]
    severity = _per_category(args.severity, cats, "--severity") or None
    # every category capped at the default unless --cap says otherwise (none: no cap)
    caps = dict.fromkeys(cats, DEFAULT_CAP_USD) | _per_category(args.cap, cats, "--cap")
    try:
        return _calibrate(args, table, severity, caps)
    except ValueError as exc:
        if type(exc) is not ValueError:  # a DataError names file, row and column: keep it
            raise
        raise ValueError(_option_words(str(exc))) from None


#: the Python argument names in calibrate_industry's messages -> the options that set them
_OPTIONS = (
    (r"\bthreshold:", "--threshold:"),
    (r"\bsince \(", "--since ("),
    (r"\buntil \(", "--until ("),
    (r"\bprojection_year:", "--projection-year:"),
    (r"^cap of ", "--cap "),
    (r"^cap:", "--cap:"),
    (r"^severity:", "--severity:"),
)


def _option_words(message: str) -> str:
    """A calibration error worded with the command-line options instead of Python arguments."""
    for pattern, option in _OPTIONS:
        message = re.sub(pattern, option, message)
    return message


def _calibrate(args: argparse.Namespace, table, severity, caps):
    from ..calibrate import calibrate_industry

    return calibrate_industry(
        None if not args.data else table,
        threshold=args.threshold,
        since=args.since,
        until=args.until,
        severity=severity,
        cap=caps,
        trend={"auto": "auto", "on": True, "off": False}[args.trend],
        projection_year=args.projection_year,
        source=args.data if args.data else None,
        data_sha256=file_sha256(args.data) if args.data else None,
    )


def print_calibration(cal) -> None:
    """The model table: per category losses, rate, trend, family, parameters, cap."""
    print(
        f"Data: {cal.source}; losses >= USD {cal.threshold:,.0f} (left truncation), years "
        f"{cal.since}-{cal.until}"
    )
    print()
    hdr = (
        f"{'category':<12}{'losses':>7}{'rate/yr':>9}{'trend/yr':>9}  {'severity':<12}"
        f"{'parameters':<34}{'cap USD':>10}{'E[annual loss] USD':>20}"
    )
    print(hdr)
    print("-" * len(hdr))
    for c in cal.categories.values():
        trend = f"{math.expm1(c.trend):+.1%}" if c.trend_used else "-"
        fam = c.family + (" *" if c.pooled_severity else "")
        cap = f"{c.cap:.3g}" if c.cap is not None else "none"
        print(
            f"{c.name:<12}{c.n_losses:>7d}{c.rate:>9.3f}{trend:>9}  {fam:<12}"
            f"{c.params_text():<34}{cap:>10}{c.expected_loss:>20,.0f}"
        )
    pooled = [c.name for c in cal.categories.values() if c.pooled_severity]
    if pooled:
        print(
            f"* too few losses for an own severity fit in {', '.join(pooled)}: the severity "
            "chosen for all categories pooled is used"
        )
    trended = [c for c in cal.categories.values() if c.trend_used]
    for c in trended:
        avg = f"{c.mean_rate:.3g}/yr on average over the window, " if c.mean_rate > 0 else ""
        p = "" if c.trend_pvalue is None else f" (p = {c.trend_pvalue:.3f})"
        print(f"trend: {c.name} rate {avg}{c.rate:.3g}/yr projected to {c.projection_year}{p}")
    caps = {c.cap for c in cal.categories.values()}
    if caps != {None}:
        print(f"cap: {cal.cap_source}")
    if cal.n_unknown_amount:
        print(
            f"note: {cal.n_unknown_amount} incident(s) in the window have no known amount and "
            "are not counted"
        )
    print()


def print_extrapolation(cal, result) -> str | None:
    """Print the extrapolation warning of ``result`` (if any) and return it."""
    note = cal.extrapolation(result)
    if note:
        print(f"WARNING: {note}")
    return note
