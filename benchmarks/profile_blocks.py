"""Profile: where a block's time goes, on one thread and on two (issue 16's 2-thread loss).

Runs ``simulate`` on the Poisson(5)-lognormal of ``bench_compound.py`` (or, with ``--model``,
the default industry model of ``riskmodel reserve``, or the example exchange with its
insurance programme) with timers around each block (``Simulation._block``) and its two
compiled parts (counts and losses: ``simulate_block``, or for a model drawn as events
``event_counts`` and ``draw_losses``; ``summarize``: moments and tail candidates), on 1 and 2
threads, alternated, and the merge of each block's summary into the run's moments and tails
(``Simulation._merge``, outside the block: with many views and a tail that fills, it can cost
more than the block's kernels); then the same block function called in a loop by
one bare Python thread and by two at once (no pool, no merging), with each view's floor set as
a long run sets it. The "other" column is the rest of a block: the programme's kernel where
there is one, the Python around the kernels and the waits for the interpreter lock. If a
block costs more in the pool on two threads than on two bare threads, the difference is the
pool's and the merges'.

    python benchmarks/profile_blocks.py [--n-sims 1e7] [--rounds 2] [--model plain]
"""

from __future__ import annotations

import argparse
import math
import statistics
import threading
import time

from _report import machine, table
from _workers import _model


def main() -> None:
    import riskmodel
    from riskmodel.engine import _kernels, simulation

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n-sims", type=float, default=1e7)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--model", choices=("plain", "industry", "exchange"), default="plain")
    args = ap.parse_args()
    n = int(args.n_sims)

    lock = threading.Lock()
    spent: dict[str, float] = {}
    inside = threading.local()  # (a timed call inside another of its key counts once)

    def timed(fn, key):
        def wrapper(*a, **k):
            if getattr(inside, key, False):
                return fn(*a, **k)
            setattr(inside, key, True)
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                setattr(inside, key, False)
                with lock:
                    spent[key] = spent.get(key, 0.0) + time.perf_counter() - t0

        return wrapper

    # (the names the simulation module looks up at call time): the kernels are the counts and
    # losses of every year, or an events model's (engine._events) counts and losses
    _kernels.simulate_block = timed(_kernels.simulate_block, "kernels")
    _kernels.draw_losses = timed(_kernels.draw_losses, "kernels")
    simulation.event_counts = timed(simulation.event_counts, "kernels")
    simulation.summarize = timed(simulation.summarize, "summary")
    simulation.Simulation._block = timed(simulation.Simulation._block, "block")
    simulation.Simulation._merge = timed(simulation.Simulation._merge, "merge")

    model, program = _model(), None
    if args.model != "plain":
        from riskmodel.calibrate import calibrate_industry
        from riskmodel.profile import example_profile

        cal = calibrate_industry()
        model = cal.model
        if args.model == "exchange":
            model, program, _ = example_profile().build_model(cal)
    kw = {"min_level": 0.995, "program": program}
    riskmodel.simulate(model, 1000, rng=0, n_threads=2, **kw)  # compile outside the timing
    bs = simulation.DEFAULT_BLOCK_SIZE
    blocks = -(-n // bs)
    rows = []
    for r in range(args.rounds):
        for threads in (1, 2):
            spent.clear()
            t0 = time.perf_counter()
            riskmodel.simulate(model, n, rng=1, n_threads=threads, **kw)
            wall = time.perf_counter() - t0
            per = {k: v / blocks * 1e3 for k, v in spent.items()}
            other = per["block"] - per["kernels"] - per["summary"]
            rows.append(
                [f"pool, {threads} thread(s), round {r + 1}", f"{wall:.3f}"]
                + [f"{v:.3f}" for v in (per["block"], per["kernels"], per["summary"], other)]
                + [f"{per['merge']:.3f}"]
            )

    # bare threads: the block function in a loop, each view's floor set as a long run sets it
    # (just above zero where its 0.995 quantile is zero: the tail then holds m earlier zeros)
    res = riskmodel.simulate(model, 1_000_000, rng=0, **kw)
    sim = simulation.Simulation(model, max_sims=n, rng=1, **kw)
    views = ("gross", "ceded", "net", "layers") if program is not None else ("gross",)
    for name in views:
        floor = max(getattr(res, name).quantile(0.995), math.ulp(0.0))
        sim._tails[name] = sim.plan.new_tail(name, sim.m, floor)
    count = 60

    def loop(start: int, step: int, out: list) -> None:
        t0 = time.perf_counter()
        for b in range(start, start + step * count, step):
            sim._block(b, bs)
        out.append((time.perf_counter() - t0) / count * 1e3)

    for r in range(args.rounds):
        alone: list[float] = []
        loop(0, 1, alone)
        both: list[float] = []
        threads = [threading.Thread(target=loop, args=(i, 2, both)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rows.append([f"bare, 1 thread, round {r + 1}", "", f"{alone[0]:.3f}", "", "", "", ""])
        rows.append(
            [f"bare, 2 threads, round {r + 1}", "", f"{statistics.mean(both):.3f}", "", "", "", ""]
        )

    print(f"# block profile, {args.model} model: {machine()}; {n:.0e} years, blocks of {bs}")
    header = ["run", "wall s", "ms/block", "kernels", "summary", "other", "merge ms/block"]
    print(table(header, rows))


if __name__ == "__main__":
    main()
