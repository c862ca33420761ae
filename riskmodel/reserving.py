"""The reserve: the amount that covers a year's customer losses with probability ``coverage``."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scipy import stats

from ._rng import RNGLike
from .engine import SimulationResult
from .engine._blocks import check_count
from .engine.simulation import DEFAULT_BLOCK_SIZE, Simulation
from .insurance import InsuranceProgram
from .model import LossModel

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["CURVE_LEVELS", "CreditRules", "ReserveResult", "coverage_curve", "reserve"]

#: default coverage levels of :func:`coverage_curve` (those the simulation retained)
CURVE_LEVELS = (0.9, 0.95, 0.975, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9997)


@dataclass(frozen=True)
class CreditRules:
    """Rules a regulator may impose on the credit given for insurance.

    Parameters
    ----------
    max_share : float
        Insurance may cover at most this share of the gross requirement (1 = no cap).
    haircut : float
        Fraction of the insurance recovery disallowed for the risk that the insurer
        defaults (0 = none).

    Notes
    -----
    credit = min((1 - haircut) * recovery, max_share * gross); net reserve = gross - credit,
    where recovery = gross - net is the reduction of the risk measure by the programme.

    Examples
    --------
    >>> CreditRules(max_share=0.5, haircut=0.1).credit(gross=100.0, recovery=80.0)
    50.0
    """

    max_share: float = 1.0
    haircut: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.max_share <= 1:
            raise ValueError(f"CreditRules: max_share must lie in [0, 1], got {self.max_share}")
        if not 0 <= self.haircut <= 1:
            raise ValueError(f"CreditRules: haircut must lie in [0, 1], got {self.haircut}")

    def credit(self, gross: float, recovery: float) -> float:
        """The insurance credit allowed against a gross requirement."""
        return min((1.0 - self.haircut) * max(recovery, 0.0), self.max_share * gross)


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
        The reserve, net of insurance (equal to ``gross_reserve`` without a programme).
    ci : tuple of float
        Confidence interval of ``reserve`` at ``level``.
    gross_reserve, gross_reserve_ci : float, tuple
        The reserve before insurance and its interval (``SimulationResult.gross`` is the
        simulated gross loss; this is its risk measure).
    recovery : float
        Reduction of the risk measure by the insurance programme (gross minus the measure of
        the net loss).
    credit : float
        The part of ``recovery`` allowed under the ``credit_rules``;
        ``reserve = gross_reserve - credit``.
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
    gross_reserve: float
    gross_reserve_ci: tuple[float, float]
    recovery: float
    credit: float
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
            f"  gross  {self.gross_reserve:>20,.0f}   {pct} CI "
            f"[{self.gross_reserve_ci[0]:,.0f}, {self.gross_reserve_ci[1]:,.0f}]",
        ]
        if self.recovery:
            lines.append(f"  insurance recovery at this level {self.recovery:>14,.0f}")
            lines.append(f"  insurance credit allowed         {self.credit:>14,.0f}")
        lines.append(
            f"  net    {self.reserve:>20,.0f}   {pct} CI [{self.ci[0]:,.0f}, {self.ci[1]:,.0f}]"
        )
        lines.append(
            f"  n_sims {self.n_sims:,}, seed {self.provenance.get('seed')}, "
            f"riskmodel {self.provenance.get('version')}"
        )
        return "\n".join(lines)

    def plot(self, ax: Axes | None = None) -> Axes:
        """Exceedance curve of the annual loss, gross and net, with the reserve marked.

        Returns the matplotlib Axes; see :func:`riskmodel.plots.exceedance_plot`.
        """
        from .plots import exceedance_plot

        return exceedance_plot(self, ax=ax, level=self.level)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record of every number and the provenance."""
        return {
            "coverage": self.coverage,
            "measure": self.measure,
            "reserve": self.reserve,
            "ci": list(self.ci),
            "gross_reserve": self.gross_reserve,
            "gross_reserve_ci": list(self.gross_reserve_ci),
            "recovery": self.recovery,
            "credit": self.credit,
            "allocation": dict(self.allocation),
            "n_sims": self.n_sims,
            "level": self.level,
            "provenance": dict(self.provenance),
        }


