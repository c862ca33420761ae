"""The generalized Pareto distribution (GPD) of extreme-value theory."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import special

from ._base import Severity, _init_params
from ._estimators import gpd_pwm
from ._math import expm1_over, log1mexp, log1p_over
from ._spec import FamilySpec, LogLik, Sampler, positive, real

__all__ = ["GeneralizedPareto"]


class _GPDLogLik(LogLik):
    """Scores in (xi, sigma), the threshold held fixed; care near xi = 0."""

    def params(self, d):
        return np.array([d.xi, d.sigma, d.threshold])

    @staticmethod
    def _core(xi, s, y):
        """log w / xi, d/dxi (log w / xi) and y/(s w), with care near xi = 0."""
        t = y / s
        w = 1.0 + xi * t
        with np.errstate(invalid="ignore", divide="ignore"):
            if abs(xi) < 1e-7:
                lw_xi = t - 0.5 * xi * t * t
                dlw_xi = -0.5 * t * t
            else:
                lw = np.log1p(xi * t)
                lw_xi = lw / xi
                dlw_xi = -lw / xi**2 + t / (xi * w)
        return lw_xi, dlw_xi, t / w, w

    def logsf(self, p, x):
        xi, s, u = p
        y = np.maximum(x - u, 0.0)
        lw_xi, dlw_xi, tw, w = self._core(xi, s, y)
        ok = w > 0
        ls = np.where(ok, -lw_xi, -np.inf)
        return ls, np.stack([np.where(ok, -dlw_xi, 0.0), np.where(ok, tw / s, 0.0)])

    def logpdf(self, p, x):
        xi, s, u = p
        y = x - u
        lw_xi, dlw_xi, tw, w = self._core(xi, s, np.maximum(y, 0.0))
        ok = (w > 0) & (y >= 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            lp = -math.log(s) - lw_xi - np.log(np.where(ok, w, 1.0))
            dxi = -dlw_xi - tw
            ds = -1.0 / s + (1.0 + xi) * tw / s
        return np.where(ok, lp, -np.inf), np.stack([np.where(ok, dxi, 0.0), np.where(ok, ds, 0.0)])


@dataclass(frozen=True)
class GeneralizedPareto(Severity):
    r"""Generalized Pareto distribution above a threshold, in the EVT sign convention.

    Parameters
    ----------
    xi : float
        Shape (tail index). ``xi > 0``: Pareto-type heavy tail with tail index
        :math:`1/\xi`; ``xi = 0``: exponential; ``xi < 0``: bounded support.
    sigma : float
        Scale, > 0.
    threshold : float, default 0
        Location: the lower end of the support, >= 0. Not a fitted parameter; to fit above
        a threshold ``u`` use ``GeneralizedPareto.with_fixed(threshold=u)``.

    Notes
    -----
    With :math:`y = (x - u)/\sigma`:

    .. math:: S(x) = (1 + \xi y)^{-1/\xi}, \qquad
              f(x) = \frac{1}{\sigma}(1 + \xi y)^{-1/\xi - 1},

    for :math:`x \ge u` (and :math:`x \le u - \sigma/\xi` when :math:`\xi < 0`); the limit
    :math:`\xi \to 0` is :math:`S = e^{-y}`, reached continuously (for :math:`|\xi| < 10^{-12}`
    the series of :math:`\log(1+\xi y)/\xi` is used). In log space,
    :math:`\log S = -\mathrm{log1p}(\xi y)/\xi` and
    :math:`S^{-1}(q) = u + \sigma\,\mathrm{expm1}(-\xi \log q)/\xi`, exact far in the tail.

    :math:`E[(X-u)^j] = \sigma^j j! / \prod_{i=1}^{j}(1 - i\xi)` for :math:`\xi < 1/j`
    (infinite otherwise): the mean is finite iff :math:`\xi < 1`, the variance iff
    :math:`\xi < 1/2`, :math:`\mathrm{Var}\,X = \sigma^2/((1-\xi)^2(1-2\xi))`. The limited
    expected value is :math:`E[X \wedge d] = u + \sigma\,(1 - S(d)^{1-\xi})/(1-\xi)`
    (:math:`u + \sigma \log(1 + y)` when :math:`\xi = 1`).

    References
    ----------
    J. Pickands (1975), "Statistical inference using extreme order statistics", *Annals of
    Statistics* 3(1), 119-131. A. J. McNeil, R. Frey and P. Embrechts (2015), *Quantitative
    Risk Management*, 2nd ed., section 5.2.

    Examples
    --------
    >>> d = GeneralizedPareto(xi=0.5, sigma=1.0)
    >>> d.sf(2.0)  # (1 + 0.5 * 2) ** -2
    0.25
    >>> round(d.isf(1e-300) / 2e150, 12)  # far tail, no cancellation: 2 (q^-0.5 - 1)
    1.0
    """

    xi: float
    sigma: float
    threshold: float = 0.0

    spec: ClassVar[FamilySpec] = FamilySpec(
        name="gpd",
        aliases=("generalizedpareto",),
        params=(real("xi"), positive("sigma")),
        tail="xi",
        support_start="threshold",
        loglik=_GPDLogLik(),
        sampler=Sampler(code=1, fields=("xi", "sigma", "threshold")),
    )

    def __post_init__(self) -> None:
        _init_params(self, positive=("sigma",), finite=("xi", "threshold"))
        if self.threshold < 0:
            raise ValueError(
                f"GeneralizedPareto: threshold must be non-negative, got {self.threshold}"
            )

    def _support(self):
        if self.xi < 0:
            return self.threshold, self.threshold + self.sigma / -self.xi
        return self.threshold, math.inf

    def _y(self, x):
        return (x - self.threshold) / self.sigma

    def _logsf(self, x):
        return -log1p_over(self.xi, self._y(x))

    def _logcdf(self, x):
        return log1mexp(self._logsf(x))

    def _logpdf(self, x):
        y = self._y(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = -math.log(self.sigma) - log1p_over(self.xi, y) - np.log1p(self.xi * y)
        if self.xi < 0:
            # at the upper end of the support the density is 0 (xi > -1), 1/sigma (xi = -1)
            # or unbounded (xi < -1)
            if self.xi > -1:
                at_end = -np.inf
            else:
                at_end = -math.log(self.sigma) if self.xi == -1 else np.inf
            out = np.where(1.0 + self.xi * y <= 0.0, at_end, out)
        return out

    def _from_neglog_sf(self, t):
        """x with -log S(x) = t (t = 0 gives the threshold, t = inf the upper end)."""
        return self.threshold + self.sigma * expm1_over(self.xi, t)

    def _isf(self, q):
        with np.errstate(divide="ignore"):
            return self._from_neglog_sf(-np.log(q))

    def _ppf(self, q):
        with np.errstate(divide="ignore"):
            return self._from_neglog_sf(-np.log1p(-q))

    def _excess_moment(self, j: int) -> float:
        """E[(X - u)^j]."""
        if self.xi * j >= 1:
            return math.inf
        den = math.prod(1.0 - i * self.xi for i in range(1, j + 1))
        return self.sigma**j * math.factorial(j) / den

    def _raw_moment(self, k: int) -> float:
        if self.xi * k >= 1:
            return math.inf
        u = self.threshold
        return math.fsum(
            special.comb(k, j, exact=True) * u ** (k - j) * self._excess_moment(j)
            for j in range(k + 1)
        )

    def _var(self) -> float:
        return self.sigma**2 / ((1.0 - self.xi) ** 2 * (1.0 - 2.0 * self.xi))

    def _lev(self, d):
        lo, hi = self._support()
        t = -np.asarray(self.logsf(np.clip(d, lo, hi)))
        # integral of S over [u, d] = sigma (1 - S(d)^(1 - xi)) / (1 - xi), with
        # S(d)^(1 - xi) = exp((xi - 1) t)
        val = lo + self.sigma * expm1_over(self.xi - 1.0, t)
        return np.where(d <= lo, d, val)

    @classmethod
    def _start(cls, x) -> GeneralizedPareto:
        return cls._start_fixed(x, {})

    @classmethod
    def _start_fixed(cls, x, fixed: Mapping[str, float]) -> GeneralizedPareto:
        """Probability-weighted moments of the excesses over the threshold.

        Where they put xi outside (-0.5, 0.95), where the maximum-likelihood estimator is
        irregular (xi <= -0.5) or the estimates unreliable, the start is xi = 0.1 and
        sigma = 0.9 times the mean excess instead.
        """
        u = float(fixed.get("threshold", 0.0))
        y = np.asarray(x, dtype=float) - u
        y = y[y >= 0]
        xi, sigma = gpd_pwm(y) if y.size >= 2 else (0.1, 1.0)
        if y.size >= 2 and not -0.5 < xi < 0.95:
            xi, sigma = 0.1, max(0.9 * float(np.mean(y)), 1e-300)
        xi = float(fixed.get("xi", xi))
        sigma = float(fixed.get("sigma", sigma))
        if y.size and xi < 0 and not 1.0 + xi * float(np.max(y)) / sigma > 0:
            # keep every observation inside the start's bounded support
            if "xi" in fixed:
                sigma = 1.01 * -xi * float(np.max(y))
            else:
                xi = -0.5 * sigma / float(np.max(y))
        return cls(xi=xi, sigma=sigma, threshold=u)
