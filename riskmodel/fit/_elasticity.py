"""Volume elasticity of loss counts: a Poisson GLM of per-exchange counts on log volume.

The estimate feeds :func:`riskmodel.exposure.scale_rate` (``beta``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._errors import ConvergenceWarning
from ..exposure import _volume

__all__ = ["ElasticityFit", "fit_volume_elasticity"]


@dataclass(frozen=True)
class ElasticityFit:
    r"""Result of :func:`fit_volume_elasticity`.

    Attributes
    ----------
    beta, beta_se : float
        Volume elasticity and its standard error.
    intercept, intercept_se : float
        Log expected count per period at the reference volume.
    log_volume_ref : float
        Mean log volume: the model is
        :math:`\log E[N_i] = \log T_i + a + \beta(\log v_i - \text{log\_volume\_ref})`.
    cov : ndarray
        Covariance of (intercept, beta).
    loglik : float
    n_obs : int
    pearson_dispersion : float
        Pearson chi2 / (n - 2); well above 1 signals over-dispersion (use ``se="robust"``).
    se_type : str
    converged : bool
    """

    beta: float
    beta_se: float
    intercept: float
    intercept_se: float
    log_volume_ref: float
    cov: np.ndarray
    loglik: float
    n_obs: int
    pearson_dispersion: float
    se_type: str
    converged: bool

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        """Wald confidence interval for beta."""
        z = stats.norm.isf((1.0 - level) / 2.0)
        return self.beta - z * self.beta_se, self.beta + z * self.beta_se

    def test_proportional(self) -> tuple[float, float]:
        """Wald test of beta = 1 (frequency proportional to volume): (z, two-sided p)."""
        z = (self.beta - 1.0) / self.beta_se
        return float(z), float(2.0 * stats.norm.sf(abs(z)))

    def rate(self, volume: float, periods: float = 1.0) -> float:
        """Fitted expected count over ``periods`` at ``volume``."""
        v = float(_volume(volume, "volume"))
        return periods * math.exp(self.intercept + self.beta * (math.log(v) - self.log_volume_ref))

    def summary(self) -> str:
        """Estimates, standard errors and the test of proportionality."""
        lo, hi = self.ci()
        z, p = self.test_proportional()
        return "\n".join(
            [
                f"Volume elasticity: Poisson GLM of counts on log volume (n = {self.n_obs}, "
                f"{self.se_type} standard errors)",
                f"beta      = {self.beta:.4g} (se {self.beta_se:.3g}; "
                f"95% CI {lo:.4g} to {hi:.4g})",
                f"intercept = {self.intercept:.4g} (se {self.intercept_se:.3g}) at log volume "
                f"{self.log_volume_ref:.4g}",
                f"H0 beta = 1: z = {z:.3f}, p = {p:.4f};  Pearson chi2/df = "
                f"{self.pearson_dispersion:.3g};  converged = {self.converged}",
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record."""
        return {
            "beta": self.beta,
            "beta_se": self.beta_se,
            "intercept": self.intercept,
            "intercept_se": self.intercept_se,
            "log_volume_ref": self.log_volume_ref,
            "cov": self.cov.tolist(),
            "loglik": self.loglik,
            "n_obs": self.n_obs,
            "pearson_dispersion": self.pearson_dispersion,
            "se_type": self.se_type,
            "converged": self.converged,
        }


