"""The lognormal distribution."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import special

from ._base import Severity
from ._spec import FamilySpec, LogLik, Sampler, positive, real

__all__ = ["LogNormal"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


class _LogNormalLogLik(LogLik):
    """Scores in (mu, sigma); the closed-form MLE without truncation or censoring."""

    def params(self, d):
        return np.array([d.mu, d.sigma])

    def logpdf(self, p, x):
        mu, s = p
        lx = np.log(x)
        z = (lx - mu) / s
        lp = -lx - math.log(s) - _LOG_SQRT_2PI - 0.5 * z * z
        return lp, np.stack([z / s, (z * z - 1.0) / s])

    def logsf(self, p, x):
        mu, s = p
        z = (np.log(x) - mu) / s
        ls = special.log_ndtr(-z)
        h = np.exp(-0.5 * z * z - _LOG_SQRT_2PI - ls)  # phi(z) / Phi(-z)
        return ls, np.stack([h / s, h * z / s])

    def closed_form(self, design, fixed, free_names):
        """Mean and standard deviation of the log losses (nothing fixed, truncated, censored)."""
        if fixed or design.lower is not None or design.upper is not None:
            return None
        if design.cap is not None and design.censored.any():
            return None
        lx = np.log(design.x)
        return np.array([float(np.mean(lx)), math.log(max(float(np.std(lx)), 1e-300))])


@dataclass(frozen=True)
class LogNormal(Severity):
    r"""Lognormal distribution: :math:`\log X \sim \mathrm{Normal}(\mu, \sigma)`.

    Parameters
    ----------
    mu : float
        Mean of log X.
    sigma : float
        Standard deviation of log X, > 0.

    Notes
    -----
    .. math:: f(x) = \frac{1}{x \sigma \sqrt{2\pi}} \exp\left(-\frac{(\log x - \mu)^2}{2\sigma^2}
              \right), \qquad S(x) = \Phi\left(-\frac{\log x - \mu}{\sigma}\right)

    All moments exist: :math:`E[X^k] = \exp(k\mu + k^2\sigma^2/2)`. The limited expected value is
    :math:`E[X \wedge d] = e^{\mu + \sigma^2/2}\Phi((\log d - \mu - \sigma^2)/\sigma) + d\,S(d)`
    (Klugman, Panjer & Willmot, *Loss Models*, appendix A).

    Examples
    --------
    >>> d = LogNormal(mu=15.0, sigma=2.0)
    >>> round(d.isf(0.5) / math.exp(15.0), 12)
    1.0
    """

    mu: float
    sigma: float

    spec: ClassVar[FamilySpec] = FamilySpec(
        name="lognormal",
        params=(real("mu"), positive("sigma")),
        tail="sigma",
        loglik=_LogNormalLogLik(),
        sampler=Sampler(code=0, fields=("mu", "sigma")),
        log_location_scale=("mu", "sigma", 1),
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "mu", float(self.mu))
        object.__setattr__(self, "sigma", float(self.sigma))
        if not math.isfinite(self.mu):
            raise ValueError(f"LogNormal: mu must be finite, got {self.mu}")
        if not (self.sigma > 0 and math.isfinite(self.sigma)):
            raise ValueError(f"LogNormal: sigma must be positive and finite, got {self.sigma}")

    def _z(self, x: np.ndarray) -> np.ndarray:
        return (np.log(x) - self.mu) / self.sigma

    def _logpdf(self, x):
        z = self._z(x)
        return -np.log(x) - math.log(self.sigma) - _LOG_SQRT_2PI - 0.5 * z * z

    def _logsf(self, x):
        return special.log_ndtr(-self._z(x))

    def _logcdf(self, x):
        return special.log_ndtr(self._z(x))

    def _ppf(self, q):
        return np.exp(self.mu + self.sigma * special.ndtri(q))

    def _isf(self, q):
        return np.exp(self.mu - self.sigma * special.ndtri(q))

    def _raw_moment(self, k: int) -> float:
        with np.errstate(over="ignore"):
            return float(np.exp(k * self.mu + 0.5 * k * k * self.sigma**2))

    def _var(self) -> float:
        with np.errstate(over="ignore"):
            return float(np.exp(2.0 * self.mu + self.sigma**2) * np.expm1(self.sigma**2))

    def _partial_moment(self, k: int, lo: float, hi: float) -> float:
        # E[X^k; a < X <= b] = exp(k mu + k^2 s^2 / 2) P(a' < Z <= b'), shifted by k s^2
        # (Klugman, Panjer & Willmot, appendix A); the normal probability is taken from the
        # side that keeps its relative precision
        shift = self.mu + k * self.sigma**2
        za = (math.log(lo) - shift) / self.sigma if lo > 0 else -math.inf
        zb = (math.log(hi) - shift) / self.sigma if math.isfinite(hi) else math.inf
        if za > 0:
            prob = special.ndtr(-za) - special.ndtr(-zb)
        else:
            prob = special.ndtr(zb) - special.ndtr(za)
        with np.errstate(over="ignore"):
            return float(np.exp(k * self.mu + 0.5 * k * k * self.sigma**2) * prob)

    def _lev(self, d):
        z = self._z(d)
        # E[X; X <= d] = exp(mu + s^2/2) Phi(z - s), in log space: the two factors can
        # overflow and underflow for extreme parameters while their product is tiny
        log_m = self.mu + 0.5 * self.sigma**2
        return np.exp(log_m + special.log_ndtr(z - self.sigma)) + d * special.ndtr(-z)

    @classmethod
    def _start(cls, x) -> LogNormal:
        lx = np.log(x)
        return cls(mu=float(np.mean(lx)), sigma=max(float(np.std(lx)), 1e-3))
