"""Registry of severity families by name, for ``fit_severity(losses, "lognormal")``."""

from __future__ import annotations

from ._base import Severity
from ._lognormal import LogNormal

__all__ = ["FAMILIES", "resolve_family"]

#: family name (lower case) -> class
FAMILIES: dict[str, type[Severity]] = {
    "lognormal": LogNormal,
}


def resolve_family(family: str | type[Severity]) -> type[Severity]:
    """Return the family class for a name or a class.

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
