"""One benchmark method per fresh process: ``python _workers.py METHOD JSON_ARGS``.

Each method runs the compound Poisson(5)-LogNormal(0, 1) problem in its own interpreter so that
its peak resident memory (``getrusage(...).ru_maxrss``) is its own, never mixed with another
method's. The worker prints one line ``RESULT {json}`` on stdout with

- ``times``: wall seconds of each timed repeat (the set-up and a warm-up are not timed),
- ``cpu``: process CPU seconds of each repeat (where the method runs in this process),
- ``q``: the 99.5% quantile (lower empirical quantile for the simulations),
- ``rss_setup_mb``: peak RSS after imports and warm-up, ``rss_peak_mb``: peak RSS at the end,
- anything method-specific (``ci``, ``version``, ``n_sims``, start-up times).

Nothing here imports riskmodel at module level: the start-up method times that import.
"""

from __future__ import annotations

import json
import logging
import math
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

LAMBDA = 5.0  # Poisson frequency
MU, SIGMA = 0.0, 1.0  # LogNormal severity: log X ~ Normal(MU, SIGMA)
LEVEL = 0.995
HERE = Path(__file__).resolve().parent


def _maxrss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size in MiB (Linux reports ru_maxrss in KiB, macOS in bytes)."""
    r = resource.getrusage(who).ru_maxrss
    return r / 2**20 if sys.platform == "darwin" else r / 1024


def _timed(fn, repeats: int):
    """Run ``fn()`` ``repeats`` times; wall and CPU seconds of each, and the last value."""
    times, cpu, out = [], [], None
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return times, cpu, out


def _model():
    import riskmodel
    from riskmodel.frequency import Poisson
    from riskmodel.severity import LogNormal

    return riskmodel.LossModel({"x": (Poisson(LAMBDA), LogNormal(MU, SIGMA))})


def run_riskmodel(n_sims: int, repeats: int, seed: int, threads: int, min_level: float = 0.9):
    """riskmodel.simulate on ``threads`` threads; warm-up on 1,000 years first (compile/load)."""
    import riskmodel

    model = _model()
    riskmodel.simulate(model, 1000, rng=0, n_threads=threads)
    rss_setup = _maxrss_mb()

    def go():
        return riskmodel.simulate(model, n_sims, rng=seed, n_threads=threads, min_level=min_level)

    times, cpu, res = _timed(go, repeats)
    t0 = time.perf_counter()
    q = res.quantile(LEVEL)  # the first read sorts the retained tail
    first_quantile = time.perf_counter() - t0
    return {
        "times": times,
        "cpu": cpu,
        "inner": [res.provenance["elapsed_s"]],
        "first_quantile_s": first_quantile,
        "q": q,
        "ci": list(res.quantile_ci(LEVEL)),
        "mean": res.gross.mean,
        "mean_exact": LAMBDA * math.exp(MU + SIGMA**2 / 2),
        "rss_setup_mb": rss_setup,
        "rss_peak_mb": _maxrss_mb(),
        "version": riskmodel.__version__,
    }


def numpy_compound(n_sims: int, rng, chunk: int = 1 << 20, level: float = LEVEL):
    """Hand-written vectorised NumPy: lower empirical ``level`` quantile and mean of the annual
    totals, in chunks of ``chunk`` years so that memory stays bounded.

    Per chunk: counts by ``rng.poisson``, every severity by one ``rng.lognormal`` call, annual
    sums by ``np.add.reduceat`` over the year boundaries. Only the ``n - ceil(n level) + 1``
    largest totals are kept (``np.partition``), which is all the quantile needs.
    """
    import numpy as np

    keep = n_sims - math.ceil(n_sims * level - 1e-9) + 1  # X_(ceil(n p)) is the keep-th largest
    tops, total = [], 0.0
    for start in range(0, n_sims, chunk):
        n = min(chunk, n_sims - start)
        counts = rng.poisson(LAMBDA, n)
        losses = rng.lognormal(MU, SIGMA, int(counts.sum()))
        starts = np.cumsum(counts) - counts
        # reduceat: a year with no loss would get the next year's first loss; a padded 0 keeps
        # trailing empty years in range, and the mask zeroes every empty year.
        annual = np.add.reduceat(np.append(losses, 0.0), starts)
        annual[counts == 0] = 0.0
        total += annual.sum()
        if n > keep:
            annual = np.partition(annual, n - keep)[n - keep :]
        tops.append(annual)
    tail = np.concatenate(tops)
    q = float(np.partition(tail, len(tail) - keep)[len(tail) - keep])
    return q, total / n_sims


def run_numpy(n_sims: int, repeats: int, seed: int):
    import numpy as np

    numpy_compound(1000, np.random.default_rng(0))
    rss_setup = _maxrss_mb()
    rng = np.random.default_rng(seed)
    times, cpu, (q, mean) = _timed(lambda: numpy_compound(n_sims, rng), repeats)
    return {
        "times": times,
        "cpu": cpu,
        "q": q,
        "mean": mean,
        "rss_setup_mb": rss_setup,
        "rss_peak_mb": _maxrss_mb(),
        "version": np.__version__,
    }


def run_gemact(n_sims: int, repeats: int, seed: int):
    """gemact's LossModel with aggr_loss_dist_method='mc' (timed: the constructor, which
    simulates and computes the costing, as a user pays it)."""
    logging.disable(logging.INFO)
    warnings.simplefilter("ignore")
    import gemact

    def go():
        f = gemact.Frequency(dist="poisson", par={"mu": LAMBDA})
        s = gemact.Severity(dist="lognormal", par={"scale": math.exp(MU), "shape": SIGMA})
        return gemact.LossModel(
            frequency=f, severity=s, aggr_loss_dist_method="mc", n_sim=n_sims, random_state=seed
        )

    rss_setup = _maxrss_mb()
    times, cpu, lm = _timed(go, repeats)
    return {
        "times": times,
        "cpu": cpu,
        "q": float(lm.ppf(LEVEL)),
        "rss_setup_mb": rss_setup,
        "rss_peak_mb": _maxrss_mb(),
        "version": getattr(gemact, "__version__", "?"),
    }


def run_aggregate(n_sims: int, repeats: int, seed: int, log2: int = 18, bs: float = 1 / 256):
    """aggregate's FFT from its DecL language (deterministic: n_sims and seed are unused)."""
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    import aggregate

    spec = f"agg BenchPoLN {LAMBDA} claims sev {math.exp(MU)} * lognorm {SIGMA} poisson"
    rss_setup = _maxrss_mb()
    times, cpu, a = _timed(lambda: aggregate.build(spec, log2=log2, bs=bs), repeats)
    return {
        "times": times,
        "cpu": cpu,
        "q": float(a.q(LEVEL)),
        "bs": bs,
        "log2": log2,
        "rss_setup_mb": rss_setup,
        "rss_peak_mb": _maxrss_mb(),
        "version": aggregate.__version__,
    }


