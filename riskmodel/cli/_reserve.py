"""``riskmodel reserve``: the reserve on the bundled data (or your own)."""

from __future__ import annotations

import argparse
import time

from ._common import (
    PROFILE_HELP,
    add_data_options,
    add_output_options,
    add_profile_option,
    add_simulation_options,
    load_profile,
    load_table,
    print_json,
    probability,
    progress_enabled,
)
from ._dask import dask_backend

EXAMPLES = """examples:
  riskmodel reserve                         # bundled incidents, 99.5%, 1,000,000 years
  riskmodel reserve --coverage 0.999 --n-sims 5e6 --seed 7
  riskmodel reserve --threshold 5e6 --since 2016 --json
  riskmodel reserve --data my_losses.csv    # columns: date, category, amount_usd
  riskmodel reserve --profile example       # one exchange: volume share, credibility, cover
"""


def add_parser(sub) -> None:
    """Register the ``reserve`` subcommand."""
    p = sub.add_parser(
        "reserve",
        help="reserve covering a year's losses with probability p",
        description="Fit a lognormal severity (left-truncated at the reporting threshold) and "
        "a Poisson frequency per category, simulate annual losses and report the reserve: the "
        "coverage-quantile of the total annual loss, with a confidence interval from order "
        "statistics.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--coverage", type=probability, default=0.995, help="coverage probability (default 0.995)"
    )
    p.add_argument(
        "--measure",
        choices=("var", "tvar"),
        default="var",
        help="risk measure: quantile (var, default) or tail value at risk (tvar)",
    )
    add_simulation_options(
        p,
        n_sims=1_000_000,
        uncertainty="redraw fitted parameters from their sampling distribution "
        "(predictive reserve)",
    )
    p.add_argument(
        "--parameter-draws",
        type=int,
        default=None,
        metavar="B",
        help="parameter sets drawn (parametric bootstrap) for the interval with parameter "
        "uncertainty (default 100; 0: Monte Carlo interval only)",
    )
    p.add_argument(
        "--model-risk",
        action="store_true",
        help="also compute the industry reserve under each candidate severity family with AIC "
        "weights (riskmodel.model_risk; JSON key model_risk)",
    )
    add_profile_option(p, PROFILE_HELP)
    add_data_options(p)
    add_output_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``riskmodel reserve``."""
    from ..calibrate import calibrate_industry
    from ..reserving import reserve

    profile = load_profile(args.profile)
    table = load_table(args)
    cal = calibrate_industry(table, threshold=args.threshold, since=args.since, until=args.until)
    model, program, assumptions = cal.model, None, []
    if profile is not None:
        model, program, assumptions = profile.build_model(cal)
    t0 = time.perf_counter()
    with dask_backend(args) as dask_kw:
        res = reserve(
            model,
            args.coverage,
            measure=args.measure,
            program=program,
            rng=args.seed,
            n_sims=args.n_sims,
            n_threads=args.threads,
            progress=progress_enabled(args),
            parameter_uncertainty=args.parameter_uncertainty,
            parameter_draws=args.parameter_draws,
            **dask_kw,
        )
    elapsed = time.perf_counter() - t0
    risk = None
    if args.model_risk:
        from ..model_averaging import model_risk

        risk = model_risk(
            table,
            coverage=args.coverage,
            measure=args.measure,
            n_sims=args.n_sims,
            rng=args.seed,
            calibration=cal,
        )
    if args.json:
        doc = {
            "calibration": cal.to_dict(),
            "reserve": res.to_dict(),
            "data": args.data or "bundled incidents",
        }
        if risk is not None:
            doc["model_risk"] = risk.entries()
            doc["model_risk_averaged"] = risk.averaged
        if profile is not None:
            from ..standard_formulas import compare_standard_formulas

            doc["profile"] = profile.to_dict()
            doc["rates"] = profile.rate_table(cal).to_dict(orient="index")
            doc["assumptions"] = list(assumptions)
            doc["standard_formulas"] = compare_standard_formulas(profile, res).to_dict(
                orient="index"
            )
        print_json(doc)
        return 0
    _print_calibration(args, cal)
    if profile is not None:
        _print_profile(profile, cal)
    name = "VaR" if args.measure == "var" else "TVaR"
    if args.parameter_uncertainty:
        print("parameters redrawn from their sampling distribution (predictive reserve)")
    whose = f"{profile.name}" if profile is not None else "the industry sample"
    print(f"Reserve ({name}) for {whose} at {100 * res.coverage:g}% coverage")
    pct = f"{100 * res.level:g}% CI"
    if program is not None:
        gross, gross_ci = res.gross_reserve, _ci(res.gross_reserve_ci)
        print(f"  gross            USD {gross:>18,.0f}   {pct} {gross_ci}")
        print(f"  insurance credit USD {res.credit:>18,.0f}")
    print(f"  reserve          USD {res.reserve:>18,.0f}   {pct} {_ci(res.ci)}")
    if res.ci_total is not None:
        print(f"  (interval: parameters and Monte Carlo; Monte Carlo only {_ci(res.ci_mc)})")
    print(f"  TVaR             USD {res.tvar:>18,.0f}   {pct} {_ci(res.tvar_ci)}")
    if profile is not None and profile.currency != "USD":
        print(
            f"                   {profile.currency} {res.reserve / profile.usd_per_unit:>18,.0f}"
        )
    print(
        "  allocation (USD, s.e.): "
        + ", ".join(
            f"{k} {v:,.0f} ({res.allocation_se[k]:,.0f})" for k, v in res.allocation.items()
        )
    )
    print(f"  n_sims {res.n_sims:,}, seed {args.seed}, {elapsed:.2f} s")
    if risk is not None:
        print()
        print(risk.summary())
    if profile is not None:
        from ..standard_formulas import compare_standard_formulas

        print()
        print("Standard formulas beside the model (amounts in USD):")
        tab = compare_standard_formulas(profile, res)
        for req, row in tab.iterrows():
            print(f"  {req:<40} {row['usd']:>18,.0f}")
        print()
        print("Assumptions:")
        for i, a in enumerate(assumptions, start=1):
            print(f"  {i}. {a}")
    return 0


def _ci(ci) -> str:
    return f"[{ci[0]:,.0f}, {ci[1]:,.0f}]"


def _print_calibration(args, cal) -> None:
    src = args.data or "bundled exchange incidents"
    print(f"Data: {src}; losses >= USD {cal.threshold:,.0f}, years {cal.since}-{cal.until}")
    print()
    hdr = (
        f"{'category':<12}{'losses':>7}{'rate/yr':>9}{'mu':>8}{'(se)':>7}{'sigma':>7}"
        f"{'(se)':>7}  {'severity':<8}{'E[annual loss] USD':>20}"
    )
    print(hdr)
    print("-" * len(hdr))
    for name, row in cal.table().iterrows():
        print(
            f"{name:<12}{row.n_losses:>7d}{row.rate_per_year:>9.3f}{row.mu:>8.3f}"
            f"{row.mu_se:>7.3f}{row.sigma:>7.3f}{row.sigma_se:>7.3f}  {row.severity:<8}"
            f"{row.expected_annual_loss:>20,.0f}"
        )
    pooled = [c.name for c in cal.categories.values() if c.pooled_severity]
    if pooled:
        print(
            f"note: too few losses for an own severity fit in {', '.join(pooled)}: "
            "the severity fitted to all categories pooled is used"
        )
    if cal.n_unknown_amount:
        print(
            f"note: {cal.n_unknown_amount} incident(s) in the window have no known amount and "
            "are not counted"
        )
    print()


def _print_profile(profile, cal) -> None:
    print(f"Exchange profile: {profile.name} (volume share {profile.volume_share:.4%})")
    rates = profile.rate_table(cal)
    cols = [
        c for c in ("industry_rate", "scaled_rate", "credibility_weight", "rate") if c in rates
    ]
    print(rates[cols].to_string(float_format=lambda v: f"{v:.6g}"))
    print()
