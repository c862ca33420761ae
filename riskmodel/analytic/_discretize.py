"""Discretisation of a severity distribution on an arithmetic grid 0, h, 2h, ..."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from .._errors import InfiniteMomentWarning

__all__ = ["METHODS", "DiscreteSeverity", "as_discrete", "discretize"]

#: discretisation methods, named as in R actuar's ``discretize``
METHODS = ("rounding", "unbiased", "lower", "upper")


@dataclass(frozen=True, eq=False)
class DiscreteSeverity:
    """A severity distribution on the grid ``0, h, ..., (n-1) h``.

    Attributes
    ----------
    h : float
        The span (grid step), in loss units.
    pmf : ndarray
        Probability masses at the grid points (read-only).
    mass_beyond : float
        Probability the discretised severity puts beyond the grid, at ``n h`` or above. It does
        not enter an aggregate computed on the same ``n`` points (no loss beyond the grid can
        make a total inside it), but it bounds how much of the severity the grid shows.
    method : str
        The discretisation method, or ``"given"`` for a pmf supplied by the user.
    mean : float
        E[X] of the severity the masses came from: the distribution's own mean for a
        discretised distribution (``inf`` when infinite), the pmf's mean for a complete given pmf,
        ``nan`` when unknown (a given pmf with mass missing).
    """

    h: float
    pmf: np.ndarray
    mass_beyond: float
    method: str
    mean: float

    @property
    def n(self) -> int:
        """Number of grid points."""
        return int(self.pmf.shape[0])

    @property
    def grid(self) -> np.ndarray:
        """The grid points ``k h``."""
        return self.h * np.arange(self.n)

    def resized(self, n: int) -> DiscreteSeverity:
        """The same masses on ``n`` points: cut (the rest joins ``mass_beyond``) or zero-padded.

        Padding does not place ``mass_beyond`` anywhere: an aggregate on the longer grid then
        treats the severity as defective, and the probability it lacks shows in the aggregate's
        ``mass_lost`` (actuar's ``aggregateDist`` drops it the same way, silently).
        """
        n = _check_n(n)
        if n == self.n:
            return self
        if n > self.n:
            pmf = np.concatenate([self.pmf, np.zeros(n - self.n)])
            return _make(self.h, pmf, self.mass_beyond, self.method, self.mean)
        beyond = self.mass_beyond + float(self.pmf[n:].sum())
        return _make(self.h, self.pmf[:n].copy(), beyond, self.method, self.mean)


def _make(h, pmf, beyond, method, mean) -> DiscreteSeverity:
    pmf = np.asarray(pmf, dtype=float)
    pmf.setflags(write=False)
    return DiscreteSeverity(float(h), pmf, float(beyond), method, float(mean))


def _check_n(n) -> int:
    if n is None or int(n) != n or n < 2:
        raise ValueError(f"n: the number of grid points must be an integer >= 2, got {n}")
    return int(n)


def _check_h(h) -> float:
    if h is None or not (float(h) > 0 and math.isfinite(float(h))):
        raise ValueError(f"h: the span must be positive and finite, got {h}")
    return float(h)


def _severity_mean(severity) -> float:
    """E[X] of a distribution object, ``inf`` when infinite (no warning here), nan if unknown."""
    mean = getattr(severity, "mean", None)
    if mean is None:
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfiniteMomentWarning)
        try:
            return float(mean() if callable(mean) else mean)
        except (NotImplementedError, ArithmeticError):
            return math.nan


def _interval_masses(severity, edges: np.ndarray) -> tuple[np.ndarray, float]:
    """P(edges[k] < X <= edges[k+1]) for each k, and P(X > edges[-1]).

    ``edges[0]`` lies below zero (cdf 0). A mass is the difference of cdf values in the body
    and of sf values in the tail (where F > 1/2), so no tail mass is lost to cancellation.
    """
    x = edges[1:]
    cdf = np.concatenate([[0.0], np.atleast_1d(np.asarray(severity.cdf(x), dtype=float))])
    sf = np.concatenate([[1.0], np.atleast_1d(np.asarray(severity.sf(x), dtype=float))])
    body = cdf[1:] <= 0.5
    masses = np.where(body, cdf[1:] - cdf[:-1], sf[:-1] - sf[1:])
    return np.maximum(masses, 0.0), float(sf[-1])


def discretize(severity, h: float, n: int, method: str = "rounding") -> DiscreteSeverity:
    r"""Discretise a severity distribution on the grid ``0, h, ..., (n-1) h``.

    Parameters
    ----------
    severity : distribution
        Any object with vectorised ``cdf`` and ``sf`` (and ``lev`` for ``"unbiased"``), e.g.
        :class:`riskmodel.severity.LogNormal`, possibly truncated or capped.
    h : float
        The span, in loss units.
    n : int
        Number of grid points.
    method : {"rounding", "unbiased", "lower", "upper"}
        How the probability of each interval is placed on the grid; see Notes.

    Returns
    -------
    DiscreteSeverity
        The masses, and in ``mass_beyond`` the probability the discretised severity puts at
        ``n h`` or beyond.

    Notes
    -----
    With :math:`F` the cdf, :math:`S = 1 - F`, :math:`L(d) = E[X \wedge d]` and
    :math:`f_k` the mass at :math:`kh` (Klugman, Panjer & Willmot, chapter 9):

    * ``"rounding"`` (method of rounding, mass dispersal):
      :math:`f_0 = F(h/2)`, :math:`f_k = F((k+\tfrac12)h) - F((k-\tfrac12)h)`;
      beyond the grid :math:`S((n-\tfrac12)h)`.
    * ``"unbiased"`` (local moment matching of order one; actuar's ``method = "unbiased"``):
      :math:`f_0 = 1 - L(h)/h`, :math:`f_k = (2L(kh) - L((k-1)h) - L((k+1)h))/h`. The mass of each
      interval :math:`(kh, (k+1)h]` is split between its two ends so that its mean is kept, so the
      discretised severity has exactly the mean of :math:`X` (when finite). Beyond the grid
      :math:`(L(nh) - L((n-1)h))/h`. The masses inside the grid are those of the infinite grid,
      so an aggregate on the same grid is exact for that discretisation; actuar instead ends its
      grid with :math:`f_{n-1} = (L((n-1)h) - L((n-2)h))/h - S((n-1)h)`, which differs only in the
      last point.
    * ``"upper"``: :math:`X` moved down to the grid, :math:`f_k = F((k+1)h) - F(kh)` (with
      :math:`f_0 = F(h)`). Its cdf lies above that of :math:`X`, and so does the aggregate's.
    * ``"lower"``: :math:`X` moved up to the grid, :math:`f_k = F(kh) - F((k-1)h)` (with
      :math:`f_0 = F(0)`). Its cdf lies below that of :math:`X`, and so does the aggregate's:
      ``"upper"`` and ``"lower"`` bracket the true aggregate cdf at the grid points.

    Masses are differences of ``cdf`` values where :math:`F \le 1/2` and of ``sf`` values beyond,
    so small tail masses keep their relative precision. The unbiased masses are second differences
    of :math:`L`, accurate to about :math:`\epsilon\,L(kh)/h` in absolute terms (``epsilon`` the
    machine precision); negative round-off is set to zero.

    References
    ----------
    Klugman, S. A., Panjer, H. H. & Willmot, G. E. (2019). *Loss Models: From Data to Decisions*,
    5th ed., Wiley, chapter 9 (discretisation of severity distributions).
    Dutang, C., Goulet, V. & Pigeon, M. (2008). actuar: an R package for actuarial science.
    *Journal of Statistical Software* 25(7); ``actuar::discretize``.

    Examples
    --------
    >>> from riskmodel.severity import LogNormal
    >>> d = discretize(LogNormal(0.0, 1.0), h=0.05, n=4000, method="unbiased")
    >>> round(float(d.pmf.sum() + d.mass_beyond), 12)
    1.0
    """
    h, n = _check_h(h), _check_n(n)
    if method not in METHODS:
        raise ValueError(f"method: must be one of {METHODS}, got {method!r}")
    mean = _severity_mean(severity)
    k = np.arange(n + 1, dtype=float)
    if method == "unbiased":
        # E[X ^ d] = d wherever F(d) = 0 (below the support, and d = 0): lev is asked only above
        x = k * h
        lev = x.copy()
        body = np.atleast_1d(np.asarray(severity.cdf(x), dtype=float)) > 0.0
        if body.any():
            lev[body] = np.atleast_1d(np.asarray(severity.lev(x[body]), dtype=float))
        cell = np.diff(lev) / h  # average of S over (kh, (k+1)h]
        pmf = np.concatenate([[1.0 - cell[0]], cell[:-1] - cell[1:]])
        return _make(h, np.maximum(pmf, 0.0), max(float(cell[-1]), 0.0), method, mean)
    if method == "rounding":  # X rounded to the nearest grid point
        edges = (k - 0.5) * h
    elif method == "lower":  # X moved up: (kh - h, kh] -> kh
        edges = (k - 1.0) * h
    else:  # "upper", X moved down: (kh, kh + h] -> kh, and [0, h] -> 0
        edges = k * h
        edges[0] = -h
    pmf, beyond = _interval_masses(severity, edges)
    return _make(h, pmf, beyond, method, mean)


def as_discrete(severity, h=None, n=None, method: str = "rounding") -> DiscreteSeverity:
    """Coerce a severity argument of :func:`panjer` / :func:`fft_compound` to a grid.

    Parameters
    ----------
    severity : distribution, DiscreteSeverity or array_like
        A distribution (``h`` and ``n`` required), an already discretised severity, or the
        masses at ``0, h, 2h, ...`` (``h`` defaults to 1, ``n`` to the length).
    h, n, method
        As in :func:`discretize`.

    Raises
    ------
    ValueError
        If the masses are negative or sum to more than one, ``h`` contradicts the span of a
        :class:`DiscreteSeverity`, or ``h``/``n`` are missing for a distribution.
    """
    if isinstance(severity, DiscreteSeverity):
        if h is not None and not math.isclose(float(h), severity.h, rel_tol=1e-12):
            raise ValueError(f"h: {h} differs from the span {severity.h} of the discretisation")
        return severity if n is None else severity.resized(n)
    if isinstance(severity, (np.ndarray, list, tuple)):
        pmf = np.asarray(severity, dtype=float)
        if pmf.ndim != 1 or pmf.size < 1:
            raise ValueError(
                f"severity: a pmf must be a non-empty 1-d array, got shape {pmf.shape}"
            )
        if not np.isfinite(pmf).all() or (pmf < 0).any():
            raise ValueError("severity: pmf masses must be finite and non-negative")
        total = float(pmf.sum())
        if total > 1.0 + 1e-9:
            raise ValueError(f"severity: pmf masses sum to {total:.12g} > 1")
        h = 1.0 if h is None else _check_h(h)
        beyond = max(1.0 - total, 0.0)
        mean = h * float(np.arange(pmf.size) @ pmf) if beyond <= 1e-12 else math.nan
        disc = _make(h, pmf.copy(), beyond, "given", mean)
        if n is None:
            return disc if disc.n >= 2 else disc.resized(2)
        return disc.resized(n)
    if h is None or n is None:
        raise ValueError("h and n: both are required to discretise a severity distribution")
    return discretize(severity, h, n, method)
