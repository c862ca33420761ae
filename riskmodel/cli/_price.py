"""``riskmodel price``: premiums for a tower of layers on the bundled data (or your own).

With no arguments it prices :data:`DEFAULT_TOWER` on the industry model fitted by
:func:`riskmodel.calibrate.calibrate_industry`: per-occurrence layers on the losses of every
exchange in the data (a market-wide cover, like a pool or an industry reinsurance tower), USD
50M to 2bn, each with an annual aggregate limit equal to its limit (no reinstatements), the
usual terms of crime and specie cover. An exchange's own cover is priced on its own profile.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
import warnings

from .._errors import RiskModelWarning
from ..insurance import DEFAULT_TOWER
from ._common import (
    add_data_options,
    add_output_options,
    add_profile_option,
    add_simulation_options,
    compile_notice,
    load_profile,
    print_json,
    probability,
    progress_enabled,
    settle_heap,
)
from ._dask import dask_backend
from ._model import add_model_options, build_calibration, print_calibration

#: principles priced by default (each with its default loading)
DEFAULT_PRINCIPLES = ("expected", "std", "wang", "cost_of_capital")

#: basic limit of the increased-limit factors printed with the tower
DEFAULT_BASIC_LIMIT = 10e6

_ALIASES = {
    "ev": "expected",
    "expected": "expected",
    "sd": "std",
    "std": "std",
    "var": "variance",
    "variance": "variance",
    "wang": "wang",
    "coc": "cost_of_capital",
    "cost_of_capital": "cost_of_capital",
}

_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "bn": 1e9, "b": 1e9}

EXAMPLES = """examples:
  riskmodel price                                 # default tower, bundled incidents
  riskmodel price --layer 10M:10M --layer 20M:30M --principle wang=0.3
  riskmodel price --layer 100M:100M --reinstatements 1 --principle coc=0.08 --tvar-level 0.99
  riskmodel price --principle variance=1e-9 --principle expected=0.3 --n-sims 1e6 --json
  riskmodel price --data my_losses.csv --threshold 5e6   # columns: date, category, amount_usd

principles (NAME[=LOADING]):
  expected  (1 + theta) E[L]                    default theta 0.2
  std       E[L] + a SD[L]                      default a 0.25
  variance  E[L] + a Var[L]  (a per USD)        no default
  wang      integral of Phi(Phi^-1(S_L(x)) + lambda) dx   default lambda 0.25
  coc       E[L] + r (TVaR_p(L) - E[L])         default r 0.06, p = --tvar-level
L is the insurer's annual loss from the layer. Amounts accept k, M and bn (25M, 1.5bn).
"""


def amount(text: str) -> float:
    """argparse type: an amount in USD >= 0, with an optional k / M / bn suffix."""
    m = re.fullmatch(r"\s*([0-9.eE+_-]+)\s*(k|m|bn|b)?\s*", text, flags=re.IGNORECASE)
    try:
        value = float(m.group(1).replace("_", "")) * _SUFFIX[(m.group(2) or "").lower()]
    except (AttributeError, ValueError):
        if text.strip().lower() in ("inf", "unlimited"):
            return math.inf
        raise argparse.ArgumentTypeError(
            f"not an amount: {text!r} (e.g. 25e6, 25M, 1.5bn)"
        ) from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"amounts must be finite and >= 0, got {text!r}")
    return value


def layer_spec(text: str) -> tuple[float, float]:
    """argparse type: ``ATTACHMENT:LIMIT`` (e.g. ``25M:25M``; the limit may be ``inf``)."""
    parts = text.split(":")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(
            f"a layer is ATTACHMENT:LIMIT (e.g. 25M:25M for 25M xs 25M), got {text!r}"
        )
    att, lim = amount(parts[0]), amount(parts[1])
    if math.isinf(att):
        raise argparse.ArgumentTypeError(f"the attachment must be finite, got {text!r}")
    if not lim > 0:
        raise argparse.ArgumentTypeError(f"the layer limit must be > 0, got {text!r}")
    return att, lim


def principle_spec(text: str) -> tuple[str, float | None]:
    """argparse type: ``NAME`` or ``NAME=LOADING`` for a premium principle."""
    from ..pricing import check_loading

    name, _, value = text.partition("=")
    key = _ALIASES.get(name.strip().lower())
    if key is None:
        raise argparse.ArgumentTypeError(
            f"unknown principle {name!r}; choose from expected, std, variance, wang, coc"
        )
    loading = None
    if value:
        try:
            loading = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"loading of {key}: not a number: {value!r}"
            ) from None
    try:
        return key, check_loading(key, loading)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def reinstatements(text: str) -> float:
    """argparse type: a whole number >= 0 of reinstatements, or ``inf``."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (v >= 0 and (math.isinf(v) or v == int(v))):
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0 or inf, got {text}")
    return v


