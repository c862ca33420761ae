"""Truncation and capping of any severity distribution."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from .._errors import InfiniteMomentWarning
from ._base import Severity

__all__ = ["Capped", "Truncated"]


@dataclass(frozen=True)
class Truncated(Severity):
    r"""``base`` conditioned on ``lower < X <= upper``.

    Left truncation models a reporting threshold (losses below it are never seen); right
    truncation models a loss that cannot exceed the assets an exchange holds.

    Parameters
    ----------
    base : Severity
        The untruncated distribution.
    lower, upper : float or None
        Truncation points; ``None`` means no truncation on that side.

    Notes
    -----
    With :math:`p = S(l) - S(u)`: :math:`f_T(x) = f(x)/p` and
    :math:`S_T(x) = (S(x) - S(u))/p` for :math:`l < x \le u`.

    Examples
    --------
    >>> from riskmodel.severity import LogNormal
    >>> t = LogNormal(13.0, 2.0).truncated(lower=1e6)
    >>> t.sf(1e6)
    1.0
    """

    base: Severity
    lower: float | None = None
    upper: float | None = None

    def __post_init__(self) -> None:
        lo = 0.0 if self.lower is None else float(self.lower)
        hi = math.inf if self.upper is None else float(self.upper)
        if not (lo >= 0 and hi > lo):
            raise ValueError(
                f"truncated: need 0 <= lower < upper, got lower={self.lower}, upper={self.upper}"
            )
        p = self.base.sf(lo) - self.base.sf(hi)
        if not p > 0:
            raise ValueError(f"truncated: {self.base!r} puts no probability on ({lo:g}, {hi:g}]")

    @property
    def params(self) -> dict[str, float]:
        return self.base.params

    def _support(self):
        lo, hi = self.base._support()
        return (
            max(lo, 0.0 if self.lower is None else float(self.lower)),
            min(hi, math.inf if self.upper is None else float(self.upper)),
        )

    def _bounds(self):
        lo, hi = self._support()
        s_lo = float(self.base.sf(lo))
        s_hi = float(self.base.sf(hi)) if math.isfinite(hi) else 0.0
        return lo, hi, s_lo, s_hi

    def _lognorm(self) -> float:
        lo, hi, s_lo, s_hi = self._bounds()
        if s_hi == 0.0:
            return float(self.base.logsf(lo))
        return math.log(s_lo - s_hi)

    def _logpdf(self, x):
        return np.asarray(self.base.logpdf(x)) - self._lognorm()

    def _logsf(self, x):
        lo, hi, s_lo, s_hi = self._bounds()
        if s_hi == 0.0:
            return np.asarray(self.base.logsf(x)) - float(self.base.logsf(lo))
        with np.errstate(divide="ignore"):
            return np.log(np.maximum(np.asarray(self.base.sf(x)) - s_hi, 0.0)) - self._lognorm()

    def _logcdf(self, x):
        lo, hi, s_lo, s_hi = self._bounds()
        # F_T(x) = (S(l) - S(x)) / (S(l) - S(u)); use cdf differences when l is in the body
        c_lo = float(self.base.cdf(lo))
        with np.errstate(divide="ignore"):
            if c_lo < 0.5:
                num = np.asarray(self.base.cdf(x)) - c_lo
            else:
                num = s_lo - np.asarray(self.base.sf(x))
            return np.log(np.maximum(num, 0.0)) - self._lognorm()

    def _isf(self, q):
        lo, hi, s_lo, s_hi = self._bounds()
        x = np.asarray(self.base.isf(np.clip(s_hi + q * (s_lo - s_hi), 0.0, 1.0)))
        return np.clip(x, lo, hi)

    def _ppf(self, q):
        return self._isf(1.0 - q)

    def _raw_moment(self, k: int) -> float:
        lo, hi, s_lo, s_hi = self._bounds()
        if math.isfinite(hi):
            # bounded support: all moments finite; integrate k x^(k-1) S_T(x) on [0, hi]
            from scipy import integrate

            edges = np.unique(
                np.concatenate([[0.0, lo], np.geomspace(max(lo, hi * 1e-9), hi, 40)])
            )
            tot = 0.0
            for a, b in zip(edges[:-1], edges[1:], strict=True):
                tot += integrate.quad(
                    lambda t: k * t ** (k - 1) * float(self.sf(t)), a, b, limit=200
                )[0]
            return tot
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InfiniteMomentWarning)
            base_k = self.base._raw_moment(k)
        if not math.isfinite(base_k):
            return math.inf
        if k == 1:
            # E[X | X > l] = (E[X] - E[X ^ l] + l S(l)) / S(l)
            return (base_k - float(self.base.lev(lo)) + lo * s_lo) / s_lo
        from scipy import integrate

        tail = integrate.quad(
            lambda t: k * t ** (k - 1) * float(self.base.sf(t)), lo, math.inf, limit=400
        )[0]
        return lo**k + tail / s_lo

    def _lev(self, d):
        lo, hi, s_lo, s_hi = self._bounds()
        dd = np.minimum(d, hi)
        # E[min(X, d) | l < X <= u] = l + int_l^d S_T(x) dx for d > l
        base_part = np.asarray(self.base.lev(np.maximum(dd, lo))) - float(self.base.lev(lo))
        val = lo + (base_part - s_hi * (np.maximum(dd, lo) - lo)) / (s_lo - s_hi)
        return np.where(d <= lo, d, val)

    def __repr__(self) -> str:
        return f"Truncated({self.base!r}, lower={self.lower}, upper={self.upper})"


@dataclass(frozen=True)
class Capped(Severity):
    r"""``min(X, limit)``: losses censored at a cap (assets under custody, a policy limit).

    Parameters
    ----------
    base : Severity
        The uncapped distribution.
    limit : float
        The cap, > 0. The capped variable has a point mass :math:`S(\text{limit})` at the cap.

    Notes
    -----
    :math:`S_C(x) = S(x)` for :math:`x < \text{limit}` and 0 from the cap on; every moment is
    finite: :math:`E[\min(X, c)] = \int_0^c S(x)\,dx`. ``pdf`` returns the density of the
    continuous part only.

    Examples
    --------
    >>> from riskmodel.severity import LogNormal
    >>> c = LogNormal(15.0, 3.0).capped(1e9)
    >>> c.isf(1e-9)
    1000000000.0
    """

    base: Severity
    limit: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "limit", float(self.limit))
        if not (self.limit > 0 and math.isfinite(self.limit)):
            raise ValueError(f"capped: limit must be positive and finite, got {self.limit}")

    @property
    def params(self) -> dict[str, float]:
        return self.base.params

    def _support(self):
        lo, hi = self.base._support()
        return lo, min(hi, self.limit)

    def _logpdf(self, x):
        return np.where(x < self.limit, np.asarray(self.base.logpdf(x)), -np.inf)

    def _logsf(self, x):
        return np.where(x < self.limit, np.asarray(self.base.logsf(x)), -np.inf)

    def _logcdf(self, x):
        return np.where(x < self.limit, np.asarray(self.base.logcdf(x)), 0.0)

    def _isf(self, q):
        return np.minimum(np.asarray(self.base.isf(q)), self.limit)

    def _ppf(self, q):
        return np.minimum(np.asarray(self.base.ppf(q)), self.limit)

    def _raw_moment(self, k: int) -> float:
        if k == 1:
            return float(self.base.lev(self.limit))
        from scipy import integrate

        lo, _ = self.base._support()
        edges = np.unique(
            np.concatenate([[0.0], np.geomspace(max(lo, self.limit * 1e-12), self.limit, 40)])
        )
        return sum(
            integrate.quad(lambda t: k * t ** (k - 1) * float(self.base.sf(t)), a, b, limit=200)[0]
            for a, b in zip(edges[:-1], edges[1:], strict=True)
        )

    def _lev(self, d):
        return np.asarray(self.base.lev(np.minimum(d, self.limit)))

    def __repr__(self) -> str:
        return f"Capped({self.base!r}, limit={self.limit:g})"
