"""Maximum-likelihood fitting of severity distributions to truncated and censored losses."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from .._errors import ConvergenceWarning
from .._rng import RNGLike
from ..severity import Severity, get_family
from ..severity._families import family_spec
from ..severity._wrappers import _MIN_MASS, mass_above
from ._loglik import Design, Objective, Space, maximise

if TYPE_CHECKING:
    from ._gof import GofResult
    from ._profile import ProfileInterval

__all__ = ["SeverityFit", "fit_severity"]


@dataclass(frozen=True)
class SeverityFit:
    """Result of :func:`fit_severity`: a fitted distribution with its uncertainty.

    Attributes
    ----------
    dist : Severity
        The fitted (untruncated, uncapped) distribution. ``dist.truncated(lower=threshold)`` is
        the distribution of the losses one observes above a reporting threshold; see
        :attr:`observed`.
    family : str
        Name of the family class.
    params, se : dict
        Maximum-likelihood estimates and their standard errors (observed information, delta
        method from the unconstrained scale). A parameter held fixed has standard error 0.
    fixed : dict
        Parameters held fixed during the fit (e.g. the Pareto ``xm``).
    cov : ndarray
        Covariance matrix of the estimates, in the order of ``params``.
    theta, cov_theta : ndarray
        The estimates on the family's unconstrained scale (``dist._to_theta()``) and their
        covariance (zero rows and columns for fixed parameters), for parameter uncertainty.
    loglik, aic, bic : float
        Maximised log-likelihood and information criteria (``k`` counts free parameters).
    n_obs, n_censored : int
        Number of observations, and how many of them are censored at the cap.
    converged : bool
        Whether the optimiser reported success and the Hessian was positive definite.
    message : str
        The optimiser's message, and any problem found.
    losses, truncation, upper, cap : ndarray
        The data and its observation scheme (one value per loss, or None).
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
    fixed: dict[str, float] = field(default_factory=dict)
    _space: Space | None = field(default=None, repr=False, compare=False)
    _design: Design | None = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------------ basics
    @property
    def k(self) -> int:
        """Number of estimated (free) parameters."""
        return len(self.params) - sum(1 for p in self.fixed if p in self.params)

    @property
    def design(self) -> Design:
        """The losses and their observation scheme."""
        if self._design is not None:
            return self._design
        return Design.make(self.losses, self.truncation, self.upper, self.cap)

    @property
    def observed(self) -> Severity:
        """The fitted distribution of an observed loss: truncated and capped as the data were.

        Raises
        ------
        ValueError
            When the truncation points or caps differ between observations: there is then
            no single distribution of an observed loss (use the probability integral
            transform of :func:`riskmodel.fit._gof.pit`).
        """
        d = self.dist
        lo = _common(self.truncation, "truncation")
        hi = _common(self.upper, "upper")
        if lo is not None or hi is not None:
            d = d.truncated(lower=lo, upper=hi)
        cp = _common(self.cap, "cap")
        if cp is not None:
            d = d.capped(cp)
        return d

    # ------------------------------------------------------------------ inference
    def profile_interval(self, param: str | None = None, level: float = 0.95) -> ProfileInterval:
        """Profile-likelihood confidence interval for one parameter (default the tail one).

        See :func:`riskmodel.fit._profile.profile_interval`.
        """
        from ._profile import profile_interval

        return profile_interval(self, param=param, level=level)

    def gof(
        self,
        n_boot: int = 999,
        rng: RNGLike = None,
        tests: tuple[str, ...] = ("ks", "cvm", "ad", "adup"),
        *,
        n_jobs: int = 1,
        progress: bool = False,
        backend: str = "numba",
        client=None,
    ) -> GofResult:
        """Goodness-of-fit statistics with parametric-bootstrap p-values.

        See :func:`riskmodel.fit.gof_severity`.
        """
        from ._gof import gof_severity

        return gof_severity(
            self,
            n_boot=n_boot,
            rng=rng,
            tests=tests,
            n_jobs=n_jobs,
            progress=progress,
            backend=backend,
            client=client,
        )

    def plot(self, kind: str = "qq", ax=None):
        """Diagnostic plot: ``"qq"``, ``"pp"``, ``"survival"`` (log-log) or ``"density"``.

        Returns the matplotlib Axes. See :mod:`riskmodel.plots`.
        """
        from .. import plots

        kinds = {
            "qq": plots.qq_plot,
            "pp": plots.pp_plot,
            "survival": plots.survival_plot,
            "density": plots.density_plot,
        }
        if kind not in kinds:
            raise ValueError(f"kind: expected one of {sorted(kinds)}, got {kind!r}")
        return kinds[kind](self, ax=ax)

    def with_theta(self, theta) -> Severity:
        """The family's distribution at a full unconstrained vector ``theta``.

        Fixed fields (the Pareto ``xm``, a generalized Pareto threshold, which ``theta`` may
        not carry) are set exactly; use it to draw parameter uncertainty from
        ``(theta, cov_theta)``.
        """
        th = np.asarray(theta, dtype=float)
        if th.shape != self.theta.shape:
            raise ValueError(f"theta: expected shape {self.theta.shape}, got {th.shape}")
        return self._space.dist(th[self._space.free])

    def refit(self, losses: np.ndarray) -> tuple[np.ndarray, bool]:
        """Refit new losses under the same observation scheme, warm-started at this fit.

        Fast path for the bootstrap: returns the free parameters on the unconstrained scale
        and whether the optimiser converged; no standard errors.
        """
        obj = Objective(self._space, self.design.with_losses(np.asarray(losses, float)))
        free = self._space.free
        h0 = self.cov_theta[np.ix_(free, free)]
        h0 = 0.5 * (h0 + h0.T)
        ok = np.all(np.isfinite(h0)) and np.all(np.linalg.eigvalsh(h0) > 0)
        res = maximise(obj, self.theta[free], hess_inv0=h0 if ok else None)
        return res.free, res.success

    # ------------------------------------------------------------------ output
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
            se = "(fixed)" if name in self.fixed else f"{self.se[name]:.4g}"
            lines.append(f"{name:<12}{val:>16.6g}{se:>16}")
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
            "fixed": dict(self.fixed),
            "cov": self.cov.tolist(),
            "loglik": self.loglik,
            "aic": self.aic,
            "bic": self.bic,
            "k": self.k,
            "n_obs": self.n_obs,
            "n_censored": self.n_censored,
            "converged": self.converged,
            "message": self.message,
        }


