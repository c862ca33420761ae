"""Pareto type I and type II (Lomax) distributions."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ._base import Severity, _init_params
from ._estimators import gpd_pwm, hill_alpha
from ._math import expm1_over, log1mexp
from ._spec import FamilySpec, LogLik, Sampler, positive

__all__ = ["Lomax", "Pareto"]


class _ParetoLogLik(LogLik):
    """Scores in (alpha, xm) (xm is always held fixed when fitting); the Hill-type MLE."""

    def params(self, d):
        return np.array([d.alpha, d.xm])

    def logpdf(self, p, x):
        a, xm = p
        r = np.log(xm / x)
        lp = np.where(x >= xm, math.log(a) - math.log(xm) + (a + 1.0) * r, -np.inf)
        return lp, np.stack([1.0 / a + r, np.full(x.shape, a / xm)])

    def logsf(self, p, x):
        a, xm = p
        r = np.minimum(np.log(xm / x), 0.0)
        return a * r, np.stack([r, np.where(x > xm, a / xm, 0.0)])

    def closed_form(self, design, fixed, free_names):
        """With ``xm`` fixed and no upper truncation: n_exact / sum log(x_i / max(t_i, xm))."""
        if free_names != ("alpha",) or design.upper is not None:
            return None
        xm = fixed["xm"]
        t = np.full(design.n, xm) if design.lower is None else np.maximum(design.lower, xm)
        denom = float(np.sum(np.log(design.x / t)))
        n_exact = int(np.sum(~design.censored))
        if denom > 0 and n_exact > 0:
            return np.array([math.log(n_exact / denom)])
        return None


class _LomaxLogLik(LogLik):
    def params(self, d):
        return np.array([d.alpha, d.scale])

    def logsf(self, p, x):
        a, s = p
        l1 = np.log1p(x / s)
        return -a * l1, np.stack([-l1, a * x / (s * (s + x))])

    def logpdf(self, p, x):
        a, s = p
        l1 = np.log1p(x / s)
        lp = math.log(a) - math.log(s) - (a + 1.0) * l1
        ds = -1.0 / s + (a + 1.0) * x / (s * (s + x))
        return lp, np.stack([1.0 / a - l1, ds])


@dataclass(frozen=True)
class Pareto(Severity):
    r"""Pareto (type I) distribution: :math:`S(x) = (x_m / x)^{\alpha}` for :math:`x \ge x_m`.

    Parameters
    ----------
    alpha : float
        Tail index, > 0. The moment of order k exists iff :math:`\alpha > k`.
    xm : float
        Scale and lower end of the support, > 0 (usually a reporting threshold).

    Notes
    -----
    .. math:: f(x) = \alpha x_m^\alpha / x^{\alpha+1}, \qquad
              S^{-1}(q) = x_m q^{-1/\alpha}, \qquad
              E[X^k] = \frac{\alpha x_m^k}{\alpha - k}\ (\alpha > k),

    :math:`\mathrm{Var}\,X = x_m^2\alpha/((\alpha-1)^2(\alpha-2))` and
    :math:`E[X \wedge d] = x_m + x_m\,((d/x_m)^{1-\alpha} - 1)/(1-\alpha)` for
    :math:`d \ge x_m` (:math:`x_m(1 + \log(d/x_m))` when :math:`\alpha = 1`).

    **Fitting.** Above a threshold ``t`` the Pareto conditioned on :math:`X > t` is again a
    Pareto with :math:`x_m = t`, so :math:`x_m` is not identified from left-truncated data and
    its unrestricted maximum-likelihood estimate, the sample minimum, lies on the boundary of
    the support. Fit with the scale fixed instead::

        fit_severity(x, Pareto.with_fixed(xm=t), truncation=t)

    whose estimate of :math:`\alpha` is the Hill estimator :math:`n/\sum_i\log(x_i/t)`.

    References
    ----------
    S. A. Klugman, H. H. Panjer and G. E. Willmot (2012), *Loss Models: From Data to
    Decisions*, 4th ed., appendix A ("single-parameter Pareto").

    Examples
    --------
    >>> round(Pareto(alpha=2.0, xm=1e6).sf(1e7), 12)
    0.01
    """

    alpha: float
    xm: float

    spec: ClassVar[FamilySpec] = FamilySpec(
        name="pareto",
        params=(positive("alpha"), positive("xm")),
        tail="alpha",
        support_start="xm",
        loglik=_ParetoLogLik(),
        sampler=Sampler(code=2, fields=("alpha", "xm")),
    )

    def __post_init__(self) -> None:
        _init_params(self, positive=("alpha", "xm"))

    def _support(self):
        return self.xm, math.inf

    def _logsf(self, x):
        return -self.alpha * np.log(x / self.xm)

    def _logcdf(self, x):
        return log1mexp(self._logsf(x))

    def _logpdf(self, x):
        return math.log(self.alpha / self.xm) - (self.alpha + 1.0) * np.log(x / self.xm)

    def _isf(self, q):
        with np.errstate(divide="ignore"):
            return self.xm * np.exp(-np.log(q) / self.alpha)

    def _ppf(self, q):
        with np.errstate(divide="ignore"):
            return self.xm * np.exp(-np.log1p(-q) / self.alpha)

    def _raw_moment(self, k: int) -> float:
        if self.alpha <= k:
            return math.inf
        return self.alpha * self.xm**k / (self.alpha - k)

    def _var(self) -> float:
        a = self.alpha
        return self.xm**2 * a / ((a - 1.0) ** 2 * (a - 2.0))

    def _lev(self, d):
        with np.errstate(divide="ignore"):
            t = np.log(np.maximum(d, self.xm) / self.xm)
        return np.where(d <= self.xm, d, self.xm * (1.0 + expm1_over(1.0 - self.alpha, t)))

    @classmethod
    def _start(cls, x) -> Pareto:
        """The maximum-likelihood estimates: sample minimum and Hill estimator above it."""
        return cls._start_fixed(x, {})

    @classmethod
    def _start_fixed(cls, x, fixed: Mapping[str, float]) -> Pareto:
        x = np.asarray(x, dtype=float)
        xm = float(fixed.get("xm", np.min(x)))
        alpha = float(fixed.get("alpha", hill_alpha(x, xm)))
        return cls(alpha=alpha, xm=xm)


@dataclass(frozen=True)
class Lomax(Severity):
    r"""Lomax (Pareto type II) distribution: :math:`S(x) = (1 + x/s)^{-\alpha}`, :math:`x > 0`.

    Parameters
    ----------
    alpha : float
        Tail index, > 0. The moment of order k exists iff :math:`\alpha > k`.
    scale : float
        Scale :math:`s`, > 0.

    Notes
    -----
    .. math:: f(x) = \frac{\alpha}{s}(1 + x/s)^{-\alpha-1}, \qquad
              S^{-1}(q) = s\,\mathrm{expm1}(-\log(q)/\alpha), \qquad
              E[X^k] = \frac{s^k k!}{\prod_{i=1}^{k}(\alpha - i)}\ (\alpha > k),

    :math:`E[X \wedge d] = s\,((1 + d/s)^{1-\alpha} - 1)/(1 - \alpha)`
    (:math:`s\log(1 + d/s)` when :math:`\alpha = 1`). It is the GPD with
    :math:`\xi = 1/\alpha`, :math:`\sigma = s/\alpha` and threshold 0.

    References
    ----------
    S. A. Klugman, H. H. Panjer and G. E. Willmot (2012), *Loss Models: From Data to
    Decisions*, 4th ed., appendix A ("Pareto").

    Examples
    --------
    >>> Lomax(alpha=2.0, scale=1.0).sf(1.0)
    0.25
    """

    alpha: float
    scale: float

    spec: ClassVar[FamilySpec] = FamilySpec(
        name="lomax",
        params=(positive("alpha"), positive("scale")),
        tail="alpha",
        loglik=_LomaxLogLik(),
        sampler=Sampler(code=3, fields=("alpha", "scale")),
    )

    def __post_init__(self) -> None:
        _init_params(self, positive=("alpha", "scale"))

    def _logsf(self, x):
        return -self.alpha * np.log1p(x / self.scale)

    def _logcdf(self, x):
        return log1mexp(self._logsf(x))

    def _logpdf(self, x):
        return math.log(self.alpha / self.scale) - (self.alpha + 1.0) * np.log1p(x / self.scale)

    def _isf(self, q):
        with np.errstate(divide="ignore"):
            return self.scale * np.expm1(-np.log(q) / self.alpha)

    def _ppf(self, q):
        with np.errstate(divide="ignore"):
            return self.scale * np.expm1(-np.log1p(-q) / self.alpha)

    def _raw_moment(self, k: int) -> float:
        if self.alpha <= k:
            return math.inf
        den = math.prod(self.alpha - i for i in range(1, k + 1))
        return self.scale**k * math.factorial(k) / den

    def _var(self) -> float:
        a = self.alpha
        return self.scale**2 * a / ((a - 1.0) ** 2 * (a - 2.0))

    def _lev(self, d):
        return self.scale * expm1_over(1.0 - self.alpha, np.log1p(d / self.scale))

    @classmethod
    def _start(cls, x) -> Lomax:
        """Probability-weighted moments of the equivalent GPD (xi = 1/alpha)."""
        xi, sigma = gpd_pwm(np.asarray(x, dtype=float))
        xi = min(max(xi, 0.05), 0.95)
        return cls(alpha=1.0 / xi, scale=sigma / xi)
