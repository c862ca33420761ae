"""LossModel: named loss categories, each a frequency and a severity."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._errors import InfiniteMomentWarning
from .severity import Severity

__all__ = ["LossModel"]


@dataclass(frozen=True)
class LossModel:
    """Annual losses by category: each category a compound (frequency, severity) pair.

    Parameters
    ----------
    categories : mapping of str to (frequency, severity)
        E.g. ``{"hack": (Poisson(3.1), LogNormal(16, 2.4).truncated(lower=1e6))}``. The
        frequency counts the events the severity describes: if the severity is truncated at a
        reporting threshold, the frequency must count events above that threshold.
    dependence : GaussianCopula, StudentTCopula, CommonShock, (copula, shock) tuple, or None
        Dependence between categories (:mod:`riskmodel.dependence`); ``None`` means independent
        categories. A copula's correlation matrix is in the order of ``categories``.
    uncertainty : mapping of str to FittedCategory, optional
        For the categories whose parameters were estimated, the sampling distribution of the
        estimates (:class:`riskmodel.uncertainty.FittedCategory`, or any object with
        ``draw(rng) -> (frequency, severity)``), used by
        ``simulate(..., parameter_uncertainty=True)``.

    Examples
    --------
    >>> from riskmodel.frequency import Poisson
    >>> from riskmodel.severity import LogNormal
    >>> m = LossModel({"hack": (Poisson(2.0), LogNormal(15.0, 2.0))})
    >>> m.names
    ('hack',)
    """

    categories: Mapping[str, tuple[Any, Severity]]
    dependence: Any = None
    uncertainty: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.categories, Mapping) or not self.categories:
            raise ValueError(
                "LossModel: categories must be a non-empty mapping name -> (freq, sev)"
            )
        cats = {}
        for name, pair in self.categories.items():
            if not isinstance(name, str) or not name:
                raise ValueError(f"LossModel: category names must be non-empty strings: {name!r}")
            try:
                freq, sev = pair
            except (TypeError, ValueError):
                raise ValueError(
                    f"LossModel: category {name!r} must be a (frequency, severity) pair"
                ) from None
            if not isinstance(sev, Severity):
                raise TypeError(f"LossModel: severity of {name!r} is not a Severity: {sev!r}")
            if not (hasattr(freq, "sample") and hasattr(freq, "mean")):
                raise TypeError(
                    f"LossModel: frequency of {name!r} is not a frequency object: {freq!r}"
                )
            cats[name] = (freq, sev)
        object.__setattr__(self, "categories", cats)
        if self.uncertainty is not None:
            unc = dict(self.uncertainty)
            for name, drawer in unc.items():
                if name not in cats:
                    raise ValueError(f"LossModel: uncertainty names unknown category {name!r}")
                if not callable(getattr(drawer, "draw", None)):
                    raise TypeError(
                        f"LossModel: uncertainty[{name!r}] has no draw(rng) method: {drawer!r}"
                    )
            object.__setattr__(self, "uncertainty", unc)
        copula, shock = _split_dependence(self.dependence)
        if copula is not None and copula.corr.shape[0] != len(cats):
            raise ValueError(
                f"LossModel: the copula correlation is {copula.corr.shape[0]}x"
                f"{copula.corr.shape[0]} but the model has {len(cats)} categories"
            )
        if shock is not None:
            unknown = set(shock.affects) - set(cats)
            if unknown:
                raise ValueError(
                    f"LossModel: the common shock names unknown categories {sorted(unknown)}"
                )

    @property
    def copula(self):
        """The copula on annual counts, or ``None``."""
        return _split_dependence(self.dependence)[0]

    @property
    def shock(self):
        """The common shock, or ``None``."""
        return _split_dependence(self.dependence)[1]

    @property
    def names(self) -> tuple[str, ...]:
        """Category names, in order."""
        return tuple(self.categories)

    def _shock_rate(self, name: str) -> float:
        return self.shock.extra_rate(name) if self.shock is not None else 0.0

    def expected_counts(self) -> dict[str, float]:
        """E[N] per category, common-shock losses included."""
        return {
            n: float(_mean_of(f)) + self._shock_rate(n) for n, (f, _) in self.categories.items()
        }

    def expected_loss(self) -> dict[str, float]:
        """E[S] = E[N] E[X] per category (``inf`` if a severity mean is infinite).

        A category whose expected count is 0 never has a loss: its E[S] is 0 whatever the
        severity (not ``0 * inf = nan``).
        """
        counts = self.expected_counts()
        out = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InfiniteMomentWarning)
            for name, (_, s) in self.categories.items():
                out[name] = counts[name] * s.mean() if counts[name] > 0 else 0.0
        return out

    def variance(self) -> dict[str, float]:
        """Var[S] = E[N] Var[X] + Var[N] E[X]^2 per category (``inf`` where it does not exist).

        Shock losses in a category form an independent compound Poisson part with the
        category's severity, adding ``rate_c E[X^2]``.
        """
        out = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InfiniteMomentWarning)
            for name, (f, s) in self.categories.items():
                m, v = s.mean(), s.var()
                en = float(_mean_of(f)) + self._shock_rate(name)
                vn = float(f.var()) + self._shock_rate(name)
                if en == 0 and vn == 0:  # no losses at all, whatever the severity
                    out[name] = 0.0
                else:
                    out[name] = en * v + vn * m * m if math.isfinite(v) else math.inf
        return out

    def total_variance(self) -> float:
        """Var of the total annual loss: exact for independence and common shocks, ``nan``
        under a copula (whose covariances have no closed form)."""
        if self.copula is not None:
            return math.nan
        total = sum(self.variance().values())
        if self.shock is not None:
            names = self.names
            means = {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", InfiniteMomentWarning)
                for n in names:
                    means[n] = self.categories[n][1].mean()
            for i, a in enumerate(names):
                for b in names[i + 1 :]:
                    pa, pb = self.shock.affects.get(a, 0.0), self.shock.affects.get(b, 0.0)
                    total += 2 * self.shock.rate * pa * pb * means[a] * means[b]
        return total


def _split_dependence(dep):
    """(copula, shock) from a dependence argument."""
    from .dependence import CommonShock, GaussianCopula

    if dep is None:
        return None, None
    items = dep if isinstance(dep, tuple) else (dep,)
    copula = shock = None
    for item in items:
        if isinstance(item, GaussianCopula) and copula is None:
            copula = item
        elif isinstance(item, CommonShock) and shock is None:
            shock = item
        else:
            raise TypeError(
                "LossModel: dependence must be a copula, a CommonShock, or a tuple of one of "
                f"each; got {item!r}"
            )
    return copula, shock


def _mean_of(freq) -> float:
    m = freq.mean
    return m() if callable(m) else m