def _common(arr: np.ndarray | None, name: str) -> float | None:
    if arr is None:
        return None
    u = np.unique(arr)
    if u.size != 1:
        raise ValueError(
            f"{name}: {u.size} different values across observations; the observed losses "
            "have no single distribution"
        )
    v = float(u[0])
    return None if (name != "truncation" and not math.isfinite(v)) else v


def _as_bound(value, n: int, name: str) -> np.ndarray | None:
    if value is None:
        return None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}: must be numbers, got {value!r:.80} ({exc})") from None
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(
            f"{name}: expected a scalar or {n} values (one per loss), got {arr.shape}"
        )
    if np.isnan(arr).any():
        raise ValueError(f"{name}: contains NaN at positions {np.flatnonzero(np.isnan(arr))[:5]}")
    return arr


def check_losses(losses, truncation=None, upper=None, cap=None):
    """Validate losses and their bounds; return float arrays ``(x, lower, upper, cap)``."""
    try:
        x = np.asarray(losses, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"losses: must be numbers, got {losses!r:.80} ({exc})") from None
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
    trunc = _as_bound(truncation, n, "truncation")
    up = _as_bound(upper, n, "upper")
    cp = _as_bound(cap, n, "cap")
    if trunc is not None:
        if (trunc < 0).any():
            raise ValueError("truncation: must be >= 0")
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
    return x, trunc, up, cp


def default_fixed(cls: type[Severity], x: np.ndarray, trunc: np.ndarray | None) -> dict:
    """Fields that are not estimated by maximum likelihood unless given.

    The field where the support starts (the family's ``spec.support_start``) is held at the
    smallest truncation point. Without truncation a fitted parameter there (the Pareto ``xm``,
    whose likelihood grows without bound as it rises to the smallest loss) is held at the
    smallest loss, and a field that is no fitted parameter (a ``GeneralizedPareto`` threshold)
    keeps its default.
    """
    spec = family_spec(cls)
    start = spec.support_start if spec is not None else None
    if start is None:
        return {}
    if trunc is not None:
        return {start: float(trunc.min())}
    if start in cls.param_names:
        return {start: float(x.min())}
    return {}


