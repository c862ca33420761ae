"""Every number of a report, computed once: the PDF, the JSON and the CSVs all read from here."""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from .._errors import RiskModelWarning
from ..data._input import file_sha256
from ..insurance import DEFAULT_TOWER
from ..model_averaging import skip_note
from ..profile import resolve_profile

__all__ = ["DEFAULT_TOWER", "RUN_KEYS", "ReportData", "compute", "document", "from_file"]


#: provenance keys that describe the run, not the result: kept apart from the reproducible
#: numbers (they go under the JSON key "run")
RUN_KEYS = ("elapsed_s", "n_threads")

_BUNDLED = "bundled exchange incidents (riskmodel.data.load_incidents; sources: DATACARD.md)"


@dataclass(frozen=True)
class ReportData:
    """The inputs, results and tables behind one report."""

    title: str
    subject: str
    data_label: str
    inputs: dict[str, Any]
    profile: Any
    calibration: Any
    model: Any
    program: Any
    reserve: Any
    simulation: Any
    curve: pd.DataFrame
    exceedance: pd.DataFrame
    allocation: pd.DataFrame
    fits: pd.DataFrame
    fit_objects: dict[str, Any]
    own_losses: dict[str, np.ndarray]
    rates: pd.DataFrame | None
    layers: pd.DataFrame
    layer_source: str
    layer_paid: list[float] | None
    standard_formulas: pd.DataFrame | None
    audit: pd.DataFrame
    headline: dict[str, Any]
    assumptions: list[str]
    method: list[str]
    notes: list[str]
    warnings: list[str]
    timing: dict[str, float] = field(default_factory=dict)
    #: :class:`riskmodel.model_averaging.ModelRisk`, or None with the reason in the note
    model_risk: Any = None
    model_risk_note: str | None = None
    #: with a programme: the gross reserve by layer (:func:`_layer_allocation`); else None
    layer_allocation: pd.DataFrame | None = None

    @property
    def from_file(self) -> bool:
        """Whether the model came from a model file (no fits to data behind it here)."""
        return from_file(self.calibration)

    @property
    def source_line(self) -> str:
        """One line naming the data, window, simulation and version (figure footers)."""
        cal = self.calibration
        return (
            f"Source: riskmodel {__version__}; {self.reserve.simulation.n_sims:,} simulated "
            f"years, seed {self.inputs['seed']}; data: {self.data_label}, losses >= USD "
            f"{cal.threshold:,.0f}, {cal.since}-{cal.until}"
        )


def _say(progress: bool, text: str) -> None:
    if progress:
        print(f"riskmodel report: {text}", file=sys.stderr, flush=True)


def _strip_run(obj: Any) -> Any:
    """A copy of nested provenance without the run-only keys (:data:`RUN_KEYS`)."""
    if isinstance(obj, dict):
        return {k: _strip_run(v) for k, v in obj.items() if k not in RUN_KEYS}
    if isinstance(obj, list):
        return [_strip_run(v) for v in obj]
    return obj


def _load_data(data):
    """(table, label for the provenance, path or None) of the ``data`` argument."""
    from ..data import load_incidents, read_losses

    if data is None:
        return load_incidents(), _BUNDLED, None
    if isinstance(data, pd.DataFrame):
        return data, "incident table given by the caller", None
    return read_losses(data, categories=None), os.fspath(data), os.fspath(data)


def from_file(cal) -> bool:
    """Whether ``cal`` came from a model file (its severities are stated, not fitted here)."""
    from ..fit import SeverityFit

    return any(not isinstance(c.severity_fit, SeverityFit) for c in cal.categories.values())


def _calibration(calibration, data, threshold, since, until):
    """(calibration, incident table or None, data label, how the model was obtained)."""
    from ..calibrate import IndustryCalibration, calibrate_industry

    if calibration is None:
        table, label, path = _load_data(data)
        cal = calibrate_industry(
            None if data is None else table,  # None: the bundled data's own default window
            threshold=threshold,
            since=since,
            until=until,
            source=path,
            data_sha256=file_sha256(path) if path else None,
        )
        return cal, table, label, "fitted to the data by calibrate_industry (default rules)"
    if not isinstance(calibration, IndustryCalibration):
        raise TypeError(
            "calibration: expected an IndustryCalibration (from calibrate_industry or "
            f"riskmodel.spec.load_model(path).calibration()), got {type(calibration).__name__}"
        )
    cal = calibration
    filed = from_file(cal)
    how = "read from a model file" if filed else "calibration of the data given by the caller"
    label = (
        f"model file fitted to {cal.source}" if filed else _BUNDLED if cal.bundled else cal.source
    )
    table = None
    if data is not None:  # the losses for the fit diagnostics
        table, _, path = _load_data(data)
        if path and not filed:
            label = path
    elif cal.bundled and not filed:
        table = _load_data(None)[0]
    return cal, table, label, how


