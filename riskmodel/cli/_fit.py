"""``riskmodel fit``: fit and compare severity families per loss category, and the hack tail.

The tail index of exchange hacks is estimated above ``--tail-threshold`` (default USD 10M:
the level above which the bundled hack amounts are reported most completely, and where a
Pareto tail describes them; see the data card) by the Pareto maximum likelihood estimate with
``xm`` held at the threshold (the Hill estimator at that threshold), with its
profile-likelihood interval, and by a generalized Pareto (peaks over threshold) fit.
"""

from __future__ import annotations

import argparse
import math
import os
import warnings

import numpy as np

from .._errors import ConvergenceWarning, DataError, InfiniteMomentWarning
from ._common import (
    add_data_options,
    add_output_options,
    add_profile_option,
    load_profile,
    load_table,
    nonnegative_float,
    print_json,
    progress_enabled,
    seed,
)
from ._model import add_model_options, build_calibration, print_calibration

EXAMPLES = """examples:
  riskmodel fit                               # bundled incidents, losses >= USD 1M since 2014
  riskmodel fit --threshold 5e6 --since 2016 --families lognormal,lomax,pareto
  riskmodel fit --gof 199 --seed 7            # bootstrap goodness-of-fit p-values
  riskmodel fit --plots figures/ --json       # diagnostic PNGs and a JSON report
  riskmodel fit --data my_losses.csv          # columns: date, category, amount_usd
  riskmodel fit --save-model m.toml           # write the selected model; then --model m.toml
"""

#: fewer losses than this in a category: no severity fit for it (reported)
MIN_LOSSES = 5


