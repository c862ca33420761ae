"""The retained tail of a simulation: the largest annual totals with their per-category parts.

A simulation of ``n`` years keeps only the ``m`` largest totals that its quantiles, intervals
and TVaR need (``m`` from :func:`riskmodel.engine.simulation.tail_size`). :class:`Tail` holds
them in a buffer of ``2 m`` rows: merged blocks are appended, and a full buffer is compacted in
place to its top ``m`` by :func:`compact`, so the work per merged value is
constant and no array is reallocated. Once ``m`` values are held, a later value at or below
their smallest can never enter the top ``m`` (among equal totals the earliest are kept), so the
floor, the least value that still may, only rises, and a value below it is dropped on arrival
(the engine's workers drop it before it reaches the merge).

Among equal totals the earliest (in block order, then within its block) is kept and comes
first, so the tail, parts included, is a function of the simulated years alone. Where no part
can be negative, the years of zero total have zero parts, all alike: a tail built with
``zeros=True`` holds them as a count, and writes them out (last) only when the result is read.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np

__all__ = ["PILOT_MIN_TAIL", "PILOT_Z", "Tail", "compact", "pilot_floor"]

#: Margin, in standard deviations, of :func:`pilot_floor`: a floor above the final ``m``-th
#: largest total has a chance of the order of 1e-15 (and is caught: :meth:`Tail.complete`).
PILOT_Z = 8.0
#: Fewest years of the first block expected in the tail for :func:`pilot_floor` to give a
#: floor: below it the normal approximation is poor, and the streaming floor rises soon enough
#: by itself (the tail is small).
PILOT_MIN_TAIL = 1000
#: A given floor shared by at least this share of the first ``m`` totals held (the zero of an
#: exchange whose years mostly hold no loss) is raised from them at once, as a tail without a
#: given floor is: else every later year at the floor would be merged until the buffer fills.
TIED_FLOOR_SHARE = 0.01


def pilot_floor(vals: np.ndarray, n0: int, m: int, n: int) -> float:
    """A floor for the tail of ``n`` years read from their first ``n0``: with ``vals`` the
    totals of those ``n0`` years (all, or at least their largest ``m``), an order statistic of
    them that lies below the ``m``-th largest of all ``n`` totals but for a chance of the order
    of 1e-15.

    The ``m``-th largest of ``n`` is the empirical quantile at ``q = 1 - m / n``; the
    ``j``-th smallest of the first ``n0`` years lies above it only if fewer than ``j`` of
    them fall at or below it. ``j`` is ``n0 q`` less :data:`PILOT_Z` standard deviations of
    both empirical quantiles (normal approximation). ``-inf`` where the first years hold too
    few tail years (:data:`PILOT_MIN_TAIL`) for that.

    Years below the floor can then be dropped from the start instead of only once ``m`` are
    held: at ``m = n / 10`` about 1.1 n / 10 years reach the merge instead of 4.5 n / 10.

    >>> vals = np.arange(100_000.0)
    >>> floor = pilot_floor(vals, 100_000, 10_000_000, 100_000_000)
    >>> 88_000 < floor < 90_000
    True
    """
    q = 1.0 - m / n
    if n0 * (1.0 - q) < PILOT_MIN_TAIL:
        return -math.inf
    spread = PILOT_Z * math.sqrt(q * (1.0 - q)) * (1.0 / math.sqrt(n0) + 1.0 / math.sqrt(n))
    j = math.floor(n0 * (q - spread))  # rank of the floor from the smallest, 1-based
    r = n0 - j  # ... and from the largest, 0-based
    if j < 1 or not 0 <= r < len(vals):
        return -math.inf
    return float(-np.partition(-vals, r)[r])


def compact(vals: np.ndarray, parts: np.ndarray, size: int, m: int) -> int:
    """Keep the ``m`` largest of ``vals[:size]`` at the front, with their rows of ``parts``.

    Rows keep their order; among values equal to the ``m``-th largest the earliest are kept.
    Returns the new size, ``min(size, m)``.
    """
    if size <= m:
        return size
    cut = np.partition(vals[:size], size - m)[size - m]  # the m-th largest
    keep = vals[:size] > cut
    ties = m - int(np.count_nonzero(keep))  # how many equal to it to keep: the earliest
    keep[np.flatnonzero(vals[:size] == cut)[:ties]] = True
    rows = np.flatnonzero(keep)
    vals[:m] = vals[rows]  # (the right sides are copies: the rows may overlap)
    parts[:m] = np.take(parts, rows, axis=0)  # (twice as fast as parts[rows] for a few columns)
    return m


class Tail:
    """The ``m`` largest totals merged so far (earliest first among equals), with their parts.

    Parameters
    ----------
    m : int
        How many totals to keep.
    k : int
        Number of categories (columns of the parts).
    floor : float
        Drop totals below this from the start (a lower bound of the final ``m``-th largest,
        :func:`pilot_floor`); the kept totals are then the ``m`` largest only if at least
        ``m`` totals reached it (:meth:`complete`).
    zeros : bool
        Whether every year of zero total has zero parts (no part is ever negative): then those
        years, all alike and below every other, are held as a count, not as rows (an
        exchange's tail at ``min_level=0.9`` is mostly years without a loss).
    """

    def __init__(self, m: int, k: int, floor: float = -math.inf, zeros: bool = False) -> None:
        self.m = m
        self.floor = floor
        self.zeros = zeros
        self._zeros = 0  # years of zero total held (with ``zeros``), the earliest
        self._given = floor > -math.inf  # whether a starting floor was given
        self._held = False  # whether the floor comes from m held totals
        self._tie_checked = False  # whether the given floor was tested for ties (add)
        self._vals = np.empty(2 * m)
        self._parts = np.empty((2 * m, k))
        self._size = 0
        self._lent = False  # whether final() handed out views of the buffers

    def clear(self) -> None:
        """Forget every total (the buffers are kept, for reuse, unless lent by :meth:`final`)."""
        self.floor = -math.inf
        self._given = self._held = self._tie_checked = False
        self._size = self._zeros = 0
        self._own()

    def _own(self) -> None:
        """Before a write: buffers of its own, the held rows copied, if :meth:`final` lent
        the current ones (their views must not change)."""
        if self._lent:
            vals, parts = np.empty_like(self._vals), np.empty_like(self._parts)
            vals[: self._size] = self._vals[: self._size]
            parts[: self._size] = self._parts[: self._size]
            self._vals, self._parts, self._lent = vals, parts, False

    def complete(self, n: int) -> bool:
        """Whether the kept totals are the ``min(m, n)`` largest of the ``n`` merged years:
        always, unless a starting floor dropped so many that fewer are held."""
        return self._size + self._zeros >= min(self.m, n)

    def kept(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the ``m`` largest totals so far and their parts, in the order they were
        added (earliest first among equals; years of zero total held as a count come last, as
        rows of zeros)."""
        self._compact()
        z = self._zeros
        vals, parts = self._vals[: self._size], self._parts[: self._size]
        return np.r_[vals, np.zeros(z)], np.vstack([parts, np.zeros((z, parts.shape[1]))])

    @staticmethod
    def top(vals: np.ndarray, parts: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``m`` largest of ``vals`` (earliest first among equals), in their order."""
        if len(vals) <= m:
            return vals, parts
        vals, parts = vals.copy(), np.ascontiguousarray(parts).copy()
        n = compact(vals, parts, len(vals), m)
        return vals[:n], parts[:n]

    def _compact(self) -> None:
        if self._size > self.m:
            self._own()
            self._size = compact(self._vals, self._parts, self._size, self.m)
        if self._size == self.m:
            # Strictly above the m-th largest: a later total equal to it ranks behind the m
            # held ones (the earliest come first among equals), so it can never enter either.
            # (Where most years tie, at zero, that drops them all, not only the smaller ones.)
            self.floor = float(np.nextafter(self._vals[: self.m].min(), np.inf))
            self._held = True
            self._zeros = 0
        elif self._size + self._zeros >= self.m:  # the m-th largest is a zero year
            self._zeros = self.m - self._size
            self.floor = max(self.floor, math.ulp(0.0))
            self._held = True

    def add(self, vals: np.ndarray, parts: np.ndarray, zeros: int = 0) -> None:
        """Merge the totals ``vals`` of later years (in their order) with their ``parts``, and
        (a tail with ``zeros``) ``zeros`` more years of zero total."""
        self._own()
        if self.zeros:
            nonzero = vals != 0.0
            if not nonzero.all():
                zeros += len(vals) - int(np.count_nonzero(nonzero))
                vals, parts = vals[nonzero], np.compress(nonzero, parts, axis=0)
            if zeros and self.floor <= 0.0:  # (the earliest first: these come after those held)
                self._zeros = min(self._zeros + zeros, self.m)
        while len(vals):
            keep = vals >= self.floor  # (every tie: a later one may still enter)
            if not keep.all():  # (mostly all: the workers drop what lies below the floor)
                vals, parts = vals[keep], np.compress(keep, parts, axis=0)
            end = min(self._size + len(vals), len(self._vals))
            took = end - self._size
            self._vals[self._size : end] = vals[:took]
            self._parts[self._size : end] = parts[:took]
            self._size = end
            vals, parts = vals[took:], parts[took:]
            if len(vals):  # the buffer is full: cut it to the m largest, then the rest
                self._compact()
        if self._zeros:  # (the positive totals held outrank them)
            self._zeros = max(0, min(self._zeros, self.m - self._size))
        if not self._held and self._size + self._zeros >= self.m and not self._tie_checked:
            # the first time m totals are held: the floor from them at once, not only when
            # the buffer fills (the blocks simulated meanwhile drop more); not after a given
            # starting floor, which lies close below the final cut already (the selection
            # would cost more than the few years it drops), unless many totals tie at it
            if self._given:
                self._tie_checked = True
                ties = np.count_nonzero(self._vals[: self._size] == self.floor)
                ties += self._zeros if self.floor <= 0.0 else 0
                if ties < TIED_FLOOR_SHARE * self.m:
                    return
            self._compact()

    def final(self) -> tuple[Callable[[], np.ndarray], Callable[[], np.ndarray]]:
        """Functions that return the tail (the ``m`` largest totals) in decreasing order and
        its parts in the same order (earliest first among equal totals), each computed when
        first called, then kept.

        Sorting waits for the first reader: the sort of a million kept totals costs a tenth of
        the simulation that found them (the default ``min_level=0.9`` of ten million years),
        and a caller who reads only moments never pays it. The parts need the sorting
        permutation, several times costlier than the sort of the values.

        A tail that started from a given floor (:func:`pilot_floor`, a run straight to its
        last year) holds little more than ``m`` totals (about 1.1 ``m`` at ``min_level=0.9``):
        the functions read its buffers themselves, not copies (a later write copies them
        first), and the sort selects the ``m`` largest, without a selection at the end of the
        run. Any other (which may be extended, and may hold up to ``2 m``) is cut to its ``m``
        largest and copied, so that the result holds no more than it needs.
        """
        m = self.m
        if self._given:
            vals, parts = self._vals[: self._size], self._parts[: self._size]
            self._lent = True
        else:
            self._compact()
            vals, parts = self._vals[: self._size].copy(), self._parts[: self._size].copy()
        zeros = min(self._zeros, max(m - len(vals), 0))  # (after the positive totals)

        @functools.cache
        def held() -> np.ndarray:
            out = np.negative(vals)  # (sorted in place, so decreasing: one array, no copy)
            out.sort()
            return np.negative(out, out=out)[:m]

        @functools.cache
        def desc() -> np.ndarray:
            return np.r_[held(), np.zeros(zeros)] if zeros else held()

        @functools.cache
        def ordered_parts() -> np.ndarray:
            d = held()
            # ties among the m, or across the cut (a left-out total equal to the least kept):
            # the (slower) stable sort, which keeps the earliest first
            ties = len(d) > 0 and (
                np.any(d[1:] == d[:-1]) or np.count_nonzero(vals >= d[-1]) > len(d)
            )
            order = np.argsort(-vals, kind="stable" if ties else None)
            out = np.take(parts, order[:m], axis=0)  # (as in compact)
            return np.vstack([out, np.zeros((zeros, out.shape[1]))]) if zeros else out

        return desc, ordered_parts