def _curve(sim, coverage: float, level: float, notes: list[str]) -> pd.DataFrame:
    """The reserve curve at :data:`riskmodel.reserving.CURVE_LEVELS` and ``coverage``; levels
    with fewer than 10 simulated years beyond them are dropped, and the report says so."""
    from ..reserving import CURVE_LEVELS, coverage_curve

    levels = sorted(set(CURVE_LEVELS) | {coverage})
    kept = [p for p in levels if sim.n_sims * (1 - p) >= 10]
    dropped = [p for p in levels if p not in kept]
    if dropped:
        notes.append(
            "Reserve curve: coverage levels "
            + ", ".join(f"{100 * p:g}%" for p in dropped)
            + f" left out: fewer than 10 of {sim.n_sims:,} simulated years lie beyond them."
        )
    curve = coverage_curve(sim, kept, level=level)
    ci = [sim.net.quantile_ci(p, level) for p in kept]
    curve.insert(curve.columns.get_loc("net_var") + 1, "net_var_lo", [c[0] for c in ci])
    curve.insert(curve.columns.get_loc("net_var_lo") + 1, "net_var_hi", [c[1] for c in ci])
    return curve


def _allocation(sim, res) -> pd.DataFrame:
    from ..reserving import _allocation as contributions

    gross, gross_se = contributions(
        res.simulation,
        res.coverage,
        res.measure,
        res.gross_reserve,
        res.gross_reserve_ci,
        res.level,
        res.allocation_method,
        of="gross",
    )
    net, net_se = res.allocation, res.allocation_se
    cats = list(sim.categories)
    total = sum(net.values())
    return pd.DataFrame(
        {
            "mean_annual_loss_gross": sim.gross.cat_mean,
            "mean_annual_loss_net": sim.net.cat_mean,
            "gross": [gross[c] for c in cats],
            "gross_se": [gross_se[c] for c in cats],
            "net": [net[c] for c in cats],
            "net_se": [net_se[c] for c in cats],
            "net_share": [net[c] / total if total else math.nan for c in cats],
        },
        index=pd.Index(cats, name="category"),
    )


def _layer_allocation(res, sim) -> pd.DataFrame | None:
    """The gross reserve by layer (:attr:`riskmodel.reserving.ReserveResult.layer_allocation`),
    one row for ``"retained"`` and one per layer: ``amount``, ``se``, ``share`` of the gross
    reserve, and the part's expected annual amount with its standard error
    (:meth:`riskmodel.engine.result.SimulationResult.by_layer`; NaN where the simulation kept
    no layers). None without a programme."""
    if not res.layer_allocation:
        return None
    parts = list(res.layer_allocation)
    by_layer = sim.by_layer()
    mean = by_layer["mean"].reindex(parts)
    mean_se = by_layer["mean_se"].reindex(parts)
    gross = res.gross_reserve
    return pd.DataFrame(
        {
            "amount": [res.layer_allocation[k] for k in parts],
            "se": [res.layer_allocation_se[k] for k in parts],
            "share": [res.layer_allocation[k] / gross if gross else math.nan for k in parts],
            "expected_annual": mean.to_numpy(dtype=float),
            "expected_annual_se": mean_se.to_numpy(dtype=float),
        },
        index=pd.Index(parts, name="layer"),
    )