def add_parser(sub) -> None:
    """Register the ``fit`` subcommand."""
    p = sub.add_parser(
        "fit",
        help="fit and compare severity distributions per loss category",
        description="Fit severity families by maximum likelihood, left-truncated at the "
        "reporting threshold, to the losses of each category; print one table per category "
        "ranked by AIC, and the tail index of hacks above --tail-threshold with its "
        "profile-likelihood interval (Pareto with xm at the threshold, i.e. the Hill "
        "estimator) and the generalized Pareto shape xi = 1/alpha.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_data_options(p)
    add_profile_option(
        p,
        "also show one exchange's rates: the industry frequency scaled to its volume and "
        "blended with its own history (TOML profile, or 'example')",
    )
    p.add_argument(
        "--families",
        metavar="LIST",
        default=None,
        help="comma-separated families (default: every registered family)",
    )
    p.add_argument(
        "--tail-threshold",
        type=nonnegative_float,
        default=1e7,
        metavar="USD",
        help="threshold for the hack tail index (default 1e7)",
    )
    p.add_argument(
        "--gof",
        type=int,
        default=0,
        metavar="N",
        help="bootstrap refits per family for goodness-of-fit p-values (default 0: none)",
    )
    p.add_argument("--seed", type=seed, default=2026, help="random seed (default 2026)")
    p.add_argument(
        "--level",
        type=float,
        default=0.95,
        help="confidence level of the tail-index interval (default 0.95)",
    )
    p.add_argument(
        "--plots", metavar="DIR", default=None, help="write diagnostic PNGs to this folder"
    )
    add_model_options(p, model_file=False)
    p.add_argument(
        "--save-model",
        metavar="FILE",
        default=None,
        help="write the selected model (families, parameters and covariances, rates, trend, "
        "caps, data provenance) to this TOML file, for --model of the other commands",
    )
    add_output_options(p)
    p.set_defaults(run=run)


def _losses_by_category(table, threshold: float, since: int | None, until: int | None):
    if "amount_usd" not in table or "category" not in table:
        raise DataError("the loss table needs columns amount_usd and category")
    year = table["date"].dt.year
    amount = table["amount_usd"].to_numpy(dtype=float)
    lo = int(year.min()) if since is None else since
    hi = int(year.max()) if until is None else until
    keep = (year >= lo).to_numpy() & (year <= hi).to_numpy()
    keep &= np.isfinite(amount) & (amount >= threshold) & (amount > 0)
    cats = [str(c) for c in table["category"].astype("category").cat.categories]
    out = {
        c: np.sort(amount[keep & (table["category"].astype(str) == c).to_numpy()]) for c in cats
    }
    if not any(v.size for v in out.values()):
        raise ValueError(
            f"no loss >= USD {threshold:,.0f} in {lo}-{hi}; lower --threshold or widen the window"
        )
    return out, lo, hi


def _tail(x: np.ndarray, u: float, level: float) -> dict:
    """Pareto (Hill) and GPD tail estimates of losses above ``u``."""
    from ..fit._evt import fit_pot
    from ..fit._severity import fit_severity

    y = x[x >= u]
    res: dict = {"threshold": u, "n": int(y.size)}
    if y.size < MIN_LOSSES:
        res["note"] = f"only {y.size} losses >= {u:,.0f}: too few for a tail estimate"
        return res
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        par = fit_severity(y, "pareto", truncation=u)
        ci = par.profile_interval("alpha", level=level)
        res["pareto"] = {
            "alpha": par.params["alpha"],
            "se": par.se["alpha"],
            "lower": ci.lower,
            "upper": ci.upper,
            "level": level,
        }
        if y.size >= 10:
            pot = fit_pot(x[x > 0], u)
            lo_xi, hi_xi = pot.profile_interval(level)
            res["gpd"] = {
                "xi": pot.xi,
                "se": pot.se["xi"],
                "lower": lo_xi,
                "upper": hi_xi,
                "sigma": pot.sigma,
                "n_exceed": pot.n_exceed,
            }
    return res


def run(args: argparse.Namespace) -> int:
    """Run ``riskmodel fit``."""
    from ..calibrate import BUNDLED_SINCE
    from ..fit._compare import compare_severity

    if not args.threshold > 0:
        raise ValueError("--threshold: must be > 0 (the severity is left-truncated there)")
    if args.gof < 0:
        raise ValueError(f"--gof: must be >= 0, got {args.gof}")
    if not 0 < args.level < 1:
        raise ValueError(f"--level: must lie strictly between 0 and 1, got {args.level}")
    families = None
    if args.families:
        families = [f.strip() for f in args.families.split(",") if f.strip()]
        from ..severity import get_family

        for f in families:
            get_family(f)  # unknown names raise ValueError listing the known ones
    table = load_table(args)
    since = args.since if args.since is not None or args.data else BUNDLED_SINCE
    losses, lo, hi = _losses_by_category(table, args.threshold, since, args.until)
    cal = build_calibration(args)  # the model every command simulates by default
    comparisons, skipped = {}, {}
    for cat, x in losses.items():
        if x.size < MIN_LOSSES:
            skipped[cat] = f"{x.size} losses (need {MIN_LOSSES})"
            continue
        comparisons[cat] = compare_severity(
            x,
            families,
            truncation=args.threshold,
            gof=args.gof,
            rng=args.seed,
            progress=progress_enabled(args),
        )
    hacks = losses.get("hack", np.array([]))
    tail = _tail(hacks, max(args.tail_threshold, args.threshold), args.level)
    frequency = _frequency_fits(table, args.threshold, lo, hi)
    rates = None
    if args.profile:
        profile = load_profile(args.profile)
        profile.build_model(cal)  # validates the profile against the calibration
        rates = profile.rate_table(cal)
    if args.plots:
        _write_plots(args.plots, comparisons, hacks)
    src = cal.source
    spec = cal.spec()
    if args.save_model:
        spec.save(args.save_model)
    if args.json:
        print_json(
            {
                "data": src,
                "threshold": args.threshold,
                "window": [lo, hi],
                "categories": {c: cmp.to_dict() for c, cmp in comparisons.items()},
                "skipped": skipped,
                "hack_tail": tail,
                "frequency": frequency,
                "profile_rates": None if rates is None else rates.to_dict(orient="index"),
                "selection": {k: v.to_dict() for k, v in cal.selections.items()},
                "model": spec.to_dict(),
                "model_file": args.save_model,
            }
        )
        return 0
    print(f"Data: {src}; losses >= USD {args.threshold:,.0f} (left truncation), years {lo}-{hi}")
    for cat, cmp in comparisons.items():
        print()
        print(f"== {cat}: {len(losses[cat])} losses, ranked by AIC ==")
        print(cmp.summary())
        at = int(np.sum(losses[cat] == args.threshold))
        if at:
            print(
                f"note: {at} loss(es) equal the threshold exactly (rounded amounts); the "
                "Anderson-Darling test, which weights the lower end, is sensitive to them"
            )
    for cat, why in skipped.items():
        print(f"\n== {cat}: not fitted: {why} ==")
    print()
    _print_tail(tail)
    print()
    _print_frequency(frequency, lo, hi)
    if rates is not None:
        print()
        print(f"Rates for {args.profile} (industry rate scaled by volume, credibility-weighted):")
        print(rates.to_string(float_format=lambda v: f"{v:.6g}"))
    print()
    _print_selection(cal)
    if args.save_model:
        print(f"\nmodel written to {args.save_model} (use: riskmodel reserve --model FILE)")
    if args.plots:
        print(f"\nplots written to {args.plots}")
    return 0


def _print_selection(cal) -> None:
    print(
        "Selected model (what reserve, simulate, price and report simulate by default; rule: "
        "among identified fits, the lowest AIC whose Cramér-von Mises p >= 0.05, from 20 losses):"
    )
    for key, sel in cal.selections.items():
        print(f"  {key}: {sel.family}: {sel.reason}")
    print()
    print_calibration(cal)


def _frequency_fits(table, threshold: float, lo: int, hi: int) -> dict:
    """Poisson GLM with a linear trend per category, and the test against NB2."""
    from ..data import annual_counts
    from ..fit import fit_frequency

    counts = annual_counts(table, threshold=threshold, since=lo, until=hi, unknown_amount="ignore")
    out = {}
    for cat in counts.columns:
        y = counts[cat]
        row = {"counts": [int(v) for v in y], "total": int(y.sum()), "mean": float(y.mean())}
        if y.sum() < 2:
            row["note"] = "fewer than 2 events: no regression"
            out[str(cat)] = row
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = fit_frequency(y, family="poisson", trend="linear")
        od = fit.overdispersion
        row.update(
            trend=fit.params["trend"],
            trend_se=fit.se["trend"],
            next_year=hi + 1,
            next_year_rate=float(fit.predict(year=hi + 1).mean()),
            nb_alpha=od.alpha,
            overdispersion_pvalue=od.pvalue,
            converged=fit.converged,
        )
        out[str(cat)] = row
    return out


def _print_frequency(freq: dict, lo: int, hi: int) -> None:
    print(f"Annual counts {lo}-{hi} (Poisson GLM with a linear trend; test against NB2):")
    print(
        f"  {'category':<12}{'events':>7}{'per yr':>8}{'trend/yr':>10}{'(se)':>8}"
        f"{f'rate {hi + 1}':>11}{'NB alpha':>10}{'p(Poisson)':>12}"
    )
    for cat, r in freq.items():
        if "note" in r:
            print(f"  {cat:<12}{r['total']:>7d}{r['mean']:>8.3f}  {r['note']}")
            continue
        print(
            f"  {cat:<12}{r['total']:>7d}{r['mean']:>8.3f}{r['trend']:>+10.3f}"
            f"{r['trend_se']:>8.3f}{r['next_year_rate']:>11.3f}{r['nb_alpha']:>10.3f}"
            f"{r['overdispersion_pvalue']:>12.3f}"
        )


def _print_tail(t: dict) -> None:
    print(f"Tail index of hacks above USD {t['threshold']:,.0f} ({t['n']} losses):")
    if "note" in t:
        print(f"  {t['note']}")
        return
    p = t["pareto"]
    pct = f"{p['level']:.0%}"
    print(
        f"  Pareto (Hill) alpha = {p['alpha']:.3f}  (se {p['se']:.3f}; {pct} profile interval "
        f"{p['lower']:.3f} to {p['upper']:.3f})"
    )
    if "gpd" in t:
        g = t["gpd"]
        print(
            f"  GPD xi = {g['xi']:.3f}  ({pct} profile interval {g['lower']:.3f} to "
            f"{g['upper']:.3f}); 1/xi = {1 / g['xi'] if g['xi'] > 0 else math.inf:.3f}"
        )
    if p["alpha"] <= 1:
        print(
            "  alpha <= 1: the mean of an uncapped loss is infinite; cap losses (assets held) "
            "for finite moments"
        )


def _write_plots(folder: str, comparisons: dict, hacks: np.ndarray) -> None:
    from .. import plots

    os.makedirs(folder, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfiniteMomentWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        for cat, cmp in comparisons.items():
            plots.save_figure(cmp.plot(), os.path.join(folder, f"{cat}_survival.png"))
            try:
                best = cmp.best
            except ValueError:
                continue
            plots.save_figure(best.plot("qq"), os.path.join(folder, f"{cat}_qq.png"))
            plots.save_figure(best.plot("density"), os.path.join(folder, f"{cat}_density.png"))
        if hacks.size >= 20:
            plots.save_figure(
                plots.mean_excess_plot(hacks), os.path.join(folder, "hack_mean_excess.png")
            )
            plots.save_figure(plots.hill_plot(hacks), os.path.join(folder, "hack_hill.png"))
            plots.save_figure(
                plots.stability_plot(hacks, _stability_thresholds(hacks)),
                os.path.join(folder, "hack_stability.png"),
            )


def _stability_thresholds(x: np.ndarray) -> np.ndarray:
    """Thresholds for the hack stability plot: quantiles leaving at least 10 exceedances."""
    xs = np.sort(x)
    return np.unique(np.quantile(xs[: max(xs.size - 10, 1)], np.linspace(0, 1, 15)))
