"""Maximum-likelihood fitting of severity distributions to truncated and censored losses."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import optimize
from statsmodels.tools.numdiff import approx_fprime, approx_hess3

from .._errors import ConvergenceWarning
from ..severity import Severity
from ..severity._families import resolve_family

__all__ = ["SeverityFit", "fit_severity"]


@dataclass(frozen=True)
class SeverityFit:
    """Result of :func:`fit_severity`: a fitted distribution with its uncertainty.

    Attributes
    ----------
    dist : Severity
        The fitted (untruncated, uncapped) distribution. ``dist.truncated(lower=threshold)`` is
        the distribution of the losses one observes above a reporting threshold.
    params, se : dict
        Maximum-likelihood estimates and their standard errors (observed information, delta
        method from the unconstrained scale).
    cov : ndarray
        Covariance matrix of the estimates, in the order of ``params``.
    cov_theta : ndarray
        Covariance on the unconstrained (transformed) scale, used for parameter uncertainty.
    loglik, aic, bic : float
        Maximised log-likelihood and information criteria.
    n_obs, n_censored : int
        Number of observations, and how many of them are censored at the cap.
    converged : bool
        Whether the optimiser reported success and the Hessian was positive definite.
    message : str
        The optimiser's message, and any problem found.
    """

    dist: Severity
    family: str
    params: dict[str, float]
    se: dict[str, float]
    cov: np.ndarray
    cov_theta: np.ndarray
    theta: np.ndarray
    loglik: float
    aic: float
    bic: float
    n_obs: int
    n_censored: int
    converged: bool
    message: str
    losses: np.ndarray = field(repr=False)
    truncation: np.ndarray | None = field(default=None, repr=False)
    upper: np.ndarray | None = field(default=None, repr=False)
    cap: np.ndarray | None = field(default=None, repr=False)

    @property
    def k(self) -> int:
        """Number of estimated parameters."""
        return len(self.params)

    def summary(self) -> str:
        """A readable table of the estimates, standard errors and fit statistics."""
        lines = [
            f"Severity fit: {self.family}  (n = {self.n_obs}"
            + (f", {self.n_censored} censored" if self.n_censored else "")
            + ")",
        ]
        if self.truncation is not None:
            t = np.unique(self.truncation)
            lines.append(
                "left truncation at "
                + (f"{t[0]:,.6g}" if t.size == 1 else f"{t.size} thresholds {t.min():,.6g}..")
            )
        lines.append(f"{'parameter':<12}{'estimate':>16}{'std. error':>16}")
        for name, val in self.params.items():
            lines.append(f"{name:<12}{val:>16.6g}{self.se[name]:>16.4g}")
        lines.append(
            f"loglik = {self.loglik:.4f}   AIC = {self.aic:.4f}   BIC = {self.bic:.4f}   "
            f"converged = {self.converged}"
        )
        if not self.converged:
            lines.append(f"warning: {self.message}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record of the fit."""
        return {
            "family": self.family,
            "params": dict(self.params),
            "se": dict(self.se),
            "cov": self.cov.tolist(),
            "loglik": self.loglik,
            "aic": self.aic,
            "bic": self.bic,
            "n_obs": self.n_obs,
            "n_censored": self.n_censored,
            "converged": self.converged,
            "message": self.message,
        }


def _as_bound(value, n: int, name: str, default: float) -> np.ndarray | None:
    if value is None:
        return None
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(
            f"{name}: expected a scalar or {n} values (one per loss), got {arr.shape}"
        )
    if np.isnan(arr).any():
        raise ValueError(f"{name}: contains NaN at positions {np.flatnonzero(np.isnan(arr))[:5]}")
    return arr


def _neg_loglik_fn(cls, x, trunc, upper, cap):
    """Negative log-likelihood of the unconstrained parameters."""
    cens = np.zeros(x.shape, bool) if cap is None else x >= cap
    x_obs = x[~cens]
    c_obs = None if cap is None else cap[cens]
    lo = None if trunc is None else trunc
    hi = None if upper is None else upper

    def nll(theta):
        try:
            d = cls._from_theta(theta)
        except (ValueError, OverflowError):
            return math.inf
        with np.errstate(all="ignore"):
            ll = np.sum(d.logpdf(x_obs))
            if c_obs is not None and c_obs.size:
                ll += np.sum(d.logsf(c_obs))
            if lo is not None or hi is not None:
                s_lo = np.ones(x.shape) if lo is None else np.asarray(d.sf(lo))
                if hi is None:
                    ll -= np.sum(np.asarray(d.logsf(lo)))
                else:
                    ll -= np.sum(np.log(s_lo - np.asarray(d.sf(hi))))
        return -ll if np.isfinite(ll) else math.inf

    return nll


