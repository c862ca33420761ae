"""Number formats of the report's pages (USD amounts, short amounts, percentages)."""

from __future__ import annotations

import math

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
    if not math.isfinite(x):
        return str(x)
    for scale, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.4g}{suffix}"
    return f"{x:.4g}"


def _pct(p: float) -> str:
    return f"{100 * p:g}%"
