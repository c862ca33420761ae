"""From an incident table to a fitted industry LossModel: the first end-to-end pipeline.

Per category, over an explicit window of calendar years and above one reporting threshold
(so that frequency and severity describe the same events):

- severity: a lognormal fitted by maximum likelihood to the losses at or above the threshold,
  left-truncated there (the reporting threshold hides smaller losses); the simulated severity
  is the fitted lognormal truncated at the threshold;
- frequency: a Poisson rate, the mean annual count of such losses over the window (its MLE),
  years without events included.

Incidents whose amount is unknown are left out of both, and counted in ``n_unknown_amount``.
A category with fewer than ``min_losses`` losses above the threshold cannot support its own
severity fit: it borrows the severity fitted to all categories pooled, and the result says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .fit import SeverityFit, fit_severity
from .frequency import Poisson
from .model import LossModel
from .severity import Severity
from .uncertainty import FittedCategory

__all__ = ["CategoryCalibration", "IndustryCalibration", "calibrate_industry"]


@dataclass(frozen=True)
class CategoryCalibration:
    """How one category was calibrated."""

    name: str
    n_losses: int
    n_years: int
    rate: float
    rate_se: float
    severity_fit: SeverityFit
    pooled_severity: bool
    severity: Severity = field(repr=False)

    @property
    def expected_loss(self) -> float:
        """E[N] E[X] of the category (X: the fitted severity above the threshold)."""
        return self.rate * float(self.severity.mean())


@dataclass(frozen=True)
class IndustryCalibration:
    """Result of :func:`calibrate_industry`: the model and how each part was obtained."""

    model: LossModel
    categories: dict[str, CategoryCalibration]
    threshold: float
    since: int
    until: int
    counts: pd.DataFrame = field(repr=False)

    @property
    def n_unknown_amount(self) -> int:
        """Incidents in the window whose amount is unknown (not counted, not fitted)."""
        return int(self.counts.attrs.get("n_unknown_amount", 0))

    def table(self) -> pd.DataFrame:
        """One row per category: losses used, rate, fitted lognormal parameters, E[annual loss]."""
        rows = []
        for c in self.categories.values():
            f = c.severity_fit
            rows.append(
                {
                    "category": c.name,
                    "n_losses": c.n_losses,
                    "rate_per_year": c.rate,
                    "rate_se": c.rate_se,
                    "mu": f.params["mu"],
                    "mu_se": f.se["mu"],
                    "sigma": f.params["sigma"],
                    "sigma_se": f.se["sigma"],
                    "severity": "pooled" if c.pooled_severity else "own",
                    "expected_annual_loss": c.expected_loss,
                }
            )
        return pd.DataFrame(rows).set_index("category")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record of the calibration."""
        t = self.table().reset_index()
        return {
            "threshold": self.threshold,
            "window": [self.since, self.until],
            "n_unknown_amount": self.n_unknown_amount,
            "categories": t.to_dict(orient="records"),
            "counts": {str(y): row for y, row in self.counts.to_dict(orient="index").items()},
        }


def calibrate_industry(
    incidents: pd.DataFrame | None = None,
    *,
    threshold: float = 1e6,
    since: int | None = 2014,
    until: int | None = None,
    min_losses: int = 5,
) -> IndustryCalibration:
    """Fit a lognormal severity and a Poisson frequency per category; build the LossModel.

    Parameters
    ----------
    incidents : DataFrame, optional
        Columns ``date``, ``category``, ``amount_usd`` (as from
        :func:`riskmodel.data.load_incidents` or :func:`riskmodel.data.read_losses`); default:
        the bundled exchange incidents.
    threshold : float
        Reporting threshold in USD: only losses >= threshold are used, and the severity is
        left-truncated there. Default USD 1M.
    since, until : int, optional
        First and last calendar year of the window (inclusive). Default 2014 (earlier years are
        badly under-reported) to the last year in the data.
    min_losses : int
        Fewest losses for a category's own severity fit; below it the pooled severity is used.

    Returns
    -------
    IndustryCalibration

    Examples
    --------
    >>> cal = calibrate_industry()
    >>> sorted(cal.model.names)
    ['fraud', 'hack', 'operational']
    """
    from .data import annual_counts, load_incidents

    if incidents is None:
        incidents = load_incidents()
    if not (threshold > 0 and math.isfinite(threshold)):
        raise ValueError(f"threshold: must be a positive number of USD, got {threshold}")
    # incidents without an amount cannot be compared with the threshold: they are left out of
    # the counts and reported (n_unknown_amount), never dropped silently
    counts = annual_counts(
        incidents, threshold=threshold, since=since, until=until, unknown_amount="ignore"
    )
    years = counts.index
    lo, hi = int(years.min()), int(years.max())
    year = pd.to_datetime(incidents["date"]).dt.year
    amount = incidents["amount_usd"].to_numpy(dtype=float)
    in_window = (year >= lo).to_numpy() & (year <= hi).to_numpy() & (amount >= threshold)
    cats = [str(c) for c in counts.columns]
    losses = {
        c: amount[in_window & (incidents["category"].astype(str) == c).to_numpy()] for c in cats
    }
    pooled_x = np.concatenate([losses[c] for c in cats])
    if pooled_x.size < min_losses:
        raise ValueError(
            f"only {pooled_x.size} losses >= {threshold:,.0f} USD in {lo}-{hi}: too few to fit; "
            "lower the threshold or widen the window"
        )
    pooled_fit = None
    out: dict[str, CategoryCalibration] = {}
    categories = {}
    uncertainty = {}
    n_years = len(years)
    for c in cats:
        x = losses[c]
        own = x.size >= min_losses
        if own:
            fit = fit_severity(x, "lognormal", truncation=threshold)
        else:
            if pooled_fit is None:
                pooled_fit = fit_severity(pooled_x, "lognormal", truncation=threshold)
            fit = pooled_fit
        total = float(counts[c].sum())
        rate = total / n_years
        out[c] = CategoryCalibration(
            name=c,
            n_losses=int(x.size),
            n_years=n_years,
            rate=rate,
            rate_se=math.sqrt(rate / n_years),
            severity_fit=fit,
            pooled_severity=not own,
            severity=fit.dist.truncated(lower=threshold),
        )
        categories[c] = (Poisson(rate), out[c].severity)
        if total > 0:
            uncertainty[c] = FittedCategory(
                fit, rate=rate, log_rate_se=1.0 / math.sqrt(total), truncation=threshold
            )
    return IndustryCalibration(
        model=LossModel(categories, uncertainty=uncertainty),
        categories=out,
        threshold=float(threshold),
        since=lo,
        until=hi,
        counts=counts,
    )
