"""What a severity family declares about itself, for fitting and simulation to read.

A family class carries one :class:`FamilySpec` as its ``spec`` class attribute: its public
name, its parameters with their domains (and so their transforms to an unconstrained scale),
the field that is the lower end of its support (held fixed when fitting), the analytic
log-likelihood pieces (:class:`LogLik`) and the compiled sampler's code and parameter row
(:class:`Sampler`). The class itself holds everything else: the distribution's primitives,
moments and start values. :mod:`riskmodel.severity._families` lists the registered families.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from ._base import Severity

__all__ = ["SPLICED_CODE", "FamilySpec", "LogLik", "Param", "Sampler", "positive", "real"]


@dataclass(frozen=True)
class Param:
    """One parameter of a family and its domain.

    Attributes
    ----------
    name : str
        The constructor field that holds it.
    domain : {"positive", "real"}
        A positive parameter is fitted on the log scale, a real one as it is.

    Examples
    --------
    >>> positive("sigma").transform, real("mu").transform
    ('log', 'identity')
    """

    name: str
    domain: Literal["positive", "real"]

    def __post_init__(self) -> None:
        if self.domain not in ("positive", "real"):
            raise ValueError(f"Param {self.name}: domain must be 'positive' or 'real'")

    @property
    def transform(self) -> str:
        """``"log"`` for a positive parameter, ``"identity"`` for a real one."""
        return "log" if self.domain == "positive" else "identity"

    def to_theta(self, value: float) -> float:
        """The parameter on the unconstrained scale."""
        return math.log(value) if self.domain == "positive" else float(value)

    def from_theta(self, t: float) -> float:
        """The parameter from its unconstrained value (inverse of :meth:`to_theta`)."""
        return math.exp(t) if self.domain == "positive" else float(t)

    def dvalue_dtheta(self, value: float) -> float:
        """Derivative of the parameter in its unconstrained value, at ``value``."""
        return value if self.domain == "positive" else 1.0


def positive(name: str) -> Param:
    """A positive parameter (fitted on the log scale)."""
    return Param(name, "positive")


def real(name: str) -> Param:
    """A real parameter (fitted as it is)."""
    return Param(name, "real")


#: the compiled samplers' code for a spliced body and tail (``Spliced``, not a registered
#: family); registered families' codes lie below it
SPLICED_CODE = 100


@dataclass(frozen=True)
class Sampler:
    """How the compiled simulator draws the family: ``riskmodel.engine._severity_fill.sev_isf``.

    Attributes
    ----------
    code : int
        The family's branch in ``sev_isf``. Codes are stable: the compiled kernels are cached
        on disk with the value they were compiled with, so a code is never reused or changed.
    fields : tuple of str
        The fields passed as the parameter row ``p0..p3`` (at most four).
    """

    code: int
    fields: tuple[str, ...]

    def __post_init__(self) -> None:
        if not 0 <= self.code < SPLICED_CODE:
            raise ValueError(
                f"Sampler: code must lie in [0, {SPLICED_CODE}) (the kernels reserve "
                f"{SPLICED_CODE} for spliced severities), got {self.code}"
            )

    def row(self, dist: Severity) -> tuple[float, ...]:
        """The parameter row of ``dist``."""
        return tuple(float(getattr(dist, f)) for f in self.fields)


class LogLik:
    """Analytic log-likelihood pieces of a family: log density and log survival with scores.

    ``params(d)`` gives the natural parameters of ``d`` in the order of the family's
    parameters, followed by any fixed field the formulas need (a threshold). ``logpdf(p, x)``
    and ``logsf(p, x)`` return the values at the losses ``x`` (shape ``(n,)``) and their
    derivatives in the parameters (shape ``(k, n)``, one row per family parameter); the
    fitting code turns them into scores on the unconstrained scale by the parameters'
    transforms. ``closed_form`` may give the maximum-likelihood estimate directly.
    """

    def params(self, d: Severity) -> np.ndarray:
        """Natural parameters of ``d`` (and fixed fields the formulas need)."""
        raise NotImplementedError

    def logpdf(self, p: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Log density at ``x`` and its derivatives in the parameters."""
        raise NotImplementedError

    def logsf(self, p: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Log survival function at ``x`` and its derivatives in the parameters."""
        raise NotImplementedError

    def closed_form(
        self, design: Any, fixed: dict[str, float], free_names: tuple[str, ...]
    ) -> np.ndarray | None:
        """The free unconstrained parameters of the MLE where a closed form exists, else None.

        ``design`` is a :class:`riskmodel.fit._loglik.Design` (losses, truncation, caps).
        """
        return None


@dataclass(frozen=True)
class FamilySpec:
    """Everything fitting and simulation need to know about a family, declared in one place.

    Attributes
    ----------
    name : str
        Public name, lower case (``"lognormal"``): ``get_family(name)`` finds the family.
    params : tuple of Param
        The fitted parameters, in order; they give the class's ``param_names``.
    tail : str or None
        The parameter that governs the tail (the class's ``tail_param``).
    aliases : tuple of str
        Other names ``get_family`` accepts (``"gpd"`` for ``"generalizedpareto"``).
    support_start : str or None
        The field that is the lower end of the support and is not estimated by maximum
        likelihood: fitting holds it at the smallest truncation point (a Pareto's ``xm``, also
        at the smallest loss without truncation; a generalized Pareto's ``threshold``), and
        a spliced tail holds it at the splice threshold.
    loglik : LogLik or None
        Analytic log-likelihood pieces; without them fitting uses finite differences.
    sampler : Sampler or None
        The compiled sampler; without one the simulator calls the distribution's ``sample``.
    log_location_scale : tuple of (str, str, int) or None
        For a family whose logarithm is a location-scale family, ``log X = a + b Z`` with
        ``Z`` of a fixed law: the parameter whose unconstrained value is ``a``, the one whose
        unconstrained value is ``log b`` times the sign, and the sign: ``("mu", "sigma", 1)``
        for the lognormal, ``("scale", "shape", -1)`` for the Weibull (``b = 1 / shape``).
        Parameter uncertainty uses it to form exact pivots
        (:mod:`riskmodel.uncertainty`, method ``"pivotal"``).

    Examples
    --------
    >>> from riskmodel.severity import GeneralizedPareto
    >>> spec = GeneralizedPareto.spec
    >>> spec.name, spec.param_names, spec.transforms, spec.support_start
    ('gpd', ('xi', 'sigma'), ('identity', 'log'), 'threshold')
    """

    name: str
    params: tuple[Param, ...]
    tail: str | None = None
    aliases: tuple[str, ...] = ()
    support_start: str | None = None
    loglik: LogLik | None = None
    sampler: Sampler | None = None
    log_location_scale: tuple[str, str, int] | None = None

    def __post_init__(self) -> None:
        if self.name != self.name.lower() or not self.name.isidentifier():
            raise ValueError(f"FamilySpec: name must be a lower-case word, got {self.name!r}")
        if not self.params:
            raise ValueError(f"FamilySpec {self.name}: declare at least one parameter")
        if self.tail is not None and self.tail not in self.param_names:
            raise ValueError(f"FamilySpec {self.name}: tail {self.tail!r} is not a parameter")
        lls = self.log_location_scale
        if lls is not None and not (
            len(lls) == 3
            and lls[0] in self.param_names
            and lls[1] in self.param_names
            and lls[0] != lls[1]
            and lls[2] in (1, -1)
        ):
            raise ValueError(
                f"FamilySpec {self.name}: log_location_scale must be (location, scale, sign) "
                f"with two of its parameters and a sign of 1 or -1, got {lls!r}"
            )
        if self.sampler is not None and len(self.sampler.fields) > 4:
            raise ValueError(f"FamilySpec {self.name}: the sampler takes at most 4 fields")

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the fitted parameters, in order."""
        return tuple(p.name for p in self.params)

    @property
    def transforms(self) -> tuple[str, ...]:
        """Transform of each parameter to the unconstrained scale (``"log"``/``"identity"``)."""
        return tuple(p.transform for p in self.params)