def _measure(
    sim: SimulationResult, of: str, coverage: float, measure: str, level: float
) -> tuple[float, tuple[float, float]]:
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
    rel_tol: float | None = None,
    max_sims: int = 64_000_000,
    credit_rules: CreditRules | None = None,
    level: float = 0.95,
    min_level: float | None = None,
    **simulate_kw: Any,
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
        Simulated years (the first batch, when ``rel_tol`` is given).
    rel_tol : float, optional
        Keep doubling the simulated years until the confidence interval of the net reserve
        lies within ``rel_tol * reserve`` of it on both sides, or ``max_sims`` is reached
        (``provenance["converged"]`` says which).
    max_sims : int
        The most years ``rel_tol`` may use.
    credit_rules : CreditRules, optional
        Cap and haircut on the credit given for insurance; default: full credit.
    level : float
        Confidence level of the interval: order statistics for VaR, the asymptotic normal
        interval of the estimator for TVaR.
    min_level : float, optional
        Smallest coverage level the result's simulation keeps the tail for (at most
        ``coverage``; default ``coverage``): lower it to draw a :func:`coverage_curve` from
        the same simulated years, e.g. ``min_level=0.9``.
    **simulate_kw
        Passed to :func:`riskmodel.simulate` (``block_size``, ``n_threads``, ``progress``,
        ``parameter_uncertainty``, ``backend``, ``client``); with ``backend="dask"`` every
        doubling of ``rel_tol`` runs its new blocks on the cluster.

    Returns
    -------
    ReserveResult

    Notes
    -----
    With credit rules, the net reserve is ``gross - credit`` and its interval is the gross
    interval shifted by the credit when the cap binds, else the net-loss interval.

    Examples
    --------
    >>> from riskmodel.frequency import Poisson
    >>> from riskmodel.severity import LogNormal
    >>> m = LossModel({"hack": (Poisson(3.0), LogNormal(15.0, 2.0))})
    >>> r = reserve(m, 0.99, rng=1, n_sims=100_000)
    >>> r.ci[0] <= r.reserve <= r.ci[1]
    True
    """
    for name, value in (("coverage", coverage), ("level", level)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name}: must be a number in (0, 1), got {value!r}")
    if not 0 < coverage < 1:
        raise ValueError(f"coverage: must lie in (0, 1), got {coverage}")
    if measure not in ("var", "tvar"):
        raise ValueError(f"measure: must be 'var' or 'tvar', got {measure!r}")
    if not 0 < level < 1:
        raise ValueError(f"level: must lie in (0, 1), got {level}")
    n_sims, max_sims = check_count(n_sims, "n_sims"), check_count(max_sims, "max_sims")
    if n_sims * (1 - coverage) < 10:
        raise ValueError(
            f"n_sims: {n_sims:,} years leave fewer than 10 beyond the {coverage:g} quantile; "
            f"use at least {math.ceil(10 / (1 - coverage)):,}"
        )
    if rel_tol is not None and not rel_tol > 0:
        raise ValueError(f"rel_tol: must be positive, got {rel_tol}")
    if min_level is None:
        min_level = coverage
    elif not 0 < min_level <= coverage:
        raise ValueError(f"min_level: must lie in (0, coverage={coverage:g}], got {min_level}")
    rules = credit_rules if credit_rules is not None else CreditRules()
    block = check_count(simulate_kw.pop("block_size", DEFAULT_BLOCK_SIZE), "block_size")
    if rel_tol is None:
        cap = n_sims
    else:
        if max_sims < n_sims:
            raise ValueError(f"max_sims ({max_sims:,}) is below n_sims ({n_sims:,})")
        cap = max_sims
        n_sims = -(-n_sims // block) * block  # whole blocks, so extensions are exact
    sim_run = Simulation(
        model,
        rng=rng,
        program=program,
        min_level=min_level,
        max_sims=cap,
        block_size=block,
        **simulate_kw,
    )
    n = min(n_sims, cap)
    while True:
        sim = sim_run.extend(n).result()
        gross, gross_ci = _measure(sim, "gross", coverage, measure, level)
        net_loss, net_ci = _measure(sim, "net", coverage, measure, level)
        recovery = gross - net_loss
        credit = rules.credit(gross, recovery)
        net = gross - credit
        ci = net_ci if credit == recovery else (gross_ci[0] - credit, gross_ci[1] - credit)
        half = max(ci[1] - net, net - ci[0])
        converged = rel_tol is None or half <= rel_tol * abs(net)
        if converged or n >= cap:
            break
        n = min(2 * n, cap)
    provenance = dict(sim.provenance)
    if rel_tol is not None:
        provenance.update(rel_tol=rel_tol, max_sims=cap, converged=converged)
    return ReserveResult(
        coverage=coverage,
        measure=measure,
        reserve=net,
        ci=ci,
        gross_reserve=gross,
        gross_reserve_ci=gross_ci,
        recovery=recovery,
        credit=credit,
        allocation=_allocation(sim, coverage, measure, net),
        n_sims=sim.n_sims,
        level=level,
        provenance=provenance,
        simulation=sim,
    )


def _allocation(
    sim: SimulationResult, coverage: float, measure: str, total: float
) -> dict[str, float]:
    """Euler contributions of the net loss, scaled to add up to the reserve."""
    parts = sim.net.contributions(coverage, measure)
    s = sum(parts.values())
    return {k: v * total / s for k, v in parts.items()} if s > 0 else parts


def coverage_curve(
    result: SimulationResult | ReserveResult,
    levels: Sequence[float] | None = None,
    *,
    level: float = 0.95,
) -> pd.DataFrame:
    """The reserve (VaR and TVaR, gross and net) as a function of the coverage level.

    Parameters
    ----------
    result : SimulationResult or ReserveResult
        A simulation, or a reserve and the simulation behind it.
    levels : array_like, optional
        Coverage levels. Each must lie at or above the level down to which the simulation
        kept its tail (``simulate(..., min_level=...)``, ``reserve(..., min_level=...)``) and
        leave at least 10 simulated years beyond it. Default: those of
        :data:`CURVE_LEVELS` (90% to 99.97%) that do, with a reserve's own coverage.
    level : float
        Confidence level of the VaR interval.

    Returns
    -------
    pandas.DataFrame
        One row per coverage level.

    Examples
    --------
    >>> from riskmodel.frequency import Poisson
    >>> from riskmodel.severity import LogNormal
    >>> m = LossModel({"hack": (Poisson(3.0), LogNormal(15.0, 2.0))})
    >>> curve = coverage_curve(reserve(m, 0.99, rng=1, n_sims=100_000))
    >>> [float(p) for p in curve["coverage"]]
    [0.99, 0.995, 0.998, 0.999, 0.9995, 0.9997]
    """
    import numpy as np
    import pandas as pd

    sim = result.simulation if isinstance(result, ReserveResult) else result
    floor = float(sim.provenance.get("min_level", sim.gross.min_level))
    if levels is None:
        candidates = set(CURVE_LEVELS)
        if isinstance(result, ReserveResult):
            candidates.add(result.coverage)
        levels = [p for p in sorted(candidates) if p >= floor and sim.n_sims * (1 - p) >= 10]
        if not levels:
            raise ValueError(
                f"no default coverage level lies at or above the simulation's min_level "
                f"{floor:g} with 10 of its {sim.n_sims:,} years beyond it; give levels"
            )
    rows = []
    for p in np.asarray(levels, dtype=float):
        if sim.n_sims * (1 - p) < 10:
            raise ValueError(
                f"levels: {p:g} leaves fewer than 10 of {sim.n_sims:,} simulated years beyond it"
            )
        if p < floor:
            raise ValueError(
                f"levels: {p:g} lies below the level {floor:g} down to which the simulation "
                f"kept its tail; simulate (or reserve) with min_level={p:g}"
            )
        lo, hi = sim.quantile_ci(p, level)
        rows.append(
            {
                "coverage": p,
                "gross_var": sim.quantile(p),
                "gross_var_lo": lo,
                "gross_var_hi": hi,
                "net_var": sim.quantile(p, of="net"),
                "gross_tvar": sim.tvar(p),
                "net_tvar": sim.tvar(p, of="net"),
            }
        )
    return pd.DataFrame(rows)
