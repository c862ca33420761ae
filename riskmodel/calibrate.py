"""From an incident table to a fitted LossModel: the model the data support, with its caps.

Per category, over a window of calendar years and above one reporting threshold (so that
frequency and severity describe the same events):

- **severity**: the family chosen by the documented rule of
  :func:`riskmodel.fit.select_severity` (identified fits, lowest AIC among those passing a
  bootstrap Cramér-von Mises test at 5%), every candidate fitted by maximum likelihood
  left-truncated at the threshold; or the family the user names. The simulated severity is the
  fit truncated at the threshold and **capped** at the per-loss cap (default
  :data:`DEFAULT_CAP_USD`, the customer assets of the largest exchange: no single loss can
  exceed what one exchange holds);
- **frequency**: a Poisson rate. With ``trend="auto"`` (default) a Poisson regression with a
  linear trend in the log rate is fitted to the annual counts of a category with at least
  :data:`MIN_TREND_EVENTS` events, and the trend is used when its Wald test rejects "no
  trend" at 5%; the rate is then the regression's prediction for ``projection_year``
  (default: the year after the window). Otherwise the rate is the mean annual count over the
  window (its MLE), years without events included.

Incidents whose amount is unknown are left out of both, and counted in ``n_unknown_amount``.
A category with fewer than ``min_losses`` losses above the threshold cannot support its own
severity fit: it borrows the severity chosen for all categories pooled, and the result says so.

The window defaults to the data's own first and last year; for the bundled incidents it
starts in :data:`BUNDLED_SINCE` (earlier years are badly under-reported; see the data card).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from ._errors import ConvergenceWarning, InfiniteMomentWarning
from .fit import SeverityFit, fit_severity
from .fit._select import SeveritySelection, select_severity
from .frequency import Poisson
from .model import LossModel
from .severity import Severity
from .uncertainty import FittedCategory

if TYPE_CHECKING:
    from .reserving import ReserveResult
    from .spec import ModelSpec

__all__ = [
    "BUNDLED_SINCE",
    "DEFAULT_CAP_SOURCE",
    "DEFAULT_CAP_USD",
    "CategoryCalibration",
    "IndustryCalibration",
    "calibrate_industry",
]

#: default first year of the window on the bundled incidents
BUNDLED_SINCE = 2014

#: default per-loss cap (USD): the customer assets held by the largest exchange
DEFAULT_CAP_USD = 100e9
#: where :data:`DEFAULT_CAP_USD` comes from (see the data card)
DEFAULT_CAP_SOURCE = (
    "customer assets of the largest exchange: Binance reported user asset holdings above "
    "USD 100bn in March 2024 (The Block, 18 March 2024, theblock.co/post/283141); no single "
    "loss can exceed what one exchange holds"
)

#: fewest events in the window for a category's trend to be estimated
MIN_TREND_EVENTS = 10
#: significance level of the trend test of ``trend="auto"``
TREND_LEVEL = 0.05

#: the extrapolation warning: reserve above this multiple of the largest annual total ...
EXTRAPOLATION_MULTIPLE = 10.0
#: ... or more than this share of it from a category fitted on fewer than ...
EXTRAPOLATION_SHARE = 0.9
#: ... this many losses
EXTRAPOLATION_MIN_LOSSES = 20


@dataclass(frozen=True)
class CategoryCalibration:
    """How one category was calibrated.

    Attributes
    ----------
    name : str
    n_losses : int
        Losses above the threshold in the window (of this category).
    n_years : int
        Years in the window.
    rate : float
        Expected annual count used: the trend's prediction for ``projection_year``, or the
        window's mean.
    rate_se, log_rate_se : float
        Standard errors of ``rate`` and of ``log(rate)``.
    mean_rate : float
        The window's mean annual count.
    trend, trend_se, trend_pvalue : float or None
        Fitted change in the log rate per year, its standard error and the Wald p-value;
        ``None`` where no trend was fitted.
    trend_used : bool
        Whether ``rate`` carries the trend.
    projection_year : int
    family : str
        The severity family (public name).
    selection : str
        Why this family: the rule's outcome, or "chosen by the user".
    severity_fit : SeverityFit
        The fit (of the pooled losses where ``pooled_severity``).
    pooled_severity : bool
    cap : float or None
        Per-loss cap (USD).
    severity : Severity
        The simulated severity: truncated at the threshold, capped.
    """

    name: str
    n_losses: int
    n_years: int
    rate: float
    rate_se: float
    severity_fit: Any
    pooled_severity: bool
    severity: Severity = field(repr=False)
    family: str = "lognormal"
    selection: str = ""
    log_rate_se: float = math.nan
    mean_rate: float = math.nan
    trend: float | None = None
    trend_se: float | None = None
    trend_pvalue: float | None = None
    trend_used: bool = False
    projection_year: int | None = None
    cap: float | None = None

    @property
    def expected_loss(self) -> float:
        """E[N] E[X] of the category (X: the simulated severity, truncated and capped)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InfiniteMomentWarning)
            return self.rate * float(self.severity.mean())

    def params_text(self) -> str:
        """The severity parameters as ``name=value`` text."""
        return ", ".join(f"{k}={v:.4g}" for k, v in self.severity_fit.params.items())


