"""Book simulation: wall time and peak memory against the number of policies.

Each size runs in a fresh Python process (so its peak memory is its own): the illustrative
example book (``riskmodel.book.example_book(n_policies)``: variants of the bundled exchange
profile, one layer each, a shared vendor event) is built, a 1,000-year run loads the compiled
kernel, then ``book.simulate(n_sims, n_threads=2)`` is timed (median of ``--repeats``).

Baseline, in the same run: the engine (``riskmodel.simulate``) on the same losses written as
one LossModel with a category per (policy, category), gross only, for the sizes up to
``--baseline-max`` policies, on fewer years (``--baseline-n``, default 1e5: it is slow); its
cost grows with years x categories.

Columns: policies, losses per year (sum of the rates), wall seconds, millions of losses per
second, peak resident memory of the process (MB) and of the simulation alone (peak less the
memory before it), the seconds to build the book from TOML, and the engine baseline's seconds
on ``--baseline-n`` years with the ratio of its cost per year to the book's. The slope is
that of a least-squares line of wall time against policies (seconds per 100 policies) and the
exponent of the power-law fit (time ~ policies^b).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import machine, table

ROOT = Path(__file__).resolve().parents[1]

WORKER = r"""
import json, resource, sys, time
n_pol, n_sims, threads, repeats, baseline, n_base = (int(a) for a in sys.argv[1:7])
from riskmodel.book import example_book
from riskmodel.book._simulate import make_plan
t0 = time.perf_counter()
book = example_book(n_pol)
build = time.perf_counter() - t0
book.simulate(1000, rng=1, n_threads=threads)  # load the compiled kernel
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
times = []
for k in range(repeats):
    t0 = time.perf_counter()
    r = book.simulate(n_sims, rng=2026 + k, n_threads=threads)
    times.append(time.perf_counter() - t0)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
plan = make_plan(book)
rate = plan.total_rate + float(sum(e.expected_hits for e in book.events))
out = {"policies": n_pol, "n_sims": n_sims, "build_s": build, "times": times,
       "rss_mb": rss, "rss_before_mb": rss0, "losses_per_year": rate,
       "aal": r.aal()[0], "records": int(len(r.raw.rec_year))}
if baseline:
    from riskmodel import LossModel, simulate
    cats = {f"{p.name}/{c}": fs for p in book.policies for c, fs in p.model.categories.items()}
    m = LossModel(cats)
    simulate(m, 1000, rng=1, n_threads=threads)
    t0 = time.perf_counter()
    simulate(m, n_base, rng=2, n_threads=threads)
    out["engine_s"] = time.perf_counter() - t0
    out["engine_n"] = n_base
print(json.dumps(out))
"""


def run(n_pol: int, args) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [
        sys.executable,
        "-c",
        WORKER,
        str(n_pol),
        str(int(args.n_sims)),
        str(args.threads),
        str(args.repeats),
        str(int(n_pol <= args.baseline_max)),
        str(int(args.baseline_n)),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--policies", default="10,100,1000", help="comma-separated sizes")
    p.add_argument("--n-sims", type=float, default=1e6, help="simulated years (1e6)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=1, help="timed runs per size (median)")
    p.add_argument("--baseline-max", type=int, default=100, help="largest engine baseline")
    p.add_argument("--baseline-n", type=float, default=1e5, help="engine baseline years (1e5)")
    p.add_argument("--json", help="write the raw results here")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.policies.split(",")]
    res = [run(n, args) for n in sizes]
    rows = []
    for r in res:
        t = float(np.median(r["times"]))
        losses = r["losses_per_year"] * r["n_sims"]
        eng = r.get("engine_s")
        n = r["n_sims"]
        rows.append(
            [
                f"{r['policies']:,}",
                f"{r['losses_per_year']:.3g}",
                f"{t:.2f}",
                f"{losses / t / 1e6:.2f}",
                f"{r['rss_mb']:.0f}",
                f"{r['rss_mb'] - r['rss_before_mb']:.0f}",
                f"{r['build_s']:.1f}",
                "-"
                if eng is None
                else f"{eng:.2f} / {r['engine_n']:.0e} y ({eng / r['engine_n'] * n / t:.0f}x)",
            ]
        )
    x = np.array([r["policies"] for r in res], dtype=float)
    y = np.array([float(np.median(r["times"])) for r in res])
    slope = np.polyfit(x, y, 1)[0] * 100 if len(x) > 1 else float("nan")
    expo = np.polyfit(np.log(x), np.log(y), 1)[0] if len(x) > 1 else float("nan")
    print(f"machine: {machine()}; {int(args.n_sims):,} years, {args.threads} threads")
    print(
        table(
            [
                "policies",
                "losses/year",
                "wall s",
                "M losses/s",
                "peak MB",
                "sim MB",
                "build s",
                "engine s (ratio)",
            ],
            rows,
        )
    )
    print(f"slope: {slope:.2f} s per 100 policies; time ~ policies^{expo:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
