"""Compiled helper of the conditional Monte Carlo estimator (:mod:`.conditional`).

Compiled with ``cache=True, nogil=True`` (:func:`riskmodel._numba.jit`); ``kernel.py_func`` is
the plain-Python twin, which the tests compare against.
"""

from __future__ import annotations

import numpy as np

from .._numba import jit

__all__ = ["segment_sum_max"]


@jit
def segment_sum_max(
    values: np.ndarray, counts: np.ndarray, total: np.ndarray, largest: np.ndarray
) -> None:
    """Add each year's losses to ``total`` and raise ``largest`` to their maximum, in place.

    Year ``i`` owns the next ``counts[i]`` entries of ``values`` (``counts.sum()`` entries in
    all); a year with no entries is left as it is.

    Examples
    --------
    >>> total, largest = np.zeros(3), np.zeros(3)
    >>> segment_sum_max(np.array([1.0, 4.0, 2.0]), np.array([2, 0, 1]), total, largest)
    >>> total.tolist(), largest.tolist()
    ([5.0, 0.0, 2.0], [4.0, 0.0, 2.0])
    """
    j = 0
    for i in range(counts.shape[0]):
        acc = 0.0
        top = largest[i]
        for _ in range(counts[i]):
            v = values[j]
            acc += v
            if v > top:
                top = v
            j += 1
        total[i] += acc
        largest[i] = top
