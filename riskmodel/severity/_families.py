"""Registry of severity families by name, for ``fit_severity(losses, "lognormal")``."""

from __future__ import annotations

from ._base import Severity
from ._burr import Burr, LogLogistic
from ._gamma import Gamma, LogGamma, Weibull
from ._gpd import GeneralizedPareto
from ._lognormal import LogNormal
from ._pareto import Lomax, Pareto

__all__ = ["FAMILIES", "resolve_family"]

#: family name (lower case, without separators) -> class; aliases map to the same class
FAMILIES: dict[str, type[Severity]] = {
    "lognormal": LogNormal,
    "gpd": GeneralizedPareto,
    "generalizedpareto": GeneralizedPareto,
    "pareto": Pareto,
    "lomax": Lomax,
    "burr": Burr,
    "weibull": Weibull,
    "gamma": Gamma,
    "loglogistic": LogLogistic,
    "loggamma": LogGamma,
}


def resolve_family(family: str | type[Severity]) -> type[Severity]:
    """Return the family class for a name or a class.

    Names are case-insensitive and ignore ``_``, ``-`` and spaces (``"Log-Normal"``). A class,
    including one made by :meth:`Severity.with_fixed`, is returned as it is.

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the known families.
    """
    if isinstance(family, type) and issubclass(family, Severity):
        return family
    if isinstance(family, str):
        key = family.lower().replace("_", "").replace("-", "").replace(" ", "")
        if key in FAMILIES:
            return FAMILIES[key]
        raise ValueError(
            f"family: unknown family {family!r}; known: {', '.join(sorted(FAMILIES))}"
        )
    raise TypeError(f"family: expected a name or a Severity subclass, got {family!r}")
