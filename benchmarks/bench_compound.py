"""Benchmark: compound Poisson(5)-LogNormal(0, 1) annual losses, riskmodel against the others.

Runs the same problem through

1. riskmodel's numba engine on 1 and 2 threads (thread scaling; results bit-identical),
2. a hand-written vectorised NumPy version (the baseline, measured in the same run),
3. gemact's Monte Carlo and aggregate's FFT, where installed,
4. R actuar's ``aggregateDist(method = "simulation")``, where Rscript and actuar are installed,

each in a fresh subprocess (so peak memory is its own), and prints wall time (median of
repeats), severity draws per second, the speed ratio to NumPy, the 99.5% quantile each gets
with its Monte Carlo standard error, peak RSS, and riskmodel's cold and warm start-up times.
``--big`` adds 10^8 years at coverage 0.995 (peak RSS target: < 1.5 GB).

Usage (from the repository root)::

    python benchmarks/bench_compound.py                 # default, about 2-3 minutes on 2 cores
    python benchmarks/bench_compound.py --quick         # smoke run, well under a minute
    python benchmarks/bench_compound.py --big           # adds the 10^8-year run
    python benchmarks/bench_compound.py --methods riskmodel,numpy --n-sims 20000000

See benchmarks/README.md for the columns and a recorded run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from _report import cpu_flags, machine, table  # benchmarks/ is on sys.path when a script runs

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORKER = HERE / "_workers.py"
MEAN_COUNT = 5.0  # expected severity draws per simulated year
ALL_METHODS = ("riskmodel", "numpy", "gemact", "aggregate", "actuar")
Z95 = 1.959963984540054
RSS_TARGET_MB = 1536.0


def _env() -> dict[str, str]:
    """Environment of the workers: the repository root first on PYTHONPATH (works uninstalled)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def run_worker(method: str, **kwargs) -> dict:
    """Run one method in a fresh interpreter; its result, or ``{"skip": reason}``."""
    proc = subprocess.run(
        [sys.executable, str(WORKER), method, json.dumps(kwargs)],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"skip": f"failed (exit {proc.returncode}): {tail[:160]}"}


def unavailable(method: str) -> str | None:
    """Why ``method`` cannot run here, or None."""
    if method in ("gemact", "aggregate") and importlib.util.find_spec(method) is None:
        return f"not installed (pip install {method})"
    if method == "actuar":
        if shutil.which("Rscript") is None:
            return "Rscript not found (apt-get install r-cran-actuar)"
        probe = subprocess.run(
            ["Rscript", "-e", "quit(status = !requireNamespace('actuar', quietly = TRUE))"],
            capture_output=True,
        )
        if probe.returncode != 0:
            return "R package actuar not installed (apt-get install r-cran-actuar)"
    return None


def numba_cache_files() -> list[Path]:
    """numba's cache files (*.nbi, *.nbc) in the __pycache__ folders of the riskmodel package
    that the workers import (located with their environment), and nowhere else."""
    code = (
        "import importlib.util as u; print(*u.find_spec('riskmodel').submodule_search_locations)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), cwd=ROOT
    )
    if out.returncode != 0 or not out.stdout.strip():
        raise RuntimeError(f"riskmodel not importable by the workers: {out.stderr.strip()}")
    pkg = Path(out.stdout.split()[0]).resolve()
    files = []
    for cache in pkg.rglob("__pycache__"):
        if cache.is_dir():
            files += [p for p in cache.iterdir() if p.suffix in (".nbi", ".nbc")]
    return files


