"""``riskmodel report``: write a reserve report folder (PDF, JSON, CSV tables)."""

from __future__ import annotations

import argparse
import sys
import warnings

from ._common import (
    add_data_options,
    add_model_risk_option,
    add_output_options,
    add_profile_option,
    add_simulation_options,
    check_window,
    compile_notice,
    load_profile,
    load_table,
    positive_int,
    print_json,
    probability,
    progress_enabled,
    settle_heap,
)
from ._dask import dask_backend
from ._model import add_model_options, build_calibration

#: default report folder (the same as riskmodel.report.DEFAULT_DIR; not imported from there,
#: so that building the parser stays light)
DEFAULT_DIR = "riskmodel-report"

#: the model-risk keys of the report's JSON (those of ``riskmodel reserve --json``)
MODEL_RISK_KEYS = ("model_risk", "model_risk_averaged", "model_risk_note")

EXAMPLES = """examples:
  riskmodel report                                # ./riskmodel-report on the bundled incidents
  riskmodel report --profile example              # one exchange: cover, standard formulas
  riskmodel report --no-model-risk                # skip refitting under each severity family
  riskmodel report reports/acme --profile acme.toml --coverage 0.999 --n-sims 5e6
  riskmodel report --overwrite --seed 7 --json    # replace the folder, print the summary
  riskmodel report --data my_losses.csv --threshold 5e6   # columns: date, category, amount_usd
  riskmodel report --severity fraud=lognormal --cap 2e10   # another family, another cap
  riskmodel fit --save-model m.toml && riskmodel report --model m.toml

The folder holds report.pdf (summary, data and model, assumptions, exceedance curve, reserve
against coverage, fit diagnostics, model risk, allocation by category and layer, layer prices,
standard formulas), report.json (every number, the inputs and the seed) and CSV tables. It is
written atomically: an error leaves no half-written report. The same seed reproduces every
number.
"""


def add_parser(sub) -> None:
    """Register the ``report`` subcommand."""
    p = sub.add_parser(
        "report",
        help="write a reserve report: multi-page PDF, JSON of every number, CSV tables",
        description="Fit the model the data support (severity family by the documented "
        "selection rule, capped per loss; frequency with its trend where significant), or read "
        "it from a model file, or build one exchange's from its profile; size "
        "the reserve, price the insurance layers and write a report folder: a PDF whose "
        "figures and tables can be filed with a regulator, a JSON file with every number, "
        "the inputs and the seed, and CSV tables.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "out_dir",
        nargs="?",
        default=DEFAULT_DIR,
        metavar="OUT_DIR",
        help=f"report folder (default ./{DEFAULT_DIR}); must be new or empty unless --overwrite",
    )
    add_profile_option(
        p,
        "exchange profile (TOML): volume, assets, own history, insurance, standard-formula "
        "inputs; 'example' loads the bundled mid-sized Japanese exchange",
    )
    p.add_argument(
        "--coverage", type=probability, default=0.995, help="coverage probability (default 0.995)"
    )
    p.add_argument(
        "--measure",
        choices=("var", "tvar"),
        default="var",
        help="risk measure of the reserve: quantile (var, default) or tail value at risk",
    )
    add_simulation_options(
        p,
        n_sims=1_000_000,
        uncertainty="redraw fitted parameters from their sampling distribution "
        "(predictive reserve)",
    )
    p.add_argument(
        "--pricing-n-sims",
        type=positive_int,
        default=None,
        metavar="N",
        help="simulated years per priced layer (default: the smaller of --n-sims and 200,000)",
    )
    p.add_argument(
        "--gof-boot",
        type=int,
        default=199,
        metavar="B",
        help="bootstrap refits of the goodness-of-fit tests per category (default 199; 0: none)",
    )
    add_model_risk_option(p)
    add_data_options(p)
    add_model_options(p)
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace OUT_DIR if it holds a previous report (anything else is refused; the old "
        "report stays until the new one is done)",
    )
    add_output_options(p, "print a JSON summary (headline, files, provenance)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``riskmodel report``."""
    from pathlib import Path

    from .._errors import RiskModelWarning
    from ..report import write_report
    from ..report._files import check_target

    check_window(args)
    if args.gof_boot < 0:
        raise ValueError(f"--gof-boot: must be >= 0, got {args.gof_boot}")
    try:
        check_target(Path(args.out_dir), args.overwrite)  # before the calibration's work
        profile = load_profile(args.profile)
        cal = build_calibration(args)
        table = None
        if args.data:  # the losses behind the fit diagnostics (read and checked once more)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RiskModelWarning)
                table = load_table(args)
        compile_notice(
            model=cal.model, program=profile is not None and profile.program() is not None
        )
        settle_heap(args)
        with dask_backend(args) as dask_kw:
            res = write_report(
                args.out_dir,
                profile=profile,
                coverage=args.coverage,
                measure=args.measure,
                n_sims=args.n_sims,
                seed=args.seed,
                data=table,
                calibration=cal,
                pricing_n_sims=args.pricing_n_sims,
                gof_boot=args.gof_boot,
                parameter_uncertainty=args.parameter_uncertainty,
                n_threads=args.threads,
                overwrite=args.overwrite,
                progress=progress_enabled(args),
                model_risk=args.model_risk,
                **dask_kw,
            )
    except (FileExistsError, NotADirectoryError, PermissionError) as exc:  # exit 2, one line
        raise ValueError(str(exc).replace("overwrite=True (--overwrite)", "--overwrite")) from None
    note = res.headline.get("extrapolation")
    for w in res.warnings:
        if w != note or args.json:  # the summary below ends with the extrapolation warning
            print(f"riskmodel: warning: {w}", file=sys.stderr)
    if args.json:
        doc = res.document
        print_json(
            {
                "path": str(res.path),
                "files": list(res.files),
                "subject": doc["report"]["subject"],
                "headline": doc["headline"],
                "standard_formulas": doc["standard_formulas"],
                "layer_allocation": doc["layer_allocation"],  # as `riskmodel reserve --json`
                **{k: doc[k] for k in MODEL_RISK_KEYS if k in doc},
                "notes": doc["notes"],
                "provenance": doc["provenance"],
            }
        )
        return 0
    print(res.summary())
    return 0
