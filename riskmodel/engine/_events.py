"""An exchange-sized model's counts as events: a block's losses drawn without its empty years.

A model that expects a small fraction of a loss a year (an exchange's: 0.02) spends a block of
years counting zeros: a count drawn, stored and read back for every year, and every year's
total scanned for the few with a loss. The counts of ``n`` independent Poisson(``lam``) years
are, in distribution, a Poisson(``n * lam``) total whose losses fall in years drawn
independently and uniformly (a Poisson total split multinomially). So such a block draws each
category's total and its losses' years (:func:`poisson_events`), keeps the years with a loss
and their counts (:func:`event_counts`), and the losses kernels draw the losses of those rows
only. A category's losses are drawn in year order whatever rows lie between, so each year's
losses equal, bit for bit, those of the same counts written out for every year (tested).

The random stream of a block: each category's total then its losses' years, category by
category, then the losses as for any block.
"""

from __future__ import annotations

import numpy as np

from .._numba import jit
from ._random import next_double, poisson

__all__ = ["event_counts", "poisson_events"]


@jit
def poisson_events(state, mean: float, n: int, years, start: int, total: int) -> int:
    """Draw a Poisson(``n * mean``) total (unless ``total >= 0`` gives it) and, for each of its
    losses, a year uniform on ``0 .. n - 1``, into ``years[start:start + total]``.

    Returns the total; where ``years`` has no room for it, ``-1 - total`` with no year drawn:
    call again with that total and a larger ``years``.
    """
    if total < 0:
        total = poisson(state, n * mean)
        if start + total > years.shape[0]:
            return -1 - total
    for j in range(start, start + total):
        years[j] = min(int(next_double(state) * n), n - 1)
    return total


def event_counts(
    state: np.ndarray, means: np.ndarray, n: int, years: np.ndarray, twin: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Poisson(``means[c]``) counts of each category ``c`` over ``n`` years, for the years with
    a loss only.

    ``years`` (int64) is scratch for the losses' years, of any length. Returns the years with a
    loss, in order; their counts, int64[a, k]; and the scratch (a larger one where it had to
    grow, for the next call). ``twin`` runs :func:`poisson_events`' plain-Python twin.
    """
    kernel = poisson_events.py_func if twin else poisson_events
    k = len(means)
    totals = np.empty(k, dtype=np.int64)
    at = 0
    for c in range(k):
        total = kernel(state, means[c], n, years, at, -1)
        if total < 0:  # no room: a larger scratch for the years of this total
            total = -1 - total
            grown = np.empty(max(2 * len(years), at + total), dtype=np.int64)
            grown[:at] = years[:at]
            years = grown
            kernel(state, means[c], n, years, at, total)
        totals[c] = total
        at += total
    active, row = np.unique(years[:at], return_inverse=True)
    cell = row * k + np.repeat(np.arange(k), totals)
    counts = np.bincount(cell, minlength=len(active) * k).astype(np.int64, copy=False)
    return active, counts.reshape(len(active), k), years
