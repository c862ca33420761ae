"""Burr type XII and log-logistic (Fisk) distributions."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import special

from ._base import Severity, _init_params
from ._estimators import log_quantiles, top_hill_alpha
from ._math import log1mexp, log_expm1, softplus
from ._spec import FamilySpec, LogLik, Sampler, positive

__all__ = ["Burr", "LogLogistic"]

_LOG3 = math.log(3.0)


class _BurrLogLik(LogLik):
    """Scores in (c, k, scale) of sf = (1 + (x/scale)^c)^(-k)."""

    def params(self, d):
        return np.array([d.c, d.k, d.scale])

    def logsf(self, p, x):
        c, k, s = p
        lz = np.log(x / s)
        l1 = np.logaddexp(0.0, c * lz)
        q = special.expit(c * lz)
        return -k * l1, np.stack([-k * q * lz, -l1, k * q * c / s])

    def logpdf(self, p, x):
        c, k, s = p
        lz = np.log(x / s)
        l1 = np.logaddexp(0.0, c * lz)
        q = special.expit(c * lz)
        lp = math.log(c) + math.log(k) - math.log(s) + (c - 1.0) * lz - (k + 1.0) * l1
        dc = 1.0 / c + lz - (k + 1.0) * q * lz
        dk = 1.0 / k - l1
        ds = (-c + (k + 1.0) * q * c) / s
        return lp, np.stack([dc, dk, ds])


class _LogLogisticLogLik(LogLik):
    """Scores in (shape, scale) of sf = 1 / (1 + (x/scale)^shape)."""

    def params(self, d):
        return np.array([d.shape, d.scale])

    def logsf(self, p, x):
        b, a = p
        lz = np.log(x / a)
        ls = -np.logaddexp(0.0, b * lz)
        q = special.expit(b * lz)  # z^b / (1 + z^b)
        return ls, np.stack([-q * lz, q * b / a])

    def logpdf(self, p, x):
        b, a = p
        lz = np.log(x / a)
        lp = math.log(b) - math.log(a) + (b - 1.0) * lz - 2.0 * np.logaddexp(0.0, b * lz)
        q = special.expit(b * lz)
        return lp, np.stack([1.0 / b + lz - 2.0 * q * lz, (-b + 2.0 * b * q) / a])


def _burr_lev(scale: float, c: float, k: float, d: np.ndarray) -> np.ndarray:
    """E[min(X, d)] of a Burr XII with c k > 1 (finite mean), by the incomplete beta."""
    u = c * np.log(d / scale)
    w = np.exp(u - softplus(u))  # (d/s)^c / (1 + (d/s)^c)
    log_mean = math.log(scale) + special.gammaln(1 + 1 / c) + special.gammaln(k - 1 / c)
    mean = math.exp(log_mean - special.gammaln(k))
    return mean * special.betainc(1 / c, k - 1 / c, w)


@dataclass(frozen=True)
class Burr(Severity):
    r"""Burr type XII distribution: :math:`S(x) = (1 + (x/s)^c)^{-k}`, :math:`x > 0`.

    Parameters
    ----------
    c : float
        Inner shape, > 0.
    k : float
        Outer shape, > 0. The tail index is :math:`ck`: the moment of order m exists iff
        :math:`ck > m`.
    scale : float
        Scale :math:`s`, > 0.

    Notes
    -----
    With :math:`u = c\log(x/s)` and :math:`\mathrm{sp}(u) = \log(1 + e^u)`:

    .. math:: \log S(x) = -k\,\mathrm{sp}(u), \qquad
              \log f(x) = \log\frac{ck}{s} + (c-1)\log\frac{x}{s} - (k+1)\,\mathrm{sp}(u),

    :math:`S^{-1}(q) = s\,(q^{-1/k} - 1)^{1/c}`, computed as
    :math:`s\exp(\log\mathrm{expm1}(-\log(q)/k)/c)` (no overflow, no cancellation),
    :math:`E[X^m] = s^m\Gamma(1 + m/c)\Gamma(k - m/c)/\Gamma(k)` for :math:`ck > m`, and,
    for :math:`ck > 1`, :math:`E[X \wedge d] = E[X]\,I_w(1/c, k - 1/c)` with
    :math:`w = (d/s)^c/(1 + (d/s)^c)` and :math:`I` the regularised incomplete beta function
    (substitute :math:`w` in :math:`\int_0^d S`). With :math:`ck \le 1` the limited expected
    value is integrated numerically.

    References
    ----------
    I. W. Burr (1942), "Cumulative frequency functions", *Annals of Mathematical Statistics*
    13(2), 215-232. S. A. Klugman, H. H. Panjer and G. E. Willmot (2012), *Loss Models*, 4th
    ed., appendix A.

    Examples
    --------
    >>> Burr(c=2.0, k=1.0, scale=1.0).sf(1.0)
    0.5
    """

    c: float
    k: float
    scale: float

    spec: ClassVar[FamilySpec] = FamilySpec(
        name="burr",
        params=(positive("c"), positive("k"), positive("scale")),
        tail="k",
        loglik=_BurrLogLik(),
        sampler=Sampler(code=4, fields=("c", "k", "scale")),
    )

    def __post_init__(self) -> None:
        _init_params(self, positive=("c", "k", "scale"))

    def _logsf(self, x):
        return -self.k * softplus(self.c * np.log(x / self.scale))

    def _logcdf(self, x):
        return log1mexp(self._logsf(x))

    def _logpdf(self, x):
        t = np.log(x / self.scale)
        return (
            math.log(self.c * self.k / self.scale)
            + (self.c - 1.0) * t
            - (self.k + 1.0) * softplus(self.c * t)
        )

    def _from_neglog_sf(self, t):
        return self.scale * np.exp(log_expm1(t / self.k) / self.c)

    def _isf(self, q):
        with np.errstate(divide="ignore"):
            return self._from_neglog_sf(-np.log(q))

    def _ppf(self, q):
        with np.errstate(divide="ignore"):
            return self._from_neglog_sf(-np.log1p(-q))

    def _raw_moment(self, k: int) -> float:
        if self.c * self.k <= k:
            return math.inf
        log_m = (
            k * math.log(self.scale)
            + special.gammaln(1 + k / self.c)
            + special.gammaln(self.k - k / self.c)
            - special.gammaln(self.k)
        )
        return math.exp(log_m) if log_m < 709.0 else math.inf

    def _lev(self, d):
        if self.c * self.k > 1:
            return _burr_lev(self.scale, self.c, self.k, d)
        return super()._lev(d)

    @classmethod
    def _start(cls, x) -> Burr:
        """c from the spread of log x (log-logistic), ck from the Hill estimator of the top
        10%, the scale from the median."""
        med, iqr = log_quantiles(np.asarray(x, dtype=float))
        c = 2.0 * _LOG3 / iqr
        k = min(max(top_hill_alpha(np.asarray(x, dtype=float)) / c, 0.05), 20.0)
        # median of a Burr: s (2^(1/k) - 1)^(1/c)
        log_scale = med - float(log_expm1(math.log(2.0) / k)) / c
        return cls(c=c, k=k, scale=math.exp(log_scale))


@dataclass(frozen=True)
class LogLogistic(Severity):
    r"""Log-logistic (Fisk) distribution: :math:`S(x) = 1/(1 + (x/s)^\beta)`, :math:`x > 0`.

    Parameters
    ----------
    shape : float
        :math:`\beta > 0`, the tail index: the moment of order m exists iff :math:`\beta > m`.
    scale : float
        Scale :math:`s` (the median), > 0.

    Notes
    -----
    :math:`\log X` is logistic with location :math:`\log s` and scale :math:`1/\beta`. With
    :math:`t = \log(x/s)`: :math:`\log S = -\mathrm{sp}(\beta t)`,
    :math:`\log F = -\mathrm{sp}(-\beta t)`,
    :math:`\log f = \log(\beta/s) + (\beta - 1)t - 2\,\mathrm{sp}(\beta t)`, and
    :math:`S^{-1}(q) = s\exp((\mathrm{log1p}(-q) - \log q)/\beta)`.
    :math:`E[X^m] = s^m b/\sin b` with :math:`b = m\pi/\beta` (:math:`\beta > m`). It is the
    Burr XII with :math:`c = \beta`, :math:`k = 1`, and shares its limited expected value.

    References
    ----------
    S. A. Klugman, H. H. Panjer and G. E. Willmot (2012), *Loss Models*, 4th ed., appendix A
    ("loglogistic").

    Examples
    --------
    >>> LogLogistic(shape=3.0, scale=2.0).isf(0.5)
    2.0
    """

    shape: float
    scale: float

    spec: ClassVar[FamilySpec] = FamilySpec(
        name="loglogistic",
        params=(positive("shape"), positive("scale")),
        tail="shape",
        loglik=_LogLogisticLogLik(),
        sampler=Sampler(code=6, fields=("shape", "scale")),
        log_location_scale=("scale", "shape", -1),
    )

    def __post_init__(self) -> None:
        _init_params(self, positive=("shape", "scale"))

    def _logsf(self, x):
        return -softplus(self.shape * np.log(x / self.scale))

    def _logcdf(self, x):
        return -softplus(-self.shape * np.log(x / self.scale))

    def _logpdf(self, x):
        t = np.log(x / self.scale)
        return (
            math.log(self.shape / self.scale)
            + (self.shape - 1.0) * t
            - 2.0 * softplus(self.shape * t)
        )

    def _isf(self, q):
        with np.errstate(divide="ignore"):
            return self.scale * np.exp((np.log1p(-q) - np.log(q)) / self.shape)

    def _ppf(self, q):
        with np.errstate(divide="ignore"):
            return self.scale * np.exp((np.log(q) - np.log1p(-q)) / self.shape)

    def _raw_moment(self, k: int) -> float:
        if self.shape <= k:
            return math.inf
        b = k * math.pi / self.shape
        return self.scale**k * (b / math.sin(b) if b > 0 else 1.0)

    def _lev(self, d):
        if self.shape > 1:
            return _burr_lev(self.scale, self.shape, 1.0, d)
        return super()._lev(d)

    @classmethod
    def _start(cls, x) -> LogLogistic:
        """Quantile matching on log x: median = log s, IQR = 2 log(3) / shape."""
        med, iqr = log_quantiles(np.asarray(x, dtype=float))
        return cls(shape=2.0 * _LOG3 / iqr, scale=math.exp(med))
