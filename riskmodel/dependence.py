"""Dependence between loss categories: copulas on annual counts, and common shocks.

A :class:`~riskmodel.LossModel` takes ``dependence=`` one of these objects, or a tuple of a
copula and a common shock. A copula is estimated from annual counts by
:func:`riskmodel.fit.fit_count_copula`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["CommonShock", "GaussianCopula", "StudentTCopula"]


def _check_corr(corr: ArrayLike, name: str) -> np.ndarray:
    c = np.array(corr, dtype=float)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"{name}: corr must be a square matrix, got shape {c.shape}")
    if not np.allclose(c, c.T, atol=1e-12):
        raise ValueError(f"{name}: corr must be symmetric")
    if not np.allclose(np.diag(c), 1.0):
        raise ValueError(f"{name}: corr must have ones on its diagonal")
    if np.any(np.abs(c) > 1 + 1e-12):
        raise ValueError(f"{name}: correlations must lie in [-1, 1]")
    try:
        np.linalg.cholesky(c + 1e-12 * np.eye(len(c)))
    except np.linalg.LinAlgError:
        raise ValueError(f"{name}: corr is not positive semi-definite") from None
    c.setflags(write=False)
    return c


@dataclass(frozen=True)
class GaussianCopula:
    r"""Gaussian copula across the categories' annual counts.

    Parameters
    ----------
    corr : array_like, shape (k, k)
        Correlation matrix of the latent normals, in the order of the model's categories.

    Notes
    -----
    Each year draws :math:`Z \sim N(0, R)` and sets the count of category c to
    :math:`F_c^{-1}(\Phi(Z_c))` (the lower quantile of its frequency). The marginal
    frequencies are unchanged; only their joint behaviour is.

    Examples
    --------
    >>> float(GaussianCopula([[1.0, 0.5], [0.5, 1.0]]).corr[0, 1])
    0.5
    """

    corr: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "corr", _check_corr(self.corr, type(self).__name__))

    @property
    def df(self) -> float:
        """Degrees of freedom: infinite for the Gaussian copula."""
        return math.inf


@dataclass(frozen=True)
class StudentTCopula(GaussianCopula):
    r"""Student t copula across annual counts: like :class:`GaussianCopula` with tail dependence.

    Parameters
    ----------
    corr : array_like, shape (k, k)
    df : float
        Degrees of freedom, > 0 (smaller: stronger joint extremes).

    Notes
    -----
    :math:`T = Z / \sqrt{W/\nu}` with :math:`W \sim \chi^2_\nu`; counts are
    :math:`F_c^{-1}(t_\nu(T_c))`.
    """

    df: float = 4.0  # type: ignore[assignment]

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (self.df > 0 and math.isfinite(self.df)):
            raise ValueError(f"StudentTCopula: df must be positive and finite, got {self.df}")


@dataclass(frozen=True)
class CommonShock:
    r"""Events that strike several categories at once (a compromised shared vendor, say).

    Parameters
    ----------
    rate : float
        Expected number of shock events a year (Poisson).
    affects : mapping of str to float
        For each category struck, the probability that a shock produces a loss there; the loss
        is drawn from that category's severity.

    Notes
    -----
    Shock losses come on top of each category's own events, so category c's expected count
    becomes :math:`E[N_c] + \text{rate} \cdot p_c`. To keep a fitted marginal frequency,
    lower the category's own rate by ``rate * p_c`` (see :meth:`split`).

    Examples
    --------
    >>> CommonShock(0.2, {"hack": 1.0, "fraud": 0.5}).extra_rate("fraud")
    0.1
    """

    rate: float
    affects: Mapping[str, float]

    def __post_init__(self) -> None:
        if not (self.rate >= 0 and math.isfinite(self.rate)):
            raise ValueError(f"CommonShock: rate must be finite and >= 0, got {self.rate}")
        if not self.affects:
            raise ValueError("CommonShock: affects must name at least one category")
        for name, p in self.affects.items():
            if not 0 <= p <= 1:
                raise ValueError(f"CommonShock: probability for {name!r} must lie in [0, 1]")
        object.__setattr__(self, "affects", dict(self.affects))

    def extra_rate(self, category: str) -> float:
        """Expected shock losses a year in ``category``."""
        return self.rate * self.affects.get(category, 0.0)

    def split(self, rates: Mapping[str, float]) -> dict[str, float]:
        """Own rates that keep the total expected counts equal to ``rates``.

        Raises
        ------
        ValueError
            If a shock alone exceeds a category's total rate.
        """
        out = {}
        for name, r in rates.items():
            own = r - self.extra_rate(name)
            if own < -1e-12:
                raise ValueError(
                    f"CommonShock: shock rate {self.extra_rate(name):g} exceeds the total rate "
                    f"{r:g} of {name!r}"
                )
            out[name] = max(own, 0.0)
        return out
