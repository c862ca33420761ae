"""The retained tail of a simulation: the largest annual totals with their per-category parts.

A simulation of ``n`` years keeps only the ``m`` largest totals that its quantiles, intervals
and TVaR need (``m`` from :func:`riskmodel.engine.simulation.tail_size`). :class:`Tail` holds
them in a buffer of ``2 m`` rows: merged blocks are appended, and a full buffer is compacted in
place to its top ``m`` by :func:`compact`, so the work per merged value is
constant and no array is reallocated. Once ``m`` values are held, their smallest is a floor
that only rises: a later value below it can never enter the top ``m``, so it is dropped on
arrival (and the engine's workers drop it before it reaches the merge).

Among equal totals the earliest (in block order, then within its block) is kept and comes
first, so the tail, parts included, is a function of the simulated years alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .._numba import jit

__all__ = ["Tail", "compact"]


def compact(vals: np.ndarray, parts: np.ndarray, size: int, m: int) -> int:
    """Keep the ``m`` largest of ``vals[:size]`` at the front, with their rows of ``parts``.

    Rows keep their order; among values equal to the ``m``-th largest the earliest are kept.
    Returns the new size, ``min(size, m)``.
    """
    if size <= m:
        return size
    cut = np.partition(vals[:size], size - m)[size - m]  # the m-th largest (NumPy's selection
    return _keep(vals, parts, size, m, cut)  # is several times faster than numba's)


@jit
def _keep(vals: np.ndarray, parts: np.ndarray, size: int, m: int, cut: float) -> int:
    """Move the rows with a value above ``cut``, and the earliest ones equal to it, ``m`` in
    all, to the front in their order; return ``m``.

    Branch-free: every row is written at the next free place and the place advances only for
    a kept row (which of the rows are kept is data: a branch would mispredict half the time).
    """
    ties = m
    for i in range(size):
        ties -= vals[i] > cut
    j = 0
    k = parts.shape[1]
    for i in range(size):
        v = vals[i]
        tie = (v == cut) & (ties > 0)
        ties -= tie
        vals[j] = v
        for c in range(k):
            parts[j, c] = parts[i, c]
        j += (v > cut) | tie
    return j


@jit
def _append(vals, parts, size: int, new_vals, new_parts, start: int, floor: float):
    """Copy the rows of ``new_vals``/``new_parts`` from ``start`` on whose value is at least
    ``floor`` to ``vals``/``parts`` after ``size``, until the buffer is full.

    Returns ``(size, next)``: the new size and the first row not yet looked at. Branch-free
    (as :func:`_keep`): each row is written at ``size``, which advances only for a kept one.
    """
    i = start
    cap = vals.shape[0]
    k = parts.shape[1]
    while i < new_vals.shape[0] and size < cap:
        v = new_vals[i]
        vals[size] = v
        for c in range(k):
            parts[size, c] = new_parts[i, c]
        size += v >= floor
        i += 1
    return size, i


class Tail:
    """The ``m`` largest totals merged so far (earliest first among equals), with their parts.

    Parameters
    ----------
    m : int
        How many totals to keep.
    k : int
        Number of categories (columns of the parts).
    """

    def __init__(self, m: int, k: int) -> None:
        self.m = m
        self.floor = -math.inf
        self._vals = np.empty(2 * m)
        self._parts = np.empty((2 * m, k))
        self._size = 0

    def clear(self) -> None:
        """Forget every total (the buffers are kept, for reuse)."""
        self.floor = -math.inf
        self._size = 0

    def kept(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the ``m`` largest totals so far and their parts, in the order they were
        added (earliest first among equals)."""
        self._compact()
        return self._vals[: self._size].copy(), self._parts[: self._size].copy()

    @staticmethod
    def top(vals: np.ndarray, parts: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``m`` largest of ``vals`` (earliest first among equals), in their order."""
        if len(vals) <= m:
            return vals, parts
        vals, parts = vals.copy(), np.ascontiguousarray(parts).copy()
        n = compact(vals, parts, len(vals), m)
        return vals[:n], parts[:n]

    def _compact(self) -> None:
        self._size = compact(self._vals, self._parts, self._size, self.m)
        if self._size == self.m:
            self.floor = float(self._vals[: self.m].min())

    def add(self, vals: np.ndarray, parts: np.ndarray) -> None:
        """Merge the totals ``vals`` of later years (in their order) with their ``parts``."""
        start = 0
        while True:
            self._size, start = _append(
                self._vals, self._parts, self._size, vals, parts, start, self.floor
            )
            if start >= len(vals):
                return
            self._compact()

    def final(self) -> tuple[np.ndarray, Callable[[], np.ndarray]]:
        """The tail in decreasing order, and a function that returns its parts in the same
        order (earliest first among equal totals).

        The values are sorted at once (NumPy's vectorised sort); the parts need the sorting
        permutation, several times costlier, and are ordered only when the function is called.
        """
        self._compact()
        vals = self._vals[: self._size].copy()
        parts = self._parts[: self._size].copy()
        desc = np.sort(vals)[::-1].copy()

        def ordered_parts() -> np.ndarray:
            order = np.argsort(-vals)
            if np.any(desc[1:] == desc[:-1]):  # ties: the (slower) stable sort
                order = np.argsort(-vals, kind="stable")
            return parts[order]

        return desc, ordered_parts
