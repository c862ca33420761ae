"""The reserve: the amount that covers a year's customer losses with probability ``coverage``."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from scipy import stats

from ._rng import RNGLike
from .insurance import InsuranceProgram
from .model import LossModel
from .simulate import SimulationResult, simulate

__all__ = ["ReserveResult", "reserve"]


@dataclass(frozen=True)
class ReserveResult:
    """Result of :func:`reserve`.

    Attributes
    ----------
    coverage : float
        Target probability that a year's losses are covered.
    measure : {"var", "tvar"}
        Risk measure: the ``coverage``-quantile of the annual loss (VaR), or its TVaR.
    reserve : float
        The reserve, net of insurance (equal to ``gross`` without a programme).
    ci : tuple of float
        Confidence interval of ``reserve`` at ``level``.
    gross, gross_ci : float, tuple
        The reserve before insurance and its interval.
    recovery : float
        ``gross - reserve``: the insurance credit at the coverage level.
    allocation : dict
        Euler contributions of each category to the net reserve; they add up to ``reserve``.
    n_sims : int
    level : float
        Confidence level of the intervals.
    provenance : dict
        Seed, n_sims, block size, version: enough to reproduce every number.
    simulation : SimulationResult
        The simulation behind the numbers.
    """

    coverage: float
    measure: str
    reserve: float
    ci: tuple[float, float]
    gross: float
    gross_ci: tuple[float, float]
    recovery: float
    allocation: dict[str, float]
    n_sims: int
    level: float
    provenance: dict[str, Any]
    simulation: SimulationResult = field(repr=False)

    @property
    def net(self) -> float:
        """Alias of :attr:`reserve` (the reserve net of insurance)."""
        return self.reserve

    def summary(self) -> str:
        """Readable statement of the reserve, its interval and the insurance credit."""
        pct = f"{100 * self.level:g}%"
        name = "VaR" if self.measure == "var" else "TVaR"
        lines = [
            f"Reserve at {100 * self.coverage:g}% coverage ({name} of annual loss)",
            f"  gross  {self.gross:>20,.0f}   {pct} CI [{self.gross_ci[0]:,.0f}, "
            f"{self.gross_ci[1]:,.0f}]",
        ]
        if self.recovery:
            lines.append(f"  insurance credit {self.recovery:>14,.0f}")
        lines.append(
            f"  net    {self.reserve:>20,.0f}   {pct} CI [{self.ci[0]:,.0f}, {self.ci[1]:,.0f}]"
        )
        lines.append(
            f"  n_sims {self.n_sims:,}, seed {self.provenance.get('seed')}, "
            f"riskmodel {self.provenance.get('version')}"
        )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record of every number and the provenance."""
        return {
            "coverage": self.coverage,
            "measure": self.measure,
            "reserve": self.reserve,
            "ci": list(self.ci),
            "gross": self.gross,
            "gross_ci": list(self.gross_ci),
            "recovery": self.recovery,
            "allocation": dict(self.allocation),
            "n_sims": self.n_sims,
            "level": self.level,
            "provenance": dict(self.provenance),
        }


def _measure(sim: SimulationResult, of: str, coverage: float, measure: str, level: float):
    view = getattr(sim, of)
    if measure == "var":
        return view.quantile(coverage), view.quantile_ci(coverage, level)
    est = view.tvar(coverage)
    half = stats.norm.ppf(0.5 + level / 2) * view.tvar_se(coverage)
    return est, (est - half, est + half)


def reserve(
    model: LossModel,
    coverage: float = 0.995,
    *,
    measure: str = "var",
    program: InsuranceProgram | None = None,
    rng: RNGLike = None,
    n_sims: int = 1_000_000,
    level: float = 0.95,
    **simulate_kw,
) -> ReserveResult:
    """Reserve that covers a year's losses with probability ``coverage``, net of insurance.

    Parameters
    ----------
    model : LossModel
    coverage : float
        Target coverage probability, e.g. 0.995.
    measure : {"var", "tvar"}
        ``"var"``: the lower ``coverage``-quantile of the annual loss; ``"tvar"``: its tail
        value at risk.
    program : InsuranceProgram, optional
        Insurance counting toward the reserve.
    rng : int, Generator, SeedSequence or None
        Seed (SPEC 7).
    n_sims : int
        Simulated years.
    level : float
        Confidence level of the interval: order statistics for VaR, the asymptotic normal
        interval of the estimator for TVaR.
    **simulate_kw
        Passed to :func:`riskmodel.simulate` (``block_size``, ``n_threads``, ``progress``).

    Returns
    -------
    ReserveResult

    Examples
    --------
    >>> from riskmodel.frequency import Poisson
    >>> from riskmodel.severity import LogNormal
    >>> m = LossModel({"hack": (Poisson(3.0), LogNormal(15.0, 2.0))})
    >>> r = reserve(m, 0.99, rng=1, n_sims=100_000)
    >>> r.ci[0] <= r.reserve <= r.ci[1]
    True
    """
    if not 0 < coverage < 1:
        raise ValueError(f"coverage: must lie in (0, 1), got {coverage}")
    if measure not in ("var", "tvar"):
        raise ValueError(f"measure: must be 'var' or 'tvar', got {measure!r}")
    if not 0 < level < 1:
        raise ValueError(f"level: must lie in (0, 1), got {level}")
    if n_sims * (1 - coverage) < 10:
        raise ValueError(
            f"n_sims: {n_sims:,} years leave fewer than 10 beyond the {coverage:g} quantile; "
            f"use at least {math.ceil(10 / (1 - coverage)):,}"
        )
    sim = simulate(model, n_sims, rng=rng, program=program, min_level=coverage, **simulate_kw)
    gross, gross_ci = _measure(sim, "gross", coverage, measure, level)
    net, net_ci = _measure(sim, "net", coverage, measure, level)
    return ReserveResult(
        coverage=coverage,
        measure=measure,
        reserve=net,
        ci=net_ci,
        gross=gross,
        gross_ci=gross_ci,
        recovery=gross - net,
        allocation=sim.net.contributions(coverage, measure),
        n_sims=sim.n_sims,
        level=level,
        provenance=dict(sim.provenance),
        simulation=sim,
    )
