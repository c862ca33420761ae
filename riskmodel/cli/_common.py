"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

import argparse
import gc
import json
import math
import sys
from typing import Any

from ._dask import DASK_HELP, dask_spec

__all__ = [
    "PROFILE_HELP",
    "add_data_options",
    "add_model_risk_option",
    "add_output_options",
    "add_profile_option",
    "add_simulation_options",
    "check_window",
    "compile_notice",
    "load_profile",
    "load_table",
    "positive_int",
    "print_json",
    "probability",
    "progress_enabled",
    "seed",
    "settle_heap",
]


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


def seed(text: str) -> int:
    """argparse type: a random seed, an integer >= 0."""
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return v


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
        "amount_usd; any category names); default: the bundled exchange incidents",
    )
    p.add_argument(
        "--drop-invalid",
        action="store_true",
        help="with --data: drop invalid rows with a warning that counts them (default: stop "
        "at the first invalid row)",
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
        default=None,
        metavar="YEAR",
        help="first calendar year of the window (default: the data's first year; 2014 for "
        "the bundled incidents, whose earlier years are badly under-reported)",
    )
    p.add_argument(
        "--until",
        type=int,
        default=None,
        metavar="YEAR",
        help="last calendar year of the window (default: last year in the data)",
    )


def add_simulation_options(
    p: argparse.ArgumentParser, *, n_sims: int = 1_000_000, uncertainty: str | None = None
) -> None:
    """--n-sims, --seed, --threads, --dask and, given its help text, --parameter-uncertainty."""
    p.add_argument(
        "--n-sims",
        type=positive_int,
        default=n_sims,
        metavar="N",
        help=f"simulated years (default {n_sims:,})",
    )
    p.add_argument("--seed", type=seed, default=2026, help="random seed (default 2026)")
    p.add_argument(
        "--threads",
        type=positive_int,
        default=None,
        help="worker threads (results do not depend on it)",
    )
    p.add_argument(
        "--dask", type=dask_spec, default=None, metavar="ADDRESS|local:N", help=DASK_HELP
    )
    if uncertainty is not None:
        p.add_argument("--parameter-uncertainty", action="store_true", help=uncertainty)


#: help of --profile where the profile builds the model that is simulated
PROFILE_HELP = (
    "exchange profile (TOML): volume, assets, own history, insurance; "
    "'example' loads the bundled mid-sized Japanese exchange"
)


def add_profile_option(p: argparse.ArgumentParser, help: str = PROFILE_HELP) -> None:
    """--profile FILE ('example' for the bundled one)."""
    p.add_argument("--profile", metavar="FILE", help=help)


def add_model_risk_option(p: argparse.ArgumentParser) -> None:
    """--model-risk / --no-model-risk (default: by the rule of
    :func:`riskmodel.model_averaging.skip_note`)."""
    p.add_argument(
        "--model-risk",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the industry reserve under each candidate severity family with AIC weights "
        "beside the headline (riskmodel.model_risk; JSON key model_risk); on by default for "
        "the industry model fitted to the data, off with --model or --profile",
    )


def add_output_options(
    p: argparse.ArgumentParser, json_help: str = "print JSON instead of tables"
) -> None:
    """--json and --progress."""
    p.add_argument("--json", action="store_true", help=json_help)
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress on stderr (default: when stderr is a terminal)",
    )


def progress_enabled(args: argparse.Namespace) -> bool:
    """--progress as given, else on when stderr is a terminal."""
    return sys.stderr.isatty() if args.progress is None else bool(args.progress)


def load_profile(spec: str | None):
    """The exchange profile --profile names, or ``None``."""
    if not spec:
        return None
    from ..profile import resolve_profile

    return resolve_profile(spec)


def check_window(args: argparse.Namespace) -> None:
    """--until must not come before --since."""
    if args.since is not None and args.until is not None and args.until < args.since:
        raise ValueError(f"--until {args.until} is before --since {args.since}")


def load_table(args: argparse.Namespace):
    """The incident table the options point to (after checking the --since/--until window)."""
    from ..data import load_incidents, read_losses

    check_window(args)

    if not args.data:
        return load_incidents()
    on_invalid = "drop" if getattr(args, "drop_invalid", False) else "raise"
    return read_losses(args.data, categories=None, on_invalid=on_invalid)


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


#: the start of the CLI's one line when the kernels will be compiled (the tests read it)
COMPILE_NOTICE = "riskmodel: compiling the simulation kernels, first run after installing only"


def compile_notice(*needs: tuple[Any, int], model: Any = None, program: bool = False) -> None:
    """Say on stderr, before a simulation, when its kernels are about to be compiled.

    ``needs`` are ``(kernel, seconds)`` pairs: a compiled function the command's first run
    compiles and about how long that takes on a slow 2-core machine (an AVX2 one; a 2-core
    AVX-512 machine takes about a third of it: ``benchmarks/profile_compile.py``). By default,
    the losses kernels of ``model``'s severities (a :class:`~riskmodel.model.LossModel`), or
    without one the inversion's, which the models the CLI fits use (most of a simulation's
    compile time, ~10 s). ``program`` adds the insurance programme's kernel (~1 s), which a
    simulation without one never compiles. One line, with the seconds of the kernels not yet
    in numba's cache.
    """
    from .._numba import is_cached
    from ..engine import _kernels as K

    if not needs:
        # about how long a cold start compiles each losses kernel, with what it calls
        estimate = {
            K.plain_lognormal_losses: 4,
            K.inverted_losses: 10,
            K.spliced_losses: 5,
            K.rejection_losses: 3,
        }
        kernels = [K.inverted_losses] if model is None else _losses_kernels(model)
        needs = tuple((k, estimate[k]) for k in dict.fromkeys(kernels))
    if program:
        from ..engine._program import apply_terms

        needs = (*needs, (apply_terms, 1))
    seconds = sum(s for kernel, s in needs if not is_cached(kernel))
    if seconds:
        print(
            f"{COMPILE_NOTICE} (up to ~{seconds} s on 2 cores; later runs load them from numba's "
            "cache; 'riskmodel compile' compiles them all ahead)",
            file=sys.stderr,
            flush=True,
        )


def settle_heap(args: argparse.Namespace) -> None:
    """Before a command's simulation, in a process of the CLI's own: collect the garbage so far
    and freeze what is left (``gc.freeze``).

    By then the process holds its imports (SciPy, pandas, statsmodels, numba) and the fitted
    model, which live until it exits; Python's cyclic collector would otherwise walk all of
    them at every full collection while numba compiles the kernels and the simulation runs
    (measured: 0.4 s of a first ``riskmodel reserve``, 0.2 s of a later one). Does nothing
    where :func:`~riskmodel.cli.main` is called from Python (``args.own_process`` false): a
    caller's heap is the caller's.
    """
    if getattr(args, "own_process", False):
        gc.collect()
        gc.freeze()


def _losses_kernels(model: Any) -> list[Any]:
    """The losses kernels of ``model``'s compiled severities, in category order."""
    from ..engine._kernels import losses_kernel
    from ..engine._specs import severity_spec

    specs = [severity_spec(sev) for _, sev in model.categories.values()]
    return [losses_kernel(code, par) for code, par in specs if code >= 0]
