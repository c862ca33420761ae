"""Time ``read_losses`` on a large valid loss file (issue 15: 6.5M rows, 200 MB, took 109 s
and 3.2 GB; the target is under 15 s and 1.5 GB).

The file is generated in a temporary folder (dates, categories, amounts and an exchange name;
no row repeats). Each timing runs in a fresh process so that its peak memory (``ru_maxrss``)
is its own; the script prints the median of the runs, the peak memory, and the row-by-row
reader's time on a tenth of the rows as the baseline measured in the same run.

    python benchmarks/bench_read_losses.py [--rows 6500000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _report import machine, table

_CHILD = """
import json, resource, sys, time
import riskmodel.data._incidents as inc
from riskmodel.data import read_losses
if sys.argv[2] == "rows":
    inc.fast_losses = lambda *a, **k: None  # the row-by-row reader only
t = time.perf_counter()
df = read_losses(sys.argv[1])
dt = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
print(json.dumps({"seconds": dt, "rows": len(df), "peak_mib": rss}))
"""


def make_file(path: Path, rows: int, seed: int = 1) -> None:
    """Write ``rows`` valid, distinct loss rows to ``path`` in chunks."""
    rng = np.random.default_rng(seed)
    cats = np.array(["hack", "fraud", "operational"])
    start = np.datetime64("2011-01-01")
    with open(path, "w", encoding="utf-8") as f:
        f.write("date,category,amount_usd,exchange\n")
        for i0 in range(0, rows, 500_000):
            n = min(500_000, rows - i0)
            days = rng.integers(0, 5000, n)
            dates = np.datetime_as_string(start + days.astype("timedelta64[D]"))
            cat = cats[rng.integers(0, 3, n)]
            amount = np.round(rng.lognormal(15, 2, n), 2)
            ids = np.arange(i0, i0 + n)
            rows_ = zip(dates, cat, amount.tolist(), ids, strict=True)
            f.writelines(f"{d},{c},{a!r},ex{j}\n" for d, c, a, j in rows_)


def run(path: Path, mode: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), mode], capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"read_losses failed:\n{out.stderr}")
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=6_500_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(machine(), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.csv", Path(tmp) / "small.csv"
        make_file(big, args.rows)
        make_file(small, args.rows // 10)
        mb = big.stat().st_size / 2**20
        fast = []
        for _ in range(args.repeat):
            fast.append(run(big, "fast"))
            print(f"run: {fast[-1]}", flush=True)
        slow_small = run(small, "rows")
        fast_small = run(small, "fast")
    t = statistics.median(r["seconds"] for r in fast)
    peak = max(r["peak_mib"] for r in fast)
    ratio = slow_small["seconds"] / fast_small["seconds"]
    print(
        table(
            ["file", "reader", "rows", "median s", "peak MiB"],
            [
                [f"{mb:,.0f} MiB", "read_losses", f"{args.rows:,}", f"{t:.1f}", f"{peak:,.0f}"],
                [
                    f"{mb / 10:,.0f} MiB",
                    "read_losses",
                    f"{args.rows // 10:,}",
                    f"{fast_small['seconds']:.2f}",
                    f"{fast_small['peak_mib']:,.0f}",
                ],
                [
                    f"{mb / 10:,.0f} MiB",
                    "row by row (old)",
                    f"{args.rows // 10:,}",
                    f"{slow_small['seconds']:.2f}",
                    f"{slow_small['peak_mib']:,.0f}",
                ],
            ],
        )
    )
    print(f"speed-up over the row-by-row reader on {args.rows // 10:,} rows: {ratio:.1f}x")


if __name__ == "__main__":
    main()
