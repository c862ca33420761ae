"""Severity (single-loss) distributions: frozen, vectorised, accurate in the tail.

Every distribution has ``pdf logpdf cdf sf logcdf logsf ppf isf mean var moment lev sample``
and ``truncated(lower, upper)`` / ``capped(limit)``.
"""

from ._base import Severity
from ._lognormal import LogNormal
from ._wrappers import Capped, Truncated

__all__ = ["Capped", "LogNormal", "Severity", "Truncated"]
