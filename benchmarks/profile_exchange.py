"""Profile: what an exchange-sized model with an insurance programme pays for, per run.

The example exchange (``example_profile().build_model``: about 0.02 losses a year, three
categories, one occurrence layer) against a plain lognormal at its expected count, the
baseline of ``bench_models.py``'s exchange row. Its blocks are mostly Python: each keeps four
views (gross, ceded, net and the layers), each with its moments and its retained tail, where
a model without a programme keeps one. This script times, in one process, alternated rounds
of ``simulate`` (``min_level=0.995``, medians):

1. the exchange with its programme, without the layers view (``by_layer=False``), without the
   programme, and the plain lognormal at its count, on one thread and on two;
2. the exchange with ``simulate``'s defaults on 1, 2, 4 and 8 threads (the results are the
   same; the time is not);
3. the tails' compactions in one run on one thread (``engine._tail.compact`` wrapped with a
   timer): how many, and their time;
4. the retained tail's row operations alone: compacting a 2e5 x 4 buffer to 1e5, and the
   ordered parts of a 1e6 x 4 tail (what an allocation reads). Run it with another checkout on
   ``PYTHONPATH`` to compare versions.

    python benchmarks/profile_exchange.py [--n-sims 2e7] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from _report import machine, table


def _tail_rows(rounds: int) -> list[list[str]]:
    """Medians of the tail's compaction and of its ordered parts (part 4)."""
    from riskmodel.engine._tail import Tail, compact

    rng = np.random.default_rng(0)
    m, k = 100_000, 4
    squeeze, ordered = [], []
    for _ in range(max(rounds, 5) * 3):
        vals, parts = rng.lognormal(size=2 * m), rng.random((2 * m, k))
        t0 = time.perf_counter()
        compact(vals, parts, 2 * m, m)
        squeeze.append(time.perf_counter() - t0)
    for _ in range(max(rounds, 3)):
        tail = Tail(1_000_000, k)
        tail.add(rng.lognormal(size=2_000_000), rng.random((2_000_000, k)))
        desc, parts_of = tail.final()
        desc()  # (the sort of the totals, which the parts reuse)
        t0 = time.perf_counter()
        parts_of()
        ordered.append(time.perf_counter() - t0)
    return [
        ["compact 2e5 x 4 to 1e5", f"{statistics.median(squeeze) * 1e3:.2f} ms"],
        ["ordered parts of a 1e6 x 4 tail", f"{statistics.median(ordered) * 1e3:.1f} ms"],
    ]


def main() -> None:
    from riskmodel import LossModel, simulate
    from riskmodel.calibrate import calibrate_industry
    from riskmodel.engine import _tail
    from riskmodel.frequency import Poisson
    from riskmodel.profile import example_profile
    from riskmodel.severity import LogNormal

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n-sims", type=float, default=2e7)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    n = int(args.n_sims)

    model, program, _ = example_profile().build_model(calibrate_industry())
    count = sum(model.expected_counts().values())
    plain = LossModel({"x": (Poisson(count), LogNormal(16.0, 2.0))})
    cases = {  # name: (model, programme, by_layer)
        "exchange + programme": (model, program, True),
        "exchange + programme, by_layer=False": (model, program, False),
        "exchange, no programme": (model, None, True),
        "plain lognormal, exchange count": (plain, None, True),
    }
    rows = []
    for threads in (1, 2):
        times: dict[str, list[float]] = {name: [] for name in cases}
        for m, p, by_layer in cases.values():  # compile and warm outside the timing
            simulate(m, 200_000, rng=1, program=p, by_layer=by_layer, n_threads=threads)
        for _ in range(args.rounds):
            for name, (m, p, by_layer) in cases.items():
                kw = {"program": p, "by_layer": by_layer, "n_threads": threads}
                t0 = time.perf_counter()
                simulate(m, n, rng=1, min_level=0.995, **kw)
                times[name].append(time.perf_counter() - t0)
        base = statistics.median(times["plain lognormal, exchange count"])
        for name, ts in times.items():
            t = statistics.median(ts)
            rows.append([f"{name}, {threads} thread(s)", f"{t * 1e3:.1f}", f"{base / t:.2f}"])
    print(f"# exchange profile: {machine()}; {n:.0e} years, medians of {args.rounds}")
    print(table(["run (min_level 0.995)", "ms", "vs plain"], rows))

    rows = []
    for threads in (1, 2, 4, 8):
        simulate(model, 200_000, rng=1, program=program, n_threads=threads)
        ts = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            simulate(model, n // 2, rng=1, program=program, n_threads=threads)
            ts.append(time.perf_counter() - t0)
        rows.append([str(threads), f"{statistics.median(ts) * 1e3:.1f}"])
    print(f"\nthe exchange + programme, {n // 2:.0e} years, simulate's defaults")
    print(table(["threads", "ms"], rows))

    spent: list[float] = []
    real = _tail.compact

    def timed(*a):
        t0 = time.perf_counter()
        try:
            return real(*a)
        finally:
            spent.append(time.perf_counter() - t0)

    _tail.compact = timed  # (the name Tail looks up at call time)
    try:
        t0 = time.perf_counter()
        simulate(model, n, rng=1, program=program, min_level=0.995, n_threads=1)
        wall = time.perf_counter() - t0
    finally:
        _tail.compact = real
    print(
        f"\none run, 1 thread: {len(spent)} compactions of the four views' tails took "
        f"{sum(spent) * 1e3:.1f} ms of {wall * 1e3:.1f} ms"
    )
    print("\nthe retained tail's row operations alone")
    print(table(["operation", "median"], _tail_rows(args.rounds)))


if __name__ == "__main__":
    main()
