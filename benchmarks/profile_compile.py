"""Profile: the first run's compiling (issue 16's cold start), function by function.

Runs a command of the CLI (default: ``reserve --n-sims 20000 --parameter-draws 0``) in fresh
processes with an empty numba cache (a temporary ``NUMBA_CACHE_DIR``): ``--rounds`` times
cold, each followed by a warm run on the cache it filled, timing the whole process as a user
runs it (``python -m riskmodel ...``). Then it runs the command in-process, cold and then
warm, with timers around its phases: the modules a reserve imports, the fitting
(``calibrate_industry``), the simulations (``reserve``) and the model-risk table
(``model_risk``), each with what it imports and compiles (a phase the command does not run
reads 0). Then, once more cold in a child process, it lists the
compiled functions by their own compile time (numba's compile events: a function's seconds
less those of the functions it compiled meanwhile; a function compiled for several
signatures is summed), and, for the slowest kernel, numba's ``compiler_lock`` and
``llvm_lock`` seconds (each including its callees) and its pipeline's slowest passes.

    python benchmarks/profile_compile.py [--rounds 3] [--top 15] [-- reserve --n-sims 20000]

To compare with another commit, run it from /tmp with a worktree of that commit first on
``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from _report import cpu_flags, machine, table

DEFAULT = ["reserve", "--n-sims", "20000", "--parameter-draws", "0"]

#: run in the child: the command in-process (as its own process would), with numba's compile
#: events recorded; prints one JSON line
CHILD = r"""
import contextlib, io, json, sys, time
from numba.core import event

own, incl, stack = {}, {}, []

class Listener(event.Listener):
    def on_start(self, ev):
        stack.append((ev.data["dispatcher"], time.perf_counter()))

    def on_end(self, ev):
        disp, t0 = stack.pop()
        dt = time.perf_counter() - t0
        own[disp] = own.get(disp, 0.0) + dt
        incl[disp] = incl.get(disp, 0.0) + dt
        if stack:
            parent = stack[-1][0]
            own[parent] = own.get(parent, 0.0) - dt

event.register("numba:compile", Listener())
import inspect
from riskmodel.cli import main

# (as the console script runs it; an older riskmodel's main() has no such argument)
kw = {"own_process": True} if "own_process" in inspect.signature(main).parameters else {}
t0 = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    main(sys.argv[1:], **kw)
wall = time.perf_counter() - t0
name = lambda d: d.py_func.__qualname__
top = max(incl, key=incl.get)
timers, passes = {}, []
for md in top.get_metadata().values():
    timers = {k: round(v, 3) for k, v in md["timers"].items()}
    for pipeline in md.get("pipeline_times", {}).values():
        passes += [(k, v.init + v.run + v.finalize) for k, v in pipeline.items()]
print(json.dumps({
    "wall": wall,
    "own": sorted(((name(d), s) for d, s in own.items()), key=lambda x: -x[1]),
    "compile": sum(own.values()),
    "top": name(top), "timers": timers,
    "passes": sorted(passes, key=lambda x: -x[1])[:5],
}))
"""


#: run in the child: the command in-process with wall timers around its phases (the modules a
#: reserve imports, imported first; then the fitting, the simulations and the model-risk table
#: inside the run, each including what it imports or compiles; a phase inside another, the
#: model-risk table's own reserves, counts for the outer one); prints one JSON line
PHASES = r"""
import contextlib, io, json, sys, time
t0 = time.perf_counter()
import riskmodel.calibrate, riskmodel.cli, riskmodel.model_averaging, riskmodel.reserving
took = {"imports": time.perf_counter() - t0}
running = []
for mod, name, phase in (
    (riskmodel.calibrate, "calibrate_industry", "fitting"),
    (riskmodel.reserving, "reserve", "simulation"),
    (riskmodel.model_averaging, "model_risk", "model risk"),
):
    def timed(*a, _f=getattr(mod, name), _p=phase, **k):
        if running:  # (inside another phase: its time is that phase's)
            return _f(*a, **k)
        running.append(_p)
        s = time.perf_counter()
        try:
            return _f(*a, **k)
        finally:
            took[_p] = took.get(_p, 0.0) + time.perf_counter() - s
            running.pop()
    setattr(mod, name, timed)
import inspect
from riskmodel.cli import main

kw = {"own_process": True} if "own_process" in inspect.signature(main).parameters else {}
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    main(sys.argv[1:], **kw)
took["total"] = time.perf_counter() - t0
print(json.dumps(took))
"""


def _child(code: str, args: list[str], cache: str) -> dict:
    """The JSON line that ``code`` prints, run with the CLI arguments ``args`` in a fresh
    interpreter with numba's cache in ``cache``."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env
    )
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _run(args: list[str], cache: str) -> float:
    """Wall seconds of ``python -m riskmodel args`` with numba's cache in ``cache``."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "riskmodel", *args], capture_output=True, text=True, env=env
    )
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"riskmodel {' '.join(args)} failed:\n{out.stderr}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("command", nargs="*", help="the CLI command (after --)")
    opts = ap.parse_args()
    args = opts.command or DEFAULT

    cold, warm = [], []
    for _ in range(opts.rounds):
        with tempfile.TemporaryDirectory() as cache:
            cold.append(_run(args, cache))
            warm.append(_run(args, cache))
    print(f"{machine()}; flags: {cpu_flags()}; riskmodel {' '.join(args)}")
    print(
        table(
            ["run", "wall s (median)", "range"],
            [
                [name, f"{statistics.median(t):.2f}", f"{min(t):.2f}-{max(t):.2f}"]
                for name, t in (("cold (empty cache)", cold), ("warm", warm))
            ],
        )
    )

    with tempfile.TemporaryDirectory() as cache:
        phases = [_child(PHASES, args, cache), _child(PHASES, args, cache)]  # cold, then warm
    names = [p for p in phases[0] if p != "total"]
    rows = [[p, *(f"{run.get(p, 0.0):.2f}" for run in phases)] for p in names]
    rest = [run["total"] - sum(run.get(p, 0.0) for p in names) for run in phases]
    rows += [["the rest", *(f"{r:.2f}" for r in rest)]]
    rows += [["in all", *(f"{run['total']:.2f}" for run in phases)]]
    print("\nwhere the time goes, in-process (each phase with what it imports and compiles)")
    print(table(["phase", "cold s", "warm s"], rows))

    with tempfile.TemporaryDirectory() as cache:
        doc = _child(CHILD, args, cache)
    print(f"\none cold run in-process: {doc['wall']:.2f} s, {doc['compile']:.2f} s compiling")
    rows = [[f, f"{s:.3f}"] for f, s in doc["own"][: opts.top]]
    print(table(["function", "own compile s"], rows))
    print(f"\n{doc['top']}, with what it compiles: {doc['timers']}")
    print(table(["pass", "s"], [[p, f"{s:.3f}"] for p, s in doc["passes"]]))


if __name__ == "__main__":
    main()
