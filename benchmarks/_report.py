"""Helpers shared by the benchmark scripts: the machine line, its vector flags, a median time
and Markdown tables."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from typing import Any


def machine() -> str:
    """CPU model (from ``lscpu`` where available) and the logical CPU count."""
    model = platform.processor() or platform.machine()
    try:
        lines = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
    except OSError:
        lines = []
    for line in lines:
        if line.startswith("Model name:"):
            model = line.split(":", 1)[1].strip()
    return f"{model}, {os.cpu_count()} logical CPUs"


def cpu_flags() -> str:
    """The vector instruction sets the speed depends on (from ``/proc/cpuinfo``)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            words = next(line for line in f if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return "unknown"
    keep = [w for w in ("avx2", "avx512f", "fma") if w in words]
    return (", ".join(keep) or "no AVX2") + code_target()


def code_target() -> str:
    """What the compiled code may use, where the environment narrows it below the CPU's flags.

    ``NUMBA_CPU_NAME=haswell NUMBA_CPU_FEATURES=""`` makes numba compile for an AVX2-only CPU,
    and ``NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"`` keeps NumPy off AVX-512:
    together they run an AVX2-only machine's instructions on an AVX-512 one (not its timings
    per instruction: gathers, for one, cost more on AMD's cores).
    """
    notes = []
    if os.environ.get("NUMBA_CPU_NAME"):
        features = os.environ.get("NUMBA_CPU_FEATURES")
        extra = "" if features is None else f", features {features!r}"
        notes.append(f"numba compiles for {os.environ['NUMBA_CPU_NAME']}{extra}")
    if os.environ.get("NPY_DISABLE_CPU_FEATURES"):
        notes.append(f"NumPy without {os.environ['NPY_DISABLE_CPU_FEATURES']}")
    return "".join(f"; {n}" for n in notes)


def median_time(repeat: int, fn: Callable[..., Any], *args: Any, **kwargs: Any):
    """Median wall seconds of ``repeat`` calls of ``fn(*args, **kwargs)`` (warm it up first:
    compiling is not timed), and the last call's value."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table with padded columns (pastes straight into the README)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *map(line, rows)])
