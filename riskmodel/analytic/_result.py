"""The frozen result of an analytic compound-distribution computation."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._errors import InfiniteMomentWarning, RiskModelWarning
from ._frequency import ABZero

__all__ = ["CompoundDistribution", "finish"]


def _out(arr: np.ndarray):
    return float(arr) if arr.ndim == 0 else arr


@dataclass(frozen=True, eq=False)
class CompoundDistribution:
    r"""Distribution of an annual total :math:`S = X_1 + \dots + X_N` on the grid ``0, h, ...``.

    Made by :func:`panjer` or :func:`fft_compound`; not meant to be built by hand.

    Attributes
    ----------
    h : float
        The span of the grid.
    pmf : ndarray
        P(S = k h) for k = 0, ..., n-1 (read-only).
    method : str
        ``"panjer"`` or ``"fft"``.
    discretization : str
        How the severity was put on the grid (``"rounding"``, ``"unbiased"``, ``"lower"``,
        ``"upper"``, or ``"given"`` for a pmf supplied by the user).
    mass_lost : float
        :math:`1 - \sum_k` ``pmf[k]``: the probability that the total lies beyond the grid (and,
        for the FFT, what round-off and residual aliasing leave). Quantiles above
        ``1 - mass_lost`` cannot be read from this grid.
    severity_mass_beyond : float
        Probability the discretised severity puts beyond the grid.
    frequency : ABZero
        The claim-count distribution, in (a, b, 0) form.
    severity_mean : float
        E[X] of the severity (``inf`` when infinite, ``nan`` when unknown); with
        ``frequency.mean`` it gives :meth:`mean` and the tail beyond the grid in :meth:`tvar`.
    tilt : float or None
        The exponential tilt used by the FFT, per unit of loss (``None`` for Panjer).
    provenance : dict
        riskmodel version and the grid parameters.
    """

    h: float
    pmf: np.ndarray
    method: str
    discretization: str
    mass_lost: float
    severity_mass_beyond: float
    frequency: ABZero
    severity_mean: float
    tilt: float | None = None
    provenance: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ grid
    @property
    def n(self) -> int:
        """Number of grid points."""
        return int(self.pmf.shape[0])

    @property
    def grid(self) -> np.ndarray:
        """The grid points ``k h``, k = 0, ..., n-1."""
        return self.h * np.arange(self.n)

    def _cdf_grid(self) -> np.ndarray:
        # running maximum guards the search in quantile() against round-off dips
        return np.maximum.accumulate(np.cumsum(self.pmf))

    def _sf_grid(self) -> np.ndarray:
        # P(S > kh): the masses above kh summed from the right, plus the mass beyond the grid,
        # so far-tail probabilities keep their relative precision
        above = np.concatenate([np.cumsum(self.pmf[::-1])[::-1][1:], [0.0]])
        return above + self.mass_lost

    def _index(self, x) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=float)
        if np.isnan(x).any():
            raise ValueError("x: contains NaN")
        with np.errstate(invalid="ignore"):
            k = np.floor(x / self.h + 1e-9)
        return x, k

    def cdf(self, x=None):
        """P(S <= x); on the whole grid when ``x`` is omitted.

        The total lives on the lattice, so the cdf is exact between grid points; from
        ``n h`` on it is unknown and returned as ``nan``.
        """
        cdf = self._cdf_grid()
        if x is None:
            return cdf
        x, k = self._index(x)
        out = np.where(k < 0, 0.0, np.nan)
        inside = (k >= 0) & (k < self.n)
        out[inside] = cdf[k[inside].astype(np.int64)]
        return _out(out)

    def sf(self, x=None):
        """P(S > x); on the whole grid when ``x`` is omitted (``nan`` from ``n h`` on)."""
        sf = self._sf_grid()
        if x is None:
            return sf
        x, k = self._index(x)
        out = np.where(k < 0, 1.0, np.nan)
        inside = (k >= 0) & (k < self.n)
        out[inside] = sf[k[inside].astype(np.int64)]
        return _out(out)

    # ------------------------------------------------------------------ risk measures
    def _quantile_index(self, p: np.ndarray) -> np.ndarray:
        if ((p < 0) | (p > 1) | np.isnan(p)).any():
            raise ValueError("p: probabilities must lie in [0, 1]")
        cdf = self._cdf_grid()
        k = np.searchsorted(cdf, p, side="left")
        if (k >= self.n).any():
            bad = float(np.max(p[k >= self.n]))
            raise ValueError(
                f"p={bad:g}: the quantile lies beyond the grid (x > {(self.n - 1) * self.h:g}), "
                f"which holds probability {cdf[-1]:.6g}; increase n or h"
            )
        return k

    def quantile(self, p):
        """Lower quantile (VaR): the smallest grid point ``x`` with ``cdf(x) >= p``.

        Parameters
        ----------
        p : float or array_like
            Probability levels in [0, 1].

        Raises
        ------
        ValueError
            If the quantile lies beyond the grid (``p > 1 - mass_lost``).
        """
        p = np.asarray(p, dtype=float)
        return _out(self.h * self._quantile_index(np.atleast_1d(p)).reshape(p.shape))

    def mean(self) -> float:
        """E[S] = E[N] E[X]: ``inf`` with an :class:`InfiniteMomentWarning` when E[X] is infinite.

        Notes
        -----
        This is the mean of the model, not a sum over the grid, so it includes the total beyond
        the grid. With the ``"unbiased"`` discretisation it is also the mean of the discretised
        model; with ``"rounding"`` the two differ by a term of order :math:`h^2` for smooth
        severities, with ``"lower"``/``"upper"`` by order :math:`h`.
        """
        m = self.frequency.mean * self.severity_mean if self.frequency.mean > 0 else 0.0
        if m == math.inf:
            warnings.warn(
                "CompoundDistribution: E[S] is infinite (the severity mean is infinite)",
                InfiniteMomentWarning,
                stacklevel=2,
            )
        return float(m)

    def tvar(self, p: float) -> float:
        r"""Tail value at risk (expected shortfall) at level ``p``.

        Notes
        -----
        :math:`\mathrm{TVaR}_p = \frac{1}{1-p}\int_p^1 \mathrm{VaR}_u\,du = \frac{1}{1-p}\Big(
        E[S] - \sum_{x_k \le v} x_k\,g_k + v\,(F(v) - p)\Big)` with :math:`v = \mathrm{VaR}_p`
        (Acerbi & Tasche 2002), the definition the simulator estimates. The grid gives the part
        of the mean up to :math:`v` exactly; the model mean :meth:`mean` supplies the rest,
        including the total beyond the grid. Infinite (with a warning) when E[S] is.

        References
        ----------
        Acerbi, C. & Tasche, D. (2002). On the coherence of expected shortfall. *Journal of
        Banking & Finance* 26(7), 1487-1503.
        """
        p = float(p)
        if not 0.0 <= p < 1.0:
            raise ValueError(f"p: must lie in [0, 1), got {p}")
        k = int(self._quantile_index(np.array([p]))[0])
        v = k * self.h
        total = self.mean()
        if math.isnan(total):
            raise ValueError(
                "tvar: E[S] is unknown (the severity pmf has mass beyond its grid at unknown "
                "points), so the tail beyond the grid cannot be accounted for"
            )
        if total == math.inf:
            return math.inf
        head = float(self.grid[: k + 1] @ self.pmf[: k + 1])
        cdf_v = float(self._cdf_grid()[k])
        return max(total - head + v * (cdf_v - p), 0.0) / (1.0 - p)

    # ------------------------------------------------------------------ reporting
    def to_dict(self, levels=(0.9, 0.95, 0.99, 0.995, 0.999)) -> dict[str, Any]:
        """JSON-friendly record: method, grid, mass lost, mean, VaR and TVaR where on the grid."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InfiniteMomentWarning)
            mean = self.mean()
            out: dict[str, Any] = {
                "method": self.method,
                "discretization": self.discretization,
                "h": self.h,
                "n": self.n,
                "tilt": self.tilt,
                "mass_lost": self.mass_lost,
                "severity_mass_beyond": self.severity_mass_beyond,
                "frequency": {"family": self.frequency.family, **self.frequency.params},
                "mean": mean,
                "provenance": dict(self.provenance),
            }
            cdf_last = float(self._cdf_grid()[-1])
            for p in levels:
                if p <= cdf_last:
                    out[f"var_{p:g}"] = float(self.quantile(p))
                    if not math.isnan(mean):
                        out[f"tvar_{p:g}"] = self.tvar(p)
        return out

    def summary(self, levels=(0.9, 0.95, 0.99, 0.995, 0.999)) -> str:
        """Readable summary: method, grid, mass lost, mean, and VaR/TVaR at ``levels``."""
        d = self.to_dict(levels)
        freq = ", ".join(f"{k}={v:g}" for k, v in self.frequency.params.items())
        tilt = "" if self.tilt is None else f", tilt {self.tilt:.4g} per unit"
        lines = [
            f"Compound distribution by {self.method} ({self.discretization} discretisation{tilt})",
            f"frequency: {self.frequency.family}({freq}); E[X] = {self.severity_mean:.6g}",
            f"grid: {self.n} points of span {self.h:g}, up to {(self.n - 1) * self.h:g}",
            f"mass beyond the grid: aggregate {self.mass_lost:.3g}, "
            f"severity {self.severity_mass_beyond:.3g}",
            f"mean: {d['mean']:.6g}",
            f"{'level':>8}{'VaR':>16}{'TVaR':>16}",
        ]
        for p in levels:
            if f"var_{p:g}" in d:
                tv = d.get(f"tvar_{p:g}", math.nan)
                lines.append(f"{p:>8g}{d[f'var_{p:g}']:>16,.6g}{tv:>16,.6g}")
            else:
                lines.append(f"{p:>8g}{'beyond grid':>16}{'':>16}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"CompoundDistribution(method={self.method!r}, discretization="
            f"{self.discretization!r}, h={self.h:g}, n={self.n}, mass_lost={self.mass_lost:.3g})"
        )


def finish(
    pmf: np.ndarray,
    *,
    method: str,
    disc,
    frequency: ABZero,
    tol: float,
    tilt: float | None = None,
) -> CompoundDistribution:
    """Wrap an aggregate pmf as a :class:`CompoundDistribution`, warning when mass is lost."""
    from .. import __version__

    pmf = np.asarray(pmf, dtype=float)
    pmf.setflags(write=False)
    mass_lost = max(1.0 - float(np.sum(pmf)), 0.0)
    if mass_lost > tol:
        warnings.warn(
            f"{method}: probability {mass_lost:.3g} of the total lies beyond the grid "
            f"(above {(pmf.size - 1) * disc.h:g}; the severity puts {disc.mass_beyond:.3g} "
            f"beyond it); quantiles above {1.0 - mass_lost:.6g} are unavailable: increase n or h",
            RiskModelWarning,
            stacklevel=3,
        )
    return CompoundDistribution(
        h=disc.h,
        pmf=pmf,
        method=method,
        discretization=disc.method,
        mass_lost=mass_lost,
        severity_mass_beyond=disc.mass_beyond,
        frequency=frequency,
        severity_mean=disc.mean,
        tilt=tilt,
        provenance={"version": __version__, "h": disc.h, "n": int(pmf.size), "tol": tol},
    )
