"""Model risk: the reserve under each credible severity family, AIC weights, an average.

Which family describes the loss sizes is a larger uncertainty than the parameters of any
one of them, and a dozen losses cannot settle it. :func:`model_risk` fits every category's
losses (the same losses, threshold and window as :func:`riskmodel.calibrate.calibrate_industry`)
with each candidate family (taking the fits the calibration's selection rule made to them),
computes the reserve of the model that uses that family in every
category, and weighs the families by Akaike weights of the joint model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._rng import RNGLike, as_seed_sequence, seed_of
from .calibrate import calibrate_industry
from .fit import SeveritySelection, compare_severity, fit_spliced
from .fit._spliced import MIN_SIDE
from .model import LossModel

__all__ = ["DEFAULT_FAMILIES", "SPLICED", "ModelRisk", "model_risk"]

#: the spliced candidate: a lognormal body and a generalized Pareto tail, the splice point
#: chosen by likelihood (:func:`riskmodel.fit.fit_spliced` with ``threshold="auto"``)
SPLICED = "lognormal+gpd"

#: candidate severity families (names of :func:`riskmodel.fit.fit_severity`, and
#: :data:`SPLICED`)
DEFAULT_FAMILIES = ("lognormal", "burr", "weibull", "loglogistic", "gamma", SPLICED)


@dataclass(frozen=True)
class ModelRisk:
    """Result of :func:`model_risk`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per family (index ``family``): ``aic`` (sum over the fitted categories),
        ``delta_aic``, ``weight`` (Akaike weight), ``reserve`` with ``ci_lo`` and ``ci_hi``
        (Monte Carlo interval), ``converged`` and ``note``. Families that did not converge in
        every category have weight 0 and no reserve.
    averaged : float
        The model-averaged reserve, sum of weight x reserve.
    selected : str
        The family with the largest weight.
    coverage, measure, level : float, str, float
    categories : dict
        Per category: its AIC by family and whether it was fitted on pooled losses.
    provenance : dict
        Seed, n_sims, families, threshold and window.
    """

    table: pd.DataFrame
    averaged: float
    selected: str
    coverage: float
    measure: str
    level: float
    categories: dict[str, Any] = field(repr=False)
    provenance: dict[str, Any] = field(repr=False)

    def entries(self) -> list[dict[str, Any]]:
        """The table as a list of ``{"family", "weight", "reserve", ...}`` records."""
        out = []
        for fam, row in self.table.iterrows():
            out.append(
                {
                    "family": fam,
                    "weight": float(row.weight),
                    "reserve": None if math.isnan(row.reserve) else float(row.reserve),
                    "ci": [float(row.ci_lo), float(row.ci_hi)],
                    "aic": float(row.aic),
                    "delta_aic": float(row.delta_aic),
                    "converged": bool(row.converged),
                    "note": row.note,
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record (the ``model_risk`` key of ``riskmodel reserve --json``)."""
        return {
            "coverage": self.coverage,
            "measure": self.measure,
            "currency": "USD",
            "criterion": "aic",
            "entries": self.entries(),
            "model_averaged_reserve": self.averaged,
            "selected": self.selected,
            "categories": self.categories,
            "provenance": dict(self.provenance),
        }

    def summary(self) -> str:
        """The table as text, with the model-averaged reserve."""
        name = "VaR" if self.measure == "var" else "TVaR"
        lines = [
            f"Model risk: reserve ({name} {100 * self.coverage:g}%) by severity family, "
            "amounts in USD",
            f"{'family':<14}{'AIC':>10}{'dAIC':>8}{'weight':>8}{'reserve':>20}  "
            f"{100 * self.level:g}% CI (Monte Carlo)",
        ]
        for fam, r in self.table.iterrows():
            if not r.converged:
                lines.append(f"{fam:<14}{'':>26}  not used: {r.note}")
                continue
            lines.append(
                f"{fam:<14}{r.aic:>10.2f}{r.delta_aic:>8.2f}{r.weight:>8.3f}"
                f"{r.reserve:>20,.0f}  [{r.ci_lo:,.0f}, {r.ci_hi:,.0f}]"
            )
        lines.append(f"model-averaged reserve (AIC weights): USD {self.averaged:,.0f}")
        return "\n".join(lines)


