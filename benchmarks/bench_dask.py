"""riskmodel on a Dask LocalCluster against the local thread pool, in the same run.

One problem: two categories, N ~ Poisson(5) with log X ~ Normal(0, 1) and N ~ Poisson(2) with
log X ~ Normal(1, 1.5), ``simulate(model, n, rng=seed, min_level=0.995)`` (the tail a 99.5%
reserve keeps). For each size, every configuration runs in a fresh Python process (so that each
client's peak memory is its own), after one untimed warm-up run of 1e6 years (numba's cache load
on every worker, the plan scattered): timed are the repeats that follow.

Configurations: the local thread pool with 1 and 2 threads (``backend="numba"``), and a
``LocalCluster`` of 1 and 2 worker processes of one thread each (``backend="dask"``), so that
"equal cores" compares 1 thread with 1 worker and 2 threads with 2 workers. Every Dask result is
checked bit-identical to the 1-thread local one (same seed, n_sims, block size).

Per-task overhead: the wall time of 400 empty tasks submitted at once to the 2-worker cluster,
divided by 400 (the scheduler's cost per task, round trip included); and the per-block cost:
the 1-thread local wall time divided by the number of blocks.

    python benchmarks/bench_dask.py                  # 1e8 years, 3 repeats
    python benchmarks/bench_dask.py --sizes 1e8,1e9 --repeats 1
    python benchmarks/bench_dask.py --quick          # 1e7 years, 1 repeat (a smoke test)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

CONFIGS = {
    "local 1 thread": ("numba", 1),
    "local 2 threads": ("numba", 2),
    "dask 1 worker": ("dask", 1),
    "dask 2 workers": ("dask", 2),
}


def _model():
    from riskmodel.frequency import Poisson
    from riskmodel.model import LossModel
    from riskmodel.severity import LogNormal

    return LossModel(
        {"a": (Poisson(5.0), LogNormal(0.0, 1.0)), "b": (Poisson(2.0), LogNormal(1.0, 1.5))}
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(config: str, n: int, repeats: int, seed: int) -> dict:
    """Run one configuration in this process; print its measurements as JSON."""
    import numpy as np

    from riskmodel import simulate

    backend, width = CONFIGS[config]
    model = _model()
    out: dict = {"config": config, "n": n, "walls": [], "cpu": []}
    kw = {"rng": seed, "min_level": 0.995}
    if backend == "numba":
        kw["n_threads"] = width
        simulate(model, 1_000_000, **kw)
        res = None
        for _ in range(repeats):
            t, c = time.perf_counter(), time.process_time()
            res = simulate(model, n, **kw)
            out["walls"].append(time.perf_counter() - t)
            out["cpu"].append(time.process_time() - c)
        out["client_peak_mb"] = _peak_mb()
        out["tail"] = res.gross.tail[:1000].tolist()
        out["moments"] = [res.gross.mean, res.gross.var]
        return out
    import distributed

    t = time.perf_counter()
    with (
        distributed.LocalCluster(
            n_workers=width,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        out["startup_s"] = time.perf_counter() - t
        kw.update(backend="dask", client=client)
        simulate(model, 1_000_000, **kw)
        res = None
        out["worker_cpu"], out["in_tasks"] = [], []
        for _ in range(repeats):
            w0 = sum(client.run(time.process_time).values())
            with distributed.get_task_stream(client) as stream:
                t, c = time.perf_counter(), time.process_time()
                res = simulate(model, n, **kw)
                out["walls"].append(time.perf_counter() - t)
                out["cpu"].append(time.process_time() - c)
            out["worker_cpu"].append(sum(client.run(time.process_time).values()) - w0)
            out["in_tasks"].append(
                sum(
                    s["stop"] - s["start"]
                    for task in stream.data
                    for s in task["startstops"]
                    if s["action"] == "compute"
                )
            )
        out["client_peak_mb"] = _peak_mb()
        out["worker_peak_mb"] = max(client.run(_peak_mb).values())
        out["tail"] = res.gross.tail[:1000].tolist()
        out["moments"] = [res.gross.mean, res.gross.var]
        if width == 2:
            tasks = 400
            t = time.perf_counter()
            futs = [client.submit(int, i, pure=False) for i in range(tasks)]
            client.gather(futs)
            out["task_overhead_ms"] = 1e3 * (time.perf_counter() - t) / tasks
    assert np.all(np.isfinite(out["tail"]))
    return out


def run_child(config: str, n: int, repeats: int, seed: int) -> dict:
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    cmd = [sys.executable, __file__, "--child", config, "--n", str(n), "--repeats", str(repeats)]
    cmd += ["--seed", str(seed)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        raise RuntimeError(f"{config}, {n:,} years failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    from _report import machine, table

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1e8", help="comma-separated years (default 1e8)")
    ap.add_argument("--repeats", type=int, default=3, help="timed repeats (median quoted)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--quick", action="store_true", help="1e7 years, 1 repeat")
    ap.add_argument("--json", metavar="PATH", help="write the raw results here")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=float, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, int(args.n), args.repeats, args.seed)))
        return
    sizes = [10_000_000] if args.quick else [int(float(s)) for s in args.sizes.split(",")]
    repeats = 1 if args.quick else args.repeats

    from riskmodel.engine.simulation import DEFAULT_BLOCK_SIZE

    print(f"machine: {machine()}")
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    results = []
    for n in sizes:
        for config in CONFIGS:
            print(f"  {config}, {n:.0e} years ...", file=sys.stderr, flush=True)
            results.append(run_child(config, n, repeats, args.seed))
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    rows = []
    for n in sizes:
        by = {r["config"]: r for r in results if r["n"] == n}
        med = {c: statistics.median(r["walls"]) for c, r in by.items()}
        ref = by["local 1 thread"]
        for c, r in by.items():
            same = r["tail"] == ref["tail"] and r["moments"] == ref["moments"]
            local_equal = "local 1 thread" if CONFIGS[c][1] == 1 else "local 2 threads"
            cpu = statistics.median(r["cpu"]) + statistics.median(r.get("worker_cpu", [0.0]))
            busy = (
                f"{statistics.median(r['in_tasks']) / (med[c] * CONFIGS[c][1]):.0%}"
                if "in_tasks" in r
                else ""
            )
            rows.append(
                [
                    f"{n:.0e}",
                    c,
                    f"{med[c]:.2f}",
                    f"{statistics.median(r['cpu']) / med[c]:.2f}",
                    f"{cpu:.1f}",
                    busy,
                    f"{med['local 1 thread'] / med[c]:.2f}x",
                    f"{med[c] / med[local_equal]:.2f}" if c.startswith("dask") else "",
                    f"{r['client_peak_mb']:.0f}",
                    f"{r['worker_peak_mb']:.0f}" if "worker_peak_mb" in r else "",
                    f"{r['startup_s']:.1f}" if "startup_s" in r else "",
                    "yes" if same else "NO",
                ]
            )
        blocks = -(-n // DEFAULT_BLOCK_SIZE)
        print(
            f"\n{n:.0e} years, {blocks:,} blocks of {DEFAULT_BLOCK_SIZE:,}: per block "
            f"{1e3 * med['local 1 thread'] / blocks:.1f} ms on one thread; "
            f"2 workers / 1 worker: {med['dask 1 worker'] / med['dask 2 workers']:.2f}x; "
            f"per-task overhead (400 empty tasks): "
            f"{by['dask 2 workers'].get('task_overhead_ms', float('nan')):.2f} ms"
        )
    print()
    header = [
        "years",
        "configuration",
        "wall s (median)",
        "cores used (client)",
        "CPU s (client + workers)",
        "workers busy in tasks",
        "speed-up vs 1 thread",
        "dask / local at equal cores",
        "client peak MB",
        "worker peak MB",
        "cluster start s",
        "identical",
    ]
    print(table(header, rows))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