def fit_severity(
    losses,
    family,
    *,
    truncation=None,
    cap=None,
    upper=None,
    start: Severity | None = None,
) -> SeverityFit:
    r"""Fit a severity family by maximum likelihood, with truncation and censoring.

    Parameters
    ----------
    losses : array_like
        Observed positive loss amounts.
    family : str or Severity subclass
        E.g. ``"lognormal"`` or :class:`riskmodel.severity.LogNormal`.
    truncation : float or array_like, optional
        Left-truncation point(s): the reporting threshold below which losses are not seen.
        One value for all losses or one per loss; every loss must be >= its threshold.
    cap : float or array_like, optional
        Right-censoring limit(s): a loss recorded at (or above) its cap is known only to be at
        least the cap (e.g. paid up to a policy limit).
    upper : float or array_like, optional
        Right-truncation point(s): losses cannot exceed it (e.g. the assets held).
    start : Severity, optional
        Start values; by default robust estimates from the data (family's ``_start``).

    Returns
    -------
    SeverityFit

    Notes
    -----
    The log-likelihood is

    .. math:: \ell(\theta) = \sum_{i\,\text{exact}} \log f(x_i) + \sum_{i\,\text{censored}}
              \log S(c_i) - \sum_i \log\left(S(t_i) - S(u_i)\right),

    maximised over unconstrained parameters (logs of positive parameters) with BFGS, falling
    back to Nelder-Mead. Standard errors come from the inverse of the numerical Hessian of
    :math:`-\ell` (observed information), carried to the natural parameters by the delta method.

    Examples
    --------
    >>> from riskmodel.severity import LogNormal
    >>> x = LogNormal(14.0, 2.0).truncated(lower=1e6).sample(500, rng=1)
    >>> fit = fit_severity(x, "lognormal", truncation=1e6)
    >>> abs(fit.params["mu"] - 14.0) < 4 * fit.se["mu"]
    True
    """
    cls = resolve_family(family)
    x = np.asarray(losses, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"losses: expected a 1-d array, got shape {x.shape}")
    n = x.size
    if n < 2:
        raise ValueError(f"losses: need at least 2 observations to fit, got {n}")
    bad = np.flatnonzero(~np.isfinite(x) | (x <= 0))
    if bad.size:
        raise ValueError(
            f"losses: must be positive and finite; {bad.size} bad value(s), first at position "
            f"{bad[0]} (value {x[bad[0]]})"
        )
    trunc = _as_bound(truncation, n, "truncation", 0.0)
    up = _as_bound(upper, n, "upper", math.inf)
    cp = _as_bound(cap, n, "cap", math.inf)
    if trunc is not None:
        below = np.flatnonzero(x < trunc)
        if below.size:
            raise ValueError(
                f"losses: {below.size} loss(es) below the truncation point, first at position "
                f"{below[0]} ({x[below[0]]:g} < {trunc[below[0]]:g})"
            )
    if up is not None:
        above = np.flatnonzero(x > up)
        if above.size:
            raise ValueError(
                f"losses: {above.size} loss(es) above the upper truncation point, first at "
                f"position {above[0]} ({x[above[0]]:g} > {up[above[0]]:g})"
            )
    if cp is not None:
        over = np.flatnonzero(x > cp)
        if over.size:
            raise ValueError(
                f"losses: {over.size} loss(es) above the cap, first at position {over[0]} "
                f"({x[over[0]]:g} > {cp[over[0]]:g}); a censored loss is recorded at its cap"
            )

    nll = _neg_loglik_fn(cls, x, trunc, up, cp)
    theta0 = (start if start is not None else cls._start(x))._to_theta()
    res = optimize.minimize(nll, theta0, method="BFGS")
    if not (res.success and np.isfinite(res.fun)):
        res2 = optimize.minimize(
            nll,
            res.x if np.isfinite(res.fun) else theta0,
            method="Nelder-Mead",
            options={"maxiter": 4000 * theta0.size, "xatol": 1e-10, "fatol": 1e-12},
        )
        if np.isfinite(res2.fun) and (res2.fun <= res.fun or not np.isfinite(res.fun)):
            # polish from the simplex solution
            res3 = optimize.minimize(nll, res2.x, method="BFGS")
            res = res3 if (res3.success and res3.fun <= res2.fun) else res2
    theta = np.asarray(res.x, dtype=float)
    converged = bool(res.success and np.isfinite(res.fun))
    message = str(res.message)

    dist = cls._from_theta(theta)
    names = list(dist.param_names)
    with np.errstate(all="ignore"):
        hess = approx_hess3(theta, nll)
    cov_theta = np.full((theta.size, theta.size), np.nan)
    if np.all(np.isfinite(hess)):
        try:
            np.linalg.cholesky(hess)
            cov_theta = np.linalg.inv(hess)
        except np.linalg.LinAlgError:
            converged = False
            message += "; the Hessian is not positive definite (no standard errors)"
    else:
        converged = False
        message += "; the Hessian could not be computed"

    def natural(th):
        d = cls._from_theta(th)
        return np.array([getattr(d, p) for p in names])

    jac = approx_fprime(theta, natural, centered=True)
    cov = jac @ cov_theta @ jac.T
    se = np.sqrt(np.diag(cov))
    if not converged:
        warnings.warn(
            f"fit_severity({cls.__name__}): the fit did not converge ({message}); "
            "treat its estimates with caution",
            ConvergenceWarning,
            stacklevel=2,
        )
    loglik = -float(res.fun)
    k = theta.size
    return SeverityFit(
        dist=dist,
        family=cls.__name__,
        params={p: float(getattr(dist, p)) for p in names},
        se={p: float(s) for p, s in zip(names, se, strict=True)},
        cov=cov,
        cov_theta=cov_theta,
        theta=theta,
        loglik=loglik,
        aic=2 * k - 2 * loglik,
        bic=k * math.log(n) - 2 * loglik,
        n_obs=n,
        n_censored=0 if cp is None else int(np.sum(x >= cp)),
        converged=converged,
        message=message,
        losses=x.copy(),
        truncation=trunc,
        upper=up,
        cap=cp,
    )
