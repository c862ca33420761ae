"""Benchmark: the models users run, against a plain lognormal at the same expected count.

Issue 16 asks that realistic models (truncated, capped, spliced severities, other families,
programmes, copulas) run at close to the plain lognormal's speed. This script times, in one
process after a warm-up run of each (so numba's compile is not counted):

1. ``plain``: Poisson(n) counts of LogNormal(16, 2) losses, n = the industry model's expected
   count (the baseline, measured in the same run);
2. ``industry``: ``calibrate_industry().model``, the default model of ``riskmodel reserve``
   (Weibull severities truncated at USD 1M and capped at USD 100bn, a pooled lognormal);
3. ``industry + copula``: the same with a Gaussian copula (correlation 0.3) on the counts;
4. ``spliced hack``: the hack category as a spliced lognormal body / GPD tail
   (``fit_spliced(threshold="auto")``) at the industry hack rate;
5. ``industry (NumPy)``: a vectorised NumPy twin of model 2 (inversion of the truncated
   Weibull and lognormal, the cap), checked to agree with riskmodel's mean within Monte Carlo
   error.

Each row gives the median wall time of ``--repeat`` runs, severity draws per second (expected
draws / time), the ratio to the plain lognormal's draws per second, and the simulated mean
with its Monte Carlo standard error. The header gives the CPU and its vector flags.

    python benchmarks/bench_models.py [--n-sims 2000000] [--repeat 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
from _report import machine, table
from scipy import special


def _flags() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            words = next(line for line in f if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return "unknown"
    keep = [w for w in ("avx2", "avx512f", "fma") if w in words]
    return ", ".join(keep) or "no AVX2"


def _numpy_industry(model, n_sims: int, rng: np.random.Generator) -> np.ndarray:
    """Annual totals of ``model`` (Poisson counts; truncated-then-capped severities by
    inversion), vectorised over all losses at once."""
    total = np.zeros(n_sims)
    for freq, sev in model.categories.values():
        counts = rng.poisson(freq.rate, n_sims)
        m = int(counts.sum())
        cap = sev.limit
        base = sev.base.base  # Capped(Truncated(family))
        lower = sev.base.lower
        s0 = float(base.sf(lower))
        u = rng.random(m)
        q = s0 * (1.0 - u)  # survival probability of the draw, within (0, S(lower)]
        name = type(base).__name__
        if name == "Weibull":
            x = base.scale * (-np.log(q)) ** (1.0 / base.shape)
        elif name == "LogNormal":
            x = np.exp(base.mu - base.sigma * special.ndtri(q))
        else:
            raise NotImplementedError(name)
        x = np.minimum(x, cap)
        total += np.bincount(np.repeat(np.arange(n_sims), counts), weights=x, minlength=n_sims)
    return total


def main() -> None:
    from riskmodel import LossModel, simulate
    from riskmodel.calibrate import calibrate_industry
    from riskmodel.data import load_incidents
    from riskmodel.dependence import GaussianCopula
    from riskmodel.fit import fit_spliced
    from riskmodel.frequency import Poisson
    from riskmodel.severity import LogNormal

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n-sims", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    cal = calibrate_industry()
    industry = cal.model
    n_count = sum(industry.expected_counts().values())
    k = len(industry.names)
    corr = np.full((k, k), 0.3) + 0.7 * np.eye(k)
    inc = load_incidents()
    year = inc["date"].dt.year
    hacks = inc.loc[
        (inc["category"] == "hack") & (year >= 2014) & (inc["amount_usd"] >= 1e6), "amount_usd"
    ].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spliced = fit_spliced(hacks, "lognormal", "gpd", "auto", truncation=1e6).dist
    hack_rate = industry.categories["hack"][0].rate
    models = {
        "plain lognormal": LossModel({"x": (Poisson(n_count), LogNormal(16.0, 2.0))}),
        "industry": industry,
        "industry + copula": LossModel(industry.categories, dependence=GaussianCopula(corr)),
        "spliced hack": LossModel({"hack": (Poisson(hack_rate), spliced.capped(1e11))}),
    }
    counts = {name: sum(m.expected_counts().values()) for name, m in models.items()}
    rows, rate = [], {}
    for name, m in models.items():
        kw = {"rng": 1, "n_threads": args.threads, "min_level": 0.995}
        simulate(m, min(args.n_sims, 200_000), **kw)  # warm-up: compile outside the timing
        times, res = [], None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            res = simulate(m, args.n_sims, **kw)
            times.append(time.perf_counter() - t0)
        t = statistics.median(times)
        rate[name] = counts[name] * args.n_sims / t
        rows.append((name, t, rate[name], res.gross.mean, res.gross.mean_se))
    rng = np.random.default_rng(1)
    _numpy_industry(industry, 10_000, rng)
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        tot = _numpy_industry(industry, args.n_sims, rng)
        times.append(time.perf_counter() - t0)
    t = statistics.median(times)
    rate["industry (NumPy)"] = counts["industry"] * args.n_sims / t
    se = tot.std(ddof=1) / np.sqrt(tot.size)
    rows.append(("industry (NumPy)", t, rate["industry (NumPy)"], tot.mean(), se))
    base = rate["plain lognormal"]
    print(f"{machine()}; flags: {_flags()}; {args.threads} thread(s), {args.n_sims:,} years")
    print(
        table(
            ["model", "median s", "M draws/s", "vs plain", "mean USD M", "(MC s.e.)"],
            [
                [
                    n,
                    f"{t:.2f}",
                    f"{r / 1e6:.1f}",
                    f"{r / base:.2f}",
                    f"{mu / 1e6:,.1f}",
                    f"{s / 1e6:,.1f}",
                ]
                for n, t, r, mu, s in rows
            ],
        )
    )
    ind = next(r for r in rows if r[0] == "industry")
    npy = rows[-1]
    z = (ind[3] - npy[3]) / np.hypot(ind[4], npy[4])
    print(f"industry mean, riskmodel vs NumPy twin: z = {z:+.2f} (|z| < 3 expected)")
    print(f"riskmodel / NumPy on the industry model: {rate['industry'] / npy[2]:.1f}x")


if __name__ == "__main__":
    main()