def _fits(cal, table, gof_boot: int, seed: int, progress: bool, dask_kw=None):
    """One row per category: family, parameters and standard errors, goodness of fit (of
    fits to data; a model file's severities are stated, not fitted, and have no test)."""
    from ..fit import SeverityFit

    rows, objects = [], {}
    own = _category_losses(table, cal)
    gof_cache: dict[int, Any] = {}
    for name, c in cal.categories.items():
        fit = c.severity_fit
        fitted = isinstance(fit, SeverityFit)
        objects[name] = fit
        row: dict[str, Any] = {
            "category": name,
            "family": c.family,
            "params": c.params_text(),
            "fitted_on": _fitted_on(c, fitted),
            "selection": c.selection,
            "n_own_losses": c.n_losses,
            "n_fit": fit.n_obs,
            "truncation_usd": cal.threshold,
            "cap_usd": c.cap if c.cap is not None else math.inf,
        }
        for p, v in fit.params.items():
            row[p] = v
            row[f"{p}_se"] = fit.se.get(p, math.nan)
        row.update(
            loglik=getattr(fit, "loglik", math.nan),
            aic=getattr(fit, "aic", math.nan),
            rate_per_year=c.rate,
            rate_se=c.rate_se,
            expected_annual_loss=c.expected_loss,
        )
        if gof_boot and fitted:
            if id(fit) not in gof_cache:
                _say(progress, f"goodness of fit of {name} ({gof_boot} bootstrap refits)")
                gof_cache[id(fit)] = fit.gof(
                    n_boot=gof_boot, rng=seed, progress=progress, **(dask_kw or {})
                )
            g = gof_cache[id(fit)]
            for t in g.tests:
                row[t] = g.statistics[t]
                row[f"{t}_p"] = g.pvalues[t]
            row["gof_n_boot"] = g.n_boot
        rows.append(row)
    return pd.DataFrame(rows).set_index("category"), objects, own


def _fitted_on(c, fitted: bool) -> str:
    if not fitted:
        return "model file"
    return "all categories pooled" if c.pooled_severity else "own losses"


def _category_losses(table: pd.DataFrame | None, cal) -> dict[str, np.ndarray]:
    """Each category's own losses in the calibration window, at or above its threshold
    (none without a table)."""
    if table is None:
        return {name: np.array([]) for name in cal.categories}
    year = pd.to_datetime(table["date"]).dt.year.to_numpy()
    amount = table["amount_usd"].to_numpy(dtype=float)
    keep = (year >= cal.since) & (year <= cal.until) & (amount >= cal.threshold)
    cats = table["category"].astype(str).to_numpy()
    return {name: np.sort(amount[keep & (cats == name)]) for name in cal.categories}


def _layers(
    model, program, profile, pricing_n_sims: int, seed: int, n_threads, progress, dask_kw=None
):
    from ..insurance import Layer
    from ..pricing import layer_label, price_tower

    if program is not None:
        layers = list(program.layers)
        cur = profile.currency
        terms = "; ".join(
            f"{cur} {layer_label(lay)}"
            + (f" covering {', '.join(lay.categories)}" if lay.categories else "")
            + (f", premium {cur} {lay.premium:,.0f}" if lay.premium else "")
            for lay in profile.layers
        )
        source = f"the profile's insurance programme ({terms}), converted to USD"
        paid = [lay.premium for lay in layers]
    else:
        layers = [Layer(a, lim, reinstatements=0) for a, lim in DEFAULT_TOWER]
        source = (
            "a default tower of per-occurrence layers, USD 50M to 2bn, no reinstatements "
            "(no programme given)"
        )
        paid = None
    _say(progress, f"pricing {len(layers)} layer(s) on {pricing_n_sims:,} years")
    tower = price_tower(
        model, layers, n_sims=pricing_n_sims, rng=seed, n_threads=n_threads, **(dask_kw or {})
    )
    return tower, source, paid


def _industry_context(cal) -> tuple[str, str]:
    """(subject, the assumption that states it) of a report without a profile."""
    if cal.bundled:
        return (
            "Industry aggregate: all exchanges in the data",
            "Subject: the whole industry, i.e. annual customer losses at all centralized "
            "exchanges in the data together, not one exchange (give an exchange profile for "
            "one exchange's reserve).",
        )
    return (
        f"Aggregate of {cal.data_label}",
        f"Subject: the annual total of all losses in {cal.data_label}, every category "
        "together (give an exchange profile to scale an industry model to one exchange).",
    )


