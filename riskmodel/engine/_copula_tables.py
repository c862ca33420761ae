"""Count tables on the copula's own scale, so that a copula draw needs no distribution function.

Through a Gaussian copula a category's count is the smallest ``j`` with ``cdf[j] >= Phi(x)``,
``x`` its correlated normal; equivalently, the smallest ``j`` with ``ndtri(cdf[j]) >= x``
(``Phi`` is increasing). Tabulating ``zq[j] = ndtri(cdf[j])`` once (Student t quantiles for a
t copula, whose ``x`` is the scaled normal) replaces the ``erfc`` (or, for the t, the
incomplete beta function) of every category of every year by a table search. The two agree
except where ``x`` lies within rounding of a table entry, and far in the upper tail
(``1 - Phi(x) < 1e-12`` or so), where ``Phi(x)`` rounds towards 1 and no longer resolves the
count's cdf: there the copula scale still does, and gives the larger, correct count.

The search starts from a guide on a grid of ``x``: ``zguide[c, g]`` is the smallest ``j`` with
``zq[c, j] >= -Z_MAX + g / Z_SCALE``; below the grid it starts at 0, above it at the last
guide entry.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

__all__ = ["GUIDE", "Z_MAX", "Z_SCALE", "copula_tables"]

Z_MAX = 8.0  # the guide covers x in [-Z_MAX, Z_MAX)
GUIDE = 4096  # guide entries
Z_SCALE = GUIDE / (2.0 * Z_MAX)  # guide entries per unit of x


def copula_tables(
    cdf: np.ndarray, size: np.ndarray, cop_kind: int, df: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(zq, zguide)`` for the count tables ``cdf`` (rows with ``size[c] > 0``) of a Gaussian
    (``cop_kind`` 1) or t (2, ``df`` degrees of freedom) copula; rows without a table are left
    at +inf (their counts are drawn otherwise)."""
    k = cdf.shape[0]
    zq = np.full(cdf.shape, np.inf)
    zguide = np.zeros((k, GUIDE), dtype=np.int64)
    grid = -Z_MAX + np.arange(GUIDE) / Z_SCALE
    for c in range(k):
        if size[c] == 0:
            continue
        row = special.ndtri(cdf[c]) if cop_kind == 1 else stats.t.ppf(cdf[c], df)
        zq[c] = np.where(cdf[c] >= 1.0, np.inf, row)
        zguide[c] = np.searchsorted(zq[c], grid, side="left")
    return zq, zguide
