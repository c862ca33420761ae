"""Translate frequency and severity objects into the kernels' arrays.

A severity the kernels know (see ``_kernels``), possibly truncated and then capped, is simulated
in compiled code; any other distribution falls back to its own ``sample`` method, so every
distribution, fitted or written by hand, can be simulated.
"""

from __future__ import annotations

import math

import numpy as np

from ..severity import Capped, Severity, Truncated
from . import _kernels as K

__all__ = ["frequency_spec", "severity_spec"]


def _family_params(dist: Severity) -> tuple[int, tuple[float, ...]] | None:
    from .. import severity as S

    name = type(dist).__name__
    if name == "LogNormal":
        return K.LOGNORMAL, (dist.mu, dist.sigma)
    if name == "GeneralizedPareto" and hasattr(S, "GeneralizedPareto"):
        return K.GPD, (dist.xi, dist.sigma, dist.threshold)
    if name == "Pareto":
        return K.PARETO, (dist.alpha, dist.xm)
    if name == "Lomax":
        return K.LOMAX, (dist.alpha, dist.scale)
    if name == "Burr":
        return K.BURR, (dist.c, dist.k, dist.scale)
    if name == "Weibull":
        return K.WEIBULL, (dist.shape, dist.scale)
    if name == "LogLogistic":
        return K.LOGLOGISTIC, (dist.shape, dist.scale)
    return None


def severity_spec(dist: Severity) -> tuple[int, np.ndarray]:
    """(family code, parameter row) of ``dist`` for the kernels; code -1 means "use sample()".

    Recognises a known family, ``family.truncated(lower, upper)``, ``family.capped(limit)`` and
    ``family.truncated(...).capped(limit)``.
    """
    par = np.zeros(K.NPAR)
    cap = math.inf
    inner = dist
    if isinstance(inner, Capped):
        cap = inner.limit
        inner = inner.base
    lower, upper = 0.0, math.inf
    if isinstance(inner, Truncated):
        lower, upper = inner._support()
        inner = inner.base
    fam = _family_params(inner) if isinstance(inner, Severity) else None
    if fam is None:
        return -1, par
    code, params = fam
    par[: len(params)] = params
    base_lo, base_hi = inner._support()
    lower, upper = max(lower, base_lo), min(upper, base_hi)
    par[4] = float(inner.sf(lower)) if lower > base_lo else 1.0
    par[5] = float(inner.sf(upper)) if math.isfinite(upper) else 0.0
    par[6], par[7], par[8] = lower, upper, cap
    return code, par


def frequency_spec(freq) -> tuple[int, np.ndarray]:
    """(kind, parameters) of a frequency object: Poisson(rate) or NegativeBinomial(mean, shape)."""
    name = type(freq).__name__
    if name == "Poisson":
        return K.POISSON, np.array([float(freq.rate), 0.0])
    if name == "NegativeBinomial":
        mean = freq.mean() if callable(freq.mean) else freq.mean
        return K.NEGBIN, np.array([float(mean), float(freq.shape)])
    raise TypeError(
        f"frequency: expected riskmodel.frequency.Poisson or NegativeBinomial, got {freq!r}"
    )