def _method(res, sim, level: float, pricing_n_sims: int) -> list[str]:
    pct = f"{100 * level:g}%"
    name = "VaR" if res.measure == "var" else "TVaR"
    return [
        f"Reserve: the {name} of the simulated annual loss at {100 * res.coverage:g}% coverage, "
        "net of the insurance credit (gross minus the credit allowed). VaR is the lower "
        "empirical quantile X_(ceil(n p)); its "
        f"{pct} confidence interval comes from order statistics (distribution-free).",
        "TVaR (expected shortfall): Acerbi-Tasche estimator, the mean of the worst n(1-p) "
        f"years; its {pct} interval is asymptotic normal (Manistre and Hancock 2005).",
        _allocation_method(res),
        *([layer_method(res)] if res.layer_allocation else []),
        _parameter_method(res),
        f"Simulation: {sim.n_sims:,} years in blocks of {sim.provenance.get('block_size'):,}, "
        "block b drawing from child b of the seed's SeedSequence: the numbers depend only on "
        "(seed, n_sims, block size), not on the number of threads.",
        f"Layer prices: each layer simulated on its own over {pricing_n_sims:,} years with the "
        "same seed (common random numbers); expected-value, standard-deviation, Wang and "
        "cost-of-capital premium principles with their default loadings.",
    ]


def _allocation_method(res) -> str:
    if res.allocation_method == "euler" and res.measure == "var":
        how = (
            "Euler contributions (kernel estimator around the VaR rank, Tasche 2009, "
            "bandwidth sqrt(n (1 - p)) order statistics)"
        )
    else:
        how = (
            "co-TVaR: each category's mean part of the annual loss over the years beyond the "
            "VaR, as a share of their mean total"
        )
    return (
        f"Allocation: {how}, scaled to add up to the reserve; standard errors by the delta "
        "method for the ratio of means, combined with the Monte Carlo error of the reserve."
    )


def layer_method(res) -> str:
    """The method of the gross reserve by layer (the method page and the allocation page)."""
    if res.measure == "var":
        how = (
            "the Euler allocation of the gross VaR: each part's mean over the sqrt(n (1 - p)) "
            "simulated years on either side of the VaR's rank, scaled to the gross reserve "
            "(Tasche 2009)"
        )
        if res.allocation_method != "euler":
            how += (
                ", not co-TVaR as for the categories, which would weigh the years far beyond "
                "the VaR, where a limited layer is a small share of the loss"
            )
    else:
        how = "the Euler allocation of the gross TVaR: each part's mean beyond the VaR"
    return (
        f"Layers: the gross reserve split into the retained part and each layer's recovery by "
        f"{how}; the parts add up to the gross reserve, and a layer's part, what it pays in "
        "the years that set the reserve, is close to the credit it gives."
    )


def _parameter_method(res) -> str:
    info = res.provenance.get("parameter_uncertainty")
    if res.ci_total is None or not info:
        return (
            "Parameter uncertainty: not in the reserve's interval (the interval is Monte Carlo "
            "only)."
        )
    how = {
        "pivotal": "generalized fiducial draws: refits to samples of the fitted size "
        "simulated from the fitted severity with the same truncation, reflected about the "
        "estimate, with one correction step",
        "bootstrap": "percentile bootstrap: refits to samples of the fitted size simulated "
        "from the fitted severity with the same truncation",
        "normal": "the asymptotic normal of the estimates",
    }.get(info["method"], info["method"])
    return (
        f"Parameter uncertainty: {info['draws']} parameter sets drawn ({how}; annual rates "
        "from their gamma posterior), the reserve and the TVaR simulated under each over "
        f"{info['years_per_draw']:,} years; the headline intervals run between the quantiles "
        "of those values at the interval's level (widened to hold the Monte Carlo "
        "intervals), so they hold parameter and Monte Carlo error. The Monte Carlo-only "
        "intervals are given beside them. On known models with a dozen truncated losses the "
        "90% interval held the true reserve in 90-92.5% of simulated histories "
        "(riskmodel.uncertainty). It is the uncertainty of the fitted family's parameters; "
        "the model-risk page shows that of the family."
    )