def run_actuar(n_sims: int, repeats: int, seed: int):
    """R actuar's aggregateDist(method = "simulation") in Rscript, timed inside R; the peak RSS
    is the Rscript child's (RUSAGE_CHILDREN)."""
    proc = subprocess.run(
        ["Rscript", str(HERE / "actuar_compound.R"), str(n_sims), str(repeats), str(seed)],
        capture_output=True,
        text=True,
        check=True,
    )
    out = {"times": [], "cpu": []}
    for line in proc.stdout.splitlines():
        key, *vals = line.split()
        if key == "elapsed":
            out["times"].append(float(vals[0]))
        elif key == "quantile":
            out["q"] = float(vals[0])
        elif key == "version":
            out["version"] = f"{vals[0]} (R {vals[1]}.{vals[2]})"
    out["rss_peak_mb"] = _maxrss_mb(resource.RUSAGE_CHILDREN)
    return out


def run_start(n_sims: int, repeats: int, seed: int):
    """Start-up of riskmodel in this fresh process: import, first simulate of 1,000 years
    (numba compiles the kernels or loads them from the on-disk cache), second one (steady)."""
    t0 = time.perf_counter()
    import numba  # noqa: F401
    import numpy  # noqa: F401

    t1 = time.perf_counter()
    import riskmodel

    model = _model()
    _ = riskmodel.simulate  # the lazy attribute imports the engine
    t2 = time.perf_counter()
    riskmodel.simulate(model, 1000, rng=0, n_threads=1)
    t3 = time.perf_counter()
    riskmodel.simulate(model, 1000, rng=0, n_threads=1)
    t4 = time.perf_counter()
    return {
        "import_deps": t1 - t0,
        "import_riskmodel": t2 - t1,
        "first": t3 - t2,
        "second": t4 - t3,
        "times": [t4 - t0],
        "rss_peak_mb": _maxrss_mb(),
    }


METHODS = {
    "riskmodel": run_riskmodel,
    "numpy": run_numpy,
    "gemact": run_gemact,
    "aggregate": run_aggregate,
    "actuar": run_actuar,
    "start": run_start,
}


def main() -> None:
    method, args = sys.argv[1], json.loads(sys.argv[2])
    out = METHODS[method](**args)
    print("RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
