"""ModelSpec: the model every command simulates, as data a user can read, write and edit.

A :class:`ModelSpec` states per category the frequency (Poisson or negative binomial, its rate
in the projection year, the trend behind it), the severity (a registered family with its
parameters and their covariance, or a spliced body + tail with the splice point), the
reporting threshold, the per-loss cap with its source, and where the numbers came from (data
source and hash, window, counts); plus the dependence between categories. It is built from a
calibration (:meth:`ModelSpec.from_calibration`), saved to and loaded from TOML
(:meth:`ModelSpec.save`, :func:`load_model`), and turned into the
:class:`~riskmodel.LossModel` that is simulated (:meth:`ModelSpec.to_model`).

Parameter uncertainty from a file: a severity with a covariance is redrawn from the asymptotic
normal distribution of its estimates (on the family's unconstrained scale, the delta method
taking the stated covariance there), the rate from a lognormal with ``log_rate_se``. The
bootstrap, which needs the losses, is only available where the model is fitted from data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..frequency import NegativeBinomial, Poisson
from ..model import LossModel
from ..severity import Severity, Spliced, get_family

if TYPE_CHECKING:
    from ..calibrate import IndustryCalibration

__all__ = ["CategorySpec", "ModelSpec", "SeveritySpec"]

FREQUENCIES = ("poisson", "negative_binomial")

#: largest standard error of a parameter on its unconstrained scale (log scale for a positive
#: parameter: 5 means a factor e**5 = 148 for one standard error) accepted from a covariance
MAX_THETA_SD = 5.0


@dataclass(frozen=True)
class SeveritySpec:
    """A severity: a registered family with its parameters, or a spliced body + tail.

    Parameters
    ----------
    family : str
        Public name of a registered family (``riskmodel.severity.FAMILIES``) or
        ``"spliced"``.
    params : dict
        Every constructor field of the family (fixed ones, such as a Pareto's ``xm``,
        included). Empty for ``"spliced"``.
    free : tuple of str
        The estimated parameters (those ``cov`` refers to).
    cov : tuple of tuples, optional
        Covariance of the estimates of ``free``; ``None`` where unknown (no parameter
        uncertainty for this severity).
    body, tail : SeveritySpec, optional
        For ``"spliced"``: the body (below the splice point; left-truncated at the category's
        reporting threshold) and the tail (above it).
    threshold, weight : float, optional
        For ``"spliced"``: the splice point and the probability of a loss at or below it.
    n_obs : int
        Losses the severity was fitted on (0 where not fitted to data).

    Examples
    --------
    >>> s = SeveritySpec("lognormal", {"mu": 16.0, "sigma": 2.0})
    >>> s.dist()
    LogNormal(mu=16.0, sigma=2.0)
    """

    family: str
    params: dict[str, float] = field(default_factory=dict)
    free: tuple[str, ...] = ()
    cov: tuple[tuple[float, ...], ...] | None = None
    body: SeveritySpec | None = None
    tail: SeveritySpec | None = None
    threshold: float | None = None
    weight: float | None = None
    n_obs: int = 0

    def __post_init__(self) -> None:
        if self.family == "spliced":
            if self.body is None or self.tail is None or self.threshold is None:
                raise ValueError("a spliced severity needs body, tail and threshold")
            return
        cls = get_family(self.family)  # unknown names raise, listing the known ones
        names = {f.name for f in fields(cls)}
        missing = sorted(names - set(self.params))
        unknown = sorted(set(self.params) - names)
        if missing or unknown:
            raise ValueError(
                f"{self.family}: parameters {sorted(names)} expected; missing {missing}, "
                f"unknown {unknown}"
            )
        if set(self.free) - set(self.params):
            raise ValueError(f"{self.family}: free names unknown parameters {self.free}")
        if self.cov is not None:
            c = np.asarray(self.cov, dtype=float)
            if c.shape != (len(self.free), len(self.free)):
                raise ValueError(
                    f"{self.family}: cov must be {len(self.free)}x{len(self.free)} (one row per "
                    f"free parameter {list(self.free)}), got shape {c.shape}"
                )
            scale = max(float(np.max(np.abs(c), initial=0.0)), np.finfo(float).tiny)
            ok = np.all(np.isfinite(c)) and np.allclose(c, c.T, rtol=1e-9, atol=1e-12 * scale)
            if not ok or np.linalg.eigvalsh(0.5 * (c + c.T)).min() < -1e-9 * scale:
                raise ValueError(
                    f"{self.family}: cov must be a symmetric positive semi-definite matrix"
                )

    def dist(self, truncation: float | None = None) -> Severity:
        """The (untruncated, uncapped) distribution; a spliced body is truncated at
        ``truncation``."""
        if self.family == "spliced":
            assert self.body is not None and self.tail is not None
            body = self.body.dist()
            if truncation is not None:
                body = body.truncated(lower=truncation)
            return Spliced(body, self.tail.dist(), self.threshold, self.weight)
        return get_family(self.family)(**self.params)

    @classmethod
    def from_fit(cls, fit: Any, family: str) -> SeveritySpec:
        """The spec of a :class:`~riskmodel.fit.SeverityFit` (or a spliced fit)."""
        dist = fit.dist
        if isinstance(dist, Spliced):
            body = dist.body.base if hasattr(dist.body, "base") else dist.body
            return cls(
                "spliced",
                body=cls(_public(type(body)), _fields(body), tuple(fit.body.params)),
                tail=cls(_public(type(dist.tail)), _fields(dist.tail), ()),
                threshold=float(dist.threshold),
                weight=float(dist.weight),
                n_obs=int(fit.n_obs),
            )
        free = tuple(p for p in fit.params if p not in fit.fixed)
        idx = [list(fit.params).index(p) for p in free]
        cov = np.asarray(fit.cov, dtype=float)[np.ix_(idx, idx)]
        ok = np.all(np.isfinite(cov))
        return cls(
            family,
            _fields(dist),
            free,
            tuple(tuple(float(v) for v in row) for row in cov) if ok else None,
            n_obs=int(fit.n_obs),
        )


def _fields(dist: Severity) -> dict[str, float]:
    return {f.name: float(getattr(dist, f.name)) for f in fields(dist)}


def _public(cls: type) -> str:
    spec = getattr(cls, "spec", None)
    return spec.name if spec is not None else cls.__name__


@dataclass(frozen=True)
class CategorySpec:
    """One loss category of a :class:`ModelSpec`.

    Parameters
    ----------
    name : str
    rate : float
        Expected annual count of losses above ``threshold`` in the projection year.
    severity : SeveritySpec
    threshold : float
        Reporting threshold (USD): the severity is left-truncated there.
    cap : float, optional
        Per-loss cap (USD); ``None`` for none.
    cap_source : str
        Where the cap comes from.
    frequency : {"poisson", "negative_binomial"}
    shape : float, optional
        Negative binomial shape (variance ``rate + rate**2 / shape``).
    log_rate_se : float
        Standard error of ``log(rate)`` (0: the rate is taken as known).
    trend, trend_se : float
        Change in the log rate per year behind ``rate`` (0: no trend), and its error.
    projection_year : int, optional
        The year ``rate`` describes.
    n_losses : int
        Losses of this category in the data.
    pooled : bool
        The severity was fitted to all categories pooled.
    selection : str
        Why this severity family.
    """

    name: str
    rate: float
    severity: SeveritySpec
    threshold: float
    cap: float | None = None
    cap_source: str = ""
    frequency: str = "poisson"
    shape: float | None = None
    log_rate_se: float = 0.0
    trend: float = 0.0
    trend_se: float = 0.0
    projection_year: int | None = None
    n_losses: int = 0
    pooled: bool = False
    selection: str = ""

    def __post_init__(self) -> None:
        where = f"category {self.name!r}"
        if not (math.isfinite(self.rate) and self.rate >= 0):
            raise ValueError(f"{where}: rate must be a finite number >= 0, got {self.rate}")
        if self.frequency not in FREQUENCIES:
            raise ValueError(
                f"{where}: frequency must be one of {FREQUENCIES}, got {self.frequency!r}"
            )
        if self.frequency == "negative_binomial" and not (
            self.shape is not None and self.shape > 0
        ):
            raise ValueError(f"{where}: a negative binomial needs shape > 0")
        if not (self.threshold >= 0 and math.isfinite(self.threshold)):
            raise ValueError(f"{where}: threshold must be a finite number >= 0")
        if self.cap is not None and not (self.cap > self.threshold and math.isfinite(self.cap)):
            raise ValueError(
                f"{where}: cap must be a finite number above the threshold, got {self.cap}"
            )
        if not (self.log_rate_se >= 0):
            raise ValueError(f"{where}: log_rate_se must be >= 0")

    def frequency_dist(self) -> Poisson | NegativeBinomial:
        """The count distribution."""
        if self.frequency == "negative_binomial":
            assert self.shape is not None
            return NegativeBinomial(self.rate, self.shape)
        return Poisson(self.rate)

    def severity_dist(self) -> Severity:
        """The simulated severity: truncated at the threshold, capped."""
        d = self.severity.dist(self.threshold or None)
        if self.threshold > 0 and not isinstance(d, Spliced):
            d = d.truncated(lower=self.threshold)
        if self.cap is not None:
            d = d.capped(self.cap)
        return d

    def drawer(self) -> Any:
        """A parameter-uncertainty drawer (normal method), or None where not available."""
        from ..uncertainty import FittedCategory

        sev = self.severity
        if self.frequency != "poisson" or sev.family == "spliced" or sev.cov is None:
            return None
        if self.rate == 0:
            return None
        return FittedCategory(
            SpecFit.of(sev),
            rate=self.rate,
            log_rate_se=self.log_rate_se,
            truncation=self.threshold or None,
            cap=self.cap,
            method="normal",
        )


@dataclass(frozen=True)
class SpecFit:
    """The estimates of a :class:`SeveritySpec` in the shape parameter draws need.

    ``theta``/``cov_theta`` are the free parameters on the family's unconstrained scale
    (``Severity._to_theta``) and their covariance, from the stated natural-scale covariance by
    the delta method.
    """

    dist: Severity
    family: str
    params: dict[str, float]
    se: dict[str, float]
    fixed: dict[str, float]
    theta: np.ndarray
    cov_theta: np.ndarray
    n_obs: int
    converged: bool = True
    _space: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, sev: SeveritySpec) -> SpecFit:
        """Build from a severity spec (with a covariance)."""
        from ..fit._loglik import Space
        from ..fit._severity import _natural_jacobian

        fam = get_family(sev.family)
        dist = sev.dist()
        fixed = {k: v for k, v in sev.params.items() if k not in sev.free}
        space = Space(fam, fixed, dist)
        free = space.start_free(dist)
        theta = np.asarray(dist._to_theta(), dtype=float)
        cov = (
            np.asarray(sev.cov, dtype=float)
            if sev.cov is not None
            else np.full((len(sev.free),) * 2, np.nan)
        )
        jac = _natural_jacobian(space, free, list(space.free_names))
        order = [sev.free.index(n) for n in space.free_names]
        cov = cov[np.ix_(order, order)]
        jinv = np.linalg.inv(jac)
        cov_theta = np.zeros((theta.size, theta.size))
        cov_theta[np.ix_(space.free, space.free)] = jinv @ cov @ jinv.T
        sd = np.sqrt(np.abs(np.diag(cov_theta)))[space.free]
        for name, v in zip(space.free_names, sd, strict=True):
            if not (math.isfinite(v) and v <= MAX_THETA_SD):
                raise ValueError(
                    f"{sev.family}: cov gives {name} a standard error of {v:.3g} on its "
                    f"unconstrained scale (more than {MAX_THETA_SD:g}): the covariance does "
                    "not fit these parameters; after editing a family or its parameters, "
                    "update or delete its cov"
                )
        se = {n: math.sqrt(cov[i, i]) for i, n in enumerate(space.free_names)}
        return cls(
            dist,
            sev.family,
            {n: float(getattr(dist, n)) for n in fam.param_names},
            se | dict.fromkeys(fixed, 0.0),
            fixed,
            theta,
            cov_theta,
            sev.n_obs,
            True,
            space,
        )

    def with_theta(self, theta) -> Severity:
        """The distribution at a full unconstrained vector (fixed fields kept)."""
        th = np.asarray(theta, dtype=float)
        return self._space.dist(th[self._space.free])


@dataclass(frozen=True)
class ModelSpec:
    """The model to simulate: categories, dependence and where the numbers came from.

    Parameters
    ----------
    categories : dict
        Name -> :class:`CategorySpec`, in simulation order.
    data : dict
        Provenance: ``source``, ``sha256``, ``threshold``, ``window`` ([first, last] year),
        ``n_losses``, ``largest_annual_total`` and its ``largest_annual_total_year``.
    corr : tuple of tuples, optional
        Correlation matrix of a Gaussian copula on the annual counts, in category order;
        ``None``: independent categories.
    description : str

    Examples
    --------
    >>> from riskmodel.calibrate import calibrate_industry
    >>> spec = calibrate_industry().spec()
    >>> spec.categories["hack"].severity.family
    'weibull'
    >>> spec.to_model().names
    ('hack', 'fraud', 'operational')
    """

    categories: dict[str, CategorySpec]
    data: dict[str, Any] = field(default_factory=dict)
    corr: tuple[tuple[float, ...], ...] | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if not self.categories:
            raise ValueError("ModelSpec: at least one category is needed")
        for name, c in self.categories.items():
            if c.name != name:
                raise ValueError(f"ModelSpec: category key {name!r} names {c.name!r}")
        if self.corr is not None:
            c = np.asarray(self.corr, dtype=float)
            k = len(self.categories)
            if c.shape != (k, k):
                raise ValueError(f"ModelSpec: corr must be {k}x{k}, got shape {c.shape}")

    @property
    def names(self) -> tuple[str, ...]:
        """Category names, in order."""
        return tuple(self.categories)

    def to_model(self) -> LossModel:
        """The :class:`~riskmodel.LossModel` to simulate (with parameter-draw objects)."""
        from ..dependence import GaussianCopula

        cats, unc = {}, {}
        for name, c in self.categories.items():
            cats[name] = (c.frequency_dist(), c.severity_dist())
            d = c.drawer()
            if d is not None:
                unc[name] = d
        dep = None if self.corr is None else GaussianCopula(np.asarray(self.corr, dtype=float))
        return LossModel(cats, dependence=dep, uncertainty=unc)

    def with_changes(
        self, *, cap: Any = "keep", cap_source: str | None = None, projection_year=None
    ) -> ModelSpec:
        """A copy with another cap (a number, ``None``, or ``{category: cap}``) or projection.

        Moving the projection year moves each trended rate along its trend:
        ``rate * exp(trend * (new - old))``.
        """
        cats = dict(self.categories)
        for name, c in cats.items():
            kw: dict[str, Any] = {}
            if cap != "keep":
                if isinstance(cap, dict):
                    if name in cap:
                        kw["cap"] = cap[name]
                else:
                    kw["cap"] = cap
                if "cap" in kw:
                    kw["cap_source"] = "" if kw["cap"] is None else cap_source or "set by the user"
            if projection_year is not None and c.projection_year is not None:
                kw["rate"] = c.rate * math.exp(c.trend * (projection_year - c.projection_year))
                kw["projection_year"] = int(projection_year)
            cats[name] = replace(c, **kw)
        if isinstance(cap, dict):
            unknown = sorted(set(cap) - set(cats))
            if unknown:
                raise ValueError(f"cap: unknown categories {unknown}; the model has {list(cats)}")
        return replace(self, categories=cats)

    @classmethod
    def from_calibration(cls, cal: IndustryCalibration) -> ModelSpec:
        """The spec of a calibration: the model it simulates and where it came from."""
        cats = {}
        for name, c in cal.categories.items():
            cats[name] = CategorySpec(
                name=name,
                rate=float(c.rate),
                severity=SeveritySpec.from_fit(c.severity_fit, c.family),
                threshold=float(cal.threshold),
                cap=c.cap,
                cap_source=cal.cap_source if c.cap is not None else "",
                log_rate_se=float(c.log_rate_se) if math.isfinite(c.log_rate_se) else 0.0,
                trend=float(c.trend) if c.trend_used and c.trend is not None else 0.0,
                trend_se=float(c.trend_se) if c.trend_used and c.trend_se is not None else 0.0,
                projection_year=c.projection_year,
                n_losses=int(c.n_losses),
                pooled=bool(c.pooled_severity),
                selection=c.selection,
            )
        big, year = cal.largest_annual_total
        data = {
            "source": cal.source,
            "sha256": cal.data_sha256 or "",
            "threshold": float(cal.threshold),
            "window": [int(cal.since), int(cal.until)],
            "n_losses": int(sum(c.n_losses for c in cal.categories.values())),
            "largest_annual_total": big,
            "largest_annual_total_year": -1 if year is None else int(year),
        }
        return cls(cats, data)

    def calibration(self) -> IndustryCalibration:
        """This spec as an :class:`~riskmodel.calibrate.IndustryCalibration` (for profiles,
        tables and the extrapolation check)."""
        from ..calibrate import CategoryCalibration, IndustryCalibration

        lo, hi = (int(v) for v in self.data.get("window", (0, 0)))
        n_years = max(hi - lo + 1, 1)
        years = pd.Index(range(lo, hi + 1), name="year")
        out = {}
        for name, c in self.categories.items():
            fit = _display_fit(c.severity)
            out[name] = CategoryCalibration(
                name=name,
                n_losses=c.n_losses,
                n_years=n_years,
                rate=c.rate,
                rate_se=c.rate * c.log_rate_se,
                severity_fit=fit,
                pooled_severity=c.pooled,
                severity=c.severity_dist(),
                family=c.severity.family,
                selection=c.selection,
                log_rate_se=c.log_rate_se,
                mean_rate=math.nan,
                trend=c.trend if c.trend else None,
                trend_se=c.trend_se if c.trend else None,
                trend_used=bool(c.trend),
                projection_year=c.projection_year,
                cap=c.cap,
            )
        big = float(self.data.get("largest_annual_total", math.nan))
        year = int(self.data.get("largest_annual_total_year", -1))
        totals = pd.Series([big], index=[year]) if math.isfinite(big) and year >= 0 else None
        first = next(iter(self.categories.values()))
        return IndustryCalibration(
            model=self.to_model(),
            categories=out,
            threshold=float(self.data.get("threshold", first.threshold)),
            since=lo,
            until=hi,
            counts=pd.DataFrame(index=years),
            annual_totals=totals,
            source=str(self.data.get("source", "model file")),
            cap_source=next((c.cap_source for c in self.categories.values() if c.cap_source), ""),
            data_sha256=self.data.get("sha256") or None,
        )

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (the TOML document's structure)."""
        from ._toml import spec_to_dict

        return spec_to_dict(self)

    def save(self, path) -> None:
        """Write the spec as TOML (see :func:`riskmodel.spec.load_model`)."""
        from ._toml import save_model

        save_model(self, path)


@dataclass(frozen=True)
class _DisplayFit:
    """What tables and profiles read from a fit, for a severity given by a spec."""

    dist: Severity
    family: str
    params: dict[str, float]
    se: dict[str, float]
    fixed: dict[str, float]
    n_obs: int
    converged: bool = True


def _display_fit(sev: SeveritySpec) -> Any:
    if sev.family != "spliced" and sev.cov is not None:
        return SpecFit.of(sev)
    params = (
        dict(sev.params)
        if sev.family != "spliced"
        else {f"body_{k}": v for k, v in sev.body.params.items()}  # type: ignore[union-attr]
        | {f"tail_{k}": v for k, v in sev.tail.params.items()}  # type: ignore[union-attr]
        | {"threshold": float(sev.threshold or 0), "weight": float(sev.weight or 0)}
    )
    se = dict.fromkeys(params, math.nan)
    return _DisplayFit(sev.dist(), sev.family, params, se, {}, sev.n_obs)