@dataclass(frozen=True)
class IndustryCalibration:
    """Result of :func:`calibrate_industry`: the model and how each part was obtained.

    Attributes
    ----------
    model : LossModel
        The model every command simulates.
    categories : dict
        Category name -> :class:`CategoryCalibration`.
    threshold : float
    since, until : int
        The window.
    counts : pandas.DataFrame
        Annual counts above the threshold.
    annual_totals : pandas.Series
        Total loss above the threshold per year of the window (all categories).
    source : str
        The data: ``"bundled exchange incidents"`` or the user's file.
    cap_source : str
        Where the per-loss cap comes from.
    selections : dict
        Category (or ``"pooled"``) -> :class:`~riskmodel.fit.SeveritySelection` where the
        rule chose the family.
    """

    model: LossModel
    categories: dict[str, CategoryCalibration]
    threshold: float
    since: int
    until: int
    counts: pd.DataFrame = field(repr=False)
    annual_totals: pd.Series | None = field(default=None, repr=False)
    source: str = "bundled exchange incidents"
    cap_source: str = ""
    selections: dict[str, SeveritySelection] = field(default_factory=dict, repr=False)
    data_sha256: str | None = None

    @property
    def n_unknown_amount(self) -> int:
        """Incidents in the window whose amount is unknown (not counted, not fitted)."""
        return int(self.counts.attrs.get("n_unknown_amount", 0))

    @property
    def bundled(self) -> bool:
        """Whether the data are the bundled incidents."""
        return self.source == "bundled exchange incidents"

    @property
    def data_label(self) -> str:
        """How headings name the data: the industry sample, or the user's data."""
        if self.bundled:
            return "the industry sample"
        return "your data" if self.source == "your data" else f"your data ({self.source})"

    @property
    def largest_annual_total(self) -> tuple[float, int | None]:
        """(largest annual total loss in the window, its year)."""
        t = self.annual_totals
        if t is None or t.empty:
            return math.nan, None
        return float(t.max()), int(t.idxmax())

    def table(self) -> pd.DataFrame:
        """One row per category: losses, rate, trend, family, parameters, cap, E[annual loss]."""
        rows = []
        for c in self.categories.values():
            rows.append(
                {
                    "category": c.name,
                    "n_losses": c.n_losses,
                    "rate_per_year": c.rate,
                    "rate_se": c.rate_se,
                    "trend": c.trend if c.trend_used else 0.0,
                    "family": c.family,
                    "params": c.params_text(),
                    "severity": "pooled" if c.pooled_severity else "own",
                    "cap": c.cap if c.cap is not None else math.inf,
                    "expected_annual_loss": c.expected_loss,
                }
            )
        return pd.DataFrame(rows).set_index("category")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record of the calibration."""
        cats = []
        for c in self.categories.values():
            cats.append(
                {
                    "category": c.name,
                    "n_losses": c.n_losses,
                    "rate_per_year": c.rate,
                    "rate_se": c.rate_se,
                    "mean_rate": c.mean_rate,
                    "trend": c.trend,
                    "trend_se": c.trend_se,
                    "trend_pvalue": c.trend_pvalue,
                    "trend_used": c.trend_used,
                    "projection_year": c.projection_year,
                    "family": c.family,
                    "params": dict(c.severity_fit.params),
                    "se": dict(c.severity_fit.se),
                    "selection": c.selection,
                    "severity": "pooled" if c.pooled_severity else "own",
                    "cap": c.cap,
                    "expected_annual_loss": c.expected_loss,
                }
            )
        big, year = self.largest_annual_total
        return {
            "data": self.source,
            "threshold": self.threshold,
            "window": [self.since, self.until],
            "n_unknown_amount": self.n_unknown_amount,
            "cap_source": self.cap_source,
            "largest_annual_total": {"usd": big, "year": year},
            "categories": cats,
            "counts": {str(y): row for y, row in self.counts.to_dict(orient="index").items()},
        }

    def spec(self) -> ModelSpec:
        """The calibration as a :class:`~riskmodel.spec.ModelSpec` (to save, edit, reload)."""
        from .spec import ModelSpec

        return ModelSpec.from_calibration(self)

    def assumptions(self) -> list[str]:
        """The model in a few plain sentences: families, rates, trend, cap and window."""
        out = [
            f"Data: {self.source}, losses >= USD {self.threshold:,.0f} in "
            f"{self.since}-{self.until}; severities left-truncated at the threshold."
        ]
        for c in self.categories.values():
            rate = f"Poisson rate {c.rate:.3g}/yr"
            if c.trend_used:
                p = "" if c.trend_pvalue is None else f", p = {c.trend_pvalue:.3f}"
                rate += (
                    f" ({math.expm1(c.trend or 0.0):+.1%}/yr log-linear trend{p}, projected to "
                    f"{c.projection_year})"
                )
            sev = f"{c.family} ({c.params_text()})"
            sev += " fitted to all categories pooled" if c.pooled_severity else ""
            out.append(f"{c.name}: {c.n_losses} losses; {rate}; severity {sev}.")
        caps = {c.cap for c in self.categories.values()}
        if caps == {None}:
            out.append("No per-loss cap: single losses are not limited.")
        elif len(caps) == 1:
            out.append(f"Every loss is capped at USD {caps.pop():,.0f}: {self.cap_source}.")
        else:
            text = ", ".join(
                f"{c.name} USD {c.cap:,.0f}" if c.cap is not None else f"{c.name} none"
                for c in self.categories.values()
            )
            out.append(f"Per-loss cap: {text}; {self.cap_source}.")
        drawn = set(self.model.uncertainty or {})
        known = [n for n in self.categories if n not in drawn]
        dep = "independent" if self.model.dependence is None else "dependent (copula)"
        text = f"Categories are {dep}. "
        if not known:
            text += "The interval redraws every category's parameters."
        else:
            text += (
                f"Parameters of {', '.join(known)} are taken as known (no covariance or no "
                "losses): the interval does not carry their uncertainty."
            )
        out.append(text)
        return out

    def extrapolation(self, result: ReserveResult) -> str | None:
        """One plain sentence when the reserve extrapolates far beyond the data, else None.

        Said when the reserve exceeds :data:`EXTRAPOLATION_MULTIPLE` times the largest annual
        total observed, or when more than :data:`EXTRAPOLATION_SHARE` of it is allocated to a
        category whose severity was fitted on fewer than :data:`EXTRAPOLATION_MIN_LOSSES`
        losses.
        """
        return extrapolation_note(
            result.reserve,
            result.allocation,
            {n: c.severity_fit.n_obs for n, c in self.categories.items()},
            self.largest_annual_total,
        )


def extrapolation_note(
    reserve: float,
    allocation: dict[str, float],
    n_fitted: dict[str, int],
    largest: tuple[float, int | None],
) -> str | None:
    """The extrapolation sentence of :meth:`IndustryCalibration.extrapolation` (or None).

    ``n_fitted`` gives the losses each category's severity was fitted on; ``largest`` the
    largest annual total in the data and its year.
    """
    parts = []
    big, year = largest
    usd = _usd(big)
    if math.isfinite(big) and big > 0 and reserve > EXTRAPOLATION_MULTIPLE * big:
        parts.append(
            f"the reserve is {reserve / big:.0f} times the largest annual total in the data "
            f"({usd} in {year})"
        )
    total = sum(v for v in allocation.values() if math.isfinite(v))
    if total > 0:
        for name, v in allocation.items():
            n = n_fitted.get(name)
            if n is not None and n < EXTRAPOLATION_MIN_LOSSES and v / total > EXTRAPOLATION_SHARE:
                parts.append(f"{v / total:.0%} of it comes from {name}, fitted on {n} losses")
    if not parts:
        return None
    body = "; ".join(parts)
    if math.isfinite(big) and big > 0 and not parts[0].startswith("the reserve is"):
        body += f" (largest annual total in the data {usd} in {year})"
    return (
        f"Extrapolation: {body}. The number rests on the fitted tail far beyond the data; "
        "read it with its interval and test other families and caps."
    )


def _usd(x: float) -> str:
    """USD amount in words a reader scans: bn, M, or plain."""
    if not math.isfinite(x):
        return f"USD {x}"
    if abs(x) >= 1e9:
        return f"USD {x / 1e9:,.1f}bn"
    if abs(x) >= 1e6:
        return f"USD {x / 1e6:,.1f}M"
    return f"USD {x:,.0f}"


def _frequency(
    y: pd.Series, trend: bool | str, projection_year: int
) -> tuple[float, float, float | None, float | None, float | None, bool]:
    """(rate, log_rate_se, trend, trend_se, trend_pvalue, used) from annual counts ``y``."""
    from .fit import fit_frequency

    total = float(y.sum())
    n = len(y)
    mean = total / n
    flat_se = 1.0 / math.sqrt(total) if total > 0 else math.inf
    if trend is False or (trend == "auto" and total < MIN_TREND_EVENTS) or total < 2:
        return mean, flat_se, None, None, None, False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = fit_frequency(y, family="poisson", trend="linear")
    b, se = float(fit.params["trend"]), float(fit.se["trend"])
    p = float(2 * stats.norm.sf(abs(b / se))) if se > 0 else math.nan
    use = trend is True or (fit.converged and p < TREND_LEVEL)
    if not use:
        return mean, flat_se, b, se, p, False
    row = fit._row(projection_year, None)
    log_rate = float(row @ fit._beta())
    log_se = float(math.sqrt(max(row @ fit.cov @ row, 0.0)))
    return math.exp(log_rate), log_se, b, se, p, True


def _per_category(value: Any, cats: list[str], what: str) -> dict[str, Any]:
    """A scalar or a {category: value} mapping -> a value per category (errors name ``what``)."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(cats))
        if unknown:
            raise ValueError(
                f"{what}: unknown categor{'y' if len(unknown) == 1 else 'ies'} {unknown}; the "
                f"data have {cats}"
            )
        return {c: value.get(c, _UNSET) for c in cats}
    return dict.fromkeys(cats, value)


