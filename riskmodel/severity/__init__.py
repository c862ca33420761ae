"""Severity (single-loss) distributions: frozen, vectorised, accurate in the tail.

Every distribution has ``pdf logpdf cdf sf logcdf logsf ppf isf mean var moment lev sample``
and ``truncated(lower, upper)`` / ``capped(limit)``. Families: :class:`LogNormal`,
:class:`GeneralizedPareto`, :class:`Pareto`, :class:`Lomax`, :class:`Burr`, :class:`Weibull`,
:class:`Gamma`, :class:`LogLogistic`, :class:`LogGamma`; composites: :class:`Spliced`.
``Family.with_fixed(name=value)`` holds fields fixed for fitting (e.g. a Pareto's ``xm``).

Each family declares itself in its ``spec`` (public name, parameters with their domains,
log-likelihood pieces, compiled sampler); :data:`FAMILIES` maps the public names to the
classes and :func:`get_family` finds a family by name (``"lognormal"``, ``"LogNormal"``).
"""

from ._base import Severity
from ._burr import Burr, LogLogistic
from ._families import FAMILIES, get_family, register_family, resolve_family
from ._gamma import Gamma, LogGamma, Weibull
from ._gpd import GeneralizedPareto
from ._lognormal import LogNormal
from ._pareto import Lomax, Pareto
from ._spec import FamilySpec, LogLik, Param, Sampler
from ._spliced import Spliced
from ._wrappers import Capped, Truncated

__all__ = [
    "FAMILIES",
    "Burr",
    "Capped",
    "FamilySpec",
    "Gamma",
    "GeneralizedPareto",
    "LogGamma",
    "LogLik",
    "LogLogistic",
    "LogNormal",
    "Lomax",
    "Param",
    "Pareto",
    "Sampler",
    "Severity",
    "Spliced",
    "Truncated",
    "Weibull",
    "get_family",
    "register_family",
    "resolve_family",
]
