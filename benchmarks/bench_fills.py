"""Benchmark: a loss's cost in each losses kernel, by severity, and a year's counts.

Calls the compiled losses kernel of each severity (``engine._kernels.losses_kernel``: the
plain lognormal's normals and ``exp``, an inversion, a spliced body and tail, or the gamma
rejection) directly on a block of 65,536 years of Poisson(9.8) counts (the industry hack
rate), gross losses only, on one thread; prints the median time per loss over ``--repeat``
calls after a warm-up call (compiling not counted). No counts, summaries or Python around
the kernels: this is the severity's own cost, the part of a block that depends on the
family. The severities are those of the bench's models: the industry's truncated Weibull and
lognormal, the spliced hack (lognormal body truncated at USD 1M, GPD tail), the log-gamma
variant, and a few other families. Then a year's counts for the industry's three Poisson
categories (9.8, 1.08 and 0.167 a year), independent (table inversion, category by category)
and through a Gaussian copula (correlation 0.3, the bench's), per year.

To compare two versions, run it from a worktree of the other on ``PYTHONPATH``, alternately:

    python benchmarks/bench_fills.py [--repeat 15]
    (cd /tmp && PYTHONPATH=/path/to/other/worktree python /path/to/bench_fills.py)
"""

from __future__ import annotations

import argparse

import numpy as np
from _report import cpu_flags, machine, median_time, table

YEARS = 65_536
RATE = 9.8


def severities() -> dict[str, object]:
    """The severities timed, by name."""
    from riskmodel.severity import (
        Burr,
        Gamma,
        GeneralizedPareto,
        LogGamma,
        LogNormal,
        Spliced,
        Weibull,
    )

    # the bench's spliced hack: a lognormal body truncated to [1M, 82M], 16% of the losses
    # in a GPD tail
    body = LogNormal(10.0, 7.9)
    return {
        "lognormal (plain)": LogNormal(16.0, 2.0),
        "lognormal, truncated at 1M": LogNormal(16.28, 2.3).truncated(1e6).capped(1e11),
        "Weibull, truncated at 1M": Weibull(0.41, 1.7e7).truncated(1e6).capped(1e11),
        "GPD": GeneralizedPareto(0.7, 1e6, threshold=1e6).capped(1e11),
        "Burr, truncated at 1M": Burr(1.2, 0.8, 3e6).truncated(1e6).capped(1e11),
        "spliced lognormal/GPD": Spliced(
            body.truncated(1e6), GeneralizedPareto(0.7, 2e7, threshold=8.2e7), 8.2e7, 0.84
        ).capped(1e11),
        "log-gamma, truncated at 1M": LogGamma(77.6, 4.70).truncated(1e6).capped(1e11),
        "gamma(0.5), truncated": Gamma(0.5, 1e6).truncated(1e5).capped(1e11),
    }


def main() -> None:
    from riskmodel.engine import _kernels as K
    from riskmodel.engine._random import new_state
    from riskmodel.engine._specs import severity_spec

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()

    rng = np.random.default_rng(1)
    counts = rng.poisson(RATE, size=(YEARS, 1)).astype(np.int64)
    losses = int(counts.sum())
    occ_par, occ_cover = np.zeros((0, 2)), np.zeros((0, 1), dtype=bool)
    gross, occ = np.zeros((YEARS, 1, 1)), np.zeros((YEARS, 0, 1))
    work = K.work_arrays()
    rows = []
    for name, sev in severities().items():
        code, par = severity_spec(sev)
        if code < 0:
            rows.append([name, "not compiled", ""])
            continue
        kernel = K.losses_kernel(code, par)
        state = new_state(np.random.default_rng(7))
        call = (state, code, par, counts, 0, occ_par, occ_cover, gross, occ, work)
        kernel(*call)  # (compiles, or loads from the cache)
        seconds, _ = median_time(args.repeat, kernel, *call)
        ns = seconds / losses * 1e9
        rows.append([name, f"{ns:.2f}", kernel.py_func.__name__])
    print(f"{machine()}; flags: {cpu_flags()}; one thread, {YEARS:,} years of Poisson({RATE})")
    print(table(["severity", "ns per loss (median)", "kernel"], rows))
    print()
    print(table(["counts, 3 categories", "ns per year (median)"], count_rows(args.repeat)))


def count_rows(repeat: int) -> list[list[str]]:
    """A year's counts of the industry's categories, independent and through a copula."""
    from riskmodel.engine import _kernels as K
    from riskmodel.engine._copula_tables import copula_tables
    from riskmodel.engine._random import new_state
    from riskmodel.engine._specs import count_tables

    kind = np.zeros(3, np.int64)  # (Poisson)
    par = np.array([[RATE, 0.0], [1.08, 0.0], [0.167, 0.0]])
    cdf, guide, size = count_tables(kind, par)
    zq, zguide = copula_tables(cdf, size, 1, 0.0)
    chol = np.linalg.cholesky(np.full((3, 3), 0.3) + 0.7 * np.eye(3))
    counts = np.zeros((YEARS, 3), np.int64)
    state = new_state(np.random.default_rng(0))
    u = np.empty(K.BUFFER)

    def independent() -> None:
        for c in range(3):
            K.table_counts(state, cdf, guide, size, c, counts, u)

    def copula() -> None:
        K.copula_counts(state, kind, par, size, zq, zguide, 1, chol, 0.0, counts)

    rows = []
    for name, run in (("independent", independent), ("Gaussian copula", copula)):
        run()  # (compiles, or loads from the cache)
        seconds, _ = median_time(repeat, run)
        rows.append([name, f"{seconds / YEARS * 1e9:.2f}"])
    return rows


if __name__ == "__main__":
    main()
