"""``riskmodel simulate``: simulate the industry model (or one exchange's) and summarise it."""

from __future__ import annotations

import argparse
import math
import time

from ._common import (
    PROFILE_HELP,
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

EXAMPLES = """examples:
  riskmodel simulate                              # bundled incidents, 1,000,000 years
  riskmodel simulate --n-sims 5e6 --seed 7 --coverage 0.99,0.995,0.999
  riskmodel simulate --profile example            # one exchange, gross / ceded / net
  riskmodel simulate --parameter-uncertainty --json
  riskmodel simulate --data my_losses.csv --threshold 5e6   # columns: date, category, amount_usd
"""

#: coverage levels reported by default
DEFAULT_LEVELS = (0.9, 0.95, 0.99, 0.995, 0.999)


def levels(text: str) -> tuple[float, ...]:
    """argparse type: comma-separated probabilities strictly between 0 and 1."""
    parts = [t.strip() for t in text.split(",") if t.strip()]
    if not parts:
        raise argparse.ArgumentTypeError(f"no coverage level in {text!r}")
    return tuple(sorted({probability(t) for t in parts}))


def add_parser(sub) -> None:
    """Register the ``simulate`` subcommand."""
    p = sub.add_parser(
        "simulate",
        help="simulate annual losses: moments, VaR and TVaR with intervals, audit table",
        description="Fit the industry model to the incident data (lognormal severity "
        "left-truncated at the reporting threshold, Poisson frequency per category) or build "
        "one exchange's model from its profile, simulate years of losses and print the "
        "moments of the annual loss, VaR and TVaR at several coverage levels with confidence "
        "intervals (gross, ceded to insurance and net), and the audit table of simulated "
        "against analytic means.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--coverage",
        type=levels,
        default=DEFAULT_LEVELS,
        metavar="P[,P...]",
        help="coverage levels of VaR and TVaR, comma-separated "
        "(default 0.9,0.95,0.99,0.995,0.999)",
    )
    p.add_argument(
        "--level",
        type=probability,
        default=0.95,
        help="confidence level of the intervals (default 0.95)",
    )
    add_simulation_options(
        p,
        n_sims=1_000_000,
        uncertainty="redraw fitted parameters from their sampling distribution (predictive)",
    )
    add_profile_option(p, PROFILE_HELP)
    add_data_options(p)
    add_model_options(p)
    add_output_options(p)
    p.set_defaults(run=run)


def _risk_measures(sim, ps, level: float, views) -> list[dict]:
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + level / 2))
    rows = []
    for v in views:
        s = getattr(sim, v)
        for p in ps:
            tvar = s.tvar(p)
            half = z * s.tvar_se(p)
            rows.append(
                {
                    "of": v,
                    "coverage": p,
                    "var": s.quantile(p),
                    "var_ci": list(s.quantile_ci(p, level)),
                    "tvar": tvar,
                    "tvar_ci": [tvar - half, tvar + half],
                }
            )
    return rows


def run(args: argparse.Namespace) -> int:
    """Run ``riskmodel simulate``."""
    from ..engine import simulate

    top = max(args.coverage)
    if args.n_sims * (1 - top) < 10:
        raise ValueError(
            f"--n-sims: {args.n_sims:,} years leave fewer than 10 beyond the {top:g} quantile; "
            f"use at least {math.ceil(10 / (1 - top)):,}"
        )
    profile = load_profile(args.profile)
    cal = build_calibration(args)
    model, program = cal.model, None
    if profile is not None:
        model, program, _ = profile.build_model(cal)
    compile_notice(model=model, program=program is not None)
    settle_heap(args)
    t0 = time.perf_counter()
    with dask_backend(args) as dask_kw:
        sim = simulate(
            model,
            args.n_sims,
            rng=args.seed,
            program=program,
            min_level=min(args.coverage),
            n_threads=args.threads,
            parameter_uncertainty=args.parameter_uncertainty,
            progress=progress_enabled(args),
            **dask_kw,
        )
    elapsed = time.perf_counter() - t0
    views = ("gross", "ceded", "net") if program is not None else ("gross",)
    measures = _risk_measures(sim, args.coverage, args.level, views)
    audit = sim.describe()
    if args.json:
        print_json(
            {
                "data": cal.source,
                "assumptions": cal.assumptions(),
                "calibration": cal.to_dict(),
                "profile": None if profile is None else profile.to_dict(),
                "simulation": sim.to_dict(levels=args.coverage),
                "risk_measures": measures,
                "level": args.level,
                "audit": audit.reset_index().to_dict(orient="records"),
                "by_category": sim.by_category()
                .reset_index(names="category")
                .to_dict(orient="records"),
            }
        )
        return 0
    _print_text(args, cal, profile, sim, measures, audit, views, elapsed)
    return 0


def _print_text(args, cal, profile, sim, measures, audit, views, elapsed) -> None:
    print_calibration(cal)
    whose = f"{cal.data_label} (all exchanges in the data)"
    if profile is not None:
        whose = f"{profile.name} (volume share {profile.volume_share:.4%})"
    print(f"Model: {whose}")
    if args.parameter_uncertainty:
        print("parameters redrawn from their sampling distribution (predictive)")
    prov = sim.provenance
    print(
        f"Simulation: {sim.n_sims:,} years, seed {args.seed}, block size "
        f"{prov.get('block_size'):,}, {prov.get('n_threads')} thread(s), {elapsed:.2f} s"
    )
    print()
    print("Moments of the annual loss (USD)")
    print(f"  {'':8}{'mean':>20}{'(MC s.e.)':>16}{'std':>20}")
    for v in views:
        s = getattr(sim, v)
        print(f"  {v:8}{s.mean:>20,.0f}{s.mean_se:>16,.0f}{s.std:>20,.0f}")
    pct = f"{100 * args.level:g}% CI"
    for v in views:
        print()
        print(f"Risk measures of the {v} annual loss (USD; VaR {pct} from order statistics)")
        print(f"  {'coverage':>9}{'VaR':>20}  {pct:<36}{'TVaR':>20}  {pct}")
        for r in measures:
            if r["of"] != v:
                continue
            lo, hi = r["var_ci"]
            tlo, thi = r["tvar_ci"]
            print(
                f"  {100 * r['coverage']:>8g}%{r['var']:>20,.0f}  "
                f"{f'[{lo:,.0f}, {hi:,.0f}]':<36}{r['tvar']:>20,.0f}  [{tlo:,.0f}, {thi:,.0f}]"
            )
    print()
    print("Audit: simulated against analytic moments of the gross annual loss")
    cols = ["sim_mean", "analytic_mean", "rel_error_mean", "mc_se_mean", "flag"]
    fmt = {
        "sim_mean": "{:,.0f}".format,
        "analytic_mean": "{:,.0f}".format,
        "rel_error_mean": "{:+.2%}".format,
        "mc_se_mean": "{:,.0f}".format,
    }
    print(audit[cols].to_string(formatters=fmt))
