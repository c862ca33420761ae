"""Truncation and capping of any severity distribution."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from .._errors import InfiniteMomentWarning
from ._base import Severity
from ._math import quad_pieces

#: the least probability a truncation may keep (:class:`Truncated` divides by it)
_MIN_MASS = 1e-300

__all__ = ["Capped", "Truncated"]


def mass_above(dist: Severity, t: float) -> bool:
    """Whether ``dist`` puts at least :data:`_MIN_MASS` of its probability above ``t``: the
    least a truncation at ``t`` can condition on (:class:`Truncated` refuses less).

    >>> from riskmodel.severity import LogNormal
    >>> mass_above(LogNormal(0.0, 1.0), 1e3), mass_above(LogNormal(-50.0, 1.0), 1e3)
    (True, False)
    """
    with np.errstate(all="ignore"):
        return bool(float(dist.logsf(t)) >= math.log(_MIN_MASS))


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
    :math:`S_T(x) = (S(x) - S(u))/p` for :math:`l < x \le u`. Without an upper point,
    :math:`\log S_T = \log S(x) - \log S(l)`, exact however far :math:`l` lies in the tail.
    Moments and limited expected values use the base's closed forms where that is free of
    cancellation (:math:`S(l) > 10^{-3}`) and integrate :math:`S_T` numerically otherwise.

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
        if not isinstance(self.base, Severity):
            raise TypeError(f"truncated: base must be a Severity, got {self.base!r}")
        for side in ("lower", "upper"):
            if getattr(self, side) is not None:
                object.__setattr__(self, side, float(getattr(self, side)))
        lo = 0.0 if self.lower is None else self.lower
        hi = math.inf if self.upper is None else self.upper
        if not (lo >= 0 and hi > lo):
            raise ValueError(
                f"truncated: need 0 <= lower < upper, got lower={self.lower}, upper={self.upper}"
            )
        b_lo, b_hi = self.base._support()
        lo, hi = max(lo, b_lo), min(hi, b_hi)
        logs_lo = float(self.base.logsf(lo))
        s_lo = math.exp(logs_lo)
        s_hi = float(self.base.sf(hi)) if math.isfinite(hi) else 0.0
        if s_hi == 0.0:
            lognorm = logs_lo
        else:
            lognorm = math.log(s_lo - s_hi) if s_lo > s_hi else -math.inf
        if not (hi > lo and lognorm > -math.inf):
            raise ValueError(f"truncated: {self.base!r} puts no probability on ({lo:g}, {hi:g}]")
        if not s_lo - s_hi >= _MIN_MASS:
            # the conditional quantiles, moments and draws scale by S(l) - S(u): it underflows
            raise ValueError(
                f"truncated: {self.base!r} puts {math.exp(lognorm):.3g} of its probability on "
                f"({lo:g}, {hi:g}], less than the {_MIN_MASS:g} that double precision can "
                "condition on"
            )
        # derived once (not fields): support, S(l), S(u), F(l), log normaliser, log S(l)
        object.__setattr__(
            self, "_b", (lo, hi, s_lo, s_hi, float(self.base.cdf(lo)), lognorm, logs_lo)
        )

    @property
    def params(self) -> dict[str, float]:
        return self.base.params

    def _support(self):
        return self._b[0], self._b[1]

    def _logpdf(self, x):
        return np.asarray(self.base.logpdf(x)) - self._b[5]

    def _logsf(self, x):
        _, _, _, s_hi, _, lognorm, logs_lo = self._b
        if s_hi == 0.0:
            return np.asarray(self.base.logsf(x)) - logs_lo
        with np.errstate(divide="ignore"):
            return np.log(np.maximum(np.asarray(self.base.sf(x)) - s_hi, 0.0)) - lognorm

    def _logcdf(self, x):
        # F_T(x) = (F(x) - F(l)) / (S(l) - S(u)): from cdfs when l lies in the body, from
        # survival functions when it lies in the tail
        _, _, s_lo, _, c_lo, lognorm, _ = self._b
        if c_lo < 0.5:
            num = np.asarray(self.base.cdf(x)) - c_lo
        else:
            num = s_lo - np.asarray(self.base.sf(x))
        with np.errstate(divide="ignore"):
            return np.log(np.maximum(num, 0.0)) - lognorm

    def _isf(self, q):
        lo, hi, s_lo, s_hi, *_ = self._b
        x = np.asarray(self.base.isf(np.clip(s_hi + q * (s_lo - s_hi), 0.0, 1.0)))
        return np.clip(x, lo, hi)

    def _ppf(self, q):
        lo, hi, s_lo, s_hi, c_lo, *_ = self._b
        if c_lo >= 0.5:
            return self._isf(1.0 - q)
        x = np.asarray(self.base.ppf(np.clip(c_lo + q * (s_lo - s_hi), 0.0, 1.0)))
        return np.clip(x, lo, hi)

    def _sf_scalar(self, t: float) -> float:
        return float(np.exp(self._logsf(np.asarray(t, dtype=float))))

    def _raw_moment(self, k: int) -> float:
        lo, hi, s_lo, s_hi, *_ = self._b
        if k == 0:
            return 1.0
        pm = self.base._partial_moment(k, lo, hi)
        if pm is not None:
            return pm / (s_lo - s_hi)
        if math.isfinite(hi):
            # bounded support: E[X^k] = l^k + integral of k t^(k-1) S_T(t) over [l, u]
            return lo**k + quad_pieces(lambda t: k * t ** (k - 1) * self._sf_scalar(t), lo, hi)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InfiniteMomentWarning)
            base_k = float(self.base._raw_moment(k))
        if not math.isfinite(base_k):
            return math.inf
        if lo <= 0.0:
            return base_k
        if k == 1 and s_lo > 1e-3:
            # E[X | X > l] = l + (E[X] - E[X ^ l]) / S(l): no harmful cancellation here
            return lo + (base_k - float(self.base.lev(lo))) / s_lo
        # far in the tail: integrate the conditional survival function itself
        return lo**k + quad_pieces(lambda t: k * t ** (k - 1) * self._sf_scalar(t), lo, math.inf)

    def _partial_moment(self, k: int, lo: float, hi: float) -> float | None:
        # the base's partial moment over the part of (lo, hi] inside the truncation interval
        t_lo, t_hi, s_lo, s_hi, *_ = self._b
        a, b = max(lo, t_lo), min(hi, t_hi)
        if not b > a:
            return 0.0
        pm = self.base._partial_moment(k, a, b)
        return None if pm is None else pm / (s_lo - s_hi)

    def _var(self) -> float:
        lo, hi, s_lo, s_hi, *_ = self._b
        m2 = self.base._partial_moment(2, lo, hi)
        if m2 is not None:
            m2 /= s_lo - s_hi
            v = m2 - float(self._raw_moment(1)) ** 2
            if v > 1e-6 * m2:  # cancellation costs at most 6 of the 16 digits
                return v
        if lo <= 0.0:
            if not math.isfinite(hi):
                return float(self.base._var())
            return super()._var()
        # Var X = E[(X - l)^2] - (E[X] - l)^2 with E[(X - l)^2] = 2 int_l^u (t - l) S_T(t) dt:
        # centring at l avoids most of the cancellation of E[X^2] - E[X]^2
        m2 = 2.0 * quad_pieces(lambda t: (t - lo) * self._sf_scalar(t), lo, hi)
        return max(m2 - (float(self._raw_moment(1)) - lo) ** 2, 0.0)

    def _lev(self, d):
        lo, hi, s_lo, s_hi, *_ = self._b
        dd = np.minimum(d, hi)
        if s_lo > 1e-3:
            # E[min(X, d) | l < X <= u] = l + (int_l^d S - S(u)(d - l)) / (S(l) - S(u))
            base_part = np.asarray(self.base.lev(dd)) - float(self.base.lev(lo))
            val = lo + (base_part - s_hi * (dd - lo)) / (s_lo - s_hi)
        else:
            val = np.array([lo + quad_pieces(self._sf_scalar, lo, di) for di in dd.flat])
            val = val.reshape(dd.shape)
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
        The cap, above the lower end of the base's support. The capped variable has a point
        mass :math:`S(\text{limit})` at the cap.

    Notes
    -----
    :math:`S_C(x) = S(x)` for :math:`x < \text{limit}` and 0 from the cap on; every moment is
    finite: :math:`E[\min(X, c)^k] = \int_0^c k x^{k-1} S(x)\,dx`. ``pdf`` returns the density
    of the continuous part only (it integrates to :math:`1 - S(c)`).

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
        if not isinstance(self.base, Severity):
            raise TypeError(f"capped: base must be a Severity, got {self.base!r}")
        object.__setattr__(self, "limit", float(self.limit))
        if not (self.limit > 0 and math.isfinite(self.limit)):
            raise ValueError(f"capped: limit must be positive and finite, got {self.limit}")
        lo, _ = self.base._support()
        if not self.limit > lo:
            raise ValueError(
                f"capped: limit {self.limit:g} is not above the lower end {lo:g} of the "
                f"support of {self.base!r}"
            )

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
        if k == 0:
            return 1.0
        if k == 1:
            return float(self.base.lev(self.limit))
        lo, _ = self.base._support()
        pm = self.base._partial_moment(k, lo, self.limit)
        if pm is not None:
            return pm + self.limit**k * float(self.base.sf(self.limit))
        # E[min(X, c)^k] = lo^k + integral of k t^(k-1) S(t) over [lo, c]
        lo, _ = self.base._support()
        return lo**k + quad_pieces(
            lambda t: k * t ** (k - 1) * float(self.base.sf(t)), lo, self.limit
        )

    def _lev(self, d):
        return np.asarray(self.base.lev(np.minimum(d, self.limit)))

    def __repr__(self) -> str:
        return f"Capped({self.base!r}, limit={self.limit:g})"
