"""Results of the conditional Monte Carlo tail estimators of ``simulate.conditional``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["METHOD", "TailProbability", "TailQuantile", "z_value"]

METHOD = "conditional Monte Carlo (Asmussen-Kroese)"


def z_value(level: float) -> float:
    """The normal quantile of a two-sided interval at confidence ``level``."""
    return float(stats.norm.isf((1.0 - level) / 2.0))


@dataclass(frozen=True)
class TailQuantile:
    """Result of :func:`tail_quantile`: VaR at level ``p`` by conditional Monte Carlo.

    Attributes
    ----------
    p : float
        The probability level.
    value : float
        The VaR estimate: the root of the estimated exceedance probability at ``1 - p``.
    se : float
        Its standard error (delta method); ``inf`` when the density estimate is not positive.
    ci : tuple of float
        Normal-approximation confidence interval ``value -/+ z se`` at ``level``.
    level : float
        Confidence level of ``ci``.
    exceedance, exceedance_se : float
        The estimated P(S > value) (``1 - p`` up to the solver's tolerance) and its standard
        error, ``sqrt(Var[Z] / n)``.
    density, density_se : float
        The estimated density of the annual total at ``value``, and its standard error.
    variance_ratio : float
        ``p (1 - p) / Var[Z(value)]``: the variance of the plain indicator over that of the
        conditional estimator, per simulated year. Plain Monte Carlo needs this many times more
        years for the same standard error.
    n_sims : int
        Simulated years (all of them, with and without losses).
    converged : bool
        Whether the root finder met its tolerance.
    elapsed_s : float
        Wall-clock seconds of the call.
    provenance : dict
        seed, spawn_key, n_sims, block_size, n_threads, method, years_with_loss,
        evaluations (full passes of the root finder), version.
    """

    p: float
    value: float
    se: float
    ci: tuple[float, float]
    level: float
    exceedance: float
    exceedance_se: float
    density: float
    density_se: float
    variance_ratio: float
    n_sims: int
    converged: bool
    elapsed_s: float
    provenance: dict[str, Any]

    def __repr__(self) -> str:
        return (
            f"TailQuantile(p={self.p:g}, value={self.value:.6g}, se={self.se:.3g}, "
            f"ci=({self.ci[0]:.6g}, {self.ci[1]:.6g}), variance_ratio={self.variance_ratio:.4g}, "
            f"n_sims={self.n_sims:,})"
        )

    def summary(self) -> str:
        """Readable summary: the VaR with its interval, the exceedance and the variance gain."""
        pct = f"{100 * self.level:g}%"
        return "\n".join(
            [
                f"Tail quantile by {METHOD}: {self.n_sims:,} years, "
                f"seed {self.provenance.get('seed')}, block size "
                f"{self.provenance.get('block_size')}",
                f"VaR {self.p:g}: {self.value:,.6g} (se {self.se:.4g}; {pct} CI "
                f"[{self.ci[0]:,.6g}, {self.ci[1]:,.6g}])",
                f"P(S > VaR): {self.exceedance:.6g} (se {self.exceedance_se:.3g}); "
                f"density there {self.density:.4g} (se {self.density_se:.3g})",
                f"variance ratio to plain Monte Carlo: {self.variance_ratio:,.1f} per year",
                f"converged: {self.converged}; {self.elapsed_s:.2f} s",
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record of every field."""
        out = dataclasses.asdict(self)
        out["ci"] = list(self.ci)
        return out


@dataclass(frozen=True, eq=False)
class TailProbability:
    """Result of :func:`exceedance_probability`: P(S > x) by conditional Monte Carlo.

    Attributes
    ----------
    x : ndarray
        The thresholds.
    estimate, se : ndarray
        The estimated P(S > x) and its standard error, ``sqrt(Var[Z(x)] / n)``.
    ci : tuple of ndarray
        Normal-approximation confidence interval ``estimate -/+ z se``, clipped to [0, 1].
    density, density_se : ndarray
        The estimated density of the annual total at ``x``, and its standard error.
    variance_ratio : ndarray
        ``P (1 - P) / Var[Z(x)]`` with ``P`` the estimate: the variance reduction per year
        against the plain indicator.
    level : float
        Confidence level of ``ci``.
    n_sims : int
        Simulated years.
    elapsed_s : float
        Wall-clock seconds of the call.
    provenance : dict
        seed, spawn_key, n_sims, block_size, n_threads, method, years_with_loss, version.
    """

    x: np.ndarray
    estimate: np.ndarray
    se: np.ndarray
    ci: tuple[np.ndarray, np.ndarray]
    density: np.ndarray
    density_se: np.ndarray
    variance_ratio: np.ndarray
    level: float
    n_sims: int
    elapsed_s: float
    provenance: dict[str, Any]

    def __repr__(self) -> str:
        return f"TailProbability(x={self.x}, estimate={self.estimate}, se={self.se})"

    def summary(self) -> str:
        """Readable table: threshold, estimate, se, interval, density and variance ratio."""
        pct = f"{100 * self.level:g}% CI"
        lines = [
            f"Exceedance probabilities by {METHOD}: {self.n_sims:,} years, "
            f"seed {self.provenance.get('seed')}",
            f"{'x':>14}{'P(S > x)':>14}{'se':>12}{pct:>26}{'density':>12}{'var ratio':>12}",
        ]
        for i in range(self.x.size):
            lines.append(
                f"{self.x[i]:>14.6g}{self.estimate[i]:>14.6g}{self.se[i]:>12.3g}"
                f"{f'[{self.ci[0][i]:.4g}, {self.ci[1][i]:.4g}]':>26}"
                f"{self.density[i]:>12.4g}{self.variance_ratio[i]:>12.4g}"
            )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record of every field."""
        out: dict[str, Any] = {
            name: getattr(self, name).tolist()
            for name in ("x", "estimate", "se", "density", "density_se", "variance_ratio")
        }
        out["ci"] = [self.ci[0].tolist(), self.ci[1].tolist()]
        out.update(
            level=self.level,
            n_sims=self.n_sims,
            elapsed_s=self.elapsed_s,
            provenance=dict(self.provenance),
        )
        return out
