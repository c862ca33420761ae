"""A block's annual losses reduced to what the result needs, in one compiled pass.

Per block the engine keeps the running moments of every category and of the total, and the
years whose total may belong to the retained tail. Doing this in NumPy takes several passes
and temporary arrays per block; :func:`summarize` does it in two passes over the block with
the GIL released, so that it runs in the worker threads beside the simulation itself.
"""

from __future__ import annotations

import numpy as np

from .._numba import jit

__all__ = ["row_totals", "summarize"]


@jit
def _column_moments(x: np.ndarray, c: int, n: int):
    """Mean and sum of squared deviations of ``x[:n, c]``.

    Four interleaved partial sums: a single running sum would wait on the latency of every
    addition (the compiler may not reorder floating-point sums), and is less accurate.
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
    mean = ((a0 + a1) + (a2 + a3)) / max(n, 1)
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
    return mean, (a0 + a1) + (a2 + a3)


@jit
def summarize(values: np.ndarray, floor: float, totals, out_tot, out_rows, mean, m2) -> int:
    """Moments of a block, and its rows whose total is at least ``floor``.

    The caller's scratch arrays (reused from block to block: a fresh array per block costs page
    faults wherever the allocator hands large blocks back to the system at once, as it does in
    Dask's workers, which set ``MALLOC_TRIM_THRESHOLD_``) receive the row totals and the kept
    rows.

    Parameters
    ----------
    values : float64[n, k]
        Annual losses per year (rows) and category (columns).
    floor : float
        Rows with a smaller total are left out of the kept rows (``-inf`` keeps all).
    totals : float64[>= n, 1]
        Scratch for the row totals.
    out_tot, out_rows : float64[>= n], float64[>= n, k]  (output)
        The totals of the kept rows and the rows themselves, in block order, in their first
        ``r`` places.
    mean, m2 : float64[k + 1]  (output)
        Column means and sums of squared deviations from them, of the categories and (last)
        of the row totals; two passes, so no cancellation.

    Returns
    -------
    r : int
        The number of kept rows.
    """
    n, k = values.shape
    for c in range(k):
        mean[c], m2[c] = _column_moments(values, c, n)
    if k == 1:  # the total is the one category
        both = values
        mean[1], m2[1] = mean[0], m2[0]
    else:
        both = totals  # the row totals, as a column
        for i in range(n):
            s = 0.0
            for c in range(k):
                s += values[i, c]
            both[i, 0] = s
        mean[k], m2[k] = _column_moments(both, k - k, n)  # (not a literal 0: one compile)
    j = 0
    for i in range(n):  # (a branch: most blocks keep almost none or all of their rows)
        t = both[i, 0]
        if t >= floor:
            out_tot[j] = t
            for c in range(k):
                out_rows[j, c] = values[i, c]
            j += 1
    return j


@jit
def row_totals(values: np.ndarray, out: np.ndarray) -> None:
    """``out[i] = values[i, 0] + values[i, 1] + ...``, summed in order as :func:`summarize`
    sums a row (so the result equals the totals it ranks by).

    ``out`` may be a strided column of a larger array (the first column of the "layers"
    view); NumPy's ``sum(axis=1, out=...)`` over a few columns into it is ten times slower.
    """
    n, k = values.shape
    for i in range(n):
        s = 0.0
        for c in range(k):
            s += values[i, c]
        out[i] = s