def model_risk(
    incidents: pd.DataFrame | None = None,
    *,
    families: Sequence[str] = DEFAULT_FAMILIES,
    coverage: float = 0.995,
    measure: str = "var",
    n_sims: int = 1_000_000,
    rng: RNGLike = None,
    level: float = 0.95,
    threshold: float = 1e6,
    since: int | None = None,
    until: int | None = None,
    min_losses: int = 5,
    calibration: Any = None,
) -> ModelRisk:
    r"""The reserve under each candidate severity family, with Akaike weights.

    Parameters
    ----------
    incidents : DataFrame, optional
        As for :func:`riskmodel.calibrate.calibrate_industry` (default: the bundled data).
    families : sequence of str
        Candidate families, fitted to every category (default :data:`DEFAULT_FAMILIES`):
        names of :func:`riskmodel.fit.fit_severity`, or :data:`SPLICED` for a lognormal body
        spliced to a GPD tail (it needs at least 10 losses on either side of the splice
        point, so at least 20 in every category fitted on its own losses).
    coverage, measure, level
        As for :func:`riskmodel.reserve`.
    n_sims : int
        Simulated years per family.
    rng : int, Generator, SeedSequence or None
        Seed; every family's model is simulated with the same seed (common random numbers),
        so the differences between families are not Monte Carlo noise.
    threshold, since, until, min_losses
        As for :func:`riskmodel.calibrate.calibrate_industry`.
    calibration : IndustryCalibration, optional
        A calibration to take the window, threshold, rates and the losses' grouping from
        (default: computed from the other arguments).

    Returns
    -------
    ModelRisk

    Notes
    -----
    The model for family :math:`f` uses the calibrated Poisson rates and per-loss caps and,
    in every category, the family :math:`f` fitted by maximum likelihood to that category's losses
    left-truncated at the threshold (pooled losses where the calibration pooled them). Its
    AIC is the sum of the AICs of the categories fitted on their own losses (the categories'
    likelihoods multiply; the frequencies are common to all families and cancel; a pooled
    fit reuses those same losses and is left out of the sum), and the Akaike weight is
    :math:`w_f = e^{-\\Delta_f/2} / \\sum_g e^{-\\Delta_g/2}` (Burnham and Anderson 2002). A
    family that does not converge in some category gets no weight. The model-averaged
    reserve :math:`\\sum_f w_f R_f` is a summary, not a quantile of a mixture; the spread of
    the :math:`R_f` is the model risk.

    Examples
    --------
    >>> mr = model_risk(families=("lognormal", "weibull"), n_sims=20_000, rng=1)
    >>> sorted(mr.table.index) == ["lognormal", "weibull"]
    True
    >>> bool(abs(mr.table.weight.sum() - 1) < 1e-12)
    True
    """
    from .reserving import reserve

    families = tuple(families)
    if not families:
        raise ValueError("families: give at least one family")
    cal = calibration
    if cal is None:
        cal = calibrate_industry(
            incidents, threshold=threshold, since=since, until=until, min_losses=min_losses
        )
    if incidents is None:
        from .data import load_incidents

        incidents = load_incidents()
    losses = _losses(incidents, cal)
    root = as_seed_sequence(rng)
    fits: dict[str, dict[str, Any]] = {}
    per_cat: dict[str, Any] = {}
    for name, c in cal.categories.items():
        key = "pooled" if c.pooled_severity else name
        if key not in fits:
            x = np.concatenate(list(losses.values())) if key == "pooled" else losses[name]
            known = _selection_fits(getattr(cal, "selections", {}).get(key), x, cal.threshold)
            fits[key] = _fits(x, families, cal.threshold, known)
        per_cat[name] = key
    rows = []
    for fam in families:
        aic, ok, note, cats = 0.0, True, "", {}
        for key, fitted in fits.items():
            f = fitted.get(fam)
            if isinstance(f, str):  # why there is no fit
                ok, note = False, f.format(key=key)
                break
            if f is None or not f.converged:
                ok, note = False, f"no converged fit for {key}"
                break
            if key != "pooled":  # a pooled fit reuses the other categories' losses
                aic += f.aic
        if ok:
            for name, key in per_cat.items():
                f = fits[key][fam]
                sev = f.dist if fam == SPLICED else f.observed  # a spliced fit's is observed
                cap = getattr(cal.categories[name], "cap", None)
                sev = sev if cap is None else sev.capped(cap)
                cats[name] = (cal.model.categories[name][0], sev)
            r = reserve(
                LossModel(cats),
                coverage,
                measure=measure,
                rng=np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key),
                n_sims=n_sims,
                level=level,
                parameter_draws=0,
            )
            res, lo, hi = r.reserve, r.ci_mc[0], r.ci_mc[1]
        else:
            aic = res = lo = hi = math.nan
        rows.append(
            {
                "family": fam,
                "aic": aic,
                "reserve": res,
                "ci_lo": lo,
                "ci_hi": hi,
                "converged": ok,
                "note": note,
            }
        )
    table = pd.DataFrame(rows).set_index("family")
    good = table["converged"]
    if not good.any():
        raise ValueError(f"model_risk: no family in {families} converged in every category")
    table["delta_aic"] = table["aic"] - table.loc[good, "aic"].min()
    w = np.where(good, np.exp(-0.5 * table["delta_aic"].fillna(np.inf)), 0.0)
    table["weight"] = w / w.sum()
    table = table[["aic", "delta_aic", "weight", "reserve", "ci_lo", "ci_hi", "converged", "note"]]
    table = table.sort_values("weight", ascending=False, kind="stable")
    averaged = float((table.loc[good, "weight"] * table.loc[good, "reserve"]).sum())
    categories = {
        name: {
            "fitted_on": "pooled losses" if key == "pooled" else "own losses",
            "aic": {
                fam: (float(fits[key][fam].aic) if hasattr(fits[key].get(fam), "aic") else None)
                for fam in families
            },
        }
        for name, key in per_cat.items()
    }
    return ModelRisk(
        table=table,
        averaged=averaged,
        selected=str(table.index[0]),
        coverage=coverage,
        measure=measure,
        level=level,
        categories=categories,
        provenance={
            "seed": seed_of(root),
            "n_sims": int(n_sims),
            "families": list(families),
            "threshold": cal.threshold,
            "window": [cal.since, cal.until],
        },
    )