def add_parser(sub) -> None:
    """Register the ``price`` subcommand."""
    p = sub.add_parser(
        "price",
        help="premiums for layers of insurance under several premium principles",
        description="Fit the industry loss model (lognormal severities left-truncated at the "
        "reporting threshold, Poisson frequencies), simulate the annual loss of each layer "
        "and price it under several premium principles: expected loss, rate on line and "
        "Monte Carlo standard errors. With no --layer, a default tower of per-occurrence "
        "layers from USD 50M to 2bn on the losses of all exchanges (a market-wide cover).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--layer",
        type=layer_spec,
        action="append",
        metavar="ATT:LIMIT",
        help="a layer, LIMIT xs ATT (repeatable); default: 50M:50M 100M:150M 250M:250M "
        "500M:500M 1bn:1bn",
    )
    p.add_argument(
        "--per",
        choices=("occurrence", "aggregate"),
        default="occurrence",
        help="terms per loss (occurrence, default) or per year (aggregate, stop loss)",
    )
    p.add_argument(
        "--reinstatements",
        type=reinstatements,
        default=0.0,
        metavar="R",
        help="free reinstatements of each occurrence layer: annual limit = limit x (1 + R) "
        "(default 0; inf for no annual limit)",
    )
    p.add_argument(
        "--principle",
        type=principle_spec,
        action="append",
        metavar="NAME[=LOADING]",
        help="premium principle (repeatable): expected, std, variance, wang, coc; default "
        "expected, std, wang and coc at their default loadings",
    )
    p.add_argument(
        "--tvar-level",
        type=probability,
        default=0.995,
        metavar="P",
        help="TVaR level defining capital for the cost-of-capital principle (default 0.995)",
    )
    p.add_argument(
        "--basic-limit",
        type=amount,
        default=DEFAULT_BASIC_LIMIT,
        metavar="USD",
        help="basic limit of the increased-limit factors (default 10M)",
    )
    add_simulation_options(p, n_sims=200_000)
    add_profile_option(
        p,
        "price on one exchange's model (TOML profile, or 'example'); without --layer, "
        "its own insurance layers are priced",
    )
    add_data_options(p)
    add_model_options(p)
    add_output_options(p)
    p.set_defaults(run=run)


def _principles(args) -> dict[str, float]:
    from ..pricing import check_loading

    if not args.principle:
        return {p: check_loading(p, None) for p in DEFAULT_PRINCIPLES}
    out: dict[str, float] = {}
    for name, loading in args.principle:
        if name in out and out[name] != loading:
            raise ValueError(f"--principle {name} given twice with different loadings")
        out[name] = loading
    return out


def _layers(args):
    from ..insurance import Layer

    if args.basic_limit <= 0 or math.isinf(args.basic_limit):
        raise ValueError(f"--basic-limit: must be finite and > 0, got {args.basic_limit}")
    specs = args.layer or DEFAULT_TOWER
    if args.per == "aggregate" and args.reinstatements:
        raise ValueError("--reinstatements apply to occurrence layers, not to --per aggregate")
    return [Layer(a, lim, per=args.per, reinstatements=args.reinstatements) for a, lim in specs]


def _name(principle: str, loading: float, tvar_level: float) -> str:
    if principle == "cost_of_capital":
        return f"coc {loading:.3g} @{100 * tvar_level:g}%"
    return f"{principle} {loading:.3g}"


