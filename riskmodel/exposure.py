"""Exposure scaling: from an industry loss frequency to one exchange's, by trading volume.

- :func:`scale_rate` / :func:`scale_frequency`: rate x (exchange volume / industry volume)^beta.

The elasticity beta is estimated from per-exchange counts and volumes by
:func:`riskmodel.fit.fit_volume_elasticity`.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike

from ._errors import RiskModelWarning
from .frequency import Frequency

__all__ = ["scale_frequency", "scale_rate"]


def _volume(value: ArrayLike, name: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers, got {value!r}") from None
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        where = "" if arr.ndim == 0 else f" at position {tuple(np.argwhere(bad)[0].tolist())}"
        val = arr if arr.ndim == 0 else arr[bad][0]
        raise ValueError(f"{name} must be finite and > 0, got {float(val)!r}{where}")
    return arr


def _factor(exchange_volume: ArrayLike, industry_volume: ArrayLike, beta: ArrayLike) -> np.ndarray:
    v = _volume(exchange_volume, "exchange_volume")
    big = _volume(industry_volume, "industry_volume")
    b = np.asarray(beta, dtype=float)
    if not np.isfinite(b).all():
        raise ValueError(f"beta must be finite, got {beta!r}")
    share = v / big
    if np.any(share > 1.0):
        warnings.warn(
            "exchange_volume exceeds industry_volume: check that both are in the same unit "
            "and cover the same market and period",
            RiskModelWarning,
            stacklevel=3,
        )
    return share**b


def scale_rate(
    industry_rate: ArrayLike,
    exchange_volume: ArrayLike,
    industry_volume: ArrayLike,
    beta: ArrayLike = 1.0,
) -> float | np.ndarray:
    r"""Expected loss count of one exchange from the industry's, scaled by trading volume.

    Parameters
    ----------
    industry_rate : float or array_like
        Expected number of losses per year in the industry (or market) whose volume is
        ``industry_volume``; >= 0.
    exchange_volume, industry_volume : float or array_like
        Trading volumes (> 0) in the same unit and over the same period.
    beta : float, default 1.0
        Volume elasticity of the loss frequency: 1 is proportional to volume (the
        regulation's proposal); < 1 means larger exchanges have fewer losses per unit of
        volume. Estimate it with :func:`riskmodel.fit.fit_volume_elasticity` when
        per-exchange data exist.

    Returns
    -------
    float or ndarray
        :math:`\lambda_{ex} = \lambda_{ind}\,(v_{ex} / v_{ind})^{\beta}` (numpy broadcasting).

    Raises
    ------
    ValueError
        A volume that is not finite and > 0, a negative or non-finite rate, a non-finite beta.

    Warns
    -----
    RiskModelWarning
        If the exchange's volume exceeds the industry's (a unit or scope mismatch).

    Notes
    -----
    With :math:`\beta = 1` the exchange is a volume share of a Poisson (or common-shock
    negative binomial) industry process. For :math:`\beta \ne 1` the industry rate must be
    the rate at volume :math:`v_{ind}` on the same curve, :math:`\lambda(v) = c v^\beta`.

    Examples
    --------
    >>> scale_rate(8.0, exchange_volume=2e12, industry_volume=40e12)
    0.4
    >>> round(scale_rate(8.0, 2e12, 40e12, beta=0.5), 4)
    1.7889
    """
    rate = np.asarray(industry_rate, dtype=float)
    if not np.isfinite(rate).all() or (rate < 0).any():
        raise ValueError(f"industry_rate must be finite and >= 0, got {industry_rate!r}")
    out = rate * _factor(exchange_volume, industry_volume, beta)
    return float(out) if out.ndim == 0 else out


def scale_frequency(
    freq: Frequency, exchange_volume: float, industry_volume: float, beta: float = 1.0
) -> Frequency:
    """A frequency object scaled from the industry to one exchange by trading volume.

    Parameters
    ----------
    freq : riskmodel.frequency.Poisson or NegativeBinomial
        The industry's annual count distribution, e.g. ``fit.predict()``.
    exchange_volume, industry_volume, beta : float
        As for :func:`scale_rate` (scalars).

    Returns
    -------
    Poisson or NegativeBinomial
        ``freq.scaled((exchange_volume / industry_volume) ** beta)``: the mean is scaled; a
        negative binomial keeps its shape (see
        :meth:`riskmodel.frequency.NegativeBinomial.scaled`).

    Examples
    --------
    >>> from riskmodel.frequency import Poisson
    >>> scale_frequency(Poisson(8.0), 2e12, 40e12)
    Poisson(rate=0.4)
    """
    f = _factor(exchange_volume, industry_volume, beta)
    if f.ndim != 0:
        raise ValueError("scale_frequency: volumes and beta must be scalars")
    return freq.scaled(float(f))
