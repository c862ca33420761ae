"""An exchange-sized model's counts as events: a block's losses drawn without its empty years.

A model that expects a small fraction of a loss a year (an exchange's: 0.02) spends a block of
years counting zeros: a count drawn, stored and read back for every year, and every year's
total scanned for the few with a loss. The counts of ``n`` independent Poisson(``lam``) years
are, in distribution, a Poisson(``n * lam``) total whose losses fall in years drawn
independently and uniformly (a Poisson total split multinomially). So such a block draws each
category's total and its losses' years, keeps the years with a loss and their counts
(:func:`event_counts`), and the losses kernels draw the losses of those rows only. A
category's losses are drawn in year order whatever rows lie between, so each year's losses
equal, bit for bit, those of the same counts written out for every year (tested).

The random streams of a block: the totals, category by category, from the block's NumPy
generator (one call: a compiled Poisson sampler for large means would cost the first run
half a second of compiling); then the losses' years, in category order, from the block's
xoshiro stream (:func:`uniform_years`); then the losses, as for any block.
"""

from __future__ import annotations

import numpy as np

from .._numba import jit
from ._random import next_double

__all__ = ["event_counts", "uniform_years"]


@jit
def uniform_years(state, n: int, years, m: int) -> None:
    """``years[:m]``: years uniform on ``0 .. n - 1``, one from each next double of ``state``."""
    for j in range(m):
        years[j] = min(int(next_double(state) * n), n - 1)


def event_counts(
    gen: np.random.Generator,
    state: np.ndarray,
    means: np.ndarray,
    n: int,
    years: np.ndarray,
    twin: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Poisson(``means[c]``) counts of each category ``c`` over ``n`` years, for the years with
    a loss only.

    The totals come from ``gen``, the years from the xoshiro ``state``. ``years`` (int64) is
    scratch for the losses' years, of any length. Returns the years with a loss, in order;
    their counts, int64[a, k]; and the scratch (a larger one where it had to grow, for the
    next call). ``twin`` runs :func:`uniform_years`' plain-Python twin.
    """
    totals = gen.poisson(n * np.asarray(means, dtype=float))
    m = int(totals.sum())
    if m > len(years):
        years = np.empty(max(2 * len(years), m), dtype=np.int64)
    (uniform_years.py_func if twin else uniform_years)(state, n, years, m)
    k = len(totals)
    active, row = np.unique(years[:m], return_inverse=True)
    cell = row * k + np.repeat(np.arange(k), totals)
    counts = np.bincount(cell, minlength=len(active) * k).astype(np.int64, copy=False)
    return active, counts.reshape(len(active), k), years