def versions() -> str:
    code = (
        "import sys, numpy, numba, riskmodel as rm; "
        "print(sys.version.split()[0], numpy.__version__, numba.__version__, rm.__version__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env())
    py, np_, nb, rm = (out.stdout.split() + ["?"] * 4)[:4]
    return f"Python {py}, numpy {np_}, numba {nb}, riskmodel {rm}"


def fmt(x: float | None, spec: str) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def main_table(results: list[tuple[str, int, dict]]) -> tuple[str, list[str]]:
    """The comparison table; the reference quantile and se are riskmodel's first run."""
    notes = []
    ref = next((r for name, _, r in results if name.startswith("riskmodel") and "q" in r), None)
    base = next((r for name, _, r in results if name == "numpy" and "times" in r), None)
    se_ref = n_ref = None
    if ref is not None:
        lo, hi = ref["ci"]
        se_ref, n_ref = (hi - lo) / (2 * Z95), ref["n_sims"]
    base_rate = MEAN_COUNT * base["n_sims"] / statistics.median(base["times"]) if base else None
    rows = []
    for name, n, r in results:
        if "skip" in r:
            notes.append(f"{name}: skipped, {r['skip']}")
            continue
        if r.get("q_differs"):
            notes.append(f"{name}: the quantile differed between rounds with the same seed")
        wall = statistics.median(r["times"])
        cores = (
            statistics.median(c / t for c, t in zip(r["cpu"], r["times"], strict=True))
            if r.get("cpu")
            else None
        )
        deterministic = name.startswith("aggregate")
        rate = None if deterministic else MEAN_COUNT * n / wall
        if deterministic:
            se = r["bs"]  # grid step of the FFT: the quantile is known to about one step
        elif se_ref is not None:
            se = se_ref * math.sqrt(n_ref / n)  # the quantile's se scales as 1/sqrt(n)
        else:
            se = None
        z = None
        same = ref is not None and r is not ref and r["q"] == ref["q"] and "ci" in r
        if ref is not None and r is not ref and se is not None and not same:
            z = (r["q"] - ref["q"]) / math.hypot(se, se_ref)
            if abs(z) > 3:
                notes.append(f"{name}: 99.5% quantile {abs(z):.1f} standard errors from riskmodel")
        rows.append(
            [
                name,
                "-" if deterministic else f"{n:.0e}".replace("e+0", "e"),
                fmt(wall, ".3f"),
                fmt(cores, ".2f"),
                fmt(rate and rate / 1e6, ".1f"),
                fmt(rate and base_rate and rate / base_rate, ".2f"),
                fmt(r["q"], ".3f"),
                ("grid " if deterministic else "") + fmt(se, ".3f"),
                "ref" if r is ref else ("same" if same else fmt(z, "+.1f")),
                fmt(r.get("rss_peak_mb"), ".0f"),
            ]
        )
    header = [
        "method",
        "years",
        "wall s (median)",
        "cores used",
        "M draws/s",
        "speed x NumPy",
        "q99.5",
        "MC se",
        "z vs ref",
        "peak RSS MB",
    ]
    return table(header, rows), notes


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n-sims", type=float, help="years for riskmodel and NumPy (1e7)")
    p.add_argument("--repeats", type=int, help="timed repeats, median quoted (3)")
    p.add_argument("--n-slow", type=float, help="years for gemact and actuar, ~10 s per 1e6 (1e6)")
    p.add_argument("--slow-repeats", type=int, help="timed repeats of gemact and actuar (1)")
    p.add_argument(
        "--min-level",
        type=float,
        default=0.995,
        help="riskmodel's min_level in the main rows: 0.995, the level of the quantile asked "
        "for (the NumPy baseline likewise keeps only the totals that quantile needs)",
    )
    p.add_argument(
        "--also-min-level",
        default="0.9",
        help="extra riskmodel rows on the largest thread count at these min_levels, "
        "comma-separated ('' for none; 0.9 is simulate's default, which keeps 10%% of years)",
    )
    p.add_argument("--threads", default="1,2", help="riskmodel thread counts, comma-separated")
    p.add_argument("--methods", default=",".join(ALL_METHODS), help="comma-separated subset")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument(
        "--quick", action="store_true", help="defaults become 1e6 years, 1 repeat, slow ones 1e5"
    )
    p.add_argument("--no-start", action="store_true", help="skip the cold/warm start-up runs")
    p.add_argument("--big", action="store_true", help="add 10^8 years at min_level 0.995")
    p.add_argument("--big-n", type=float, default=1e8, help="years of the --big run")
    p.add_argument("--json", type=Path, help="also write the raw results to this file")
    args = p.parse_args(argv)
    defaults = (1e6, 1, 1e5, 1) if args.quick else (1e7, 3, 1e6, 1)
    for name, value in zip(("n_sims", "repeats", "n_slow", "slow_repeats"), defaults, strict=True):
        if getattr(args, name) is None:
            setattr(args, name, value)
    if min(args.n_sims, args.repeats, args.n_slow, args.slow_repeats, args.big_n) < 1:
        p.error("--n-sims, --repeats, --n-slow, --slow-repeats and --big-n must be >= 1")
    return args


def merge(acc: dict, r: dict) -> dict:
    """Pool the repeats of one method run in several fresh processes (interleaved rounds)."""
    if "skip" in r or "skip" in acc:
        return acc if "skip" in acc else r
    if not acc:
        return dict(r)
    for key in ("times", "cpu"):
        acc[key] = acc[key] + r[key]
    acc["rss_peak_mb"] = max(acc["rss_peak_mb"], r["rss_peak_mb"])
    if r["q"] != acc["q"]:
        acc["q_differs"] = True  # same seed in every round: must not happen
    return acc


def run_methods(args: argparse.Namespace) -> list[tuple[str, int, dict]]:
    """The main comparison. riskmodel (each thread count) and NumPy run in interleaved rounds,
    one timed repeat per fresh process, so that load from other users hits them alike; the slow
    and the deterministic methods run once after them."""
    n, n_slow = int(args.n_sims), int(args.n_slow)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = set(methods) - set(ALL_METHODS)
    if unknown:
        raise SystemExit(f"--methods: unknown {sorted(unknown)}; choose from {ALL_METHODS}")
    fast: list[tuple[str, str, dict]] = []
    if "riskmodel" in methods:
        for t in (int(t) for t in args.threads.split(",")):
            kw = {"n_sims": n, "seed": args.seed, "threads": t, "min_level": args.min_level}
            fast.append((f"riskmodel {t} thread{'s' * (t > 1)}", "riskmodel", kw))
        t = max(int(t) for t in args.threads.split(","))
        for level in (float(v) for v in args.also_min_level.split(",") if v.strip()):
            kw = {"n_sims": n, "seed": args.seed, "threads": t, "min_level": level}
            fast.append((f"riskmodel {t} threads, min_level {level:g}", "riskmodel", kw))
    if "numpy" in methods:
        fast.append(("numpy", "numpy", {"n_sims": n, "seed": args.seed}))
    pooled: dict[str, dict] = {label: {} for label, _, _ in fast}
    for rnd in range(args.repeats):
        for label, method, kw in fast:
            pooled[label] = merge(pooled[label], run_worker(method, repeats=1, **kw))
        print(f"  round {rnd + 1}/{args.repeats} done", file=sys.stderr, flush=True)
    results = [(label, n, pooled[label]) for label, _, _ in fast]
    for method in methods:
        if method in ("riskmodel", "numpy"):
            continue
        label = "aggregate FFT" if method == "aggregate" else method
        size = n_slow if method in ("gemact", "actuar") else 0
        why = unavailable(method)
        if why:
            r = {"skip": why}
        elif method == "aggregate":
            r = run_worker(method, n_sims=0, repeats=args.repeats, seed=args.seed)
        else:
            r = run_worker(method, n_sims=size, repeats=args.slow_repeats, seed=args.seed)
        results.append((label, size, r))
        print(f"  {label} done", file=sys.stderr, flush=True)
    for _, size, r in results:
        r.setdefault("n_sims", size)
    return results


def print_riskmodel_notes(results: list[tuple[str, int, dict]]) -> None:
    """riskmodel's interval, mean check, bit-identity across threads and thread scaling."""
    rm = [(name, r) for name, _, r in results if name.startswith("riskmodel") and "q" in r]
    if not rm:
        return
    name, r = rm[0]
    print(
        f"\nriskmodel 99.5% quantile {r['q']:.4f}, 95% order-statistic CI "
        f"[{r['ci'][0]:.4f}, {r['ci'][1]:.4f}]; mean {r['mean']:.4f} "
        f"(exact {r['mean_exact']:.4f})"
    )
    if len(rm) > 1:
        same = all(x["q"] == r["q"] and x["ci"] == r["ci"] for _, x in rm)
        print(f"bit-identical across thread counts and min_levels: {'yes' if same else 'NO'}")
        t1 = statistics.median(r["times"])
        for other, x in rm[1:]:
            if "min_level" in other:
                continue
            tx = statistics.median(x["times"])
            print(f"thread scaling: {name} {t1:.2f} s -> {other} {tx:.2f} s, x{t1 / tx:.2f}")
    # the retained tail is sorted when first read: its cost, apart from the simulation's
    with_q = [(n, statistics.median(x["times"]), x.get("first_quantile_s")) for n, x in rm]
    for n, t, fq in with_q:
        if fq is not None:
            print(
                f"{n}: first quantile {1e3 * fq:.1f} ms (simulate + first quantile {t + fq:.3f} s)"
            )


def run_start(raw: dict) -> None:
    """Cold start (riskmodel's numba cache files deleted) and warm start, fresh processes."""
    files = numba_cache_files()
    for f in files:
        f.unlink(missing_ok=True)
    cold = run_worker("start", n_sims=0, repeats=1, seed=0)
    warm = run_worker("start", n_sims=0, repeats=1, seed=0)
    raw["start"] = {"cold": cold, "warm": warm, "deleted_cache_files": len(files)}
    rows = []
    for label, r in (("cold (numba cache deleted)", cold), ("warm (cache present)", warm)):
        if "skip" in r:
            print(f"note: start-up {label}: {r['skip']}")
            continue
        rows.append(
            [
                label,
                fmt(r["import_deps"], ".2f"),
                fmt(r["import_riskmodel"], ".2f"),
                fmt(r["first"], ".2f"),
                fmt(r["second"], ".4f"),
                fmt(r["times"][0], ".2f"),
            ]
        )
    if rows:
        header = [
            "start",
            "import numpy+numba s",
            "import riskmodel s",
            "1st simulate(1e3) s",
            "2nd simulate(1e3) s",
            "total s",
        ]
        print(f"\nstart-up ({len(files)} numba cache files deleted for the cold run)")
        print(table(header, rows))


def run_big(args: argparse.Namespace, raw: dict) -> None:
    """10^8 years (--big-n) at min_level 0.995 on the largest thread count: peak RSS."""
    nb, threads = int(args.big_n), max(int(t) for t in args.threads.split(","))
    r = run_worker(
        "riskmodel", n_sims=nb, repeats=1, seed=args.seed, threads=threads, min_level=0.995
    )
    raw["big"] = r
    if "skip" in r:
        print(f"note: big run: {r['skip']}")
        return
    wall = r["times"][0]
    row = [
        f"{nb:.0e}".replace("e+0", "e"),
        "0.995",
        str(threads),
        fmt(wall, ".1f"),
        fmt(r["cpu"][0] / wall, ".2f"),
        fmt(MEAN_COUNT * nb / wall / 1e6, ".1f"),
        f"{r['q']:.4f} [{r['ci'][0]:.4f}, {r['ci'][1]:.4f}]",
        fmt(r["rss_peak_mb"], ".0f"),
        "pass" if r["rss_peak_mb"] < RSS_TARGET_MB else "FAIL",
    ]
    header = [
        "years",
        "min_level",
        "threads",
        "wall s",
        "cores used",
        "M draws/s",
        "q99.5 [95% CI]",
        "peak RSS MB",
        "< 1.5 GB",
    ]
    print("\nbig run\n" + table(header, [row]))


def main(argv=None) -> None:
    args = parse_args(argv)
    raw: dict = {"args": {k: str(v) for k, v in vars(args).items()}}
    print(f"# compound Poisson(5)-LogNormal(0, 1): {dt.date.today().isoformat()}")
    print(f"# machine: {machine()}; flags: {cpu_flags()}")
    print(f"# load average {os.getloadavg()[0]:.2f} at start")
    print(f"# {versions()}", flush=True)
    results = run_methods(args)
    raw["main"] = results
    text, notes = main_table(results)
    print("\n" + text)
    others = [
        f"{name.split()[0]} {r['version']}"
        for name, _, r in results
        if "version" in r and not name.startswith(("riskmodel", "numpy"))
    ]
    if others:
        print(f"\nversions: {', '.join(others)}")
    print_riskmodel_notes(results)
    for note in notes:
        print(f"note: {note}")
    if not args.no_start:
        run_start(raw)
    if args.big:
        run_big(args, raw)
    print(f"\n# load average {os.getloadavg()[0]:.2f} at end")
    if args.json:
        args.json.write_text(json.dumps(raw, indent=1, default=str))


if __name__ == "__main__":
    main()
