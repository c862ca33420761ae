"""Risk measures of a vector of simulated annual losses (sparse or dense), and their errors.

Quantiles are empirical lower quantiles, ``X_(ceil(n p))``, with distribution-free intervals
from order statistics (the binomial ranks). TVaR at level ``p`` is the mean of the
``k = ceil(n (1 - p))`` largest years (ties broken by year, earliest first), the same years
that define each policy's co-TVaR, so the allocations add up exactly.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

__all__ = [
    "RETURN_PERIODS",
    "batch_se",
    "quantile",
    "quantile_ci",
    "sparse_quantile",
    "tail_years",
    "tvar",
]

#: return periods of the underwriter's table, years
RETURN_PERIODS = (10, 25, 50, 100, 200, 250, 500, 1000)


def _check_level(p: float) -> float:
    if not 0 < p < 1:
        raise ValueError(f"level: must lie in (0, 1), got {p}")
    return float(p)


def _rank(n: int, p: float) -> int:
    return min(max(math.ceil(n * _check_level(p) - 1e-9), 1), n)


def quantile(x: np.ndarray, p: float) -> float:
    """Lower empirical quantile ``X_(ceil(n p))`` of ``x``.

    Examples
    --------
    >>> quantile(np.arange(1.0, 11.0), 0.9)
    9.0
    """
    r = _rank(len(x), p)
    return float(np.partition(x, r - 1)[r - 1])


def quantile_ci(x: np.ndarray, p: float, level: float = 0.95) -> tuple[float, float]:
    """Distribution-free interval of the ``p``-quantile from order statistics (binomial ranks).

    Examples
    --------
    >>> lo, hi = quantile_ci(np.arange(1000.0), 0.5)
    >>> lo < 499 < hi
    True
    """
    n = len(x)
    a = (1.0 - _check_level(level)) / 2.0
    r = max(int(stats.binom.ppf(a, n, p)), 1)
    s = min(int(stats.binom.ppf(1.0 - a, n, p)) + 1, n)
    part = np.partition(x, [r - 1, s - 1])
    return float(part[r - 1]), float(part[s - 1])


def sparse_quantile(values: np.ndarray, n: int, p: float) -> float:
    """Quantile of ``n`` years of which only ``values`` are non-zero (the rest are 0).

    Examples
    --------
    >>> sparse_quantile(np.array([5.0, 7.0]), 100, 0.99)
    5.0
    >>> sparse_quantile(np.array([5.0, 7.0]), 100, 0.9)
    0.0
    """
    r = _rank(n, p)
    zeros = n - len(values)
    if r <= zeros:
        return 0.0
    return float(np.partition(values, r - zeros - 1)[r - zeros - 1])


def tail_years(x: np.ndarray, p: float) -> np.ndarray:
    """Indices of the ``ceil(n (1 - p))`` largest years (ties: earliest years first).

    Examples
    --------
    >>> tail_years(np.array([1.0, 5.0, 3.0, 5.0]), 0.5).tolist()
    [1, 3]
    """
    n = len(x)
    k = max(math.ceil(n * (1.0 - _check_level(p)) - 1e-9), 1)
    order = np.argsort(-x, kind="stable")
    return np.sort(order[:k])


def tvar(x: np.ndarray, p: float) -> float:
    """Mean of the ``ceil(n (1 - p))`` largest values.

    Examples
    --------
    >>> tvar(np.arange(1.0, 11.0), 0.8)
    9.5
    """
    return float(np.mean(x[tail_years(x, p)]))


def batch_se(fn, n: int, n_batches: int = 20) -> float:
    """Standard error of a statistic by batch means: ``fn(slice)`` on ``n_batches`` contiguous
    batches of the years, ``sd / sqrt(n_batches)``.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=20_000)
    >>> 0.5 < batch_se(lambda s: x[s].mean(), len(x)) * math.sqrt(len(x)) < 1.5
    True
    """
    edges = np.linspace(0, n, n_batches + 1).astype(int)
    vals = np.array([fn(slice(edges[i], edges[i + 1])) for i in range(n_batches)])
    return float(np.std(vals, ddof=1) / math.sqrt(n_batches))
