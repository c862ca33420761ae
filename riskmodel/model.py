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
    dependence : optional
        Dependence between categories; ``None`` means independent categories.

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

    @property
    def names(self) -> tuple[str, ...]:
        """Category names, in order."""
        return tuple(self.categories)

    def expected_counts(self) -> dict[str, float]:
        """E[N] per category."""
        return {n: float(_mean_of(f)) for n, (f, _) in self.categories.items()}

    def expected_loss(self) -> dict[str, float]:
        """E[S] = E[N] E[X] per category (``inf`` if a severity mean is infinite)."""
        out = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InfiniteMomentWarning)
            for name, (f, s) in self.categories.items():
                out[name] = float(_mean_of(f)) * s.mean()
        return out

    def variance(self) -> dict[str, float]:
        """Var[S] = E[N] Var[X] + Var[N] E[X]^2 per category (``inf`` where it does not exist)."""
        out = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InfiniteMomentWarning)
            for name, (f, s) in self.categories.items():
                m, v = s.mean(), s.var()
                en = float(_mean_of(f))
                vn = float(f.var())
                out[name] = en * v + vn * m * m if math.isfinite(v) else math.inf
        return out


def _mean_of(freq) -> float:
    m = freq.mean
    return m() if callable(m) else m
