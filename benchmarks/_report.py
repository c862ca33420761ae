"""Output helpers shared by the benchmark scripts: the machine line, its vector flags and
Markdown tables."""

from __future__ import annotations

import os
import platform
import subprocess


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
    return ", ".join(keep) or "no AVX2"


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table with padded columns (pastes straight into the README)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *map(line, rows)])
