"""The registry of severity families: one line per family, looked up by name or by class.

Each family lives in its own module as a class whose ``spec`` (a
:class:`~riskmodel.severity._spec.FamilySpec`) declares its public name, parameters, fitting
pieces and compiled sampler. Registering the class, one line in :data:`_BUILT_IN` (or
:func:`register_family` for a family defined elsewhere), makes it known to
``fit_severity(losses, name)``, ``compare_severity``, the simulator and the contract tests.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from types import MappingProxyType

from ._base import Severity
from ._burr import Burr, LogLogistic
from ._gamma import Gamma, LogGamma, Weibull
from ._gpd import GeneralizedPareto
from ._lognormal import LogNormal
from ._pareto import Lomax, Pareto
from ._spec import FamilySpec

__all__ = [
    "FAMILIES",
    "family_spec",
    "get_family",
    "register_family",
    "resolve_family",
    "sampler_code",
]

#: the built-in families, one line each
_BUILT_IN: tuple[type[Severity], ...] = (
    LogNormal,
    GeneralizedPareto,
    Pareto,
    Lomax,
    Burr,
    Weibull,
    Gamma,
    LogLogistic,
    LogGamma,
)

_BY_NAME: dict[str, type[Severity]] = {}  # public name -> class, in registration order
_BY_KEY: dict[str, type[Severity]] = {}  # normalised public name, alias or class name -> class
_BY_CLASS: dict[type[Severity], FamilySpec] = {}  # exact class -> its spec

#: public family name -> family class (read-only; :func:`register_family` adds to it)
FAMILIES: Mapping[str, type[Severity]] = MappingProxyType(_BY_NAME)


def _key(name: str) -> str:
    """Lower case without ``_``, ``-`` and spaces: ``"Log-Normal"`` -> ``"lognormal"``."""
    return name.lower().replace("_", "").replace("-", "").replace(" ", "")


def register_family(cls: type[Severity]) -> type[Severity]:
    """Make a severity family known by its public name to fitting, simulation and tests.

    Parameters
    ----------
    cls : Severity subclass
        A frozen dataclass with a ``spec`` (:class:`~riskmodel.severity._spec.FamilySpec`)
        of its own, whose parameters are fields of the class.

    Returns
    -------
    type
        ``cls``, so that the function can decorate the class.

    Raises
    ------
    ValueError
        If the spec is missing or inconsistent, or its name, an alias, its class name or its
        sampler code is already taken by another family.

    Examples
    --------
    >>> from riskmodel.severity import FAMILIES, LogNormal
    >>> register_family(LogNormal) is LogNormal  # registering again is harmless
    True
    >>> FAMILIES["lognormal"] is LogNormal
    True
    """
    spec = cls.__dict__.get("spec") if isinstance(cls, type) else None
    if not (isinstance(cls, type) and issubclass(cls, Severity)) or spec is None:
        raise ValueError(f"register_family: {cls!r} is not a Severity class with its own spec")
    if _BY_CLASS.get(cls) is spec:
        return cls
    fields = set(getattr(cls, "__dataclass_fields__", {}))
    missing = [f for f in (*spec.param_names, spec.support_start) if f and f not in fields]
    if spec.sampler is not None:
        missing += [f for f in spec.sampler.fields if f not in fields]
    if missing:
        raise ValueError(f"register_family({cls.__name__}): {missing} are not fields of the class")
    keys = {_key(k) for k in (spec.name, *spec.aliases, cls.__name__)}
    taken = sorted(k for k in keys if k in _BY_KEY and _BY_KEY[k] is not cls)
    if taken:
        raise ValueError(f"register_family({cls.__name__}): name(s) {taken} already registered")
    if spec.sampler is not None:
        codes = {s.sampler.code: c for c, s in _BY_CLASS.items() if s.sampler is not None}
        other = codes.get(spec.sampler.code)
        if other is not None and other is not cls:
            raise ValueError(
                f"register_family({cls.__name__}): sampler code {spec.sampler.code} is "
                f"{other.__name__}'s"
            )
    _BY_NAME[spec.name] = cls
    _BY_KEY.update(dict.fromkeys(keys, cls))
    _BY_CLASS[cls] = spec
    return cls


def _unregister_family(name: str) -> None:
    """Remove a family registered under the public ``name`` (for tests of toy families)."""
    cls = _BY_NAME.pop(name)
    for key in [k for k, c in _BY_KEY.items() if c is cls]:
        del _BY_KEY[key]
    del _BY_CLASS[cls]


def get_family(name: str | type[Severity]) -> type[Severity]:
    """The family class of a name (or a class, returned as it is).

    Parameters
    ----------
    name : str or Severity subclass
        The public name (``"lognormal"``), an alias (``"generalizedpareto"``) or the class
        name (``"LogNormal"``); case, ``_``, ``-`` and spaces are ignored (``"Log-Normal"``).
        A class, including one made by :meth:`Severity.with_fixed`, is returned as it is.

    Returns
    -------
    type
        The family class; its ``spec`` holds the public name and parameters.

    Raises
    ------
    ValueError
        If the name is unknown; the message suggests the closest names and lists the known.

    Examples
    --------
    >>> get_family("LogNormal").spec.name, get_family("gpd").param_names
    ('lognormal', ('xi', 'sigma'))
    >>> get_family("lognormal").param_names
    ('mu', 'sigma')
    """
    if isinstance(name, type) and issubclass(name, Severity):
        return name
    if not isinstance(name, str):
        raise TypeError(f"family: expected a name or a Severity subclass, got {name!r}")
    cls = _BY_KEY.get(_key(name))
    if cls is not None:
        return cls
    close = difflib.get_close_matches(_key(name), list(_BY_KEY), n=3, cutoff=0.6)
    hint = {_BY_KEY[k].spec.name: None for k in close}
    suggest = f" (did you mean {' or '.join(repr(h) for h in hint)}?)" if hint else ""
    raise ValueError(
        f"family: unknown family {name!r}{suggest}; known: {', '.join(sorted(_BY_NAME))}"
    )


#: the former name of :func:`get_family`
resolve_family = get_family


def family_spec(cls: type) -> FamilySpec | None:
    """The spec of a registered family class (exactly that class, not a subclass), else None.

    A subclass may change the distribution, so it is not taken for its parent: it is fitted
    with numerical scores and simulated through its own ``sample``.
    """
    return _BY_CLASS.get(cls)


def sampler_code(name: str) -> int:
    """The compiled sampler's code of the family with public ``name``."""
    spec = get_family(name).spec
    if spec is None or spec.sampler is None:
        raise ValueError(f"family {name!r} has no compiled sampler")
    return spec.sampler.code


for _cls in _BUILT_IN:
    register_family(_cls)