def skip_note(
    requested: bool | None, *, model_file: bool, profile: bool, losses: bool = True
) -> str | None:
    """Whether model risk is computed beside a headline: ``None`` if so, else why not.

    The one rule of ``riskmodel reserve``, ``riskmodel report`` and
    :func:`riskmodel.report.write_report`: computed by default for a model calibrated from
    losses (the bundled incidents or the user's), not for a model file (it holds no losses to
    refit) nor, unless asked, for an exchange profile (the rows are then the industry model's
    reserves, not the exchange's).

    Parameters
    ----------
    requested : bool or None
        ``--model-risk`` / ``--no-model-risk`` (``model_risk=True`` / ``False``); ``None``:
        the default.
    model_file : bool
        The model was read from a model file.
    profile : bool
        The headline is one exchange's (an exchange profile).
    losses : bool
        The losses behind the calibration are at hand.

    Returns
    -------
    str or None
        The note that stands in for the model risk (``model_risk_note`` in JSON), or ``None``
        when it is to be computed.

    Raises
    ------
    ValueError
        Model risk was asked for a model file or without the losses.

    Examples
    --------
    >>> skip_note(None, model_file=False, profile=False) is None
    True
    >>> skip_note(False, model_file=False, profile=False)
    'not computed (--no-model-risk; model_risk=False)'
    """
    if requested is False:
        return "not computed (--no-model-risk; model_risk=False)"
    if model_file:
        if requested:
            raise ValueError(
                "--model-risk (model_risk=True) refits the data under each severity family: "
                "it cannot be used with a model file (--model), which holds no losses"
            )
        return (
            "not computed: the model was read from a model file, which holds no losses to "
            "refit under each severity family"
        )
    if not losses:
        if requested:
            raise ValueError(
                "model_risk=True refits the losses under each severity family: give the "
                "losses the calibration was fitted to (data=)"
            )
        return "not computed: the losses behind the calibration were not given (data=)"
    if profile and not requested:
        return (
            "not computed for an exchange profile unless asked (--model-risk; "
            "model_risk=True): it refits the industry model, whose reserve is not the "
            "exchange's"
        )
    return None


def _selection_fits(
    sel: SeveritySelection | None, x: np.ndarray, threshold: float
) -> dict[str, Any]:
    """The fits of the calibration's selection rule ``sel`` (None: no rule ran), by family.

    Only where they are fits to the losses ``x`` left-truncated at ``threshold``, the same
    losses in the same order, so that a refit would give the same numbers; else none.
    """
    if sel is None:
        return {}
    fit = sel.fit
    same = (
        fit.upper is None
        and fit.cap is None
        and fit.truncation is not None
        and bool(np.all(fit.truncation == threshold))
        and np.array_equal(fit.losses, x)
    )
    return dict(sel.comparison.fits) if same else {}


def _fits(
    x: np.ndarray, families: tuple[str, ...], threshold: float, known: dict[str, Any]
) -> dict[str, Any]:
    """Each family's fit to the losses ``x`` left-truncated at ``threshold``.

    Taken from ``known`` (fits already made to them, by family), or fitted here. A family
    whose fit cannot be made maps to why not (a template of the category's ``{key}``), or is
    missing.
    """
    singles = [f for f in families if f != SPLICED]
    todo = [f for f in singles if f not in known]
    out: dict[str, Any] = {f: known[f] for f in singles if f in known}
    if todo:
        out.update(compare_severity(x, todo, truncation=threshold).fits)
    if SPLICED in families:
        if x.size < 2 * MIN_SIDE:  # MIN_SIDE losses on either side of the splice point
            out[SPLICED] = f"too few losses in {{key}} ({x.size})"
        else:
            try:
                out[SPLICED] = fit_spliced(x, "lognormal", "gpd", "auto", truncation=threshold)
            except ValueError:  # no splice point leaves enough losses on each side, or no fit
                out[SPLICED] = "no fit for {key}"
    return out


def _losses(incidents: pd.DataFrame, cal: Any) -> dict[str, np.ndarray]:
    """Each category's losses in the calibration window at or above its threshold."""
    year = pd.to_datetime(incidents["date"]).dt.year.to_numpy()
    amount = incidents["amount_usd"].to_numpy(dtype=float)
    keep = (year >= cal.since) & (year <= cal.until) & (amount >= cal.threshold)
    cats = incidents["category"].astype(str).to_numpy()
    return {name: amount[keep & (cats == name)] for name in cal.categories}
