"""The reserve: the amount that covers a year's customer losses with probability ``coverage``."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from ._rng import RNGLike, as_seed_sequence, block_generator
from .engine import SimulationResult
from .engine._blocks import check_count
from .engine.simulation import DEFAULT_BLOCK_SIZE, Simulation
from .insurance import InsuranceProgram
from .model import LossModel
from .uncertainty import draw_models, parameter_stream

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = [
    "ALLOCATION_METHODS",
    "CURVE_LEVELS",
    "DEFAULT_PARAMETER_DRAWS",
    "CreditRules",
    "ReserveResult",
    "coverage_curve",
    "reserve",
]

#: parameter sets drawn by default for the interval of a reserve that carries parameter
#: uncertainty (``reserve(parameter_draws=...)``)
DEFAULT_PARAMETER_DRAWS = 100

#: simulated years beyond the reserve level per parameter set (sets the years per draw)
_YEARS_BEYOND_PER_DRAW = 50

#: estimators of the allocation (see :func:`reserve`)
ALLOCATION_METHODS = ("cotvar", "euler")

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
        The reserve, net of insurance (equal to ``gross_reserve`` without a programme), at the
        fitted (point-estimate) parameters.
    ci : tuple of float
        The headline interval of ``reserve`` at ``level``: :attr:`ci_total` where parameter
        uncertainty was drawn, else :attr:`ci_mc`.
    ci_total : tuple of float or None
        Interval from parameter *and* Monte Carlo uncertainty (``None`` when the model
        carries no parameter uncertainty or ``parameter_draws=0``); see :func:`reserve`.
    ci_mc : tuple of float
        Monte Carlo interval only: order statistics for VaR, asymptotic normal for TVaR. It
        shrinks with more simulated years; the estimation error of the parameters does not.
    gross_reserve, gross_reserve_ci : float, tuple
        The reserve before insurance and its Monte Carlo interval (``SimulationResult.gross``
        is the simulated gross loss; this is its risk measure).
    recovery : float
        Reduction of the risk measure by the insurance programme (gross minus the measure of
        the net loss).
    credit : float
        The part of ``recovery`` allowed under the ``credit_rules``;
        ``reserve = gross_reserve - credit``.
    tvar, tvar_ci : float, tuple
        TVaR of the net annual loss at ``coverage`` (whatever the ``measure``) and its
        headline interval: :attr:`tvar_ci_total` where parameter uncertainty was drawn, else
        :attr:`tvar_ci_mc`.
    tvar_ci_total : tuple of float or None
        The TVaR's interval from parameter and Monte Carlo uncertainty: the quantiles of the
        TVaR under the same parameter draws as :attr:`ci_total`, widened to hold
        :attr:`tvar_ci_mc` (``None`` as for :attr:`ci_total`).
    tvar_ci_mc : tuple of float
        The TVaR's Monte Carlo interval only (asymptotic normal, Manistre and Hancock 2005).
    allocation : dict
        Contributions of each category to the net reserve; they add up to ``reserve``.
    allocation_se : dict
        Monte Carlo standard errors of the contributions.
    allocation_method : {"cotvar", "euler"}
        Estimator of the allocation; see :func:`reserve`.
    layer_allocation : dict
        With a programme: the gross reserve (:attr:`gross_reserve`) split into the retained
        part (key ``"retained"``) and each layer's recovery (keys from
        :func:`riskmodel.insurance.layer_names`, e.g. ``"layer 1: 40M xs 10M per
        occurrence"``); they add up to ``gross_reserve``. Empty without a programme. See
        :func:`reserve`.
    layer_allocation_se : dict
        Monte Carlo standard errors of :attr:`layer_allocation`.
    parameter_reserves : ndarray or None
        The reserve (net, credit rules applied) under each drawn parameter set.
    parameter_tvars : ndarray or None
        The TVaR of the net annual loss under each drawn parameter set (``inf`` for a draw
        whose net loss has no mean).
    n_sims : int
    level : float
        Confidence level of the intervals.
    currency : str
        Currency of every amount ("USD").
    provenance : dict
        Seed, n_sims, block size, version, parameter draws: enough to reproduce every number.
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
    ci_mc: tuple[float, float] = (math.nan, math.nan)
    ci_total: tuple[float, float] | None = None
    tvar: float = math.nan
    tvar_ci: tuple[float, float] = (math.nan, math.nan)
    tvar_ci_mc: tuple[float, float] = (math.nan, math.nan)
    tvar_ci_total: tuple[float, float] | None = None
    allocation_se: dict[str, float] = field(default_factory=dict)
    allocation_method: str = "cotvar"
    layer_allocation: dict[str, float] = field(default_factory=dict)
    layer_allocation_se: dict[str, float] = field(default_factory=dict)
    parameter_reserves: np.ndarray | None = field(default=None, repr=False)
    parameter_tvars: np.ndarray | None = field(default=None, repr=False)
    currency: str = "USD"

    @property
    def net(self) -> float:
        """Alias of :attr:`reserve` (the reserve net of insurance)."""
        return self.reserve

    def summary(self) -> str:
        """Readable statement of the reserve, its intervals, TVaR, allocation and credit."""
        pct = f"{100 * self.level:g}%"
        cur = self.currency
        name = "VaR" if self.measure == "var" else "TVaR"
        lines = [
            f"Reserve at {100 * self.coverage:g}% coverage ({name} of annual loss), in {cur}",
            f"  gross  {cur} {self.gross_reserve:>20,.0f}   {pct} CI (Monte Carlo) "
            f"{_fmt(self.gross_reserve_ci)}",
        ]
        if self.recovery:
            lines.append(f"  insurance recovery at this level {cur} {self.recovery:>14,.0f}")
            lines.append(f"  insurance credit allowed         {cur} {self.credit:>14,.0f}")
        if self.ci_total is not None:
            draws = self.provenance.get("parameter_uncertainty", {})
            lines.append(
                f"  net    {cur} {self.reserve:>20,.0f}   {pct} CI {_fmt(self.ci_total)} "
                f"(parameters and Monte Carlo: {draws.get('draws')} {draws.get('method')} "
                "draws)"
            )
            lines.append(f"  {'':>28}   {pct} CI {_fmt(self.ci_mc)} (Monte Carlo only)")
        else:
            lines.append(
                f"  net    {cur} {self.reserve:>20,.0f}   {pct} CI {_fmt(self.ci_mc)} "
                "(Monte Carlo only; parameters taken as known)"
            )
        if self.tvar_ci_total is not None:
            lines.append(
                f"  TVaR   {cur} {self.tvar:>20,.0f}   {pct} CI {_fmt(self.tvar_ci_total)} "
                "(parameters and Monte Carlo)"
            )
            lines.append(f"  {'':>28}   {pct} CI {_fmt(self.tvar_ci_mc)} (Monte Carlo only)")
        else:
            lines.append(
                f"  TVaR   {cur} {self.tvar:>20,.0f}   {pct} CI {_fmt(self.tvar_ci_mc)} "
                "(Monte Carlo only)"
            )
        alloc = ", ".join(
            f"{k} {v:,.0f} (s.e. {self.allocation_se.get(k, math.nan):,.0f})"
            for k, v in self.allocation.items()
        )
        lines.append(f"  allocation ({self.allocation_method}, {cur}): {alloc}")
        if self.layer_allocation:
            lines.append(f"  gross reserve by layer ({cur}, s.e.):")
            width = max(len(k) for k in self.layer_allocation)
            for k, v in self.layer_allocation.items():
                se = self.layer_allocation_se.get(k, math.nan)
                lines.append(f"    {k:<{width}} {v:>20,.0f} ({se:,.0f})")
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
            "currency": self.currency,
            "reserve": self.reserve,
            "ci": list(self.ci),
            "ci_total": None if self.ci_total is None else list(self.ci_total),
            "ci_mc": list(self.ci_mc),
            "gross_reserve": self.gross_reserve,
            "gross_reserve_ci": list(self.gross_reserve_ci),
            "recovery": self.recovery,
            "credit": self.credit,
            "tvar": self.tvar,
            "tvar_ci": list(self.tvar_ci),
            "tvar_ci_mc": list(self.tvar_ci_mc),
            "tvar_ci_total": None if self.tvar_ci_total is None else list(self.tvar_ci_total),
            "allocation": dict(self.allocation),
            "allocation_se": dict(self.allocation_se),
            "allocation_method": self.allocation_method,
            "layer_allocation": dict(self.layer_allocation),
            "layer_allocation_se": dict(self.layer_allocation_se),
            "parameter_reserves": None
            if self.parameter_reserves is None
            else [float(v) for v in self.parameter_reserves],
            "parameter_tvars": None
            if self.parameter_tvars is None
            else [float(v) for v in self.parameter_tvars],
            "n_sims": self.n_sims,
            "level": self.level,
            "provenance": dict(self.provenance),
        }


def _plotting_quantiles(x: np.ndarray, probs: list[float]) -> np.ndarray:
    """Quantiles at plotting positions ``k / (B + 1)`` (numpy's ``"weibull"`` method).

    A parameter draw can have an infinite reserve (an uncapped draw far in the tail); between
    two infinite order statistics numpy's interpolation computes ``inf - inf``: the quantile
    there is infinite, not NaN.
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore"):
        q = np.quantile(x, probs, method="weibull")
    return np.where(np.isnan(q) & bool(np.isposinf(x).any()), np.inf, q)


def _fmt(ci: tuple[float, float]) -> str:
    return f"[{ci[0]:,.0f}, {ci[1]:,.0f}]"


def _measure(
    sim: SimulationResult, of: str, coverage: float, measure: str, level: float
) -> tuple[float, tuple[float, float]]:
    view = getattr(sim, of)
    if measure == "var":
        return view.quantile(coverage), view.quantile_ci(coverage, level)
    return _tvar(view, coverage, level)


def _tvar(view: Any, coverage: float, level: float) -> tuple[float, tuple[float, float]]:
    return view.tvar(coverage), view.tvar_ci(coverage, level)


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
    parameter_draws: int | None = None,
    parameter_method: str | None = None,
    parameter_sims: int | None = None,
    allocation: str = "cotvar",
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
        Keep doubling the simulated years until the Monte Carlo interval of the net reserve
        lies within ``rel_tol * reserve`` of it on both sides, or ``max_sims`` is reached
        (``provenance["converged"]`` says which).
    max_sims : int
        The most years ``rel_tol`` may use.
    credit_rules : CreditRules, optional
        Cap and haircut on the credit given for insurance; default: full credit.
    level : float
        Confidence level of the intervals: order statistics for VaR, the asymptotic normal
        interval of the estimator for TVaR.
    min_level : float, optional
        Smallest coverage level the result's simulation keeps the tail for (at most
        ``coverage``; default ``coverage``): lower it to draw a :func:`coverage_curve` from
        the same simulated years, e.g. ``min_level=0.9``.
    parameter_draws : int, optional
        Parameter sets drawn for the interval :attr:`ReserveResult.ci_total`; default
        :data:`DEFAULT_PARAMETER_DRAWS` when ``model.uncertainty`` is set, 0 (none)
        otherwise. 0 switches parameter uncertainty off.
    parameter_method : {"pivotal", "bootstrap", "normal"}, optional
        Override how the parameters are drawn (:mod:`riskmodel.uncertainty`); default: each
        category's own method (fiducial draws from bootstrap refits, ``"pivotal"``, for
        calibrated models).
    parameter_sims : int, optional
        Simulated years per parameter set; default enough for 50 years beyond the
        ``coverage`` level (10,000 at 99.5%), but at most ``n_sims / 10`` and at least 10
        years beyond the level.
    allocation : {"cotvar", "euler"}
        Estimator of the allocation to categories. ``"cotvar"`` (default): each category's
        mean part of the annual net loss over the years beyond the VaR (its TVaR
        contribution), scaled to add up to the reserve; ``"euler"``: the kernel Euler
        estimator at the VaR rank (Tasche 2009), bandwidth ``sqrt(n (1-p))`` order
        statistics on either side. For ``measure="tvar"`` both are the Euler allocation of
        TVaR. Where the net loss has an infinite mean, ``"euler"`` is used (and ``tvar`` is
        ``inf``). The programme's layers are allocated by the Euler estimator of the gross
        measure whatever this says (:attr:`ReserveResult.layer_allocation`; see the notes).
    **simulate_kw
        Passed to :func:`riskmodel.simulate` (``block_size``, ``n_threads``, ``progress``,
        ``parameter_uncertainty``, ``backend``, ``client``); with ``backend="dask"`` every
        doubling of ``rel_tol`` runs its new blocks on the cluster.

    Returns
    -------
    ReserveResult

    Notes
    -----
    **Intervals.** ``ci_mc`` is the Monte Carlo interval of the reserve at the fitted
    parameters. ``ci_total`` adds the uncertainty of the parameters by nested simulation:
    ``parameter_draws`` parameter sets are drawn from their sampling distribution
    (:func:`riskmodel.uncertainty.draw_models`, from a stream of the seed that the main
    simulation does not use), the reserve under each is simulated over ``parameter_sims``
    years with its own stream, and ``ci_total`` is the interval between their
    ``(1 - level)/2`` and ``(1 + level)/2`` quantiles (plotting positions ``k / (B + 1)``;
    a percentile interval, so it holds parameter error and the
    draws' own Monte Carlo error), widened where needed to contain ``ci_mc``. The cost is
    ``parameter_draws * parameter_sims`` simulated years (one plain run of 1,000,000 at
    99.5%) plus one refit per draw and category for the refitting methods. With
    ``parameter_uncertainty=True`` (a predictive simulation) no parameter sets are drawn.
    The TVaR's intervals are formed the same way from the same draws (``tvar_ci_total``, and
    ``tvar_ci_mc`` beside it); a draw whose net loss has no mean has an infinite TVaR.

    **Credit.** With credit rules, the net reserve is ``gross - credit`` and its interval is
    the gross interval shifted by the credit when the cap binds, else the net-loss interval.

    **Allocation errors.** The contributions are ``R * m_c / sum(m)`` with ``m_c`` the mean
    of category ``c``'s part over the ``j`` years used (beyond the VaR for ``"cotvar"``);
    their standard error combines the delta-method variance of the ratio
    ``var(x_c - r_c s) / (j mean(s)^2)`` with the Monte Carlo variance of the reserve ``R``
    (from its interval), taking the two as independent.

    **Allocation to layers.** With a programme, the gross reserve ``G`` (the same measure at
    the same coverage) is split into the retained part and each layer's recovery, each year's
    gross loss being its net total plus each layer's annual recovery (after annual terms and
    share). The split is the Euler allocation of the gross measure, whatever ``allocation``
    says for the categories: for ``measure="var"`` the kernel estimator at the VaR rank (the
    mean parts over ``sqrt(n (1-p))`` order statistics on either side of it, scaled to
    ``G``), so that a layer's part is what it pays in the years whose gross loss is about the
    VaR, close to the credit it gives; for ``"tvar"`` the mean parts beyond the VaR. A
    layer's recovery is bounded by its limits, so the window's mean does not drift with the
    run length as a heavy-tailed category's does (tested at 1e6 and 8e6 years); co-TVaR
    would instead weigh the years far beyond the VaR, where a limited layer is a small share
    of the loss. The standard errors are those of the category allocation with ``G`` and its
    interval. Where the gross TVaR is infinite, each part is its mean beyond the VaR: ``inf``
    for the retained part (and an unlimited layer), finite for a layer with a limit.

    Examples
    --------
    >>> from riskmodel.frequency import Poisson
    >>> from riskmodel.severity import LogNormal
    >>> m = LossModel({"hack": (Poisson(3.0), LogNormal(15.0, 2.0))})
    >>> r = reserve(m, 0.99, rng=1, n_sims=100_000)
    >>> r.ci[0] <= r.reserve <= r.ci[1], r.ci == r.ci_mc, r.ci_total is None
    (True, True, True)

    With a programme, the gross reserve by layer:

    >>> from riskmodel import InsuranceProgram, Layer
    >>> prog = InsuranceProgram([Layer(10e6, 40e6), Layer(50e6, 100e6)])
    >>> r = reserve(m, 0.99, rng=1, n_sims=100_000, program=prog)
    >>> list(r.layer_allocation)
    ['retained', 'layer 1: 40M xs 10M per occurrence', 'layer 2: 100M xs 50M per occurrence']
    >>> bool(abs(sum(r.layer_allocation.values()) - r.gross_reserve) < 1e-6 * r.gross_reserve)
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
    if allocation not in ALLOCATION_METHODS:
        raise ValueError(f"allocation: must be one of {ALLOCATION_METHODS}, got {allocation!r}")
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
    draws = _check_draws(model, parameter_draws, simulate_kw)
    rules = credit_rules if credit_rules is not None else CreditRules()
    block = check_count(simulate_kw.pop("block_size", DEFAULT_BLOCK_SIZE), "block_size")
    root = as_seed_sequence(rng)
    if rel_tol is None:
        cap = n_sims
    else:
        if max_sims < n_sims:
            raise ValueError(f"max_sims ({max_sims:,}) is below n_sims ({n_sims:,})")
        cap = max_sims
        n_sims = -(-n_sims // block) * block  # whole blocks, so extensions are exact
    sim_run = Simulation(
        model,
        rng=root,
        program=program,
        min_level=min_level,
        max_sims=cap,
        block_size=block,
        **simulate_kw,
    )
    n = min(n_sims, cap)
    while True:
        sim = sim_run.extend(n).result()
        net, ci, gross, gross_ci, recovery, credit = _net(sim, coverage, measure, level, rules)
        half = max(ci[1] - net, net - ci[0])
        converged = rel_tol is None or half <= rel_tol * abs(net)
        if converged or n >= cap:
            break
        n = min(2 * n, cap)
    provenance = dict(sim.provenance)
    if rel_tol is not None:
        provenance.update(rel_tol=rel_tol, max_sims=cap, converged=converged)
    if sim.net.infinite_mean:
        # no finite TVaR, and co-TVaR parts would estimate infinite conditional means: the
        # VaR-local Euler estimator is the one left
        tvar, tvar_ci = math.inf, (math.inf, math.inf)
        if measure == "var":
            allocation = "euler"
    else:
        tvar, tvar_ci = _tvar(sim.net, coverage, level)
    ci_total, reserves, tvar_ci_total, tvars = None, None, None, None
    if draws:
        years = _draw_years(parameter_sims, coverage, n_sims)
        reserves, tvars = _parameter_reserves(
            model,
            root,
            draws,
            parameter_method,
            years,
            coverage,
            measure,
            program,
            rules,
            level,
            block,
            simulate_kw,
        )
        a = (1.0 - level) / 2.0
        # plotting positions k / (B + 1): the interval holds a further draw with probability
        # ``level`` (linear interpolation between the extremes of B draws would hold less)
        lo, hi = (float(v) for v in _plotting_quantiles(reserves, [a, 1.0 - a]))
        ci_total = (min(lo, ci[0]), max(hi, ci[1]))
        lo, hi = (float(v) for v in _plotting_quantiles(tvars, [a, 1.0 - a]))
        tvar_ci_total = (min(lo, tvar_ci[0]), max(hi, tvar_ci[1]))
        provenance["parameter_uncertainty"] = {
            "draws": draws,
            "method": parameter_method or _methods(model),
            "years_per_draw": years,
            "seed_stream": list(parameter_stream(root).spawn_key),
        }
    layer_alloc: dict[str, float] = {}
    layer_se: dict[str, float] = {}
    if sim.layers is not None and measure == "tvar" and math.isinf(gross):
        layer_alloc, layer_se = _tail_means(sim.layers, coverage)
    elif sim.layers is not None:  # the Euler allocation of the gross measure (see the notes)
        method = "euler" if measure == "var" else "cotvar"
        layer_alloc, layer_se = _allocation(
            sim, coverage, measure, gross, gross_ci, level, method, of="layers"
        )
    if measure == "tvar" and math.isinf(net):
        alloc, alloc_se = _tail_means(sim.net, coverage)
    else:
        alloc, alloc_se = _allocation(sim, coverage, measure, net, ci, level, allocation)
    return ReserveResult(
        coverage=coverage,
        measure=measure,
        reserve=net,
        ci=ci if ci_total is None else ci_total,
        gross_reserve=gross,
        gross_reserve_ci=gross_ci,
        recovery=recovery,
        credit=credit,
        allocation=alloc,
        n_sims=sim.n_sims,
        level=level,
        provenance=provenance,
        simulation=sim,
        ci_mc=ci,
        ci_total=ci_total,
        tvar=tvar,
        tvar_ci=tvar_ci if tvar_ci_total is None else tvar_ci_total,
        tvar_ci_mc=tvar_ci,
        tvar_ci_total=tvar_ci_total,
        allocation_se=alloc_se,
        allocation_method=allocation,
        layer_allocation=layer_alloc,
        layer_allocation_se=layer_se,
        parameter_reserves=reserves,
        parameter_tvars=tvars,
    )


def _net(
    sim: Any, coverage: float, measure: str, level: float, rules: CreditRules
) -> tuple[float, tuple[float, float], float, tuple[float, float], float, float]:
    """The net reserve and its Monte Carlo interval, the gross one, recovery and credit."""
    gross, gross_ci = _measure(sim, "gross", coverage, measure, level)
    net_loss, net_ci = _measure(sim, "net", coverage, measure, level)
    # equal (both infinite under an infinite-mean TVaR, too): nothing recovered, not inf - inf
    recovery = 0.0 if gross == net_loss else gross - net_loss
    credit = rules.credit(gross, recovery)
    net = gross - credit
    ci = net_ci if credit == recovery else (gross_ci[0] - credit, gross_ci[1] - credit)
    return net, ci, gross, gross_ci, recovery, credit


def _check_draws(
    model: LossModel, parameter_draws: int | None, simulate_kw: dict[str, Any]
) -> int:
    if simulate_kw.get("parameter_uncertainty"):
        return 0  # a predictive simulation: parameters are redrawn inside it
    if parameter_draws is None:
        return DEFAULT_PARAMETER_DRAWS if model.uncertainty else 0
    if isinstance(parameter_draws, bool) or not isinstance(parameter_draws, (int, np.integer)):
        raise ValueError(f"parameter_draws: must be an integer >= 0, got {parameter_draws!r}")
    if parameter_draws == 0:
        return 0
    if parameter_draws < 10:
        raise ValueError(f"parameter_draws: at least 10 for an interval, got {parameter_draws}")
    if not model.uncertainty:
        raise ValueError(
            "parameter_draws: the model carries no sampling distributions of its parameters "
            "(LossModel(..., uncertainty={name: FittedCategory(...)}); "
            "riskmodel.calibrate_industry builds one)"
        )
    return int(parameter_draws)


def _draw_years(parameter_sims: int | None, coverage: float, n_sims: int) -> int:
    if parameter_sims is not None:
        years = check_count(parameter_sims, "parameter_sims")
    else:
        years = max(
            math.ceil(10 / (1 - coverage)),
            min(math.ceil(_YEARS_BEYOND_PER_DRAW / (1 - coverage)), n_sims // 10),
        )
    if years * (1 - coverage) < 10:
        raise ValueError(
            f"parameter_sims: {years:,} years per parameter set leave fewer than 10 beyond the "
            f"{coverage:g} quantile; use at least {math.ceil(10 / (1 - coverage)):,}"
        )
    return years


def _methods(model: LossModel) -> str:
    found = sorted(
        {str(getattr(d, "method", "custom")) for d in (model.uncertainty or {}).values()}
    )
    return "+".join(found)


def _parameter_reserves(
    model: LossModel,
    root: np.random.SeedSequence,
    draws: int,
    method: str | None,
    years: int,
    coverage: float,
    measure: str,
    program: InsuranceProgram | None,
    rules: CreditRules,
    level: float,
    block: int,
    kw: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray]:
    """The net reserve (credit rules applied) and the net loss's TVaR under each draw.

    ``draws`` parameter sets; the TVaR is ``inf`` where a draw's net loss has no mean.
    """
    stream = parameter_stream(root)
    models = draw_models(model, draws, block_generator(stream, 0), method=method)
    sims = np.random.SeedSequence(
        entropy=stream.entropy, spawn_key=(*stream.spawn_key, 1), pool_size=stream.pool_size
    )
    inner = {k: v for k, v in kw.items() if k in ("n_threads",)}
    out, tvars = np.empty(draws), np.empty(draws)
    for b, m in enumerate(models):
        run = Simulation(
            m,
            rng=np.random.SeedSequence(
                entropy=sims.entropy, spawn_key=(*sims.spawn_key, b), pool_size=sims.pool_size
            ),
            program=program,
            min_level=coverage,
            max_sims=years,
            block_size=block,
            by_layer=False,
            **inner,
        )
        views = _views(run.extend(years))
        out[b] = _net(views, coverage, measure, level, rules)[0]
        # a draw without a mean has an infinite TVaR, which the quantiles keep: no warning
        tvars[b] = math.inf if views.net.infinite_mean else views.net.tvar(coverage)
    return out, tvars


@dataclass(frozen=True)
class _Views:
    gross: Any
    net: Any


def _views(run: Simulation) -> _Views:
    """The gross and net losses of a run.

    Without the analytic moments that ``Simulation.result()`` adds (by quadrature for capped
    severities: a second per draw).
    """
    gross = run._sample("gross")
    return _Views(gross, run._sample("net") if "net" in run._tails else gross)


def _allocation(
    sim: SimulationResult,
    coverage: float,
    measure: str,
    total: float,
    total_ci: tuple[float, float],
    level: float,
    method: str,
    of: str = "net",
) -> tuple[dict[str, float], dict[str, float]]:
    """Contributions of the categories to the reserve ``total`` of the ``of`` loss.

    ``of="layers"``: of the retained part and the layers to the gross reserve ``total``.
    Returns the contributions and their standard errors (see :func:`reserve`).
    """
    view = getattr(sim, of)
    n = view.n
    j = max(math.floor(n * (1.0 - coverage) + 1e-9), 2)
    if method == "cotvar" or measure == "tvar":
        rows = view.tail_parts[:j]
    else:
        idx = n - view._rank(coverage, "lower")
        h = int(max(math.sqrt(n * (1 - coverage)), 1))
        rows = view.tail_parts[max(idx - h, 0) : min(idx + h + 1, len(view.tail))]
    s = rows.sum(axis=1)
    ms = float(s.mean())
    if not ms > 0:
        zeros = dict.fromkeys(view.categories, 0.0)
        return zeros, dict(zeros)
    share = rows.mean(axis=0) / ms
    # delta method for a ratio of means over the same years
    var_share = (rows - share[None, :] * s[:, None]).var(axis=0, ddof=1) / (len(s) * ms * ms)
    z = stats.norm.ppf(0.5 + level / 2)
    total_se = (total_ci[1] - total_ci[0]) / (2 * z)
    se = np.sqrt(total**2 * var_share + share**2 * total_se**2)
    alloc = dict(zip(view.categories, (float(v) for v in share * total), strict=True))
    return alloc, dict(zip(view.categories, (float(v) for v in se), strict=True))


def _tail_means(view: Any, coverage: float) -> tuple[dict[str, float], dict[str, float]]:
    """Each part's mean over the years beyond the VaR, with its standard error.

    The Euler allocation of an infinite TVaR: a part without a mean (``view.cat_infinite``)
    gets ``inf``, a bounded one (a capped category, a layer with a limit) its finite
    conditional mean.
    """
    j = max(math.floor(view.n * (1.0 - coverage) + 1e-9), 2)
    rows = view.tail_parts[:j]
    with np.errstate(over="ignore", invalid="ignore"):  # a part without a mean: set below
        mean = rows.mean(axis=0)
        se = rows.std(axis=0, ddof=1) / math.sqrt(len(rows))
    inf = np.asarray(view.cat_infinite, dtype=bool)
    mean, se = np.where(inf, math.inf, mean), np.where(inf, math.inf, se)
    return (
        dict(zip(view.categories, (float(v) for v in mean), strict=True)),
        dict(zip(view.categories, (float(v) for v in se), strict=True)),
    )


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
