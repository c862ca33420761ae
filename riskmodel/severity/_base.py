"""The base class of every severity (single-loss) distribution.

A family subclass is a frozen dataclass of its parameters and implements a handful of
primitives in log space (``_logpdf``, ``_logcdf``, ``_logsf``, ``_ppf``, ``_isf``,
``_raw_moment``). The base class turns them into the public, vectorised methods, checks
arguments, handles the support, and gives truncation and capping.

For maximum likelihood each family also declares how its parameters map to an unconstrained
vector (``_to_theta`` / ``_from_theta``) and robust start values (``_start``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import fields
from typing import ClassVar

import numpy as np
from scipy import integrate

from .._errors import InfiniteMomentWarning
from .._rng import RNGLike, as_generator

__all__ = ["Severity"]


def _as_float_array(x, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if np.isnan(arr).any():
        raise ValueError(f"{name}: contains NaN")
    return arr


def _out(arr: np.ndarray):
    """Return a Python float for 0-d results, the array otherwise."""
    return float(arr) if arr.ndim == 0 else arr


class Severity:
    """Frozen distribution of a single loss amount (a positive real number).

    Subclasses are frozen dataclasses whose fields are the parameters. All methods are
    vectorised over their first argument and return floats for scalar input.
    """

    #: names of the parameters, in order
    param_names: ClassVar[tuple[str, ...]] = ()
    #: the parameter that governs the tail (for profile likelihood), if any
    tail_param: ClassVar[str | None] = None

    # ------------------------------------------------------------------ primitives
    def _support(self) -> tuple[float, float]:
        return 0.0, math.inf

    def _logpdf(self, x: np.ndarray) -> np.ndarray:  # x inside the support
        raise NotImplementedError

    def _logsf(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _logcdf(self, x: np.ndarray) -> np.ndarray:
        return np.log1p(-np.exp(self._logsf(x)))

    def _ppf(self, q: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _isf(self, q: np.ndarray) -> np.ndarray:
        return self._ppf(1.0 - q)

    def _raw_moment(self, k: int) -> float:
        """E[X^k]; ``inf`` when it does not exist."""
        raise NotImplementedError

    def _lev(self, d: np.ndarray) -> np.ndarray:
        """E[min(X, d)] by numerical integration of the survival function (families override)."""
        lo, _ = self._support()
        out = np.empty_like(d)
        for i, di in enumerate(d.flat):
            if di <= lo:
                out.flat[i] = di
                continue
            # integrate sf on [lo, d] in log-spaced pieces: sf varies over many decades
            edges = np.unique(np.concatenate([[lo], np.geomspace(max(lo, di * 1e-12), di, 25)]))
            total = lo
            for a, b in zip(edges[:-1], edges[1:], strict=True):
                total += integrate.quad(lambda t: float(self.sf(t)), a, b, limit=200)[0]
            out.flat[i] = total
        return out

    # ------------------------------------------------------------------ public API
    @property
    def params(self) -> dict[str, float]:
        """The parameters as a dict, in declaration order."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in self.param_names}

    def logpdf(self, x):
        """Log of the probability density at ``x`` (``-inf`` outside the support)."""
        x = _as_float_array(x, "x")
        lo, hi = self._support()
        inside = (x > lo) & (x < hi) | ((x == lo) & (lo > 0)) | ((x == hi) & np.isfinite(hi))
        out = np.full(x.shape, -np.inf)
        if inside.any():
            out[inside] = self._logpdf(x[inside])
        return _out(out)

    def pdf(self, x):
        """Probability density at ``x``."""
        return _out(np.exp(np.asarray(self.logpdf(x))))

    def logsf(self, x):
        """Log of the survival function P(X > x)."""
        x = _as_float_array(x, "x")
        lo, hi = self._support()
        out = np.where(x <= lo, 0.0, -np.inf)
        inside = (x > lo) & (x < hi)
        if inside.any():
            out[inside] = self._logsf(x[inside])
        return _out(out)

    def sf(self, x):
        """Survival function P(X > x), accurate far in the tail."""
        return _out(np.exp(np.asarray(self.logsf(x))))

    def logcdf(self, x):
        """Log of the distribution function P(X <= x)."""
        x = _as_float_array(x, "x")
        lo, hi = self._support()
        out = np.where(x <= lo, -np.inf, 0.0)
        inside = (x > lo) & (x < hi)
        if inside.any():
            out[inside] = self._logcdf(x[inside])
        return _out(out)

    def cdf(self, x):
        """Distribution function P(X <= x)."""
        return _out(np.exp(np.asarray(self.logcdf(x))))

    def ppf(self, q):
        """Quantile function: the smallest x with cdf(x) >= q."""
        q = _check_prob(q, "q")
        return _out(self._ppf(q))

    def isf(self, q):
        """Inverse survival function: x with sf(x) = q, without cancellation for small q."""
        q = _check_prob(q, "q")
        return _out(self._isf(q))

    def moment(self, k: int) -> float:
        """Raw moment E[X^k]; ``inf`` with an :class:`InfiniteMomentWarning` if it does not exist."""
        m = float(self._raw_moment(int(k)))
        if not math.isfinite(m):
            warnings.warn(
                f"{self!r}: moment of order {k} does not exist (infinite)",
                InfiniteMomentWarning,
                stacklevel=2,
            )
        return m

    def mean(self) -> float:
        """Expected loss E[X]; ``inf`` (with a warning) when the tail is too heavy."""
        m = float(self._raw_moment(1))
        if not math.isfinite(m):
            warnings.warn(
                f"{self!r}: the mean is infinite; cap the losses (dist.capped(limit)) "
                "to obtain finite moments",
                InfiniteMomentWarning,
                stacklevel=2,
            )
        return m

    def var(self) -> float:
        """Variance; ``inf`` (with a warning) when the second moment does not exist."""
        m1 = float(self._raw_moment(1))
        m2 = float(self._raw_moment(2))
        if not math.isfinite(m2):
            warnings.warn(
                f"{self!r}: the variance is infinite", InfiniteMomentWarning, stacklevel=2
            )
            return math.inf
        return max(m2 - m1 * m1, 0.0)

    def std(self) -> float:
        """Standard deviation (``inf`` with a warning when the variance is infinite)."""
        return math.sqrt(self.var())

    def lev(self, limit):
        """Limited expected value E[min(X, limit)]; finite for every finite limit.

        Notes
        -----
        E[min(X, d)] = integral from 0 to d of S(x) dx. As d grows it tends to the mean
        (which may be infinite).
        """
        d = _as_float_array(limit, "limit")
        if (d < 0).any():
            raise ValueError("limit: must be non-negative")
        out = np.where(np.isinf(d), np.nan, 0.0)
        fin = np.isfinite(d)
        if fin.any():
            out[fin] = self._lev(d[fin])
        if (~fin).any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", InfiniteMomentWarning)
                out[~fin] = self._raw_moment(1)
        return _out(out)

    def sample(self, n: int, rng: RNGLike = None) -> np.ndarray:
        """Draw ``n`` independent losses, by inversion of uniforms through ``isf``.

        Parameters
        ----------
        n : int
            Number of draws.
        rng : int, Generator, SeedSequence or None
            Source of randomness (SPEC 7).
        """
        n = int(n)
        if n < 0:
            raise ValueError(f"n: must be non-negative, got {n}")
        u = as_generator(rng).random(n)
        # u in [0, 1); 1 - u in (0, 1] avoids isf(0) = inf
        return np.asarray(self._isf(1.0 - u), dtype=float)

    # ------------------------------------------------------------------ wrappers
    def truncated(self, lower=None, upper=None) -> Severity:
        """This distribution conditioned on lower < X <= upper (reporting threshold, assets held).

        See :class:`riskmodel.severity.Truncated`.
        """
        from ._wrappers import Truncated

        return Truncated(self, lower=lower, upper=upper)

    def capped(self, limit: float) -> Severity:
        """min(X, limit): losses censored at ``limit`` (a point mass at the cap).

        See :class:`riskmodel.severity.Capped`.
        """
        from ._wrappers import Capped

        return Capped(self, limit=limit)

    # ------------------------------------------------------------------ fitting hooks
    def _to_theta(self) -> np.ndarray:
        """Parameters mapped to an unconstrained real vector."""
        raise NotImplementedError

    @classmethod
    def _from_theta(cls, theta: np.ndarray) -> Severity:
        raise NotImplementedError

    @classmethod
    def _start(cls, x: np.ndarray) -> Severity:
        """Robust start values from data ``x`` (positive losses)."""
        raise NotImplementedError


def _check_prob(q, name: str) -> np.ndarray:
    q = _as_float_array(q, name)
    if ((q < 0) | (q > 1)).any():
        raise ValueError(f"{name}: probabilities must lie in [0, 1]")
    return q
