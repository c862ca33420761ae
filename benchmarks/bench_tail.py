"""Benchmark: the 99.9% VaR by conditional Monte Carlo against the plain simulator, at equal time.

For each problem,

1. ``riskmodel.engine.conditional.tail_quantile(model, p, n_c)`` is timed (median of
   ``--repeats`` runs after a warm-up);
2. the plain engine ``riskmodel.simulate(model, n, min_level=0.99)`` is timed per year on
   ``n_c`` years (in rounds interleaved with step 1), and then run on ``n_plain`` years, the
   number that takes the same wall time as step 1 (``t_c`` over the plain time per year,
   corrected once by a timed run at that size);
3. both 95% intervals of the VaR are reported (conditional: ``value -/+ 1.96 se``; plain: the
   order-statistic interval ``quantile_ci``) beside the FFT reference;
4. both are rerun at their equal-time sizes on further seeds (``--seeds`` in all, the timed run
   the first), and the spread of the estimates is set beside the reported standard errors
   (median): the honest check of both intervals;
5. the gain at equal time, ``(se_plain / se_conditional)^2``, is how many times longer the plain
   engine would have to run to match the conditional interval. It is given from the median
   reported standard errors and from the standard deviations over the seeds, beside its
   prediction ``variance_ratio * n_c / n_plain`` (the conditional estimator's variance ratio
   per year over the equal-time ratio of years).

Problems: ``lognormal`` (Poisson(5)-LogNormal(0, 1), the problem of bench_compound.py),
``lomax`` (Poisson(0.5)-Lomax(0.6, 1): infinite mean) and ``industry`` (the bundled industry
calibration, ``riskmodel.calibrate.calibrate_industry().model``: three independent Poisson
categories with lognormal severities truncated at USD 1M).

Usage (from the repository root)::

    python benchmarks/bench_tail.py            # default: 1e6 conditional years; under a minute
    python benchmarks/bench_tail.py --quick    # 2e5 years, 3 repeats, 5 seeds; about 10 s
    python benchmarks/bench_tail.py --problems lomax --n-cond 4e6 --seeds 50

See benchmarks/README.md (section "Far-tail VaR at equal time") for the columns and a
recorded run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from _report import machine, table  # benchmarks/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # an uninstalled checkout works

import riskmodel  # noqa: E402
from riskmodel._errors import InfiniteMomentWarning  # noqa: E402
from riskmodel.analytic import discretize, fft_compound  # noqa: E402
from riskmodel.calibrate import calibrate_industry  # noqa: E402
from riskmodel.engine import simulate  # noqa: E402
from riskmodel.engine.conditional import tail_quantile  # noqa: E402
from riskmodel.frequency import Poisson  # noqa: E402
from riskmodel.model import LossModel  # noqa: E402
from riskmodel.severity import LogNormal, Lomax  # noqa: E402

P = 0.999
Z95 = 1.959963984540054
MIN_LEVEL = 0.99


def problems() -> dict[str, tuple[str, LossModel, float, int]]:
    """name -> (label, model, FFT span h, FFT points n). The grids put the exact 99.9% VaR
    between two FFT values much closer together than the conditional standard error."""
    return {
        "lognormal": (
            "Poisson(5)-LogNormal(0, 1)",
            LossModel({"x": (Poisson(5.0), LogNormal(0.0, 1.0))}),
            0.001,
            1 << 18,
        ),
        "lomax": (
            "Poisson(0.5)-Lomax(0.6, 1)",
            LossModel({"x": (Poisson(0.5), Lomax(0.6, 1.0))}),
            2.0,
            1 << 21,
        ),
        "industry": ("bundled industry model", calibrate_industry().model, 2.5e7, 1 << 21),
    }


def fft_bracket(model: LossModel, h: float, n: int) -> tuple[float, float]:
    """The 99.9% VaR of the total with the losses moved down to the grid and moved up to it:
    the exact VaR lies between the two."""
    cats = model.categories.values()
    rate = sum(freq.rate for freq, _ in cats)
    out = []
    for method in ("upper", "lower"):
        pmf = sum(freq.rate * discretize(sev, h, n, method).pmf for freq, sev in cats) / rate
        out.append(float(fft_compound(Poisson(rate), pmf, h=h, tol=1e-3).quantile(P)))
    return min(out), max(out)


def clock(fn) -> tuple[float, object]:
    """Wall time of one call of ``fn``, and its result."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def run_problem(model: LossModel, bracket, args) -> dict:
    """Steps 1, 2 and 4 of the module docstring for one problem."""
    n_c, threads = int(args.n_cond), args.threads

    def cond(n, seed):
        return tail_quantile(model, P, n, rng=seed, n_threads=threads)

    def plain(n, seed):
        return simulate(model, n, rng=seed, min_level=MIN_LEVEL, n_threads=threads)

    cond(20_000, 0), plain(20_000, 0)  # warm-up: numba compilation or cache load
    times_c, times_p = [], []
    for _ in range(args.repeats):  # interleaved, so that load from others hits both alike
        t, q = clock(lambda: cond(n_c, args.seed))
        times_c.append(t)
        times_p.append(clock(lambda: plain(n_c, args.seed))[0])
    t_c, per_year = statistics.median(times_c), statistics.median(times_p) / n_c
    n_plain = max(round(t_c / per_year), 10_000)
    # one correction for the fixed costs, which a per-year rate misses at another size
    n_plain = max(round(n_plain * t_c / clock(lambda: plain(n_plain, args.seed))[0]), 10_000)
    runs = [clock(lambda: plain(n_plain, args.seed)) for _ in range(args.repeats)]
    t_p, r = statistics.median(t for t, _ in runs), runs[0][1]
    lo, hi = r.quantile_ci(P)
    seeds = range(args.seed + 1, args.seed + args.seeds)  # the timed runs are the first
    spread_c = [(q.value, q.se)] + [(x.value, x.se) for x in (cond(n_c, s) for s in seeds)]
    spread_p = [plain_estimate(r)] + [plain_estimate(plain(n_plain, s)) for s in seeds]
    return {
        "bracket": bracket,
        "cond": {"n": n_c, "wall": t_c, "value": q.value, "ci": q.ci, "spread": spread_c},
        "plain": {
            "n": n_plain,
            "wall": t_p,
            "value": r.quantile(P),
            "ci": (lo, hi),
            "spread": spread_p,
        },
        "variance_ratio": q.variance_ratio,
        "cost_ratio": (t_c / n_c) / per_year,
        "converged": q.converged,
    }


