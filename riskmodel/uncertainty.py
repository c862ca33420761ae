"""Parameter uncertainty: redrawing a category's parameters from their sampling distribution.

A :class:`~riskmodel.LossModel` may carry, per category, an object with a ``draw(rng)`` method
that returns a fresh ``(frequency, severity)`` pair drawn from the estimates' sampling
distribution. ``simulate(..., parameter_uncertainty=True)`` redraws the parameters for every
chunk of years (:data:`PARAMETER_CHUNK` years of a block) and so simulates the *predictive*
distribution of the annual loss, which is wider than the plug-in one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .frequency import Poisson
from .severity import Severity

__all__ = ["PARAMETER_CHUNK", "FittedCategory"]

#: years simulated with one draw of the parameters (a block holds several chunks)
PARAMETER_CHUNK = 1024


@dataclass(frozen=True)
class FittedCategory:
    r"""A category calibrated from data: a severity fit and a Poisson rate with its error.

    Parameters
    ----------
    severity_fit : SeverityFit
        Maximum-likelihood fit; its unconstrained estimates and their covariance
        (``theta``, ``cov_theta``) define the sampling distribution.
    rate : float
        Estimated annual rate of the events the severity describes.
    log_rate_se : float
        Standard error of ``log(rate)`` (for a Poisson MLE from ``n`` events,
        ``1 / sqrt(n)``).
    truncation, cap : float, optional
        Left truncation (reporting threshold) and cap applied to every drawn severity.

    Notes
    -----
    Asymptotic normality on the transformed scale: :math:`\tilde\theta \sim
    N(\hat\theta, \hat\Sigma_\theta)` for the severity and :math:`\log\tilde\lambda
    \sim N(\log\hat\lambda, se^2)` for the rate, independently.

    Examples
    --------
    >>> from riskmodel.fit import fit_severity
    >>> from riskmodel.severity import LogNormal
    >>> fit = fit_severity(LogNormal(14, 2).truncated(lower=1e6).sample(200, rng=1),
    ...                    "lognormal", truncation=1e6)
    >>> cat = FittedCategory(fit, rate=5.0, log_rate_se=0.1, truncation=1e6)
    >>> freq, sev = cat.draw(np.random.default_rng(0))
    >>> sev.sf(1e6)
    1.0
    """

    severity_fit: Any
    rate: float
    log_rate_se: float
    truncation: float | None = None
    cap: float | None = None

    def __post_init__(self) -> None:
        if not (self.rate >= 0 and math.isfinite(self.rate)):
            raise ValueError(f"FittedCategory: rate must be finite and >= 0, got {self.rate}")
        if not (self.log_rate_se >= 0):
            raise ValueError("FittedCategory: log_rate_se must be >= 0")
        cov = np.asarray(self.severity_fit.cov_theta, dtype=float)
        if not np.all(np.isfinite(cov)):
            raise ValueError(
                "FittedCategory: the severity fit has no finite covariance (it did not "
                "converge); parameter uncertainty cannot be drawn from it"
            )

    def _wrap(self, dist: Severity) -> Severity:
        if self.truncation is not None:
            dist = dist.truncated(lower=self.truncation)
        if self.cap is not None:
            dist = dist.capped(self.cap)
        return dist

    def point(self) -> tuple[Poisson, Severity]:
        """The plug-in (point-estimate) frequency and severity."""
        return Poisson(self.rate), self._wrap(self.severity_fit.dist)

    def draw(self, rng: np.random.Generator) -> tuple[Poisson, Severity]:
        """One draw of (frequency, severity) from the estimates' sampling distribution."""
        fit = self.severity_fit
        cov = np.asarray(fit.cov_theta, dtype=float)
        # redraw until the parameters are valid (a draw can leave the parameter space only
        # through a degenerate truncation; a few retries suffice)
        for _ in range(100):
            theta = rng.multivariate_normal(np.asarray(fit.theta, dtype=float), cov, method="eigh")
            try:
                # with_theta keeps the fit's fixed fields (a GPD threshold, a Pareto xm)
                sev = self._wrap(fit.with_theta(theta))
                break
            except ValueError:
                continue
        else:  # pragma: no cover - requires a pathological covariance
            raise ValueError("FittedCategory: could not draw valid severity parameters")
        se = self.log_rate_se
        rate = self.rate * math.exp(se * rng.standard_normal() - 0.5 * se * se)
        return Poisson(rate), sev
