"""What the block scheme's two users share: :mod:`.engine` and :mod:`.conditional`.

Both split ``n_sims`` years into blocks of a fixed size, each drawn from its own stream, on a
thread pool, and pool each block's moments in block order, so that results depend on (seed,
n_sims, block_size) alone. Here: the checks of those settings, the block sizes and the moments.
"""

from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from .._numba import default_threads

__all__ = ["Moments", "block_sizes", "check_count", "resolve_threads"]


def check_count(value, name: str) -> int:
    """``value`` as a positive ``int``; integral floats such as ``1e6`` are accepted.

    Raises
    ------
    ValueError
        Naming ``name``, for anything else (0, negatives, 2.5, ``True``, strings).

    Examples
    --------
    >>> check_count(1e6, "n_sims")
    1000000
    >>> check_count(2.5, "n_sims")
    Traceback (most recent call last):
    ...
    ValueError: n_sims: must be a positive integer, got 2.5
    """
    integral = isinstance(value, numbers.Integral) or (
        isinstance(value, float) and value.is_integer()
    )
    ok = integral and not isinstance(value, (bool, np.bool_)) and value >= 1
    if not ok:
        raise ValueError(f"{name}: must be a positive integer, got {value!r}")
    return int(value)


def resolve_threads(n_threads) -> int:
    """Worker threads: ``n_threads`` checked, or by default :func:`default_threads`."""
    return default_threads() if n_threads is None else check_count(n_threads, "n_threads")


def block_sizes(start: int, stop: int, size: int) -> list[int]:
    """Sizes of the blocks that hold years ``start`` to ``stop - 1`` (``start`` a multiple of
    ``size``): whole blocks, then the remainder.

    >>> block_sizes(0, 10, 4), block_sizes(8, 10, 4)
    ([4, 4, 2], [2])
    """
    return [min(size, stop - b) for b in range(start, stop, size)]


_M = TypeVar("_M", bound="Moments")


@dataclass(frozen=True, eq=False)
class Moments:
    """Count, means and sums of squared deviations of some columns over a set of years.

    Examples
    --------
    >>> x = np.arange(10.0)[:, None]
    >>> a = Moments(4, x[:4].mean(0), ((x[:4] - x[:4].mean(0)) ** 2).sum(0))
    >>> b = Moments(6, x[4:].mean(0), ((x[4:] - x[4:].mean(0)) ** 2).sum(0))
    >>> ab = a.merge(b)
    >>> float(ab.mean[0]), float(ab.var[0])
    (4.5, 9.166666666666666)
    """

    n: int
    mean: np.ndarray
    m2: np.ndarray

    def merge(self: _M, other: Moments) -> _M:
        """The moments of both sets of years (Chan, Golub & LeVeque's pairwise update)."""
        n = self.n + other.n
        delta = other.mean - self.mean
        return dataclasses.replace(
            self,
            n=n,
            mean=self.mean + delta * (other.n / n),
            m2=self.m2 + other.m2 + delta * delta * (self.n * other.n / n),
        )

    @property
    def var(self) -> np.ndarray:
        """Sample variance of each column (divisor ``n - 1``; ``m2`` itself for one year)."""
        return self.m2 / max(self.n - 1, 1)

    @staticmethod
    def pooled(parts: list[_M]) -> _M:
        """The moments of consecutive sets of years, merged in their order."""
        out = parts[0]
        for part in parts[1:]:
            out = out.merge(part)
        return out
