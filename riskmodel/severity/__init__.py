"""Severity (single-loss) distributions: frozen, vectorised, accurate in the tail.

Every distribution has ``pdf logpdf cdf sf logcdf logsf ppf isf mean var moment lev sample``
and ``truncated(lower, upper)`` / ``capped(limit)``. Families: :class:`LogNormal`,
:class:`GeneralizedPareto`, :class:`Pareto`, :class:`Lomax`, :class:`Burr`, :class:`Weibull`,
:class:`Gamma`, :class:`LogLogistic`, :class:`LogGamma`; composites: :class:`Spliced`.
``Family.with_fixed(name=value)`` holds fields fixed for fitting (e.g. a Pareto's ``xm``).
"""

from ._base import Severity
from ._burr import Burr, LogLogistic
from ._families import FAMILIES, resolve_family
from ._gamma import Gamma, LogGamma, Weibull
from ._gpd import GeneralizedPareto
from ._lognormal import LogNormal
from ._pareto import Lomax, Pareto
from ._spliced import Spliced, SplicedFit
from ._wrappers import Capped, Truncated

__all__ = [
    "FAMILIES",
    "Burr",
    "Capped",
    "Gamma",
    "GeneralizedPareto",
    "LogGamma",
    "LogLogistic",
    "LogNormal",
    "Lomax",
    "Pareto",
    "Severity",
    "Spliced",
    "SplicedFit",
    "Truncated",
    "Weibull",
    "resolve_family",
]
