"""A block's annual losses reduced to what the result needs, in one compiled pass.

Per block the engine keeps the running moments of every category and of the total, and the
years whose total may belong to the retained tail. Doing this in NumPy takes several passes
and temporary arrays per block; :func:`summarize` does it in two passes over the block with
the GIL released, so that it runs in the worker threads beside the simulation itself.

A block whose years mostly hold no loss (an exchange's) is summarised over the years that hold
one (:func:`active_years` lists them), the others entering the moments as zeros.
"""

from __future__ import annotations

import numpy as np

from .._numba import jit, jit_callee

__all__ = ["active_years", "summarize"]


@jit_callee
def _column_moments(x: np.ndarray, c: int, n: int, years: int):
    """Mean and sum of squared deviations of ``x[:n, c]`` and ``years - n`` zeros.

    Four interleaved partial sums: a single running sum would wait on the latency of every
    addition (the compiler may not reorder floating-point sums), and is less accurate. The
    zeros add ``mean**2`` each to the squared deviations, in one term.
    """
    a0 = a1 = a2 = a3 = 0.0
    n4 = n - n % 4
    for i in range(0, n4, 4):
        a0 += x[i, c]
        a1 += x[i + 1, c]
        a2 += x[i + 2, c]
        a3 += x[i + 3, c]
    for i in range(n4, n):
        a0 += x[i, c]
    mean = ((a0 + a1) + (a2 + a3)) / max(years, 1)
    a0 = a1 = a2 = a3 = 0.0
    for i in range(0, n4, 4):
        d0, d1 = x[i, c] - mean, x[i + 1, c] - mean
        d2, d3 = x[i + 2, c] - mean, x[i + 3, c] - mean
        a0 += d0 * d0
        a1 += d1 * d1
        a2 += d2 * d2
        a3 += d3 * d3
    for i in range(n4, n):
        d0 = x[i, c] - mean
        a0 += d0 * d0
    m2 = (a0 + a1) + (a2 + a3)
    if years > n:
        m2 += (years - n) * (mean * mean)
    return mean, m2


@jit
def summarize(values, years: int, floor: float, ties: int, totals, out_tot, out_rows, mean, m2):
    """Moments of a block, and its rows whose total is at least ``floor``.

    The caller's scratch arrays (reused from block to block: a fresh array per block costs page
    faults wherever the allocator hands large blocks back to the system at once, as it does in
    Dask's workers, which set ``MALLOC_TRIM_THRESHOLD_``) receive the row totals and the kept
    rows.

    A block whose years mostly hold no loss (an exchange's: a few percent of its years) comes
    as its other years only (``values``, ``a`` rows, in year order) and the number of its
    years: the rest are zero in every column, enter the moments at no cost, and are never
    kept (the caller counts them).

    Of the years in ``values`` whose total is zero, only the first ``ties`` are kept (the
    tail's size ``m``: a later one ranks behind ``m`` earlier equal totals, so it can never
    enter the tail; 0 where the caller counts them too).

    Parameters
    ----------
    values : float64[a, k]
        Annual losses per year (rows) and category (columns): every year of the block
        (``a == years``), or the years that may be non-zero.
    years : int
        The block's years (at least ``a``).
    floor : float
        Rows with a smaller total are left out of the kept rows (``-inf`` keeps all).
    ties : int
        The most years of zero total kept (see above).
    totals : float64[>= a, 1]
        Scratch for the row totals.
    out_tot, out_rows : float64[>= a], float64[>= a, k]  (output)
        The totals of the kept rows and the rows themselves, in year order, in their first
        ``r`` places.
    mean, m2 : float64[k + 1]  (output)
        Column means and sums of squared deviations from them, of the categories and (last)
        of the row totals; two passes, so no cancellation.

    Returns
    -------
    r : int
        The number of kept rows.
    """
    a, k = values.shape
    for c in range(k):
        mean[c], m2[c] = _column_moments(values, c, a, years)
    if k == 1:  # the total is the one category
        both = values
        mean[1], m2[1] = mean[0], m2[0]
    else:
        both = totals  # the row totals, as a column
        for i in range(a):
            s = 0.0
            for c in range(k):
                s += values[i, c]
            both[i, 0] = s
        mean[k], m2[k] = _column_moments(both, k - k, a, years)  # (not a literal 0: one compile)
    j = zeros = 0
    for i in range(a):  # (a branch: most blocks keep almost none or all of their rows)
        t = both[i, 0]
        if t >= floor and (t != 0.0 or zeros < ties):
            out_tot[j] = t
            for c in range(k):
                out_rows[j, c] = values[i, c]
            j += 1
            zeros += t == 0.0
    return j


@jit
def active_years(values: np.ndarray, where: np.ndarray) -> int:
    """The years (rows) of ``values`` with a non-zero entry, into ``where``; their number."""
    n, k = values.shape
    a = 0
    for i in range(n):
        nonzero = False
        for c in range(k):
            nonzero |= values[i, c] != 0.0
        where[a] = i
        a += nonzero
    return a
