"""Benchmark: the models users run, against a plain lognormal at the same expected count.

Issue 16 asks that realistic models (truncated, capped, spliced severities, other families,
programmes, copulas) run at close to the plain lognormal's speed. This script times, in one
process after a warm-up run of each (so numba's compile is not counted):

1. ``plain``: Poisson(n) counts of LogNormal(16, 2) losses, n = the industry model's expected
   count (the baseline, measured in the same run);
2. ``industry``: ``calibrate_industry().model``, the default model of ``riskmodel reserve``
   (Weibull severities truncated at USD 1M and capped at USD 100bn, a pooled lognormal);
3. ``industry + copula``: the same with a Gaussian copula (correlation 0.3) on the counts;
   ``industry, log-gamma``: the same data with log-gamma severities (``riskmodel reserve
   --severity loggamma``), drawn by the kernels' gamma trials;
4. ``spliced hack``: the hack category as a spliced lognormal body / GPD tail
   (``fit_spliced(threshold="auto")``) at the industry hack rate;
5. ``example exchange + program``: the bundled example exchange's model
   (``example_profile().build_model``) with its insurance programme, and a plain lognormal at
   its (small) expected count, its own baseline: with a fraction of a loss a year, the cost per
   year, not per draw, decides;
6. ``... (NumPy)``: vectorised NumPy twins of models 2-5 (Poisson counts, through a Gaussian
   copula for 3; every loss by inversion, written out for the Weibull and lognormal, the
   severity's own NumPy ``isf`` for the spliced and log-gamma models (SciPy's inverse
   incomplete gamma for the latter); for 5, the programme's per-occurrence
   layers, annual terms, pro rata allocation and aggregate layers written out from its
   contract), checked to agree with riskmodel's mean within Monte Carlo error.

Each row gives the median wall time of ``--repeat`` runs, severity draws per second (expected
draws / time), the ratio to the plain lognormal's draws per second, and the simulated mean
with its Monte Carlo standard error (net of the programme for 5 and its twin). The header gives
the CPU and its vector flags.

    python benchmarks/bench_models.py [--n-sims 2000000] [--repeat 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from _report import cpu_flags, machine, median_time, table
from scipy import special, stats


def _numpy_losses(sev, u: np.ndarray) -> np.ndarray:
    """Losses at uniforms ``u`` by inversion. Written out in NumPy/SciPy for a capped, truncated
    Weibull or lognormal (the industry model); any other severity through its own NumPy
    ``isf`` (the spliced model: riskmodel's vectorised wrappers, slower than written-out code)."""
    base = getattr(getattr(sev, "base", None), "base", None)  # Capped(Truncated(family))
    name = type(base).__name__
    if name in ("Weibull", "LogNormal"):
        q = float(base.sf(sev.base.lower)) * (1.0 - u)  # survival probability, in (0, S(lower)]
        if name == "Weibull":
            x = base.scale * (-np.log(q)) ** (1.0 / base.shape)
        else:
            x = np.exp(base.mu - base.sigma * special.ndtri(q))
        return np.minimum(x, sev.limit)
    return np.asarray(sev.isf(u))


def _numpy_model(model, n_sims: int, rng: np.random.Generator, corr=None, program=None):
    """Annual totals of ``model``, vectorised over all losses at once: Poisson counts
    (independent, or through a Gaussian copula with correlation ``corr``: the Poisson cdf
    inverted at ``ndtr`` of correlated normals by a table search), then every loss by
    inversion (:func:`_numpy_losses`). With a ``program``, the annual totals net of it
    (:func:`_numpy_program`)."""
    cats = list(model.categories.values())
    if corr is None:
        counts = np.column_stack([rng.poisson(f.rate, n_sims) for f, _ in cats])
    else:
        u = special.ndtr(rng.standard_normal((n_sims, len(cats))) @ np.linalg.cholesky(corr).T)
        counts = np.empty(u.shape, dtype=np.int64)
        for c, (f, _) in enumerate(cats):
            cdf = stats.poisson.cdf(np.arange(int(f.rate + 40 * np.sqrt(f.rate) + 40)), f.rate)
            counts[:, c] = np.searchsorted(cdf, u[:, c])
    losses = []
    for c, (_, sev) in enumerate(cats):
        x = _numpy_losses(sev, rng.random(int(counts[:, c].sum())))
        losses.append((np.repeat(np.arange(n_sims), counts[:, c]), x))
    gross = np.column_stack([np.bincount(y, weights=x, minlength=n_sims) for y, x in losses])
    if program is None:
        return gross.sum(axis=1)
    return (gross - _numpy_program(program, model.names, losses, gross)).sum(axis=1)


def _numpy_program(program, names, losses, gross: np.ndarray) -> np.ndarray:
    """Ceded losses per year and category of ``program``, written out in NumPy from its
    contract (``riskmodel.insurance``): per-occurrence layers on each loss, their annual
    terms and share, pro rata back to the categories; then aggregate layers on the losses
    net of them. ``losses`` holds each category's (year of each loss, loss)."""
    n = gross.shape[0]
    ceded = np.zeros_like(gross)
    for lay in program.occurrence:
        cover = program.covers(lay, names)
        parts = np.zeros_like(gross)
        for c, (years, x) in enumerate(losses):
            if cover[c]:
                layer_x = np.minimum(np.maximum(x - lay.attachment, 0.0), lay.limit)
                parts[:, c] = np.bincount(years, weights=layer_x, minlength=n)
        annual = parts.sum(axis=1)
        paid = lay.share * np.minimum(np.maximum(annual - lay.agg_deductible, 0), lay.annual_limit)
        ceded += parts * np.divide(paid, annual, out=np.zeros(n), where=annual > 0)[:, None]
    net = gross - ceded
    for lay in program.aggregate:
        parts = net * program.covers(lay, names)
        subject = parts.sum(axis=1)
        paid = lay.share * np.minimum(np.maximum(subject - lay.attachment, 0.0), lay.limit)
        ceded += parts * np.divide(paid, subject, out=np.zeros(n), where=subject > 0)[:, None]
    return ceded


def main() -> None:
    from riskmodel import LossModel, simulate
    from riskmodel.calibrate import calibrate_industry
    from riskmodel.data import load_incidents
    from riskmodel.dependence import GaussianCopula
    from riskmodel.fit import fit_spliced
    from riskmodel.frequency import Poisson
    from riskmodel.profile import example_profile
    from riskmodel.severity import LogNormal

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n-sims", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    cal = calibrate_industry()
    industry = cal.model
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loggamma = calibrate_industry(severity="loggamma").model  # --severity loggamma
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
    profile = example_profile()
    exch_model, exch_program, _ = profile.build_model(cal)
    copula = GaussianCopula(corr)
    models = {
        "plain lognormal": (LossModel({"x": (Poisson(n_count), LogNormal(16.0, 2.0))}), None),
        "industry": (industry, None),
        "industry + copula": (LossModel(industry.categories, dependence=copula), None),
        "industry, log-gamma": (loggamma, None),
        "spliced hack": (LossModel({"hack": (Poisson(hack_rate), spliced.capped(1e11))}), None),
        "example exchange + program": (exch_model, exch_program),
        "plain lognormal, exchange count": (
            LossModel(
                {"x": (Poisson(sum(exch_model.expected_counts().values())), LogNormal(16.0, 2.0))}
            ),
            None,
        ),
    }
    twins = {  # NumPy twins: (model, copula correlation, programme)
        "industry": (industry, None, None),
        "industry + copula": (industry, corr, None),
        "industry, log-gamma": (loggamma, None, None),
        "spliced hack": (models["spliced hack"][0], None, None),
        "example exchange + program": (exch_model, None, exch_program),
    }
    counts = {name: sum(m.expected_counts().values()) for name, (m, _) in models.items()}
    rows, rate, means = [], {}, {}
    for name, (m, program) in models.items():
        kw = {"rng": 1, "n_threads": args.threads, "min_level": 0.995, "program": program}
        simulate(m, min(args.n_sims, 200_000), **kw)  # warm-up: compile outside the timing
        t, res = median_time(args.repeat, simulate, m, args.n_sims, **kw)
        rate[name] = counts[name] * args.n_sims / t
        view = res.net if program is not None else res.gross  # (the twin's totals: net)
        means[name] = (view.mean, view.mean_se)
        versus = ""
        rows.append((name, t, rate[name], view.mean, view.mean_se, versus))
    rng = np.random.default_rng(1)
    for name, (m, c, program) in twins.items():
        _numpy_model(m, 10_000, rng, c, program)
        t, tot = median_time(args.repeat, _numpy_model, m, args.n_sims, rng, c, program)
        r = counts[name] * args.n_sims / t
        se = tot.std(ddof=1) / np.sqrt(tot.size)
        mu, mu_se = means[name]
        z = (mu - tot.mean()) / np.hypot(mu_se, se)
        rows.append(
            (f"{name} (NumPy)", t, r, tot.mean(), se, f"{rate[name] / r:.1f}x, z {z:+.2f}")
        )
    own = "plain lognormal, exchange count"

    def baseline(row: str) -> float:
        """The exchange, a fraction of a loss a year, against a plain lognormal at its count."""
        exchange = row.startswith("example exchange") or row == own
        return rate[own] if exchange else rate["plain lognormal"]

    print(f"{machine()}; flags: {cpu_flags()}; {args.threads} thread(s), {args.n_sims:,} years")
    print(
        table(
            [
                "model",
                "median s",
                "M draws/s",
                "vs plain",
                "mean USD M",
                "(MC s.e.)",
                "riskmodel vs twin",
            ],
            [
                [
                    n,
                    f"{t:.2f}",
                    f"{r / 1e6:.1f}",
                    f"{r / baseline(n):.2f}",
                    f"{mu / 1e6:,.1f}",
                    f"{s / 1e6:,.1f}",
                    v,
                ]
                for n, t, r, mu, s, v in rows
            ],
        )
    )
    print("vs plain: draws per second over the plain lognormal's at the same expected count (the")
    print("exchange rows: over the plain lognormal at the exchange's count, the row after it);")
    print("riskmodel vs twin: riskmodel's draws per second over the twin's, and the difference")
    print("of the two means in combined standard errors (|z| < 3 expected)")


if __name__ == "__main__":
    main()
