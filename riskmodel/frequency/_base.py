"""The base class of the frequency (annual count) distributions.

A frequency is a frozen object whose parameters are plain attributes; the public, vectorised
methods delegate to the matching :mod:`scipy.stats` distribution, so their numerics (and their
conventions for non-integer arguments) are scipy's.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from .._rng import RNGLike, as_generator

__all__ = ["Frequency", "check_nonnegative", "check_positive"]


def check_nonnegative(owner: str, name: str, value) -> float:
    """``float(value)``, or a ValueError naming the parameter unless it is finite and >= 0."""
    x = _as_float(owner, name, value)
    if not (math.isfinite(x) and x >= 0.0):
        raise ValueError(f"{owner}: {name} must be a finite number >= 0, got {value!r}")
    return x


def check_positive(owner: str, name: str, value) -> float:
    """``float(value)``, or a ValueError naming the parameter unless it is finite and > 0."""
    x = _as_float(owner, name, value)
    if not (math.isfinite(x) and x > 0.0):
        raise ValueError(f"{owner}: {name} must be a finite number > 0, got {value!r}")
    return x


def _as_float(owner: str, name: str, value) -> float:
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r}") from None
    if arr.ndim != 0:
        raise TypeError(f"{owner}: {name} must be a scalar, got an array of shape {arr.shape}")
    return float(arr)


def _out(arr):
    """A Python float for 0-d results, the array otherwise."""
    arr = np.asarray(arr, dtype=float)
    return float(arr) if arr.ndim == 0 else arr


class Frequency:
    """Frozen distribution of the number of loss events in one period (a year).

    Subclasses store their parameters as plain attributes and implement :meth:`_scipy` (or
    override the probability methods), :meth:`_draw`, :meth:`mean`, :meth:`var`,
    ``params``, ``pgf`` and ``scaled``.
    """

    #: names of the parameters, in order
    param_names: ClassVar[tuple[str, ...]] = ()

    # ------------------------------------------------------------------ to implement
    def _scipy(self):
        """The frozen :mod:`scipy.stats` distribution with the same law."""
        raise NotImplementedError

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        raise NotImplementedError

    def mean(self) -> float:
        """Expected count E[N]."""
        raise NotImplementedError

    def var(self) -> float:
        """Variance of the count."""
        raise NotImplementedError

    def scaled(self, factor: float) -> Frequency:
        """The count for exposure multiplied by ``factor``."""
        raise NotImplementedError

    # ------------------------------------------------------------------ public API
    @property
    def params(self) -> dict[str, float]:
        """The parameters as a dict, in order (the keyword names of the constructor)."""
        raise NotImplementedError

    def std(self) -> float:
        """Standard deviation of the count."""
        return math.sqrt(self.var())

    def pmf(self, k):
        """Probability P(N = k); 0 for k that is negative or not a whole number."""
        return _out(self._scipy().pmf(_as_array(k, "k")))

    def logpmf(self, k):
        """Log of :meth:`pmf` (``-inf`` where the probability is 0)."""
        return _out(self._scipy().logpmf(_as_array(k, "k")))

    def cdf(self, k):
        """Distribution function P(N <= k)."""
        return _out(self._scipy().cdf(_as_array(k, "k")))

    def sf(self, k):
        """Survival function P(N > k), computed without cancellation in the upper tail."""
        return _out(self._scipy().sf(_as_array(k, "k")))

    def ppf(self, q):
        """Quantile function: the smallest whole k with P(N <= k) >= q (``inf`` at q = 1).

        The quantile at ``q = 0`` is -1, scipy's convention for discrete distributions.
        """
        return _out(self._scipy().ppf(_check_prob(q)))

    def isf(self, q):
        """Inverse survival function: the smallest whole k with P(N > k) <= q."""
        return _out(self._scipy().isf(_check_prob(q)))

    def sample(self, n: int, rng: RNGLike = None) -> np.ndarray:
        """Draw ``n`` independent counts.

        Parameters
        ----------
        n : int
            Number of draws, >= 0.
        rng : int, Generator, SeedSequence or None
            Source of randomness (SPEC 7).

        Returns
        -------
        ndarray of int64, shape (n,)
        """
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"n: must be a whole number, got {n!r}")
        if n < 0:
            raise ValueError(f"n: must be non-negative, got {n}")
        return np.asarray(self._draw(as_generator(rng), int(n)), dtype=np.int64)


def _as_array(x, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if np.isnan(arr).any():
        raise ValueError(f"{name}: contains NaN")
    return arr


def _check_prob(q) -> np.ndarray:
    q = _as_array(q, "q")
    if ((q < 0) | (q > 1)).any():
        raise ValueError("q: probabilities must lie in [0, 1]")
    return q