def fit_severity(
    losses,
    family,
    *,
    truncation=None,
    cap=None,
    upper=None,
    start: Severity | None = None,
    fixed: dict[str, float] | None = None,
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
    fixed : dict, optional
        Fields held at given values, e.g. ``{"xm": 1e7}`` for a Pareto (the same as passing
        ``Pareto.with_fixed(xm=1e7)`` as the family). By default the Pareto ``xm`` is held at
        the smallest truncation point (or the smallest loss) and a ``GeneralizedPareto``
        threshold at the smallest truncation point; pass ``fixed`` to override.

    Returns
    -------
    SeverityFit

    Notes
    -----
    The log-likelihood is

    .. math:: \ell(\theta) = \sum_{i\,\text{exact}} \log f(x_i) + \sum_{i\,\text{censored}}
              \log S(c_i) - \sum_i \log\left(S(t_i) - S(u_i)\right),

    maximised over unconstrained parameters (logs of positive parameters). The lognormal
    without truncation or censoring, and the Pareto with a fixed ``xm``
    (:math:`\hat\alpha = n_\text{exact} / \sum_i \log(x_i / \max(t_i, x_m))`), have closed
    forms; otherwise BFGS runs with analytic scores where the family has them (lognormal,
    Pareto, generalized Pareto, Lomax, Weibull, log-logistic, Burr, gamma and log-gamma, whose
    shape derivative of the survival function is a finite difference) and finite
    differences otherwise, falling back to Nelder-Mead. Standard errors come from the
    inverse of the Hessian of :math:`-\ell` (observed information), carried to the natural
    parameters by the delta method.

    Examples
    --------
    >>> from riskmodel.severity import LogNormal
    >>> x = LogNormal(14.0, 2.0).truncated(lower=1e6).sample(500, rng=1)
    >>> fit = fit_severity(x, "lognormal", truncation=1e6)
    >>> abs(fit.params["mu"] - 14.0) < 4 * fit.se["mu"]
    True
    """
    cls = get_family(family)
    x, trunc, up, cp = check_losses(losses, truncation, upper, cap)
    n = x.size
    given = {k: float(v) for k, v in (fixed or {}).items()}
    if cls.fixed_params:  # a family from Severity.with_fixed: fit its base with those fields
        given = {**cls.fixed_params, **given}
        cls = next(c for c in cls.__mro__[1:] if not c.fixed_params)
    unknown = sorted(set(given) - {f.name for f in fields(cls)})
    if unknown:
        raise ValueError(
            f"fixed: {cls.__name__} has no parameter(s) {unknown}; its parameters are "
            f"{list(cls.param_names)}"
        )
    fixed_all = {**default_fixed(cls, x, trunc), **given}
    if start is None:
        try:
            start = cls._start_fixed(x, fixed_all)
        except (ValueError, FloatingPointError, ZeroDivisionError) as exc:
            raise ValueError(f"{cls.__name__}: no start values from the data ({exc})") from exc
    space = Space(cls, fixed_all, start)
    design = Design.make(x, trunc, up, cp)
    obj = Objective(space, design)
    res = maximise(obj, space.start_free(start))
    converged = res.success
    message = res.message
    free = res.free
    dist = space.dist(free)
    if converged and trunc is not None and not mass_above(dist, float(trunc.min())):
        converged = False
        message += (
            f"; the fitted {cls.__name__} puts less than {_MIN_MASS:g} of its probability "
            f"above the truncation point {float(trunc.min()):g}: the likelihood rises towards a "
            "boundary of the parameter space (for a lognormal, mu -> -inf and sigma -> inf: "
            "a power law) and has no finite maximum; fit a Pareto or a GPD to these losses"
        )
    names = list(cls.param_names)
    k_all = len(names)

    cov_free = np.full((space.k, space.k), np.nan)
    if math.isfinite(res.nll):
        hess = obj.hessian(free)
        if np.all(np.isfinite(hess)):
            try:
                np.linalg.cholesky(hess)
                cov_free = np.linalg.inv(hess)
            except np.linalg.LinAlgError:
                converged = False
                message += "; the Hessian is not positive definite (no standard errors)"
        else:
            converged = False
            message += "; the Hessian could not be computed"
    else:
        converged = False
    cov_theta = np.zeros((k_all, k_all))
    cov_theta[np.ix_(space.free, space.free)] = cov_free

    theta_full = space.full(free)
    jac = _natural_jacobian(space, free, names)
    cov = jac @ cov_free @ jac.T
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    se[~np.isfinite(np.diag(cov))] = np.nan
    if not converged:
        warnings.warn(
            f"fit_severity({cls.__name__}): the fit did not converge ({message}); "
            "treat its estimates with caution",
            ConvergenceWarning,
            stacklevel=2,
        )
    loglik = -float(res.nll)
    k = space.k
    return SeverityFit(
        dist=dist,
        family=cls.__name__,
        params={p: float(getattr(dist, p)) for p in names},
        se={p: float(s) for p, s in zip(names, se, strict=True)},
        cov=cov,
        cov_theta=cov_theta,
        theta=theta_full,
        loglik=loglik,
        aic=2 * k - 2 * loglik,
        bic=k * math.log(n) - 2 * loglik,
        n_obs=n,
        n_censored=int(design.censored.sum()),
        converged=converged,
        message=message,
        losses=x.copy(),
        truncation=trunc,
        upper=up,
        cap=cp,
        fixed=fixed_all,
        _space=space,
        _design=design,
    )


def _natural_jacobian(space: Space, free: np.ndarray, names: list[str]) -> np.ndarray:
    """d (natural parameters) / d (free theta), by central differences."""
    k = space.k
    jac = np.zeros((len(names), k))
    for j in range(k):
        h = 1e-6 * max(1.0, abs(free[j]))
        e = np.zeros(k)
        e[j] = h
        dp = space.dist(free + e)
        dm = space.dist(free - e)
        jac[:, j] = [(getattr(dp, p) - getattr(dm, p)) / (2 * h) for p in names]
    return jac