_UNSET = object()


def _fit_severity(
    x: np.ndarray, family: str | None, threshold: float, rng: Any
) -> tuple[Any, str, SeveritySelection | None, str]:
    """(fit, family name, selection or None, reason) for losses ``x``."""
    if family is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", InfiniteMomentWarning)
            sel = select_severity(x, truncation=threshold, rng=rng)
        return sel.fit, sel.family, sel, sel.reason
    from .severity import get_family

    cls = get_family(family)  # unknown names raise, listing the known ones
    fit = fit_severity(x, cls, truncation=threshold)
    spec = getattr(cls, "spec", None)
    name = spec.name if spec is not None else family
    return fit, name, None, "chosen by the user"


def calibrate_industry(
    incidents: pd.DataFrame | None = None,
    *,
    threshold: float = 1e6,
    since: int | None = None,
    until: int | None = None,
    min_losses: int = 5,
    severity: str | dict[str, str] | None = None,
    cap: float | dict[str, float | None] | None = DEFAULT_CAP_USD,
    cap_source: str | None = None,
    trend: bool | str = "auto",
    projection_year: int | None = None,
    source: str | None = None,
    data_sha256: str | None = None,
    rng: Any = 2026,
) -> IndustryCalibration:
    """Fit a severity and a frequency per category and build the LossModel to simulate.

    Parameters
    ----------
    incidents : DataFrame, optional
        Columns ``date``, ``category``, ``amount_usd`` (as from
        :func:`riskmodel.data.load_incidents` or :func:`riskmodel.data.read_losses`); default:
        the bundled exchange incidents. Any category names.
    threshold : float
        Reporting threshold in USD: only losses >= threshold are used, and the severity is
        left-truncated there. Default USD 1M.
    since, until : int, optional
        First and last calendar year of the window (inclusive). Default: the data's first
        and last year; on the bundled incidents :data:`BUNDLED_SINCE` (2014) to the last.
    min_losses : int
        Fewest losses for a category's own severity fit; below it the pooled severity is used.
    severity : str or dict, optional
        Severity family for every category, or ``{category: family}``; default (and for
        categories not named): the family the selection rule chooses
        (:func:`riskmodel.fit.select_severity`).
    cap : float, dict or None
        Per-loss cap in USD for every category, or ``{category: cap}`` (``None``: no cap).
        Default :data:`DEFAULT_CAP_USD`.
    cap_source : str, optional
        Where the cap comes from (stated with the result); default
        :data:`DEFAULT_CAP_SOURCE` for the default cap, "set by the user" otherwise.
    trend : {"auto", True, False}
        Frequency trend: ``"auto"`` fits it where a category has at least
        :data:`MIN_TREND_EVENTS` events and uses it when significant at 5%; ``True`` always
        uses it (at least two events), ``False`` never.
    projection_year : int, optional
        Year whose rate is simulated when a trend is used; default ``until + 1``.
    source : str, optional
        Name of the data in headings (default: the bundled incidents, or "your data").
    data_sha256 : str, optional
        SHA-256 of the data file, recorded with the model (computed for the bundled data).
    rng : int or SeedSequence
        Seed of the goodness-of-fit bootstrap of the selection rule.

    Returns
    -------
    IndustryCalibration

    Examples
    --------
    >>> cal = calibrate_industry()
    >>> sorted(cal.model.names)
    ['fraud', 'hack', 'operational']
    >>> cal.categories["hack"].cap
    100000000000.0
    """
    from .data import annual_counts, load_incidents

    bundled = incidents is None or incidents.attrs.get("riskmodel_source") == "bundled"
    if incidents is None:
        incidents = load_incidents()
    if source is None:
        source = "bundled exchange incidents" if bundled else "your data"
    if data_sha256 is None and bundled:
        data_sha256 = _bundled_sha256()
    if not (threshold > 0 and math.isfinite(threshold)):
        raise ValueError(f"threshold: must be a positive number of USD, got {threshold}")
    if trend not in ("auto", True, False):
        raise ValueError(f"trend: expected 'auto', True or False, got {trend!r}")
    if since is None and bundled:
        since = BUNDLED_SINCE
    # incidents without an amount cannot be compared with the threshold: they are left out of
    # the counts and reported (n_unknown_amount), never dropped silently
    counts = annual_counts(
        incidents, threshold=threshold, since=since, until=until, unknown_amount="ignore"
    )
    years = counts.index
    lo, hi = int(years.min()), int(years.max())
    proj = hi + 1 if projection_year is None else int(projection_year)
    if proj < lo:
        raise ValueError(f"projection_year: {proj} is before the window {lo}-{hi}")
    year = pd.to_datetime(incidents["date"]).dt.year
    amount = incidents["amount_usd"].to_numpy(dtype=float)
    in_window = (year >= lo).to_numpy() & (year <= hi).to_numpy() & (amount >= threshold)
    cats = [str(c) for c in counts.columns]
    cat_col = incidents["category"].astype(str).to_numpy()
    losses = {c: amount[in_window & (cat_col == c)] for c in cats}
    totals = (
        pd.Series(amount[in_window], index=year[in_window].to_numpy())
        .groupby(level=0)
        .sum()
        .reindex(years, fill_value=0.0)
    )
    pooled_x = np.concatenate([losses[c] for c in cats])
    if pooled_x.size < min_losses:
        raise ValueError(
            f"only {pooled_x.size} losses >= {threshold:,.0f} USD in {lo}-{hi}: too few to fit; "
            "lower the threshold or widen the window"
        )
    families = _per_category(severity, cats, "severity")
    caps = _per_category(cap, cats, "cap")
    for c, v in caps.items():
        if v is _UNSET:
            caps[c] = DEFAULT_CAP_USD
        elif v is not None and not (v > threshold and math.isfinite(v)):
            raise ValueError(
                f"cap of {c}: must be a finite number of USD above the threshold "
                f"({threshold:,.0f}), got {v}"
            )
    if cap_source is None:
        default = all(v == DEFAULT_CAP_USD for v in caps.values())
        cap_source = DEFAULT_CAP_SOURCE if default else "cap set by the user"
    pooled: dict[str | None, tuple] = {}
    selections: dict[str, SeveritySelection] = {}
    out: dict[str, CategoryCalibration] = {}
    model_cats, uncertainty = {}, {}
    n_years = len(years)
    for c in cats:
        x = losses[c]
        fam = families[c] if families[c] is not _UNSET else None
        own = x.size >= min_losses
        if own:
            fit, name, sel, reason = _fit_severity(x, fam, threshold, rng)
            if sel is not None:
                selections[c] = sel
        else:
            if fam not in pooled:
                pooled[fam] = _fit_severity(pooled_x, fam, threshold, rng)
                if pooled[fam][2] is not None:
                    selections["pooled"] = pooled[fam][2]
            fit, name, _, reason = pooled[fam]
        rate, log_se, b, b_se, p, used = _frequency(counts[c], trend, proj)
        sev = fit.dist.truncated(lower=threshold)
        if caps[c] is not None:
            sev = sev.capped(caps[c])
        total = float(counts[c].sum())
        out[c] = CategoryCalibration(
            name=c,
            n_losses=int(x.size),
            n_years=n_years,
            rate=rate,
            rate_se=rate * log_se if math.isfinite(log_se) else 0.0,
            severity_fit=fit,
            pooled_severity=not own,
            severity=sev,
            family=name,
            selection=reason,
            log_rate_se=log_se,
            mean_rate=total / n_years,
            trend=b,
            trend_se=b_se,
            trend_pvalue=p,
            trend_used=used,
            projection_year=proj,
            cap=caps[c],
        )
        model_cats[c] = (Poisson(rate), sev)
        if total > 0 and isinstance(fit, SeverityFit):
            uncertainty[c] = FittedCategory(
                fit, rate=rate, log_rate_se=log_se, truncation=threshold, cap=caps[c]
            )
    return IndustryCalibration(
        model=LossModel(model_cats, uncertainty=uncertainty),
        categories=out,
        threshold=float(threshold),
        since=lo,
        until=hi,
        counts=counts,
        annual_totals=totals,
        source=source,
        cap_source=cap_source,
        selections=selections,
        data_sha256=data_sha256,
    )


def _bundled_sha256() -> str:
    from importlib import resources

    from .data._input import file_sha256

    with resources.as_file(resources.files("riskmodel.data").joinpath("incidents.csv")) as p:
        return file_sha256(p)
