"""Gamma, log-gamma and Weibull distributions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import optimize, special

from ._base import Severity, _init_params
from ._math import log1mexp, log_gammainc, log_gammaincc
from ._spec import FamilySpec, LogLik, Sampler, positive

__all__ = ["Gamma", "LogGamma", "Weibull"]

_EULER_GAMMA = 0.5772156649015329


def _log_q(a: float, z: np.ndarray) -> np.ndarray:
    """log of the regularized upper incomplete gamma Q(a, z)."""
    with np.errstate(divide="ignore"):
        return np.log(special.gammaincc(a, z))


def _dlog_q_da(a: float, z: np.ndarray) -> np.ndarray:
    """d/da log Q(a, z) by a central difference (Q has no closed-form shape derivative)."""
    h = 1e-6 * max(1.0, a)
    with np.errstate(all="ignore"):
        return (_log_q(a + h, z) - _log_q(a - h, z)) / (2 * h)


class _GammaLogLik(LogLik):
    """Scores in (shape a, scale s); the shape score of log S by finite differences."""

    def params(self, d):
        return np.array([d.shape, d.scale])

    def logpdf(self, p, x):
        a, s = p
        lx = np.log(x)
        lp = (a - 1.0) * lx - x / s - a * math.log(s) - special.gammaln(a)
        return lp, np.stack([lx - math.log(s) - special.digamma(a), x / s**2 - a / s])

    def logsf(self, p, x):
        a, s = p
        z = x / s
        ls = _log_q(a, z)
        with np.errstate(all="ignore"):
            ds = np.exp(a * np.log(z) - z - special.gammaln(a) - math.log(s) - ls)
        return ls, np.stack([_dlog_q_da(a, z), np.where(np.isfinite(ds), ds, 0.0)])


class _LogGammaLogLik(LogLik):
    """Scores in (shape a, rate b) of log X ~ Gamma(a, b), support x >= 1."""

    def params(self, d):
        return np.array([d.shape, d.rate])

    def logpdf(self, p, x):
        a, b = p
        lx = np.log(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            llx = np.log(lx)
            lp = a * math.log(b) - special.gammaln(a) + (a - 1.0) * llx - (b + 1.0) * lx
        ok = lx > 0
        return np.where(ok, lp, -np.inf), np.stack(
            [np.where(ok, math.log(b) - special.digamma(a) + llx, 0.0), a / b - lx]
        )

    def logsf(self, p, x):
        a, b = p
        lx = np.maximum(np.log(x), 0.0)
        z = b * lx
        ls = _log_q(a, z)
        with np.errstate(all="ignore"):
            db = -np.exp((a - 1.0) * np.log(z) - z - special.gammaln(a) + np.log(lx) - ls)
        return ls, np.stack([_dlog_q_da(a, z), np.where(np.isfinite(db), db, 0.0)])


class _WeibullLogLik(LogLik):
    """Scores in (shape k, scale)."""

    def params(self, d):
        return np.array([d.shape, d.scale])

    def logsf(self, p, x):
        k, lam = p
        lz = np.log(x / lam)
        zk = np.exp(k * lz)
        return -zk, np.stack([-zk * lz, zk * k / lam])

    def logpdf(self, p, x):
        k, lam = p
        lz = np.log(x / lam)
        zk = np.exp(k * lz)
        lp = math.log(k) - math.log(lam) + (k - 1.0) * lz - zk
        return lp, np.stack([1.0 / k + lz - zk * lz, (-k + k * zk) / lam])


def _gamma_from_log_moments(y: np.ndarray) -> tuple[float, float]:
    """(shape, scale) of a gamma whose log has the sample mean and variance of log y.

    Solves :math:`\\psi'(a) = \\mathrm{Var}(\\log y)` for the shape and sets the scale by
    :math:`\\psi(a) + \\log s = \\overline{\\log y}`.
    """
    ly = np.log(y)
    v = float(np.var(ly))
    lo, hi = 1e-6, 1e8
    if not v > 0:
        a = hi
    elif v >= special.polygamma(1, lo):
        a = lo
    elif v <= special.polygamma(1, hi):
        a = hi
    else:
        a = math.exp(
            optimize.brentq(
                lambda la: special.polygamma(1, math.exp(la)) - v, math.log(lo), math.log(hi)
            )
        )
    return a, math.exp(float(np.mean(ly)) - special.digamma(a))


@dataclass(frozen=True)
class Gamma(Severity):
    r"""Gamma distribution with shape :math:`a` and scale :math:`s`.

    Parameters
    ----------
    shape : float
        :math:`a > 0`.
    scale : float
        :math:`s > 0`; it governs the (exponential) tail.

    Notes
    -----
    .. math:: f(x) = \frac{x^{a-1}e^{-x/s}}{\Gamma(a)s^a}, \qquad S(x) = Q(a, x/s),

    with :math:`Q` the regularised upper incomplete gamma function; where :math:`Q`
    underflows (:math:`< 10^{-280}`), :math:`\log Q` is taken from its continued fraction, so
    ``logsf`` stays exact far past the double range of ``sf``. :math:`S^{-1}(q) =
    s\,Q^{-1}(a, q)`, :math:`E[X^k] = s^k\Gamma(a+k)/\Gamma(a)`, :math:`\mathrm{Var}\,X =
    as^2` and :math:`E[X\wedge d] = as\,P(a+1, d/s) + d\,Q(a, d/s)`.

    References
    ----------
    S. A. Klugman, H. H. Panjer and G. E. Willmot (2012), *Loss Models*, 4th ed., appendix A.

    Examples
    --------
    >>> round(Gamma(shape=1.0, scale=2.0).sf(2.0), 12)  # exponential: exp(-1)
    0.367879441171
    """

    shape: float
    scale: float

    spec: ClassVar[FamilySpec] = FamilySpec(
        name="gamma",
        params=(positive("shape"), positive("scale")),
        tail="scale",
        loglik=_GammaLogLik(),
    )

    def __post_init__(self) -> None:
        _init_params(self, positive=("shape", "scale"))

    def _logpdf(self, x):
        z = x / self.scale
        a = self.shape
        return special.xlogy(a - 1.0, z) - z - math.log(self.scale) - special.gammaln(a)

    def _logsf(self, x):
        return log_gammaincc(self.shape, x / self.scale)

    def _logcdf(self, x):
        return log_gammainc(self.shape, x / self.scale)

    def _isf(self, q):
        return self.scale * special.gammainccinv(self.shape, q)

    def _ppf(self, q):
        return self.scale * special.gammaincinv(self.shape, q)

    def _raw_moment(self, k: int) -> float:
        a = self.shape
        log_m = k * math.log(self.scale) + special.gammaln(a + k) - special.gammaln(a)
        return math.exp(log_m) if log_m < 709.0 else math.inf

    def _var(self) -> float:
        return self.shape * self.scale**2

    def _lev(self, d):
        z = d / self.scale
        a = self.shape
        return a * self.scale * special.gammainc(a + 1.0, z) + d * special.gammaincc(a, z)

    @classmethod
    def _start(cls, x) -> Gamma:
        """Moments of log x: the shape solves trigamma(a) = Var(log x)."""
        a, s = _gamma_from_log_moments(np.asarray(x, dtype=float))
        return cls(shape=a, scale=s)


@dataclass(frozen=True)
class LogGamma(Severity):
    r"""Log-gamma distribution (actuarial): :math:`\log X \sim \mathrm{Gamma}(a, \lambda)`.

    Parameters
    ----------
    shape : float
        :math:`a > 0`.
    rate : float
        :math:`\lambda > 0`, the tail index: :math:`S(x)` decays like
        :math:`x^{-\lambda}(\log x)^{a-1}`, and the moment of order k exists iff
        :math:`\lambda > k`.

    Notes
    -----
    Support :math:`x \ge 1`. With :math:`y = \log x`:

    .. math:: f(x) = \frac{\lambda^a y^{a-1}}{\Gamma(a)} x^{-\lambda - 1}, \qquad
              S(x) = Q(a, \lambda y), \qquad S^{-1}(q) = \exp(Q^{-1}(a, q)/\lambda),

    :math:`E[X^k] = (1 - k/\lambda)^{-a}` for :math:`\lambda > k`, and for :math:`\lambda > 1`
    :math:`E[X \wedge d] = (1 - 1/\lambda)^{-a} P(a, (\lambda - 1)\log d) + d\,Q(a, \lambda
    \log d)`; with :math:`\lambda \le 1` it is integrated numerically.

    References
    ----------
    R. V. Hogg and S. A. Klugman (1984), *Loss Distributions*, Wiley, section 5.3.
    S. A. Klugman, H. H. Panjer and G. E. Willmot (2012), *Loss Models*, 4th ed.

    Examples
    --------
    >>> round(LogGamma(shape=1.0, rate=2.0).sf(10.0), 12)  # a = 1: Pareto(2, 1)
    0.01
    """

    shape: float
    rate: float

    spec: ClassVar[FamilySpec] = FamilySpec(
        name="loggamma",
        params=(positive("shape"), positive("rate")),
        tail="rate",
        loglik=_LogGammaLogLik(),
    )

    def __post_init__(self) -> None:
        _init_params(self, positive=("shape", "rate"))

    def _support(self):
        return 1.0, math.inf

    def _logpdf(self, x):
        y = np.log(x)
        a, lam = self.shape, self.rate
        return a * math.log(lam) - special.gammaln(a) + special.xlogy(a - 1.0, y) - (lam + 1.0) * y

    def _logsf(self, x):
        return log_gammaincc(self.shape, self.rate * np.log(x))

    def _logcdf(self, x):
        return log_gammainc(self.shape, self.rate * np.log(x))

    def _isf(self, q):
        with np.errstate(over="ignore"):
            return np.exp(special.gammainccinv(self.shape, q) / self.rate)

    def _ppf(self, q):
        with np.errstate(over="ignore"):
            return np.exp(special.gammaincinv(self.shape, q) / self.rate)

    def _raw_moment(self, k: int) -> float:
        if self.rate <= k:
            return math.inf
        log_m = -self.shape * math.log1p(-k / self.rate)
        return math.exp(log_m) if log_m < 709.0 else math.inf

    def _lev(self, d):
        a, lam = self.shape, self.rate
        if lam <= 1:
            return super()._lev(d)
        y = np.log(np.maximum(d, 1.0))
        below = math.exp(-a * math.log1p(-1.0 / lam)) * special.gammainc(a, (lam - 1.0) * y)
        return np.where(d <= 1.0, d, below + d * special.gammaincc(a, lam * y))

    @classmethod
    def _start(cls, x) -> LogGamma:
        """Method of moments on log x (losses at 1 or below are left out)."""
        y = np.log(np.asarray(x, dtype=float))
        y = y[y > 0]
        if y.size < 2 or not np.var(y) > 0:
            return cls(shape=1.0, rate=1.0 / float(np.mean(y)) if y.size else 1.0)
        m, v = float(np.mean(y)), float(np.var(y))
        return cls(shape=m * m / v, rate=m / v)


@dataclass(frozen=True)
class Weibull(Severity):
    r"""Weibull distribution: :math:`S(x) = \exp(-(x/s)^k)`, :math:`x > 0`.

    Parameters
    ----------
    shape : float
        :math:`k > 0`; :math:`k < 1` gives a heavier-than-exponential (but subexponential,
        all moments finite) tail.
    scale : float
        :math:`s > 0`.

    Notes
    -----
    :math:`\log S = -(x/s)^k`, :math:`\log f = \log(k/s) + (k-1)\log(x/s) - (x/s)^k`,
    :math:`S^{-1}(q) = s(-\log q)^{1/k}`, :math:`E[X^m] = s^m\Gamma(1 + m/k)` and
    :math:`E[X\wedge d] = s\,\Gamma(1 + 1/k)\,P(1/k, (d/s)^k)`.

    References
    ----------
    S. A. Klugman, H. H. Panjer and G. E. Willmot (2012), *Loss Models*, 4th ed., appendix A.

    Examples
    --------
    >>> round(Weibull(shape=2.0, scale=1.0).sf(1.0), 12)
    0.367879441171
    """

    shape: float
    scale: float

    spec: ClassVar[FamilySpec] = FamilySpec(
        name="weibull",
        params=(positive("shape"), positive("scale")),
        tail="shape",
        loglik=_WeibullLogLik(),
        sampler=Sampler(code=5, fields=("shape", "scale")),
        log_location_scale=("scale", "shape", -1),
    )

    def __post_init__(self) -> None:
        _init_params(self, positive=("shape", "scale"))

    def _z(self, x):
        with np.errstate(over="ignore"):
            return np.exp(self.shape * np.log(x / self.scale))

    def _logsf(self, x):
        return -self._z(x)

    def _logcdf(self, x):
        return log1mexp(-self._z(x))

    def _logpdf(self, x):
        t = np.log(x / self.scale)
        with np.errstate(over="ignore"):
            return (
                math.log(self.shape / self.scale) + (self.shape - 1.0) * t - np.exp(self.shape * t)
            )

    def _from_neglog_sf(self, t):
        with np.errstate(divide="ignore"):
            return self.scale * np.exp(np.log(t) / self.shape)

    def _isf(self, q):
        with np.errstate(divide="ignore"):
            return self._from_neglog_sf(-np.log(q))

    def _ppf(self, q):
        return self._from_neglog_sf(-np.log1p(-q))

    def _raw_moment(self, k: int) -> float:
        log_m = k * math.log(self.scale) + special.gammaln(1.0 + k / self.shape)
        return math.exp(log_m) if log_m < 709.0 else math.inf

    def _partial_moment(self, k: int, lo: float, hi: float) -> float:
        # E[X^m; a < X <= b] = s^m Gamma(1 + m/k) (P(1 + m/k, z_b) - P(1 + m/k, z_a)) with
        # z = (x/s)^k (substitute t = (x/s)^k); the regularised gammas are taken from the
        # side that keeps their relative precision
        a = 1.0 + k / self.shape
        za = float(self._z(lo)) if lo > 0 else 0.0
        zb = float(self._z(hi)) if math.isfinite(hi) else math.inf
        if za > a:  # both ends in the upper tail of the gamma(a) law
            prob = special.gammaincc(a, za) - (special.gammaincc(a, zb) if zb < math.inf else 0.0)
        else:
            prob = (special.gammainc(a, zb) if zb < math.inf else 1.0) - special.gammainc(a, za)
        log_m = k * math.log(self.scale) + special.gammaln(a)
        return math.exp(log_m) * prob if log_m < 709.0 else math.inf

    def _lev(self, d):
        # s Gamma(1 + 1/k) P(1/k, z) in logs: both factors overflow/underflow for small k
        k = self.shape
        log_lev = math.log(self.scale) + special.gammaln(1.0 + 1.0 / k)
        return np.exp(log_lev + log_gammainc(1.0 / k, self._z(d)))

    @classmethod
    def _start(cls, x) -> Weibull:
        """Moments of log x: log X = log s + G/k with G standard Gumbel-min
        (mean -Euler's gamma, sd pi/sqrt(6))."""
        lx = np.log(np.asarray(x, dtype=float))
        sd = max(float(np.std(lx)), 1e-6)
        k = math.pi / (math.sqrt(6.0) * sd)
        return cls(shape=k, scale=math.exp(float(np.mean(lx)) + _EULER_GAMMA / k))
