"""Number formats of the report's pages (USD amounts, short amounts, percentages)."""

from __future__ import annotations

import math

from ..insurance import _money

__all__ = ["_pct", "_short", "_usd"]


def _usd(x: float) -> str:
    """Full USD amount with thousands separators."""
    return f"{x:,.0f}" if math.isfinite(x) else str(x)


def _short(x: float) -> str:
    """Four significant figures with k / M / bn / tn.

    Examples
    --------
    >>> _short(41_143_232_979.0), _short(2.5e5), _short(float("inf"))
    ('41.14bn', '250k', 'inf')
    """
    return _money(x) if math.isfinite(x) else str(x)


def _pct(p: float) -> str:
    return f"{100 * p:g}%"