def compute(
    *,
    profile,
    coverage: float,
    measure: str,
    n_sims: int,
    seed: int,
    data,
    threshold: float,
    since: int | None,
    until: int | None,
    level: float,
    pricing_n_sims: int | None,
    gof_boot: int,
    credit_rules,
    parameter_uncertainty: bool,
    n_threads: int | None,
    progress: bool,
    backend: str = "numba",
    client=None,
    calibration=None,
    model_risk: bool | None = None,
) -> ReportData:
    """Compute every number of the report (see :func:`riskmodel.report.write_report`)."""
    from ..plots import exceedance_points
    from ..pricing import DEFAULT_N_SIMS
    from ..reserving import CreditRules, reserve
    from ..standard_formulas import compare_standard_formulas

    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: must be an integer >= 0, got {seed!r}")
    if not 0 < coverage < 1:
        raise ValueError(f"coverage: must lie in (0, 1), got {coverage}")
    if not isinstance(gof_boot, (int, np.integer)) or gof_boot < 0:
        raise ValueError(f"gof_boot: must be an integer >= 0, got {gof_boot!r}")
    if since is not None and until is not None and until < since:
        raise ValueError(f"until ({until}) is before since ({since})")
    seed = int(seed)
    pricing_n = int(pricing_n_sims) if pricing_n_sims else min(int(n_sims), DEFAULT_N_SIMS)
    rules = credit_rules if credit_rules is not None else CreditRules()
    timing: dict[str, float] = {}
    notes: list[str] = []
    t0 = time.perf_counter()
    profile = resolve_profile(profile)
    cal, table, data_label, how = _calibration(calibration, data, threshold, since, until)
    # the rule of `riskmodel reserve` (an error for model_risk=True on a model file, before
    # the work)
    risk_note = skip_note(
        model_risk,
        model_file=from_file(cal),
        profile=profile is not None,
        losses=table is not None,
    )
    if profile is not None:
        model, program, assumptions = profile.build_model(cal)
        assumptions = list(assumptions)
        rates = profile.rate_table(cal)
        subject = profile.name
    else:
        model, program, rates = cal.model, None, None
        subject, stated = _industry_context(cal)
        assumptions = [stated, *cal.assumptions()]
        assumptions += [
            "Within a category the number of losses and their sizes are independent.",
            "Amounts are in USD at the time of each incident, as reported; no inflation or "
            "crypto-price adjustment.",
            "No insurance: the net loss equals the gross loss.",
        ]
        if cal.n_unknown_amount:
            assumptions.append(
                f"{cal.n_unknown_amount} incident(s) in the window have no known amount and "
                "are not counted in frequencies or severities."
            )
    if parameter_uncertainty:
        assumptions.append(
            "Parameter uncertainty is included: rates and severity parameters are redrawn "
            "from their sampling distributions (predictive reserve)."
        )
    else:
        assumptions.append(
            "Parameters are the point estimates: their estimation error is not in the "
            "simulated losses (see the standard errors on the fit diagnostics page)."
        )
    if program is not None:
        assumptions.append(
            f"Insurance credit: at most {rules.max_share:.0%} of the gross requirement, "
            f"haircut {rules.haircut:.0%} for insurer default."
        )
    timing["calibrate_s"] = time.perf_counter() - t0
    dask_kw = {"backend": backend, "client": client} if backend == "dask" else {}
    sim_kw = {"n_threads": n_threads, "parameter_uncertainty": parameter_uncertainty, **dask_kw}

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RiskModelWarning)
        t = time.perf_counter()
        _say(progress, f"reserve and its curve: simulating {n_sims:,} years")
        res = reserve(
            model,
            coverage,
            measure=measure,
            program=program,
            rng=seed,
            n_sims=int(n_sims),
            credit_rules=rules,
            level=level,
            min_level=min(0.9, coverage),  # the curve's levels, from the same years
            progress=progress,
            **sim_kw,
        )
        timing["reserve_s"] = time.perf_counter() - t
        t = time.perf_counter()
        sim = res.simulation
        curve = _curve(sim, coverage, level, notes)
        exceed = exceedance_points(sim, level=level)
        timing["curve_s"] = time.perf_counter() - t
        t = time.perf_counter()
        fits, fit_objects, own = _fits(cal, table, gof_boot, seed, progress, dask_kw)
        timing["fits_s"] = time.perf_counter() - t
        t = time.perf_counter()
        layers, layer_source, paid = _layers(
            model, program, profile, pricing_n, seed, n_threads, progress, dask_kw
        )
        timing["pricing_s"] = time.perf_counter() - t
        risk = None
        if risk_note is None:
            t = time.perf_counter()
            risk, risk_note = _model_risk(
                table, cal, coverage, measure, int(n_sims), seed, level, model_risk, progress
            )
            timing["model_risk_s"] = time.perf_counter() - t
    raised = []
    for w in caught:
        if issubclass(w.category, RiskModelWarning):
            raised.append(f"{w.category.__name__}: {w.message}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    # the industry model's reserve against the data behind it (a profile's model is scaled
    # to one exchange, and the data's annual totals do not describe it)
    extrapolation = cal.extrapolation(res) if profile is None else None
    if extrapolation:
        raised.insert(0, extrapolation)
    formulas = None
    if profile is not None:
        formulas = compare_standard_formulas(profile, res)
    else:
        notes.append(
            "Standard-formula comparison skipped: no exchange profile (the formulas need one "
            "exchange's trading volume, fixed overheads and business indicator)."
        )
    allocation = _allocation(sim, res)
    headline = _headline(res, sim, profile)
    headline["extrapolation"] = extrapolation
    return ReportData(
        title="Customer-loss reserve report",
        subject=subject,
        data_label=data_label,
        inputs={
            "coverage": coverage,
            "measure": measure,
            "n_sims": int(n_sims),
            "seed": seed,
            "data": data_label,
            "model": how,
            "threshold": float(cal.threshold),
            "since": cal.since,
            "until": cal.until,
            "level": level,
            "pricing_n_sims": pricing_n,
            "gof_boot": int(gof_boot),
            "parameter_uncertainty": bool(parameter_uncertainty),
            "credit_rules": {"max_share": rules.max_share, "haircut": rules.haircut},
            "profile": None if profile is None else profile.to_dict(),
        },
        profile=profile,
        calibration=cal,
        model=model,
        program=program,
        reserve=res,
        simulation=sim,
        curve=curve,
        exceedance=exceed,
        allocation=allocation,
        fits=fits,
        fit_objects=fit_objects,
        own_losses=own,
        rates=rates,
        layers=layers,
        layer_source=layer_source,
        layer_paid=paid,
        standard_formulas=formulas,
        audit=sim.describe(),
        headline=headline,
        assumptions=assumptions,
        method=_method(res, sim, level, pricing_n) + _model_risk_method(risk),
        notes=raised + notes,
        warnings=raised,
        timing=timing,
        model_risk=risk,
        model_risk_note=risk_note,
        layer_allocation=_layer_allocation(res, sim),
    )


def _model_risk(table, cal, coverage, measure, n_sims, seed, level, requested, progress):
    """(ModelRisk, None), or (None, why not) when no family converged and it was not asked
    for: :func:`riskmodel.model_averaging.model_risk` with the report's seed and years."""
    from .._errors import InfiniteMomentWarning
    from ..model_averaging import DEFAULT_FAMILIES
    from ..model_averaging import model_risk as compute_model_risk

    _say(
        progress,
        f"model risk: refitting {len(DEFAULT_FAMILIES)} severity families, {n_sims:,} years each",
    )
    with warnings.catch_warnings():
        # an uncapped alternative family may have no mean: its VaR, all the table shows, is
        # still valid, and the headline's own model warns for itself
        warnings.simplefilter("ignore", InfiniteMomentWarning)
        try:
            risk = compute_model_risk(
                table,
                coverage=coverage,
                measure=measure,
                n_sims=n_sims,
                rng=seed,
                level=level,
                calibration=cal,
            )
        except ValueError as exc:
            if requested:
                raise
            return None, f"not computed: {exc}"
    return risk, None


def _model_risk_method(risk) -> list[str]:
    if risk is None:
        return []
    fams = ", ".join(risk.provenance["families"])
    return [
        f"Model risk: each candidate severity family ({fams}) fitted by maximum likelihood to "
        "every category's losses (left-truncated at the threshold; pooled where the "
        "calibration pools), capped as the headline model, the reserve simulated under each "
        f"with the report's seed and {risk.provenance['n_sims']:,} years (common random "
        "numbers, parameters at their estimates: Monte Carlo intervals only). Akaike weights "
        "from the sum of the categories' AICs (Burnham and Anderson 2002); the model-averaged "
        "reserve is the weighted mean of the families' reserves, a summary rather than a "
        "quantile of the mixture."
    ]


def _headline(res, sim, profile) -> dict[str, Any]:
    p = res.coverage
    out = {
        "coverage": p,
        "measure": res.measure,
        "gross_reserve": res.gross_reserve,
        "gross_ci": list(res.gross_reserve_ci),
        "recovery": res.recovery,
        "credit": res.credit,
        "net_reserve": res.reserve,
        "net_ci": list(res.ci),
        "net_ci_total": None if res.ci_total is None else list(res.ci_total),
        "net_ci_mc": list(res.ci_mc),
        "ci_level": res.level,
        "gross_var": sim.quantile(p),
        "gross_var_ci": list(sim.gross.quantile_ci(p, res.level)),
        "net_var": sim.quantile(p, of="net"),
        "net_var_ci": list(sim.net.quantile_ci(p, res.level)),
        "gross_tvar": sim.tvar(p),
        "gross_tvar_ci": list(sim.gross.tvar_ci(p, res.level)),
        "net_tvar": sim.tvar(p, of="net"),
        "net_tvar_ci": list(sim.net.tvar_ci(p, res.level)),
        "net_tvar_ci_total": None if res.tvar_ci_total is None else list(res.tvar_ci_total),
        "amounts_in": "USD",
        "mean_annual_loss_gross": sim.gross.mean,
        "mean_annual_loss_gross_se": sim.gross.mean_se,
        "mean_annual_loss_net": sim.net.mean,
        "n_sims": res.n_sims,
    }
    if profile is not None and profile.currency != "USD":
        out["currency"] = profile.currency
        out["net_reserve_in_currency"] = res.reserve / profile.usd_per_unit
        out["gross_reserve_in_currency"] = res.gross_reserve / profile.usd_per_unit
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.reset_index().to_dict(orient="records")


def document(data: ReportData, pages: list[str], files: list[str]) -> dict[str, Any]:
    """The JSON record of a report: every number in it, the inputs and the provenance.

    Everything but the ``"run"`` key depends only on the inputs (same seed, same numbers);
    ``"run"`` holds the elapsed times and the thread count.
    """
    res, sim = data.reserve, data.simulation
    prov = _strip_run(dict(res.provenance))
    formulas: Any
    if data.standard_formulas is None:
        formulas = {"skipped": "no exchange profile given"}
    else:
        formulas = _records(data.standard_formulas)
    doc = {
        "report": {
            "title": data.title,
            "subject": data.subject,
            "version": __version__,
            "pages": pages,
            "files": files,
        },
        "inputs": data.inputs,
        "provenance": prov,
        "headline": data.headline,
        "assumptions": data.assumptions,
        "method": data.method,
        "notes": data.notes,
        "calibration": data.calibration.to_dict(),
        "severity_selection": {
            k: v.to_dict() for k, v in getattr(data.calibration, "selections", {}).items()
        },
        "rates": None if data.rates is None else _records(data.rates),
        "reserve": _strip_run(res.to_dict()),
        "simulation": _strip_run(sim.to_dict()),
        "simulation_audit": _records(data.audit),
        "reserve_curve": _records(data.curve),
        "exceedance_curve": data.exceedance.to_dict(orient="records"),
        "allocation": _records(data.allocation),
        "fits": _records(data.fits),
        "layer_prices": {
            "source": data.layer_source,
            "premium_charged_usd": data.layer_paid,
            "provenance": _strip_run(dict(data.layers.attrs.get("provenance", {}))),
            "table": _records(data.layers),
        },
        "standard_formulas": formulas,
        # the keys of `riskmodel reserve --json`
        "model_risk": None if data.model_risk is None else data.model_risk.entries(),
        "model_risk_averaged": None if data.model_risk is None else data.model_risk.averaged,
        **({} if data.model_risk_note is None else {"model_risk_note": data.model_risk_note}),
        # the rows of `riskmodel reserve --json` ({layer, amount, se}), with the page's share
        # of the gross reserve and expected annual amount; null without a programme
        "layer_allocation": (
            None
            if data.layer_allocation is None
            else [
                {"layer": k, **r} for k, r in data.layer_allocation.to_dict(orient="index").items()
            ]
        ),
        "run": {
            "elapsed_s": dict(data.timing),
            "n_threads": res.provenance.get("n_threads"),
        },
    }
    return doc