def run(args: argparse.Namespace) -> int:
    """Run ``riskmodel price``."""
    from ..pricing import increased_limit_factors, price_tower

    if args.n_sims < 1000:
        raise ValueError(f"--n-sims: at least 1,000 years are needed to price, got {args.n_sims}")
    principles = _principles(args)
    layers = _layers(args)
    cal = build_calibration(args)
    model = cal.model
    if args.profile:
        profile = load_profile(args.profile)
        model, program, _ = profile.build_model(cal)
        if not args.layer and program is not None:
            layers = list(program.layers)  # the exchange's own cover
    compile_notice(model=model, program=True)  # (the layers priced are a programme)
    settle_heap(args)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RiskModelWarning)
        with dask_backend(args) as dask_kw:
            tower = price_tower(
                model,
                layers,
                principles=tuple(principles),
                loadings=principles,
                tvar_level=args.tvar_level,
                n_sims=args.n_sims,
                rng=args.seed,
                n_threads=args.threads,
                progress=progress_enabled(args),
                **dask_kw,
            )
    elapsed = time.perf_counter() - t0
    for w in caught:  # the pricing caveats, one line each, on stderr
        if issubclass(w.category, RiskModelWarning):
            print(f"riskmodel: warning: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    points = sorted({x for lay in layers for x in (lay.attachment, lay.attachment + lay.limit)})
    limits = [x for x in points if 0 < x < math.inf]
    ilf = increased_limit_factors(model, limits or [args.basic_limit], args.basic_limit)
    if args.json:
        print_json(
            {
                "data": cal.source,
                "assumptions": cal.assumptions(),
                "calibration": cal.to_dict(),
                "principles": principles,
                "tvar_level": args.tvar_level,
                "layers": tower.reset_index().to_dict(orient="records"),
                "ilf": {
                    "basic_limit": args.basic_limit,
                    "table": ilf.reset_index().to_dict(orient="records"),
                },
                "provenance": {**tower.attrs["provenance"], "elapsed_s": elapsed},
            }
        )
        return 0
    _print_text(args, cal, model, layers, tower, principles, ilf, elapsed)
    return 0


def _print_text(args, cal, model, layers, tower, principles, ilf, elapsed) -> None:
    total = sum(model.expected_loss().values())
    print_calibration(cal)
    whose = f"exchange profile {args.profile}" if args.profile else f"{cal.data_label}"
    print(f"Model: {whose} ({', '.join(model.names)}), E[annual loss] USD {total / 1e6:,.2f}M")
    lay = layers[0]
    if lay.per == "occurrence":
        rein = lay.reinstatements
        if math.isinf(rein):
            terms = "unlimited reinstatements (no annual limit)"
        elif rein == 0:
            terms = "annual aggregate limit = limit (no reinstatements)"
        else:
            plural = "s" if rein != 1 else ""
            terms = (
                f"annual aggregate limit = limit x {1 + rein:g} ({rein:g} free "
                f"reinstatement{plural})"
            )
        print(f"Layers: per occurrence, {terms}")
    else:
        print("Layers: annual aggregate (stop loss)")
    print(
        f"{args.n_sims:,} simulated years, seed {args.seed}; every layer sees the same years "
        f"(common random numbers); {elapsed:.1f} s"
    )
    print()
    hdr = f"{'layer':<16}{'E[L] USD M':>12}{'(se)':>8}{'SD':>9}{'P(loss)':>9}{'loss/line':>11}"
    print(hdr)
    print("-" * len(hdr))
    for label, row in tower.iterrows():
        print(
            f"{label:<16}{row.expected_loss / 1e6:>12,.2f}{row.expected_loss_se / 1e6:>8,.2f}"
            f"{row['std'] / 1e6:>9,.2f}{row.prob_loss:>9.1%}{row.loss_on_line:>11.1%}"
        )
    print()
    names = [_name(p, lam, args.tvar_level) for p, lam in principles.items()]
    width = max(18, *(len(n) + 2 for n in names))
    print("Premium USD M (rate on line)")
    hdr = f"{'layer':<16}" + "".join(f"{n:>{width}}" for n in names)
    print(hdr)
    print("-" * len(hdr))
    for label, row in tower.iterrows():
        cells = "".join(
            f"{row[f'premium_{p}'] / 1e6:>{width - 9},.2f} ({row[f'rate_on_line_{p}']:>6.1%})"
            for p in principles
        )
        print(f"{label:<16}{cells}")
    rols = tower[[f"rate_on_line_{p}" for p in principles]]
    high = [str(i) for i in tower.index[(rols >= 1).any(axis=1)]]
    if high:
        print(
            f"note: rate on line >= 100% in {', '.join(high)}: a loss in the layer is nearly "
            "certain every year, so the cover costs more than it can pay"
        )
    print()
    print(
        f"Increased-limit factors per loss (basic limit USD {args.basic_limit / 1e6:,.4g}M; "
        "a loss from any category, weighted by expected counts)"
    )
    print(f"{'limit USD M':>12}{'E[X ^ L] USD M':>16}{'ILF':>8}")
    for limit, row in ilf.iterrows():
        print(f"{limit / 1e6:>12,.10g}{row.lev / 1e6:>16,.3f}{row.ilf:>8.3f}")
