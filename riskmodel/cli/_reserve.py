"""``riskmodel reserve``: the reserve on the bundled data (or your own)."""

from __future__ import annotations

import argparse
import time
import warnings

from .._errors import InfiniteMomentWarning
from ._common import (
    PROFILE_HELP,
    add_data_options,
    add_model_risk_option,
    add_output_options,
    add_profile_option,
    add_simulation_options,
    compile_notice,
    load_profile,
    load_table,
    print_json,
    probability,
    progress_enabled,
    settle_heap,
)
from ._dask import dask_backend
from ._model import add_model_options, build_calibration, print_calibration

EXAMPLES = """examples:
  riskmodel reserve                         # bundled incidents, 99.5%, 1,000,000 years
  riskmodel reserve --coverage 0.999 --n-sims 5e6 --seed 7
  riskmodel reserve --threshold 5e6 --since 2016 --json
  riskmodel reserve --data my_losses.csv    # columns: date, category, amount_usd
  riskmodel reserve --profile example       # one exchange: volume share, credibility, cover
  riskmodel reserve --severity fraud=lognormal --cap 2e10
  riskmodel fit --save-model m.toml && riskmodel reserve --model m.toml
"""


def add_parser(sub) -> None:
    """Register the ``reserve`` subcommand."""
    p = sub.add_parser(
        "reserve",
        help="reserve covering a year's losses with probability p",
        description="Fit the severity family the data support (left-truncated at the "
        "reporting threshold, capped per loss) and a Poisson frequency (with its trend where "
        "significant) per category, or read them from a model file; simulate annual losses and "
        "report the reserve: the coverage-quantile of the total annual loss, with an interval "
        "that carries parameter and Monte Carlo uncertainty, and a warning where it "
        "extrapolates far beyond the data.",
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
        help="parameter sets drawn (fiducial draws from bootstrap refits) for the interval "
        "with parameter uncertainty (default 100; 0: Monte Carlo interval only)",
    )
    add_model_risk_option(p)
    add_profile_option(p, PROFILE_HELP)
    add_data_options(p)
    add_model_options(p)
    add_output_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``riskmodel reserve``."""
    from ..model_averaging import skip_note
    from ..reserving import reserve

    profile = load_profile(args.profile)
    cal = build_calibration(args)
    # whether model risk is computed (an error for --model-risk with --model, before the work)
    risk_note = skip_note(
        args.model_risk, model_file=bool(args.model), profile=profile is not None
    )
    model, program, assumptions = cal.model, None, cal.assumptions()
    if profile is not None:
        model, program, assumptions = profile.build_model(cal)
    compile_notice(model=model, program=program is not None)
    settle_heap(args)
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
    note = cal.extrapolation(res) if profile is None else None
    risk = None
    if risk_note is None:
        from ..model_averaging import model_risk

        with warnings.catch_warnings():  # (a second read: its warnings were given already)
            warnings.simplefilter("ignore")
            table = load_table(args)
        with warnings.catch_warnings():
            # an uncapped alternative family may have no mean: its VaR, all the table shows,
            # is still valid, and the headline's own model warns for itself
            warnings.simplefilter("ignore", InfiniteMomentWarning)
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
            "data": cal.source,
            "model": cal.spec().to_dict() if not args.model else {"file": args.model},
            "assumptions": list(assumptions),
            "extrapolation": note,
        }
        doc["layer_allocation"] = _layer_rows(res) if program is not None else None
        doc["model_risk"] = risk.entries() if risk is not None else None
        doc["model_risk_averaged"] = risk.averaged if risk is not None else None
        if risk_note is not None:
            doc["model_risk_note"] = risk_note
        if profile is not None:
            from ..standard_formulas import compare_standard_formulas

            doc["profile"] = profile.to_dict()
            doc["rates"] = profile.rate_table(cal).to_dict(orient="index")
            doc["standard_formulas"] = compare_standard_formulas(profile, res).to_dict(
                orient="index"
            )
        print_json(doc)
        return 0
    print_calibration(cal)
    if profile is not None:
        _print_profile(profile, cal)
    name = "VaR" if args.measure == "var" else "TVaR"
    if args.parameter_uncertainty:
        print("parameters redrawn from their sampling distribution (predictive reserve)")
    whose = f"{profile.name}" if profile is not None else cal.data_label
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
    if res.tvar_ci_total is not None:
        print(f"  (interval: parameters and Monte Carlo; Monte Carlo only {_ci(res.tvar_ci_mc)})")
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
    if res.layer_allocation:
        print("  gross reserve by layer (USD, s.e.):")
        width = max(len(k) for k in res.layer_allocation)
        for row in _layer_rows(res):
            print(f"    {row['layer']:<{width}} {row['amount']:>18,.0f} ({row['se']:,.0f})")
    print(f"  n_sims {res.n_sims:,}, seed {args.seed}, {elapsed:.2f} s")
    if note:
        print()
        print(f"WARNING: {note}")
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
    print("Model and assumptions:")
    for i, a in enumerate(assumptions, start=1):
        print(f"  {i}. {a}")
    return 0


def _layer_rows(res) -> list[dict]:
    """The gross reserve by layer: ``[{layer, amount, se}, ...]``, "retained" first."""
    return [
        {"layer": k, "amount": v, "se": res.layer_allocation_se[k]}
        for k, v in res.layer_allocation.items()
    ]


def _ci(ci) -> str:
    return f"[{ci[0]:,.0f}, {ci[1]:,.0f}]"


def _print_profile(profile, cal) -> None:
    print(f"Exchange profile: {profile.name} (volume share {profile.volume_share:.4%})")
    rates = profile.rate_table(cal)
    cols = [
        c for c in ("industry_rate", "scaled_rate", "credibility_weight", "rate") if c in rates
    ]
    print(rates[cols].to_string(float_format=lambda v: f"{v:.6g}"))
    print()