def plain_estimate(r) -> tuple[float, float]:
    """The plain VaR and the se implied by its 95% order-statistic interval."""
    lo, hi = r.quantile_ci(P)
    return r.quantile(P), (hi - lo) / (2 * Z95)


def g(x: float) -> str:
    """Six significant digits, thousands separated."""
    return f"{x:,.6g}" if abs(x) < 1e6 else f"{x:.5e}"


def z_vs(value: float, half_width: float, bracket) -> float:
    """Distance of ``value`` from the reference bracket, in standard errors (0 inside)."""
    off = max(bracket[0] - value, value - bracket[1], 0.0)
    return math.copysign(off, value - bracket[0]) / (half_width / Z95)


def main_rows(label: str, res: dict) -> list[list[str]]:
    """First table: each method's run at equal time."""
    rows = []
    for name in ("cond", "plain"):
        m = res[name]
        lo, hi = m["ci"]
        rows.append(
            [
                label,
                "conditional" if name == "cond" else "plain",
                f"{m['n']:.3g}",
                f"{m['wall']:.3f}",
                f"{1e9 * m['wall'] / m['n']:.0f}",
                g(m["value"]),
                f"[{g(lo)}, {g(hi)}]",
                g(hi - lo),
                f"{z_vs(m['value'], (hi - lo) / 2, res['bracket']):+.1f}",
            ]
        )
    return rows


def spread_stats(res: dict) -> dict[str, tuple[float, float, float, int]]:
    """Per method over the seeds: mean minus the FFT mid-point, sd, median se, count."""
    mid = 0.5 * sum(res["bracket"])
    out = {}
    for name in ("cond", "plain"):
        vals, ses = np.array(res[name]["spread"]).T
        out[name] = (
            float(np.mean(vals)) - mid,
            float(np.std(vals, ddof=1)),
            float(np.median(ses)),
            len(vals),
        )
    return out