def fit_volume_elasticity(
    counts_by_exchange,
    volumes,
    *,
    periods=None,
    se: Literal["model", "robust"] = "model",
) -> ElasticityFit:
    r"""Estimate the volume elasticity beta of loss counts from per-exchange data.

    Parameters
    ----------
    counts_by_exchange : array_like or pandas.Series
        Loss counts per exchange (or per exchange-year: one row per observation), whole
        numbers >= 0.
    volumes : array_like or pandas.Series
        Trading volume of each row (> 0); a Series is aligned on the counts' index.
    periods : float or array_like, optional
        Length of the observation window of each row in years (> 0), entering as the offset
        ``log(periods)``; default 1.
    se : {"model", "robust"}, default "model"
        Poisson model-based standard errors, or the sandwich (HC0) ones, valid under
        over-dispersion.

    Returns
    -------
    ElasticityFit

    Raises
    ------
    ValueError
        Bad counts, volumes or periods (the message names the row), fewer than 3 rows, all
        volumes equal, or all counts zero.

    Notes
    -----
    The Poisson GLM :math:`\log E[N_i] = \log T_i + a + \beta(\log v_i - \overline{\log v})`
    is fitted by statsmodels (IRLS). Centring the log volume makes the intercept and
    :math:`\beta` nearly uncorrelated. The Poisson score equations stay unbiased under
    over-dispersion, so :math:`\hat\beta` is consistent; only its standard error needs
    ``se="robust"`` then.

    Examples
    --------
    >>> fit = fit_volume_elasticity([1, 3, 9, 20], [1e11, 3e11, 1e12, 2e12])
    >>> round(fit.beta, 3)
    1.014
    """
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools import sm_exceptions as sme

    if se not in ("model", "robust"):
        raise ValueError(f"se must be 'model' or 'robust', got {se!r}")
    labels = list(counts_by_exchange.index) if isinstance(counts_by_exchange, pd.Series) else None
    y = np.asarray(counts_by_exchange, dtype=float)
    if y.ndim != 1:
        raise ValueError(f"counts_by_exchange must be one-dimensional, got shape {y.shape}")
    n = y.size
    bad = ~np.isfinite(y) | (y < 0) | (y != np.round(y))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        row = labels[i] if labels is not None else i
        raise ValueError(
            f"counts_by_exchange: row {row!r} is not a whole number >= 0: {float(y[i])!r}"
        )
    if isinstance(volumes, pd.Series) and labels is not None:
        missing = counts_by_exchange.index.difference(volumes.index)
        if len(missing):
            raise ValueError(f"volumes are missing for {list(missing)[:10]}")
        volumes = volumes.reindex(counts_by_exchange.index)
    v = _volume(volumes, "volumes")
    if v.shape != (n,):
        raise ValueError(f"volumes: expected {n} values (one per count), got shape {v.shape}")
    t = np.ones(n) if periods is None else _volume(periods, "periods") * np.ones(n)
    if n < 3:
        raise ValueError(f"{n} rows are too few to estimate an intercept and beta")
    if np.ptp(np.log(v)) == 0:
        raise ValueError("all volumes are equal: beta is not identified")
    if not y.any():
        raise ValueError("all counts are zero: the log-link fit does not exist")
    ref = float(np.mean(np.log(v)))
    X = np.column_stack([np.ones(n), np.log(v) - ref])
    model = GLM(y, X, family=Poisson(), offset=np.log(t))
    cov_type = "nonrobust" if se == "model" else "HC0"
    with warnings.catch_warnings(record=True) as caught:
        # statsmodels reports non-convergence and perfect prediction by warnings: they are
        # turned into converged=False and one riskmodel ConvergenceWarning below
        warnings.simplefilter("always", sme.ConvergenceWarning)
        warnings.simplefilter("always", sme.PerfectSeparationWarning)
        res = model.fit(maxiter=100, cov_type=cov_type)
    ours = (sme.ConvergenceWarning, sme.PerfectSeparationWarning)
    for w in caught:
        if not issubclass(w.category, ours):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    converged = bool(res.converged) and not any(issubclass(w.category, ours) for w in caught)
    if not converged:
        warnings.warn(
            "fit_volume_elasticity: the Poisson GLM did not converge",
            ConvergenceWarning,
            stacklevel=2,
        )
    cov = np.asarray(res.cov_params())
    mu = np.asarray(res.mu)
    return ElasticityFit(
        beta=float(res.params[1]),
        beta_se=float(np.sqrt(cov[1, 1])),
        intercept=float(res.params[0]),
        intercept_se=float(np.sqrt(cov[0, 0])),
        log_volume_ref=ref,
        cov=cov,
        loglik=float(res.llf),
        n_obs=n,
        pearson_dispersion=float(np.sum((y - mu) ** 2 / mu) / (n - 2)),
        se_type=se,
        converged=converged,
    )
