"""The exchange profile and how it becomes a LossModel."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._errors import DataError
from ..credibility import poisson_gamma
from ..data import CATEGORIES
from ..exposure import scale_rate
from ..frequency import Poisson
from ..insurance import InsuranceProgram, Layer
from ..model import LossModel
from ..uncertainty import FittedCategory

__all__ = ["EXAMPLE_PROFILES", "ExchangeProfile", "HistoryYear"]

#: bundled example profiles (file names under ``riskmodel/profiles``)
EXAMPLE_PROFILES = ("example_jp_midsize.toml",)

_TREATMENTS = ("cap", "truncate")
#: amount fields of ExchangeProfile checked >= 0 (True: > 0)
_AMOUNTS = (
    ("usd_per_unit", True),
    ("usd_per_eur", True),
    ("trading_volume", True),
    ("industry_volume_usd", True),
    ("beta", False),
    ("prior_cv", True),
    ("assets_under_custody", True),
    ("history_threshold_usd", True),
    ("fixed_overheads", False),
    ("business_indicator", False),
    ("volume_rate", False),
    ("volume_floor", False),
    ("volume_cap", False),
)


class _FieldError(ValueError):
    """A bad value of one dataclass field (``index``: position in a sequence field)."""

    def __init__(self, field_name: str, message: str, index: int | None = None) -> None:
        self.field_name, self.index = field_name, index
        super().__init__(f"{field_name}: {message}")


#: Largest amount (in the profile's currency) and yearly loss count a profile accepts: far
#: above any exchange's, and small enough that sums and products of them cannot overflow
MAX_AMOUNT, MAX_COUNT = 1e21, 10**6
#: fields with a narrower range than (0, MAX_AMOUNT]: exchange rates and the prior's
#: coefficient of variation (``1 / prior_cv**2`` must neither overflow nor divide by zero)
_RANGES = {"usd_per_unit": (1e-12, 1e12), "usd_per_eur": (1e-12, 1e12), "prior_cv": (1e-3, 1e3)}


def _number(value: Any, name: str, *, low: float, strict: bool = False, inf: bool = False):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise _FieldError(name, f"must be a number, got {value!r}")
    try:
        x = float(value)
    except OverflowError:  # a Python int beyond float range
        raise _FieldError(name, f"must be at most {MAX_AMOUNT:g}, got {value!r}") from None
    ok = (x > low if strict else x >= low) and (math.isfinite(x) or (inf and x == math.inf))
    if not ok:
        rel = ">" if strict else ">="
        raise _FieldError(name, f"must be {'' if inf else 'finite and '}{rel} {low:g}, got {x:g}")
    lo, hi = _RANGES.get(name, (low, MAX_AMOUNT))
    if not lo <= x <= hi and not (inf and x == math.inf):
        raise _FieldError(name, f"must lie in [{lo:g}, {hi:g}], got {x:g}")
    return x


@dataclass(frozen=True)
class HistoryYear:
    """One year of an exchange's own loss experience.

    Parameters
    ----------
    year : int
        Calendar year.
    counts : mapping of str to int
        Number of losses at or above the profile's ``history_threshold_usd`` per category.
    volume : float, optional
        Trading volume of that year in the profile's currency; default: the current one.
    losses : float, optional
        Total losses of any size that year in the profile's currency (used only by the Basel
        loss component).
    """

    year: int
    counts: Mapping[str, int]
    volume: float | None = None
    losses: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, (int, np.integer)):
            raise _FieldError("year", f"must be a whole number, got {self.year!r}")
        if not 1990 <= int(self.year) <= 2200:
            raise _FieldError("year", f"must lie in 1990-2200, got {self.year}")
        counts = dict(self.counts)
        for cat, n in counts.items():
            if cat not in CATEGORIES:
                raise _FieldError(cat, f"unknown category; known: {', '.join(CATEGORIES)}")
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
                raise _FieldError(cat, f"must be a whole number >= 0, got {n!r}")
            if n > MAX_COUNT:
                raise _FieldError(cat, f"must be at most {MAX_COUNT:,} losses a year, got {n!r}")
        object.__setattr__(self, "year", int(self.year))
        object.__setattr__(self, "counts", {k: int(v) for k, v in counts.items()})
        if self.volume is not None:
            object.__setattr__(self, "volume", _number(self.volume, "volume", low=0, strict=True))
        if self.losses is not None:
            object.__setattr__(self, "losses", _number(self.losses, "losses", low=0))


@dataclass(frozen=True)
class ExchangeProfile:
    r"""One exchange: what the industry model needs to become its loss model.

    Money amounts are in ``currency`` (converted to USD, the model's currency, at
    ``usd_per_unit``) unless the name ends in ``_usd``.

    Parameters
    ----------
    name : str
    trading_volume : float
        The exchange's annual trading volume (> 0).
    industry_volume_usd : float
        Global annual trading volume of centralized exchanges on the same basis (spot, or
        spot plus derivatives) as ``trading_volume``, averaged over the calibration window,
        in USD: the denominator of the volume share. Required, because the industry
        frequency of :func:`~riskmodel.calibrate.calibrate_industry` counts incidents at
        exchanges worldwide.
    industry_volume_source : str
        Where ``industry_volume_usd`` comes from (it is an assumption: say whose).
    currency : str, default "USD"
        ISO code of the profile's amounts.
    usd_per_unit : float, default 1.0
        USD per unit of ``currency`` (required unless the currency is USD).
    usd_per_eur : float, optional
        USD per EUR: needed by the MiCA and Basel formulas, whose thresholds are in EUR.
    fx_source : str, optional
        Where the exchange rates come from.
    beta : float, default 1.0
        Volume elasticity of the loss frequency (1: proportional to volume, as the Japanese
        regulator proposes).
    volume_year : int, optional
        Year of ``trading_volume``.
    volume_basis : str, optional
        What the volumes count (``"spot"``...), for the record.
    assets_under_custody : float, optional
        Customer assets held; no single loss exceeds it. Default: no limit.
    custody_treatment : {"cap", "truncate"}, default "cap"
        ``"cap"``: a loss that would exceed the assets takes all of them
        (``min(X, assets)``, a point mass at the assets). ``"truncate"``: losses are the
        industry's conditioned on not exceeding the assets. See Notes.
    prior_cv : float, default 1.0
        Coefficient of variation of exchanges' true loss rates around the volume-scaled
        industry rate: the spread of the gamma prior of the credibility blend.
    history : sequence of HistoryYear
        The exchange's own experience, one entry per year.
    history_threshold_usd : float, optional
        The history counts losses at or above this amount; must equal the calibration's
        reporting threshold. Required with a history.
    layers : sequence of Layer
        Insurance programme, amounts in ``currency``.
    mica_class, fixed_overheads, business_indicator : optional
        Inputs of the MiCA Art. 67 (service class 1-3, prior-year fixed overheads) and
        Basel (business indicator) standard formulas, amounts in ``currency``.
    volume_rate, volume_floor, volume_cap : float, optional
        Terms of the volume-based reserve (default: the placeholder rate, no floor or cap).
    description : str, optional
    model : str, optional
        A model file (:func:`riskmodel.spec.load_model`; a relative path is relative to the
        profile's file) whose industry model the command-line tools scale to this exchange
        instead of calibrating one from the data; ``--model`` overrides it.
    source : str, optional
        File the profile was read from.

    Notes
    -----
    **Frequency.** Per category :math:`c`, the prior rate is the industry rate scaled by the
    volume share, :math:`m_c = \lambda_c (V / V_{ind})^\beta`
    (:func:`~riskmodel.exposure.scale_rate`). With a history, the rate is the Poisson-gamma
    credibility estimate (:func:`~riskmodel.credibility.poisson_gamma`) with prior mean
    :math:`m_c`, prior shape :math:`\alpha = 1/\text{prior\_cv}^2`, counts :math:`n_{c,t}`
    and exposures :math:`e_t = (v_t/V)^\beta` (current-volume years):

    .. math::
        \hat\lambda_c = \frac{\alpha + \sum_t n_{c,t}}{\alpha/m_c + \sum_t e_t}
                      = Z_c \frac{\sum_t n_{c,t}}{\sum_t e_t} + (1 - Z_c)\, m_c,
        \qquad Z_c = \frac{\sum_t e_t}{\sum_t e_t + \alpha/m_c}.

    **Severity.** The industry severity (left-truncated at the reporting threshold), the same
    at every exchange, limited by the assets under custody :math:`A`. The default is the cap
    :math:`\min(X, A)`: losses at crypto exchanges are thefts of what is held, and a theft
    that would have been larger at a larger exchange takes everything here (Mt. Gox, FTX).
    Right truncation, :math:`X \mid X \le A`, is the alternative: it says such events do
    not happen at this exchange and spreads their probability over smaller losses, so it is
    stochastically smaller than the cap and never more conservative.

    **Parameter uncertainty.** Each category carries a
    :class:`~riskmodel.uncertainty.FittedCategory` whose severity is redrawn from the
    industry fit's covariance (then truncated and capped as above) and whose log-rate
    standard deviation combines the posterior spread of the exchange's rate and the sampling
    error of the industry rate: :math:`\sigma^2 = \log(1 + 1/(\alpha + N)) + (1 - Z)^2/n_{ind}`
    (:math:`N` own losses, :math:`n_{ind}` industry losses; :math:`1 - Z` is the elasticity
    of :math:`\hat\lambda` with respect to :math:`m`).

    References
    ----------
    .. [1] Klugman, S. A., Panjer, H. H. and Willmot, G. E., *Loss Models: From Data to
       Decisions*, Wiley: exposure adjustment of frequency, policy limits, credibility.
    .. [2] Bühlmann, H. and Gisler, A. (2005), *A Course in Credibility Theory and its
       Applications*, Springer, section 2.5 (Poisson-gamma).

    Examples
    --------
    >>> p = ExchangeProfile("demo", trading_volume=1e10, industry_volume_usd=7e12,
    ...                     industry_volume_source="assumption", assets_under_custody=5e8)
    >>> round(p.volume_share, 6)
    0.001429
    """

    name: str
    trading_volume: float
    industry_volume_usd: float
    industry_volume_source: str
    currency: str = "USD"
    usd_per_unit: float = 1.0
    usd_per_eur: float | None = None
    fx_source: str | None = None
    beta: float = 1.0
    volume_year: int | None = None
    volume_basis: str | None = None
    assets_under_custody: float | None = None
    custody_treatment: str = "cap"
    prior_cv: float = 1.0
    history: tuple[HistoryYear, ...] = ()
    history_threshold_usd: float | None = None
    layers: tuple[Layer, ...] = ()
    mica_class: int | None = None
    fixed_overheads: float | None = None
    business_indicator: float | None = None
    volume_rate: float | None = None
    volume_floor: float | None = None
    volume_cap: float | None = None
    description: str | None = None
    model: str | None = None
    source: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        put = object.__setattr__
        for name in ("name", "industry_volume_source"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise _FieldError(name, "must be a non-empty string")
        if not (isinstance(self.currency, str) and re.fullmatch(r"[A-Z]{3}", self.currency)):
            raise _FieldError("currency", f"must be a 3-letter ISO code, got {self.currency!r}")
        if self.currency == "EUR" and self.usd_per_eur is None:
            put(self, "usd_per_eur", self.usd_per_unit)
        # amounts: (field, strictly positive); None means "not given" for optional ones
        for name, strict in _AMOUNTS:
            value = getattr(self, name)
            if value is not None:
                put(self, name, _number(value, name, low=0, strict=strict))
        if self.currency == "USD" and self.usd_per_unit != 1.0:
            raise _FieldError("usd_per_unit", f"must be 1 for USD, got {self.usd_per_unit}")
        if self.currency == "EUR" and not math.isclose(self.usd_per_eur, self.usd_per_unit):
            raise _FieldError("usd_per_eur", "must equal usd_per_unit for currency EUR")
        for name, allowed in (("volume_year", None), ("mica_class", (1, 2, 3))):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int)
                or (allowed and value not in allowed)
            ):
                want = "a whole number" if allowed is None else "1, 2 or 3"
                raise _FieldError(name, f"must be {want}, got {value!r}")
        if self.custody_treatment not in _TREATMENTS:
            raise _FieldError(
                "custody_treatment", f"must be 'cap' or 'truncate', got {self.custody_treatment!r}"
            )
        if self.volume_cap is not None and self.volume_cap < (self.volume_floor or 0.0):
            raise _FieldError("volume_cap", "must not be below volume_floor")
        self._check_history()
        layers = tuple(self.layers)
        for i, lay in enumerate(layers):
            if not isinstance(lay, Layer):
                raise _FieldError("layers", f"entry {i} is not a Layer: {lay!r}", index=i)
            unknown = set(lay.categories or ()) - set(CATEGORIES)
            if unknown:
                raise _FieldError("layers", f"unknown categories {sorted(unknown)}", index=i)
        put(self, "layers", layers)

    def _check_history(self) -> None:
        hist = tuple(self.history)
        seen: dict[int, int] = {}
        for i, y in enumerate(hist):
            if not isinstance(y, HistoryYear):
                raise _FieldError("history", f"entry {i} is not a HistoryYear: {y!r}", index=i)
            if y.year in seen:
                msg = f"year {y.year} repeats entry {seen[y.year]}"
                raise _FieldError("history", msg, index=i)
            seen[y.year] = i
        if [y.year for y in hist] != sorted(seen):
            raise _FieldError("history", "years must be in increasing order")
        object.__setattr__(self, "history", hist)
        if hist and self.history_threshold_usd is None:
            raise _FieldError(
                "history_threshold_usd",
                "is required with a history: the counts must be of losses at or above the "
                "industry calibration's reporting threshold",
            )

    # ------------------------------------------------------------------ derived figures
    @property
    def trading_volume_usd(self) -> float:
        """The exchange's annual trading volume in USD."""
        return self.trading_volume * self.usd_per_unit

    @property
    def volume_share(self) -> float:
        """Share of the global volume: ``trading_volume_usd / industry_volume_usd``."""
        return self.trading_volume_usd / self.industry_volume_usd

    @property
    def assets_usd(self) -> float | None:
        """Assets under custody in USD (``None`` without a limit)."""
        if self.assets_under_custody is None:
            return None
        return self.assets_under_custody * self.usd_per_unit

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record of every field (layers and history years as dicts)."""
        return dataclasses.asdict(self)

    def program(self) -> InsuranceProgram | None:
        """The insurance programme in USD (``None`` without layers)."""
        if not self.layers:
            return None
        fx = self.usd_per_unit
        out = []
        for lay in self.layers:
            out.append(
                Layer(
                    attachment=lay.attachment * fx,
                    limit=lay.limit * fx,
                    share=lay.share,
                    per=lay.per,
                    reinstatements=lay.reinstatements,
                    reinstatement_premium=lay.reinstatement_premium,
                    premium=lay.premium * fx,
                    agg_deductible=lay.agg_deductible * fx,
                    agg_limit=None if lay.agg_limit is None else lay.agg_limit * fx,
                    categories=lay.categories,
                )
            )
        return InsuranceProgram(out)

    # ------------------------------------------------------------------ the model
    def _rates(self, calibration) -> dict[str, dict[str, Any]]:
        threshold = float(calibration.threshold)
        if self.history and not math.isclose(self.history_threshold_usd, threshold):
            raise DataError(
                f"the history counts losses >= USD {self.history_threshold_usd:,.0f} but the "
                f"industry calibration counts losses >= USD {threshold:,.0f}: frequency and "
                "severity must describe the same events",
                path=self.source,
                column="history.threshold_usd",
            )
        alpha = 1.0 / self.prior_cv**2
        v_now = self.trading_volume
        exposure = np.array(
            [
                ((y.volume if y.volume is not None else v_now) / v_now) ** self.beta
                for y in self.history
            ]
        )
        out = {}
        for name in calibration.model.names:
            cal = calibration.categories[name]
            prior = scale_rate(
                cal.rate, self.trading_volume_usd, self.industry_volume_usd, self.beta
            )
            counts = []
            for y in self.history:
                if name not in y.counts:
                    raise DataError(
                        f"year {y.year} has no count for category {name!r}",
                        path=self.source,
                        column=f"history.years[{self.history.index(y)}].{name}",
                    )
                counts.append(y.counts[name])
            n_own = float(sum(counts))
            if self.history and prior > 0:
                pg = poisson_gamma(counts, exposure, prior_mean=prior, prior_shape=alpha)
                rate, z = pg.estimate, pg.weight
            else:
                rate, z = prior, 0.0
            n_ind = cal.rate * cal.n_years
            log_var = math.log1p(1.0 / (alpha + n_own))
            if n_ind > 0:
                log_var += (1.0 - z) ** 2 / n_ind
            out[name] = {
                "industry_rate": cal.rate,
                "volume_factor": self.volume_share**self.beta,
                "prior_rate": prior,
                "own_count": n_own,
                "exposure_years": float(exposure.sum()),
                "credibility_weight": z,
                "rate": rate,
                "log_rate_se": math.sqrt(log_var),
            }
        return out

    def _limit(self, sev, threshold: float):
        """The severity truncated at the threshold and limited by the assets."""
        a = self.assets_usd
        if a is None:
            return sev.truncated(lower=threshold)
        if not a > threshold:
            raise DataError(
                f"assets under custody (USD {a:,.0f}) must exceed the reporting threshold "
                f"(USD {threshold:,.0f})",
                path=self.source,
                column="custody.assets",
            )
        if self.custody_treatment == "cap":
            return sev.truncated(lower=threshold).capped(a)
        return sev.truncated(lower=threshold, upper=a)

    def model_path(self) -> str | None:
        """The :attr:`model` file's path (relative paths resolved against the profile's
        folder), or None."""
        if not self.model:
            return None
        import os

        if os.path.isabs(self.model) or not self.source:
            return self.model
        return os.path.join(os.path.dirname(os.path.abspath(self.source)), self.model)

    def rate_table(self, calibration) -> pd.DataFrame:
        """Per category: industry rate, volume factor, credibility blend and the result.

        Parameters
        ----------
        calibration : IndustryCalibration

        Returns
        -------
        pandas.DataFrame
            Columns ``industry_rate``, ``volume_factor``, ``prior_rate`` (scaled),
            ``own_count``, ``exposure_years``, ``credibility_weight``, ``rate``,
            ``log_rate_se`` and ``p_exceeds_assets`` (share of losses the custody limit
            binds on), indexed by category.
        """
        rates = self._rates(calibration)
        a = self.assets_usd
        for name, row in rates.items():
            sev = calibration.categories[name].severity
            row["p_exceeds_assets"] = float(sev.sf(a)) if a is not None else 0.0
        return pd.DataFrame.from_dict(rates, orient="index").rename_axis("category")

    def build_model(self, calibration) -> tuple[LossModel, InsuranceProgram | None, list[str]]:
        """This exchange's LossModel, insurance programme (USD) and the assumptions made.

        Parameters
        ----------
        calibration : IndustryCalibration
            From :func:`riskmodel.calibrate.calibrate_industry`.

        Returns
        -------
        model : LossModel
            Per category a Poisson frequency with the scaled, credibility-weighted rate and
            the industry severity limited by the assets under custody; ``uncertainty``
            holds :class:`~riskmodel.uncertainty.FittedCategory` objects with the same
            truncation and limit, so ``parameter_uncertainty=True`` works.
        program : InsuranceProgram or None
            The layers converted to USD.
        assumptions : list of str
            Plain-English statements of every assumption behind the model.

        Raises
        ------
        DataError
            The history's threshold differs from the calibration's, a history year lacks a
            category of the model, or the assets do not exceed the threshold.

        Notes
        -----
        See the class Notes for the formulas.
        """
        threshold = float(calibration.threshold)
        rates = self._rates(calibration)
        categories, uncertainty = {}, {}
        cal_unc = calibration.model.uncertainty or {}
        a = self.assets_usd
        for name, r in rates.items():
            fit = calibration.categories[name].severity_fit
            categories[name] = (Poisson(r["rate"]), self._limit(fit.dist, threshold))
            if name in cal_unc and r["rate"] > 0:
                kw = {
                    "rate": r["rate"],
                    "log_rate_se": r["log_rate_se"],
                    "truncation": threshold,
                    # a model file's fits redraw by the normal method (no losses to resample)
                    "method": cal_unc[name].method,
                }
                if a is None:
                    uncertainty[name] = FittedCategory(fit, **kw)
                elif self.custody_treatment == "cap":
                    uncertainty[name] = FittedCategory(fit, cap=a, **kw)
                else:
                    uncertainty[name] = _RightTruncatedCategory(fit, upper=a, **kw)
        model = LossModel(categories, uncertainty=uncertainty)
        program = self.program()
        return model, program, self._assumptions(calibration, rates, program)

    def _assumptions(self, calibration, rates, program) -> list[str]:
        t = calibration.threshold
        cur = self.currency
        out = []
        if cur != "USD":
            out.append(
                f"Amounts in {cur} are converted at 1 {cur} = USD {self.usd_per_unit:.6g} "
                f"({self.fx_source or 'source not given'}); the model works in USD."
            )
        basis = f" ({self.volume_basis})" if self.volume_basis else ""
        out.append(
            f"Loss frequencies are the industry's (incidents at exchanges worldwide, "
            f"{calibration.since}-{calibration.until}, losses >= USD {t:,.0f}; Poisson rates "
            f"{_rate_basis(calibration)}) scaled by the exchange's share of global trading "
            f"volume{basis}: USD {self.trading_volume_usd:,.0f} / USD "
            f"{self.industry_volume_usd:,.0f} = {self.volume_share:.4%}, to the power "
            f"beta = {self.beta:g}" + (" (proportional to volume)." if self.beta == 1 else ".")
        )
        out.append(
            f"The global volume USD {self.industry_volume_usd:,.0f} per year is an assumption "
            "that must match the industry rate: the average annual volume of all centralized "
            f"exchanges over the calibration window, on the same basis as the exchange's "
            f"volume. Source: {self.industry_volume_source}."
        )
        if self.history:
            years = [y.year for y in self.history]
            n_default = sum(y.volume is None for y in self.history)
            zs = ", ".join(f"{k} Z = {v['credibility_weight']:.3f}" for k, v in rates.items())
            own = ", ".join(f"{k} {v['own_count']:g}" for k, v in rates.items())
            out.append(
                f"Own history {min(years)}-{max(years)} ({len(years)} years, "
                f"{next(iter(rates.values()))['exposure_years']:.2f} current-volume years of "
                f"exposure; losses >= USD {t:,.0f}: {own}) is blended with the scaled industry "
                "rate by Poisson-gamma credibility, prior coefficient of variation "
                f"{self.prior_cv:g} (a judgement of how much exchanges' true rates differ from "
                f"the volume-scaled industry rate): {zs}."
                + (
                    f" {n_default} year(s) without a stated volume are assumed to have had the "
                    "current volume."
                    if n_default
                    else ""
                )
            )
        else:
            out.append("No own incident history: the rates are the scaled industry rates.")
        fams = ", ".join(f"{k} {c.family}" for k, c in calibration.categories.items())
        out.append(
            f"Loss sizes are the industry's ({fams}; fitted left-truncated at the reporting "
            "threshold) and do not scale with the exchange's volume; categories are "
            "independent."
        )
        a = self.assets_usd
        if a is None:
            out.append("No assets under custody given: single losses are not limited.")
        else:
            p = ", ".join(
                f"{k} {float(calibration.categories[k].severity.sf(a)):.2%}" for k in rates
            )
            how = (
                "capped there (a loss that would exceed them takes all of them)"
                if self.custody_treatment == "cap"
                else "right-truncated there (conditioned not to exceed them)"
            )
            out.append(
                f"No single loss exceeds the assets under custody, {cur} "
                f"{self.assets_under_custody:,.0f} = USD {a:,.0f}: losses are {how}; share "
                f"of industry losses above the assets: {p}."
            )
        if program is not None:
            text = f"Insurance: {len(program.layers)} layer(s) converted to USD; insurers are "
            text += "assumed to pay in full (use CreditRules for a cap or a default haircut)."
            if a is not None:
                idle = [i for i, lay in enumerate(program.occurrence) if lay.attachment >= a]
                if idle:
                    text += f" Occurrence layer(s) {idle} attach above the assets and never pay."
            out.append(text)
        else:
            out.append("No insurance programme.")
        out.append(
            "With parameter_uncertainty=True, each rate is redrawn with log-sd "
            + ", ".join(f"{k} {v['log_rate_se']:.3f}" for k, v in rates.items())
            + " (posterior spread of the exchange's rate plus the industry rate's sampling "
            "error) and each severity from its fitted covariance."
        )
        return out


def _rate_basis(calibration) -> str:
    """How the industry rates were set: mean annual counts, or a trend's projection."""
    trended = [c for c in calibration.categories.values() if getattr(c, "trend_used", False)]
    if not trended:
        return "= mean annual counts, no trend"
    names = ", ".join(c.name for c in trended)
    return f"= mean annual counts, {names} projected to {trended[0].projection_year} by its trend"


@dataclass(frozen=True)
class _RightTruncatedCategory(FittedCategory):
    """A FittedCategory whose severity is also right-truncated at ``upper`` (assets held)."""

    upper: float | None = None

    def _wrap(self, dist):
        return dist.truncated(lower=self.truncation, upper=self.upper)
