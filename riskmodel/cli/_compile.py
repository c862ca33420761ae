"""``riskmodel compile``: compile the simulation kernels into numba's cache, ahead of use."""

from __future__ import annotations

import argparse
import sys
import time

from ._common import settle_heap

EXAMPLES = """examples:
  riskmodel compile                  # after installing: later runs load the kernels
  NUMBA_CACHE_DIR=/opt/numba-cache riskmodel compile   # a cache outside the package

numba compiles each kernel on its first use and keeps it in its cache, so the first simulation
after installing spends much of its time compiling (about 3 s of the first 'riskmodel reserve'
on a 2-core AVX-512 machine, more on slower CPUs). This command does all of it at once (about
17 s there), for example in a container image's build step. The cache is kept per CPU model: a
machine with another CPU compiles its own on first use. Running the command again only loads
the kernels.
"""


def add_parser(sub) -> None:
    """Register the ``compile`` subcommand."""
    p = sub.add_parser(
        "compile",
        help="compile the simulation kernels ahead of their first use",
        description="Compile every simulation kernel into numba's on-disk cache, so that later "
        "runs load them instead of compiling on first use.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``riskmodel compile``: one line per step, then the total."""
    from ..precompile import CompileStep, precompile

    settle_heap(args)  # (the imports above are the heap's bulk)

    def show(step: CompileStep) -> None:
        n = step.compiled
        what = f"{n} function{'s' * (n != 1)} compiled" if n else "loaded from the cache"
        print(f"  {step.name:<42} {step.seconds:6.1f} s  {what}", flush=True)

    t0 = time.perf_counter()
    print("riskmodel: compiling the simulation kernels into numba's cache", flush=True)
    steps = precompile(report=show)
    if not steps:
        print("nothing to compile: numba's compiler is disabled (NUMBA_DISABLE_JIT=1)")
        return 0
    n = sum(s.compiled for s in steps)
    elapsed = time.perf_counter() - t0
    if n:
        functions = f"{n} function{'s' * (n != 1)}"
        print(f"done in {elapsed:.1f} s: {functions} compiled; later runs load them")
    else:
        print(f"done in {elapsed:.1f} s: every kernel was already in the cache")
    sys.stdout.flush()
    return 0
