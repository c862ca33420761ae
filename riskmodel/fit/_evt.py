r"""Extreme-value tools: peaks over threshold, mean excess, Hill, stability, threshold choice.

All functions take raw positive losses. The generalized Pareto distribution (GPD) uses the EVT
sign convention: :math:`\bar G(y) = (1 + \xi y/\sigma)^{-1/\xi}`, heavy tail for
:math:`\xi > 0`, tail index :math:`\alpha = 1/\xi`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .._errors import ConvergenceWarning, InfiniteMomentWarning, RiskModelWarning
from .._rng import RNGLike, as_seed_sequence, seed_of
from ..severity import GeneralizedPareto
from ._gof import edf_statistics
from ._loglik import Design, MLEResult, Objective, Space, maximise

__all__ = [
    "PotResult",
    "ThresholdChoice",
    "fit_pot",
    "gpd_stability",
    "hill",
    "mean_excess",
    "suggest_threshold",
]

_GPD = GeneralizedPareto.spec.loglik  # log survival function in (xi, sigma, threshold)


def _positive(losses, name: str = "losses") -> np.ndarray:
    x = np.asarray(losses, dtype=float).ravel()
    bad = np.flatnonzero(~np.isfinite(x) | (x <= 0))
    if bad.size:
        raise ValueError(
            f"{name}: must be positive and finite; {bad.size} bad value(s), first at position "
            f"{bad[0]} (value {x[bad[0]]})"
        )
    if x.size < 2:
        raise ValueError(f"{name}: need at least 2 values, got {x.size}")
    return x


# ----------------------------------------------------------------------------- GPD MLE
def _gpd_objective(y: np.ndarray) -> Objective:
    """The negative log-likelihood of a GPD (threshold 0) for excesses ``y`` >= 0, over
    ``(xi, log sigma)``: the objective ``fit_severity`` maximises for a generalized Pareto."""
    space = Space(GeneralizedPareto, {"threshold": 0.0}, GeneralizedPareto(0.1, 1.0))
    return Objective(space, Design.make(y))


def _gpd_mle(
    y: np.ndarray, start: np.ndarray | None = None, hess_inv0=None, fallback: bool = True
) -> tuple[Objective, MLEResult]:
    """The GPD maximum-likelihood fit of excesses ``y`` > 0, by the common maximiser.

    Starts at ``start`` (free ``(xi, log sigma)``) where given and the likelihood is positive
    there, else at the family's start values (probability-weighted moments);
    ``fallback=False`` skips the Nelder-Mead rescue (bootstrap refits count as failed).
    """
    obj = _gpd_objective(y)
    th0 = None if start is None else np.asarray(start, dtype=float)
    if th0 is None or not math.isfinite(obj.nll(th0)):
        th0 = obj.space.start_free(GeneralizedPareto._start(y))
    return obj, maximise(obj, th0, hess_inv0=hess_inv0, polish=fallback)


# ----------------------------------------------------------------------------- POT
@dataclass(frozen=True)
class PotResult:
    r"""Peaks-over-threshold fit: a GPD for the excesses over ``threshold``.

    Attributes
    ----------
    threshold : float
        The threshold :math:`u`.
    xi, sigma : float
        GPD shape and scale of the excesses :math:`X - u \mid X > u`.
    se : dict
        Standard errors of ``xi`` and ``sigma`` (observed information).
    cov : ndarray
        Covariance of (xi, sigma).
    n, n_exceed : int
        Number of losses and of exceedances :math:`N_u`.
    rate : float
        :math:`N_u / n`, the estimated probability of exceeding the threshold.
    loglik : float
        Maximised log-likelihood of the excesses.
    converged : bool
        Whether the optimiser converged and the Hessian is positive definite.
    message : str
        Any problem found.
    """

    threshold: float
    xi: float
    sigma: float
    se: dict[str, float]
    cov: np.ndarray
    n: int
    n_exceed: int
    rate: float
    loglik: float
    converged: bool
    message: str
    cov_theta: np.ndarray = field(repr=False)
    excesses: np.ndarray = field(repr=False)

    @property
    def alpha(self) -> float:
        """Tail index :math:`1/\\xi` (``inf`` for :math:`\\xi \\le 0`)."""
        return 1.0 / self.xi if self.xi > 0 else math.inf

    @property
    def dist(self):
        """The excess distribution above the threshold as a ``GeneralizedPareto``."""
        from ..severity import GeneralizedPareto  # type: ignore[attr-defined]

        return GeneralizedPareto(xi=self.xi, sigma=self.sigma, threshold=self.threshold)

    def sf(self, x):
        r"""Tail estimate :math:`\hat P(X > x) = (N_u/n)(1 + \xi(x-u)/\sigma)^{-1/\xi}`, x >= u."""
        x = np.asarray(x, dtype=float)
        if (x < self.threshold).any():
            raise ValueError(f"x: the POT tail estimate holds only above u = {self.threshold:g}")
        ls = _GPD.logsf(np.array([self.xi, self.sigma, self.threshold]), np.atleast_1d(x))[0]
        out = self.rate * np.exp(ls)
        return float(out[0]) if x.ndim == 0 else out.reshape(x.shape)

    def var(self, p):
        r"""Value at risk (quantile) at level ``p`` of a single loss under the POT model.

        Notes
        -----
        .. math:: \mathrm{VaR}_p = u + \frac{\sigma}{\xi}
                  \left[\left(\frac{n}{N_u}(1-p)\right)^{-\xi} - 1\right],

        valid for :math:`p \ge 1 - N_u/n` (McNeil, Frey & Embrechts, *Quantitative Risk
        Management*, 2005, eq. 7.19); :math:`u - \sigma\log(n(1-p)/N_u)` for :math:`\xi = 0`.
        """
        p = np.asarray(p, dtype=float)
        if ((p <= 0) | (p >= 1)).any():
            raise ValueError("p: must lie strictly between 0 and 1")
        if (1.0 - p > self.rate + 1e-12).any():
            raise ValueError(
                f"p: the POT model covers only p >= 1 - N_u/n = {1 - self.rate:.6g} "
                f"(threshold {self.threshold:g}); lower the threshold for smaller p"
            )
        r = (1.0 - p) / self.rate
        if abs(self.xi) < 1e-12:
            out = self.threshold - self.sigma * np.log(r)
        else:
            out = self.threshold + self.sigma / self.xi * np.expm1(-self.xi * np.log(r))
        return float(out) if out.ndim == 0 else out

    def es(self, p):
        r"""Expected shortfall E[X | X > VaR_p] under the POT model.

        Notes
        -----
        .. math:: \mathrm{ES}_p = \frac{\mathrm{VaR}_p + \sigma - \xi u}{1 - \xi}, \qquad \xi < 1

        (McNeil, Frey & Embrechts 2005, eq. 7.20). For :math:`\xi \ge 1` the mean of the tail is
        infinite: ``inf`` with an :class:`~riskmodel._errors.InfiniteMomentWarning`.
        """
        v = np.asarray(self.var(p), dtype=float)
        if self.xi >= 1:
            warnings.warn(
                f"POT model with xi = {self.xi:.3g} >= 1: the expected shortfall is infinite",
                InfiniteMomentWarning,
                stacklevel=2,
            )
            out = np.full(v.shape, math.inf)
        else:
            out = (v + self.sigma - self.xi * self.threshold) / (1.0 - self.xi)
        return float(out) if out.ndim == 0 else out

    def profile_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Profile-likelihood confidence interval for ``xi`` (sigma profiled out)."""
        if not 0 < level < 1:
            raise ValueError(f"level: must lie strictly between 0 and 1, got {level}")
        obj = _gpd_objective(self.excesses)
        crit = 0.5 * float(stats.chi2.ppf(level, 1))
        ll_hat = self.loglik

        def drop(xi: float) -> float:
            res = optimize.minimize_scalar(
                lambda ls: obj.nll(np.array([xi, ls])),
                bracket=(math.log(self.sigma) - 1, math.log(self.sigma) + 1),
            )
            return float(res.fun) + ll_hat - crit

        se = self.se["xi"] if math.isfinite(self.se["xi"]) else 0.2
        out = []
        for sign in (-1.0, 1.0):
            inside, step, bound = self.xi, max(se, 1e-3), math.inf * sign
            for _ in range(40):
                trial = self.xi + sign * step
                if drop(trial) > 0:
                    bound = optimize.brentq(drop, *sorted((inside, trial)), xtol=1e-9)
                    break
                inside, step = trial, step * 1.6
            out.append(bound)
        return out[0], out[1]

    def summary(self) -> str:
        """A readable summary with VaR and ES at 99% and 99.5% where the model covers them."""
        lines = [
            f"Peaks over threshold u = {self.threshold:,.6g}: {self.n_exceed} of {self.n} "
            f"losses exceed it (rate {self.rate:.4g})",
            f"  xi = {self.xi:.4f} (se {self.se['xi']:.4f}); tail index 1/xi = {self.alpha:.4g}",
            f"  sigma = {self.sigma:,.6g} (se {self.se['sigma']:,.4g})",
        ]
        for p in (0.99, 0.995):
            if 1 - p <= self.rate:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", InfiniteMomentWarning)
                    lines.append(
                        f"  VaR_{p:g} = {self.var(p):,.6g}   ES_{p:g} = {self.es(p):,.6g}"
                    )
        if not self.converged:
            lines.append(f"warning: {self.message}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record."""
        return {
            "threshold": self.threshold,
            "xi": self.xi,
            "sigma": self.sigma,
            "se": dict(self.se),
            "n": self.n,
            "n_exceed": self.n_exceed,
            "rate": self.rate,
            "loglik": self.loglik,
            "converged": self.converged,
            "message": self.message,
        }


def fit_pot(losses, threshold: float) -> PotResult:
    r"""Peaks over threshold: fit a generalized Pareto distribution to the excesses over u.

    Parameters
    ----------
    losses : array_like
        All positive losses (not only the exceedances: their number sets the rate).
    threshold : float
        The threshold :math:`u`; losses strictly above it are exceedances.

    Returns
    -------
    PotResult
        With ``var(p)`` and ``es(p)``, the tail risk measures of a single loss.

    Notes
    -----
    The excesses :math:`y_i = x_i - u` of the :math:`N_u` exceedances are fitted by maximum
    likelihood, :math:`\ell(\xi,\sigma) = -N_u\log\sigma - (1 + 1/\xi)\sum\log(1 + \xi
    y_i/\sigma)`, over :math:`(\xi, \log\sigma)` by BFGS with the analytic score, started at
    the probability-weighted-moment estimates of Hosking & Wallis (1987): the same likelihood
    and maximiser as :func:`fit_severity` for a ``GeneralizedPareto``. Standard errors
    come from the observed information. The tail of the loss distribution is then
    :math:`\hat S(x) = (N_u/n)\,\bar G_{\xi,\sigma}(x - u)` (Smith 1987).

    References
    ----------
    .. [1] A. J. McNeil, "Estimating the tails of loss severity distributions using extreme
       value theory", ASTIN Bulletin 27 (1997) 117-137.
    .. [2] A. J. McNeil, R. Frey and P. Embrechts, *Quantitative Risk Management*, Princeton
       (2005), sect. 7.2.
    .. [3] J. R. M. Hosking and J. R. Wallis, "Parameter and quantile estimation for the
       generalized Pareto distribution", Technometrics 29 (1987) 339-349.

    Examples
    --------
    >>> import numpy as np
    >>> x = 1.0 + np.random.default_rng(1).pareto(2.0, 5000)  # Pareto, tail index 2
    >>> pot = fit_pot(x, threshold=2.0)
    >>> abs(pot.xi - 0.5) < 3 * pot.se["xi"]
    True
    """
    x = _positive(losses)
    u = float(threshold)
    if not math.isfinite(u):
        raise ValueError(f"threshold: must be finite, got {threshold}")
    y = x[x > u] - u
    if y.size < 3:
        raise ValueError(
            f"threshold: only {y.size} loss(es) exceed u = {u:g}; need at least 3 to fit a GPD"
        )
    obj, res = _gpd_mle(y)
    theta, nll, ok = res.free, res.nll, res.success
    message = "converged" if ok else "the optimiser did not converge"
    cov_t = np.full((2, 2), np.nan)
    if math.isfinite(nll):
        h = obj.hessian(theta)
        try:
            np.linalg.cholesky(h)
            cov_t = np.linalg.inv(h)
        except np.linalg.LinAlgError:
            ok = False
            message += "; the Hessian is not positive definite (no standard errors)"
    xi, sigma = float(theta[0]), math.exp(theta[1])
    jac = np.diag([1.0, sigma])
    cov = jac @ cov_t @ jac.T
    if xi <= -0.5:
        message += "; xi <= -0.5: the maximum-likelihood estimator is not regular there"
    if not ok:
        warnings.warn(f"fit_pot(u={u:g}): {message}", ConvergenceWarning, stacklevel=2)
    return PotResult(
        threshold=u,
        xi=xi,
        sigma=sigma,
        se={"xi": float(np.sqrt(cov[0, 0])), "sigma": float(np.sqrt(cov[1, 1]))},
        cov=cov,
        n=int(x.size),
        n_exceed=int(y.size),
        rate=y.size / x.size,
        loglik=-nll,
        converged=ok,
        message=message,
        cov_theta=cov_t,
        excesses=y,
    )


# ----------------------------------------------------------------------------- descriptive
def mean_excess(losses, *, omit: int = 3, level: float = 0.95) -> pd.DataFrame:
    r"""Sample mean-excess function :math:`e_n(u) = \sum (x_i - u)_+ / \#\{x_i > u\}`.

    Parameters
    ----------
    losses : array_like
        Positive losses.
    omit : int, default 3
        Leave out the thresholds with fewer than ``omit + 1`` exceedances (their means are
        too noisy to read).
    level : float, default 0.95
        Level of the pointwise normal confidence band.

    Returns
    -------
    pandas.DataFrame
        Columns ``threshold`` (each distinct loss), ``mean_excess``, ``se``, ``lower``,
        ``upper``, ``n_exceed``.

    Notes
    -----
    For a GPD tail with :math:`\xi < 1` the mean excess is linear in :math:`u` with slope
    :math:`\xi/(1-\xi)`: an upward straight line above some threshold suggests a Pareto-type
    tail (Embrechts, Kluppelberg & Mikosch 1997, sect. 6.2.2). The band uses
    :math:`\mathrm{sd}(x - u \mid x > u)/\sqrt{N_u}`.
    """
    x = np.sort(_positive(losses))
    u = np.unique(x)
    idx = np.searchsorted(x, u, side="right")
    n_u = x.size - idx
    cs = np.concatenate([[0.0], np.cumsum(x[::-1])])
    cs2 = np.concatenate([[0.0], np.cumsum(x[::-1] ** 2)])
    s1 = cs[n_u]
    s2 = cs2[n_u]
    keep = n_u > omit
    u, n_u, s1, s2 = u[keep], n_u[keep], s1[keep], s2[keep]
    me = s1 / n_u - u
    var = np.maximum(s2 / n_u - (s1 / n_u) ** 2, 0.0) * n_u / np.maximum(n_u - 1, 1)
    se = np.sqrt(var / n_u)
    zq = float(stats.norm.ppf(0.5 + level / 2))
    return pd.DataFrame(
        {
            "threshold": u,
            "mean_excess": me,
            "se": se,
            "lower": me - zq * se,
            "upper": me + zq * se,
            "n_exceed": n_u.astype(int),
        }
    )


def hill(losses, k=None, *, level: float = 0.95) -> pd.DataFrame:
    r"""Hill estimator of the tail index over the number of upper order statistics used.

    Parameters
    ----------
    losses : array_like
        Positive losses.
    k : int or array_like of int, optional
        Numbers of upper order statistics; default every ``k`` from 2 to ``n - 1``.
    level : float, default 0.95
        Level of the asymptotic confidence intervals.

    Returns
    -------
    pandas.DataFrame
        One row per ``k``: ``k``, ``threshold`` (:math:`x_{(k+1)}`, the (k+1)-th largest),
        ``xi``, ``xi_se``, ``xi_lower``, ``xi_upper``, ``alpha``, ``alpha_lower``,
        ``alpha_upper``.

    Notes
    -----
    With :math:`x_{(1)} \ge x_{(2)} \ge \dots` the losses in decreasing order,

    .. math:: \hat\xi_k = \frac1k\sum_{i=1}^k \log x_{(i)} - \log x_{(k+1)}, \qquad
              \hat\alpha_k = 1/\hat\xi_k.

    Asymptotically :math:`\sqrt{k}(\hat\xi_k - \xi) \to N(0, \xi^2)` and
    :math:`\sqrt{k}(\hat\alpha_k - \alpha) \to N(0, \alpha^2)` (Hill 1975; Embrechts,
    Kluppelberg & Mikosch 1997, thm. 6.4.6), which give the Wald intervals (ignoring bias,
    which grows with ``k``).

    References
    ----------
    .. [1] B. M. Hill, "A simple general approach to inference about the tail of a
       distribution", Annals of Statistics 3 (1975) 1163-1174.
    """
    x = np.sort(_positive(losses))[::-1]
    n = x.size
    if n < 3:
        raise ValueError("losses: the Hill estimator needs at least 3 losses")
    ks = np.arange(2, n) if k is None else np.atleast_1d(np.asarray(k, dtype=int))
    if ((ks < 1) | (ks >= n)).any():
        raise ValueError(f"k: must lie in 1..{n - 1}")
    lx = np.log(x)
    cum = np.cumsum(lx)
    xi = cum[ks - 1] / ks - lx[ks]
    se = xi / np.sqrt(ks)
    zq = float(stats.norm.ppf(0.5 + level / 2))
    with np.errstate(divide="ignore"):
        alpha = 1.0 / xi
    a_se = alpha / np.sqrt(ks)
    return pd.DataFrame(
        {
            "k": ks,
            "threshold": x[ks],
            "xi": xi,
            "xi_se": se,
            "xi_lower": xi - zq * se,
            "xi_upper": xi + zq * se,
            "alpha": alpha,
            "alpha_lower": alpha - zq * a_se,
            "alpha_upper": alpha + zq * a_se,
        }
    )


def _default_thresholds(x: np.ndarray, n_thresholds: int, min_exceed: int) -> np.ndarray:
    xs = np.sort(x)
    if xs.size <= min_exceed:
        raise ValueError(
            f"losses: {xs.size} losses; need more than min_exceed = {min_exceed} to choose "
            "thresholds"
        )
    hi = xs[-min_exceed - 1]  # leaves min_exceed exceedances
    lo = np.quantile(xs, 0.5) if xs.size > 4 * min_exceed else xs[0]
    lo = min(lo, hi)
    return np.unique(np.quantile(xs[(xs >= lo) & (xs <= hi)], np.linspace(0, 1, n_thresholds)))


def gpd_stability(
    losses,
    thresholds=None,
    *,
    level: float = 0.95,
    n_thresholds: int = 30,
    min_exceed: int = 10,
) -> pd.DataFrame:
    r"""GPD parameter stability: :math:`\xi` and the modified scale against the threshold.

    Parameters
    ----------
    losses : array_like
        Positive losses.
    thresholds : array_like, optional
        Thresholds to fit at; default ``n_thresholds`` quantiles from the median (or the
        smallest loss for small samples) to the threshold leaving ``min_exceed``
        exceedances.
    level : float, default 0.95
        Level of the Wald intervals.

    Returns
    -------
    pandas.DataFrame
        One row per threshold: ``threshold``, ``n_exceed``, ``xi``, ``xi_lower``,
        ``xi_upper``, ``sigma_star``, ``sigma_star_lower``, ``sigma_star_upper``,
        ``converged``.

    Notes
    -----
    If the excesses over :math:`u_0` are GPD(:math:`\xi, \sigma_0`), those over any
    :math:`u > u_0` are GPD(:math:`\xi, \sigma_0 + \xi(u - u_0)`): above a suitable threshold
    :math:`\hat\xi` and the modified scale :math:`\sigma^* = \sigma_u - \xi u` are constant
    up to noise (Coles 2001, sect. 4.3.4). The interval of :math:`\sigma^*` uses the delta
    method, :math:`\mathrm{var}\,\sigma^* = \mathrm{var}\,\sigma - 2u\,\mathrm{cov}(\sigma,
    \xi) + u^2\,\mathrm{var}\,\xi`.
    """
    x = _positive(losses)
    us = (
        _default_thresholds(x, n_thresholds, min_exceed)
        if thresholds is None
        else np.asarray(thresholds, dtype=float)
    )
    zq = float(stats.norm.ppf(0.5 + level / 2))
    rows = []
    for u in us:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            r = fit_pot(x, u)
        c = r.cov
        s_star = r.sigma - r.xi * u
        v_star = c[1, 1] - 2 * u * c[0, 1] + u * u * c[0, 0]
        se_star = math.sqrt(v_star) if v_star >= 0 else math.nan
        rows.append(
            {
                "threshold": float(u),
                "n_exceed": r.n_exceed,
                "xi": r.xi,
                "xi_lower": r.xi - zq * r.se["xi"],
                "xi_upper": r.xi + zq * r.se["xi"],
                "sigma_star": s_star,
                "sigma_star_lower": s_star - zq * se_star,
                "sigma_star_upper": s_star + zq * se_star,
                "converged": r.converged,
            }
        )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- threshold choice
@dataclass(frozen=True)
class ThresholdChoice:
    """Result of :func:`suggest_threshold`.

    Attributes
    ----------
    threshold : float
        The suggested threshold (NaN when every candidate was rejected).
    n_exceed : int
        Exceedances of the suggested threshold.
    table : pandas.DataFrame
        Per candidate: ``threshold``, ``n_exceed``, ``xi``, ``ad`` (Anderson-Darling
        statistic), ``p_value``, ``n_failed`` (bootstrap refits that failed and were left
        out), ``forward_stop`` (the ForwardStop statistic) and ``rejected``.
    alpha : float
        False-discovery-rate level.
    n_boot : int
        Bootstrap replicates per candidate.
    seed : int or list of int
        Entropy of the root SeedSequence.
    fit : PotResult or None
        The POT fit at the suggested threshold.
    message : str
        How the choice was made.
    """

    threshold: float
    n_exceed: int
    table: pd.DataFrame = field(repr=False)
    alpha: float
    n_boot: int
    seed: Any
    fit: PotResult | None = field(repr=False)
    message: str


def _ad_pvalue(
    y: np.ndarray, n_boot: int, ss: np.random.SeedSequence
) -> tuple[float, float, float]:
    """(xi, AD statistic, bootstrap p-value) of a GPD fitted to excesses ``y``."""
    obj, res = _gpd_mle(y)
    theta, ok = res.free, res.success
    if not ok:
        return float(theta[0]), math.nan, math.nan, 0
    p = np.array([theta[0], math.exp(theta[1]), 0.0])
    ls = _GPD.logsf(p, y)[0]
    stat = edf_statistics(-np.expm1(ls), np.exp(ls), tests=("ad",))["ad"]
    h0 = np.linalg.inv(obj.hessian(theta))
    h0 = 0.5 * (h0 + h0.T)
    h0 = h0 if np.all(np.linalg.eigvalsh(h0) > 0) else None
    count, valid = 0, 0
    for child in ss.spawn(n_boot):
        g = np.random.Generator(np.random.PCG64(child))
        u = 1.0 - g.random(y.size)
        xi, s = p[0], p[1]
        yb = s * np.expm1(-xi * np.log(u)) / xi if abs(xi) > 1e-12 else -s * np.log(u)
        _, rb = _gpd_mle(yb, start=theta, hess_inv0=h0, fallback=False)
        tb = rb.free
        if not rb.success:
            continue
        lsb = _GPD.logsf(np.array([tb[0], math.exp(tb[1]), 0.0]), yb)[0]
        sb = edf_statistics(-np.expm1(lsb), np.exp(lsb), tests=("ad",))["ad"]
        valid += 1
        count += sb >= stat
    pv = (1 + count) / (1 + valid) if valid else math.nan
    return float(theta[0]), float(stat), float(pv), n_boot - valid


def suggest_threshold(
    losses,
    thresholds=None,
    *,
    alpha: float = 0.05,
    n_boot: int = 199,
    rng: RNGLike = None,
    n_thresholds: int = 20,
    min_exceed: int = 20,
) -> ThresholdChoice:
    r"""Suggest a POT threshold by sequential goodness-of-fit testing with ForwardStop.

    Parameters
    ----------
    losses : array_like
        Positive losses.
    thresholds : array_like, optional
        Increasing candidate thresholds; default ``n_thresholds`` quantiles (see
        :func:`gpd_stability`), the highest leaving ``min_exceed`` exceedances.
    alpha : float, default 0.05
        Level at which ForwardStop controls the false discovery rate.
    n_boot : int, default 199
        Parametric-bootstrap replicates per candidate for the Anderson-Darling p-values.
        The smallest p-value is :math:`1/(n_\text{boot} + 1)`, so ForwardStop can reject only
        if :math:`-\log(1 - 1/(n_\text{boot}+1)) \le \alpha` (``n_boot >= 20`` at 0.05).
    rng : int, Generator, SeedSequence or None
        Randomness (SPEC 7); candidate ``i`` uses child ``i`` of the root SeedSequence.

    Returns
    -------
    ThresholdChoice

    Notes
    -----
    The method of Bader, Yan & Zhang (2018). For each candidate :math:`u_1 < \dots < u_l` the
    null hypothesis :math:`H_i`: "the excesses over :math:`u_i` are GPD" is tested with the
    Anderson-Darling statistic of the fitted GPD; its p-value :math:`p_i` comes from a
    parametric bootstrap that refits every replicate (Bader et al. use a tabulated
    approximation instead). The hypotheses are nested (a GPD above :math:`u_i` stays GPD
    above :math:`u_j > u_i`), so rejections are taken in order with the ForwardStop rule of
    G'Sell et al. (2016):

    .. math:: \hat k = \max\Big\{k : -\frac1k \sum_{i=1}^k \log(1 - p_i) \le \alpha\Big\},

    rejecting :math:`H_1, \dots, H_{\hat k}` with false discovery rate at most
    :math:`\alpha`; the suggestion is :math:`u_{\hat k + 1}`, the lowest threshold not
    rejected (:math:`u_1` when :math:`\hat k = 0`; NaN with a warning when all are).

    References
    ----------
    .. [1] B. Bader, J. Yan and X. Zhang, "Automated threshold selection for extreme value
       analysis via ordered goodness-of-fit tests with adjustment for false discovery
       rate", Annals of Applied Statistics 12 (2018) 310-329.
    .. [2] M. G. G'Sell, S. Wager, A. Chouldechova and R. Tibshirani, "Sequential selection
       procedures and false discovery rate control", JRSS B 78 (2016) 423-444.
    """
    x = _positive(losses)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha: must lie strictly between 0 and 1, got {alpha}")
    if int(n_boot) < 1:
        raise ValueError(f"n_boot: must be >= 1, got {n_boot}")
    us = (
        _default_thresholds(x, n_thresholds, min_exceed)
        if thresholds is None
        else np.sort(np.asarray(thresholds, dtype=float))
    )
    root = as_seed_sequence(rng)
    kids = root.spawn(us.size)
    rows = []
    for u, ss in zip(us, kids, strict=True):
        y = x[x > u] - u
        if y.size < 3:
            raise ValueError(f"thresholds: only {y.size} losses exceed {u:g}; need at least 3")
        xi, ad, pv, failed = _ad_pvalue(y, int(n_boot), ss)
        rows.append(
            {
                "threshold": float(u),
                "n_exceed": int(y.size),
                "xi": xi,
                "ad": ad,
                "p_value": pv,
                "n_failed": failed,
            }
        )
    table = pd.DataFrame(rows)
    p = table["p_value"].to_numpy()
    if np.isnan(p).any():
        bad = table.loc[np.isnan(p), "threshold"].tolist()
        raise ValueError(f"the GPD fit failed at threshold(s) {bad}; choose other candidates")
    fs = np.cumsum(-np.log1p(-np.minimum(p, 1 - 1e-16))) / np.arange(1, p.size + 1)
    below = np.flatnonzero(fs <= alpha)
    k_hat = int(below[-1] + 1) if below.size else 0
    table["forward_stop"] = fs
    table["rejected"] = np.arange(p.size) < k_hat
    if k_hat == p.size:
        warnings.warn(
            "suggest_threshold: every candidate threshold was rejected; the GPD does not fit "
            "the excesses over any of them",
            RiskModelWarning,
            stacklevel=2,
        )
        return ThresholdChoice(
            math.nan, 0, table, alpha, int(n_boot), seed_of(root), None, "every candidate rejected"
        )
    u_hat = float(us[k_hat])
    return ThresholdChoice(
        threshold=u_hat,
        n_exceed=int(np.sum(x > u_hat)),
        table=table,
        alpha=float(alpha),
        n_boot=int(n_boot),
        seed=seed_of(root),
        fit=fit_pot(x, u_hat),
        message=f"ForwardStop rejected the {k_hat} lowest of {p.size} candidates",
    )