def tables(results: dict[str, tuple[str, dict]]) -> str:
    main, gain, spread = [], [], []
    for label, res in results.values():
        main += main_rows(label, res)
        st = spread_stats(res)
        size = res["plain"]["n"] / res["cond"]["n"]
        gain.append(
            [
                label,
                f"[{g(res['bracket'][0])}, {g(res['bracket'][1])}]",
                f"{res['variance_ratio']:,.0f}",
                f"{res['cost_ratio']:.2f}",
                f"{size:.2f}",
                f"{res['variance_ratio'] / size:,.0f}",
                f"{(st['plain'][2] / st['cond'][2]) ** 2:,.0f}",
                f"{(st['plain'][1] / st['cond'][1]) ** 2:,.0f}",
            ]
        )
        for name, (bias, sd, se, count) in st.items():
            spread.append(
                [
                    label,
                    "conditional" if name == "cond" else "plain",
                    f"{res[name]['n']:.3g}",
                    str(count),
                    g(bias),
                    g(sd),
                    g(se),
                    f"{sd / se:.2f}",
                ]
            )
    head_main = ["problem", "method", "years", "wall s (median)", "ns/year", "VaR 99.9%"]
    head_main += ["95% CI", "CI width", "z vs FFT"]
    head_gain = ["problem", "FFT VaR bracket", "variance ratio / year"]
    head_gain += ["time / year (cond / plain)", "years plain / cond", "predicted gain"]
    head_gain += ["gain: median se", "gain: sd over seeds"]
    head_spread = ["problem", "method", "years", "seeds", "mean - FFT", "sd of estimates"]
    head_spread += ["median reported se", "sd / se"]
    return "\n\n".join(
        [
            table(head_main, main),
            "gain at equal time\n" + table(head_gain, gain),
            "spread over independent seeds, each method at its equal-time size\n"
            + table(head_spread, spread),
        ]
    )


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n-cond", type=float, help="years of the conditional estimator (1e6)")
    p.add_argument("--repeats", type=int, help="timed repeats, median quoted (5)")
    p.add_argument(
        "--seeds", type=int, help="seeds of the spread check, the timed one included (20)"
    )
    p.add_argument("--problems", default="lognormal,lomax,industry", help="comma-separated")
    p.add_argument("--threads", type=int, help="threads of both methods (default: all CPUs)")
    p.add_argument("--seed", type=int, default=20261129)
    p.add_argument("--quick", action="store_true", help="2e5 years, 3 repeats, 5 seeds")
    args = p.parse_args(argv)
    defaults = (2e5, 3, 5) if args.quick else (1e6, 5, 20)
    for name, value in zip(("n_cond", "repeats", "seeds"), defaults, strict=True):
        if getattr(args, name) is None:
            setattr(args, name, value)
    if min(args.n_cond, args.repeats) < 1 or args.seeds < 2:
        p.error("--n-cond and --repeats must be >= 1, --seeds >= 2")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    catalogue = problems()
    chosen = [s.strip() for s in args.problems.split(",") if s.strip()]
    unknown = set(chosen) - set(catalogue)
    if unknown:
        raise SystemExit(f"--problems: unknown {sorted(unknown)}; choose from {list(catalogue)}")
    print(f"# 99.9% VaR, conditional Monte Carlo vs plain simulation: {dt.date.today()}")
    print(f"# machine: {machine()}; load average {os.getloadavg()[0]:.2f} at start")
    print(
        f"# Python {sys.version.split()[0]}, numpy {np.__version__}, "
        f"riskmodel {riskmodel.__version__}; threads {args.threads or 'default'}; "
        f"{args.n_cond:.3g} conditional years, {args.repeats} repeats, {args.seeds} seeds",
        flush=True,
    )
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfiniteMomentWarning)  # the Lomax mean is infinite
        for name in chosen:
            label, model, h, n = catalogue[name]
            results[name] = (label, run_problem(model, fft_bracket(model, h, n), args))
            print(f"  {name} done", file=sys.stderr, flush=True)
    print("\n" + tables(results), flush=True)
    for label, res in results.values():
        if not res["converged"]:
            print(f"note: {label}: the conditional root finder did not converge")
    print(f"\n# load average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
