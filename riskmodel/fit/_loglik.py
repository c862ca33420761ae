"""The truncated / censored log-likelihood of a severity family, and a fast optimiser for it.

This module is the engine under :func:`riskmodel.fit.fit_severity`, the bootstrap of
:mod:`riskmodel.fit._gof` and the profile likelihood. It keeps three things apart:

- :class:`Design`: the data and its observation scheme (left truncation, right truncation and
  censoring per observation), with repeated truncation points compressed so that a common
  reporting threshold costs one survival-function evaluation, not ``n``.
- :class:`Space`: the free parameters. A family maps its parameters to an unconstrained vector
  ``theta`` (``_to_theta`` / ``_from_theta``, one component per parameter, by the transforms
  its spec declares); fixed parameters (``Pareto`` ``xm``, a ``GeneralizedPareto`` threshold)
  are held at their value.
- :class:`Objective`: the negative log-likelihood, with the analytic scores of the family's
  ``spec.loglik`` (:class:`riskmodel.severity.LogLik`) where it has them, so that the
  optimiser gets exact gradients; other families fall back to finite differences.

Closed forms are used where the family's ``spec.loglik.closed_form`` gives one: the
untruncated, uncensored lognormal (mean and standard deviation of the log losses) and the
Pareto with a fixed ``xm`` (a Hill-type estimator).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
from scipy import optimize

from ..severity import LogLik, Severity
from ..severity._families import family_spec

__all__ = ["Design", "MLEResult", "Objective", "Space", "maximise"]


# ----------------------------------------------------------------------------- design
@dataclass(frozen=True)
class Design:
    """Losses and their observation scheme.

    Attributes
    ----------
    x : ndarray
        All recorded losses (censored ones recorded at their cap).
    censored : ndarray of bool
        True where the loss is censored at its cap (``x >= cap``).
    lower, upper, cap : ndarray or None
        Per-observation left truncation, right truncation and censoring limit.
    groups : tuple or None
        Unique (lower, upper) pairs and their counts; None without truncation.
    """

    x: np.ndarray
    censored: np.ndarray
    lower: np.ndarray | None
    upper: np.ndarray | None
    cap: np.ndarray | None
    groups: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    @classmethod
    def make(cls, x, lower=None, upper=None, cap=None, groups=None) -> Design:
        """Build a design; ``x`` and bounds must already be validated 1-d float arrays."""
        cens = np.zeros(x.shape, bool) if cap is None else x >= cap
        if groups is None and (lower is not None or upper is not None):
            lo = np.zeros(x.size) if lower is None else lower
            hi = np.full(x.size, np.inf) if upper is None else upper
            pairs, counts = np.unique(np.stack([lo, hi], axis=1), axis=0, return_counts=True)
            groups = (pairs[:, 0].copy(), pairs[:, 1].copy(), counts.astype(float))
        return cls(x=x, censored=cens, lower=lower, upper=upper, cap=cap, groups=groups)

    @property
    def n(self) -> int:
        return int(self.x.size)

    @property
    def x_obs(self) -> np.ndarray:
        return self.x[~self.censored]

    @property
    def x_cens(self) -> np.ndarray:
        return self.x[self.censored]

    def with_losses(self, x: np.ndarray) -> Design:
        """The same observation scheme with new losses (for the bootstrap)."""
        return Design.make(x, self.lower, self.upper, self.cap, groups=self.groups)


# ----------------------------------------------------------------------------- parameter space
class Space:
    """Free parameters of a family, with some parameters held fixed.

    Parameters
    ----------
    cls : Severity subclass
    fixed : dict
        Parameter (or other constructor field) values to hold fixed.
    start : Severity
        A member of the family; fixed values are substituted into it.
    """

    def __init__(self, cls: type[Severity], fixed: dict[str, float], start: Severity):
        self.cls = cls
        self.names = tuple(cls.param_names)
        field_names = {f.name for f in fields(cls)}
        unknown = set(fixed) - field_names
        if unknown:
            raise ValueError(
                f"fixed: {cls.__name__} has no parameter(s) {sorted(unknown)}; "
                f"its parameters are {list(self.names)}"
            )
        self.fixed = {k: float(v) for k, v in fixed.items()}
        base = replace(start, **self.fixed) if self.fixed else start
        self.theta_full0 = np.asarray(base._to_theta(), dtype=float)
        if self.theta_full0.size != len(self.names):
            raise ValueError(
                f"{cls.__name__}: _to_theta gives {self.theta_full0.size} values for "
                f"{len(self.names)} parameters"
            )
        self.free = np.array([i for i, n in enumerate(self.names) if n not in self.fixed], int)
        if self.free.size == 0:
            raise ValueError("fixed: every parameter is fixed; nothing to estimate")
        self.free_names = tuple(self.names[i] for i in self.free)

    @property
    def k(self) -> int:
        return int(self.free.size)

    def full(self, free: np.ndarray) -> np.ndarray:
        th = self.theta_full0.copy()
        th[self.free] = free
        return th

    def dist(self, free: np.ndarray) -> Severity:
        d = self.cls._from_theta(self.full(free))
        # set fixed fields exactly (exp(log(xm)) may differ from xm in the last bit)
        return replace(d, **self.fixed) if self.fixed else d

    def start_free(self, start: Severity) -> np.ndarray:
        d = replace(start, **self.fixed) if self.fixed else start
        return np.asarray(d._to_theta(), dtype=float)[self.free]


# ----------------------------------------------------------------------------- objective
class Objective:
    """Negative log-likelihood (and its gradient where a kernel exists) of free parameters."""

    def __init__(self, space: Space, design: Design):
        self.space = space
        self.design = design
        self.x_obs = design.x_obs
        self.x_cens = design.x_cens
        self.groups = design.groups
        spec = family_spec(space.cls)  # a registered family: its analytic pieces, if any
        self.kernel: LogLik | None = spec.loglik if spec is not None else None
        self._params = spec.params if spec is not None else ()

    # generic path --------------------------------------------------------------------
    def _nll_generic(self, d: Severity) -> float:
        with np.errstate(all="ignore"):
            ll = float(np.sum(d.logpdf(self.x_obs)))
            if self.x_cens.size:
                ll += float(np.sum(d.logsf(self.x_cens)))
            if self.groups is not None:
                lo, hi, cnt = self.groups
                ls_lo = np.atleast_1d(np.asarray(d.logsf(lo), dtype=float))
                fin = np.isfinite(hi)
                if fin.any():
                    ls_hi = np.full(hi.shape, -np.inf)
                    ls_hi[fin] = d.logsf(hi[fin])
                    ll -= float(np.sum(cnt * (ls_lo + np.log1p(-np.exp(ls_hi - ls_lo)))))
                else:
                    ll -= float(np.sum(cnt * ls_lo))
        return -ll if math.isfinite(ll) else math.inf

    def nll(self, free: np.ndarray) -> float:
        try:
            d = self.space.dist(free)
        except (ValueError, OverflowError, ZeroDivisionError):
            return math.inf
        if self.kernel is None:
            return self._nll_generic(d)
        return self._value_grad(d, want_grad=False)[0]

    def nll_grad(self, free: np.ndarray):
        """(nll, gradient in the free theta); gradient by the kernel."""
        try:
            d = self.space.dist(free)
        except (ValueError, OverflowError, ZeroDivisionError):
            return math.inf, np.zeros(self.space.k)
        return self._value_grad(d, want_grad=True)

    def _value_grad(self, d: Severity, want_grad: bool):
        kern = self.kernel
        p = kern.params(d)
        with np.errstate(all="ignore"):
            lp, glp = kern.logpdf(p, self.x_obs)
            ll = float(np.sum(lp))
            g = glp.sum(axis=1)
            if self.x_cens.size:
                ls, gls = kern.logsf(p, self.x_cens)
                ll += float(np.sum(ls))
                g = g + gls.sum(axis=1)
            if self.groups is not None:
                lo, hi, cnt = self.groups
                l_lo, g_lo = kern.logsf(p, lo)
                # no left truncation (lower = 0): S(0) = 1 exactly, whatever the parameters;
                # the kernels' formulas give 0 * inf = nan there
                none = lo <= 0.0
                l_lo = np.where(none, 0.0, l_lo)
                g_lo = np.where(none, 0.0, g_lo)
                fin = np.isfinite(hi)
                if fin.any():
                    l_hi, g_hi = kern.logsf(p, np.where(fin, hi, lo))
                    l_hi = np.where(fin, l_hi, -np.inf)
                    r = np.exp(l_hi - l_lo)  # S(u)/S(t)
                    ll -= float(np.sum(cnt * (l_lo + np.log1p(-r))))
                    gt = (g_lo - np.where(fin, r, 0.0) * g_hi) / (1.0 - r)
                    g = g - (gt * cnt).sum(axis=1)
                else:
                    ll -= float(np.sum(cnt * l_lo))
                    g = g - (g_lo * cnt).sum(axis=1)
        if not math.isfinite(ll):
            return math.inf, np.zeros(self.space.k)
        chain = np.array([prm.dvalue_dtheta(v) for prm, v in zip(self._params, p, strict=False)])
        grad = -(g[: chain.size] * chain)[self.space.free]
        if not np.all(np.isfinite(grad)):
            return -ll, np.zeros(self.space.k)
        return -ll, grad

    def hessian(self, free: np.ndarray) -> np.ndarray:
        """Observed information: Hessian of the negative log-likelihood at ``free``."""
        k = self.space.k
        if self.kernel is not None:
            h = np.empty((k, k))
            for j in range(k):
                step = 1e-5 * max(1.0, abs(free[j]))
                e = np.zeros(k)
                e[j] = step
                gp = self.nll_grad(free + e)[1]
                gm = self.nll_grad(free - e)[1]
                h[:, j] = (gp - gm) / (2 * step)
            return 0.5 * (h + h.T)
        from statsmodels.tools.numdiff import approx_hess3

        with np.errstate(all="ignore"):
            return approx_hess3(free, self.nll)


# ----------------------------------------------------------------------------- closed forms
def closed_form(obj: Objective) -> np.ndarray | None:
    """Free theta of the MLE when the family's log-likelihood pieces give a closed form."""
    if obj.kernel is None:
        return None
    return obj.kernel.closed_form(obj.design, obj.space.fixed, obj.space.free_names)


# ----------------------------------------------------------------------------- optimiser
@dataclass(frozen=True)
class MLEResult:
    """Optimiser output on the free theta scale."""

    free: np.ndarray
    nll: float
    success: bool
    message: str
    nit: int
    extra: dict[str, Any]


def maximise(
    obj: Objective, start: np.ndarray, *, hess_inv0: np.ndarray | None = None, polish: bool = True
) -> MLEResult:
    """Minimise the negative log-likelihood from ``start``.

    Closed forms first; then BFGS with the analytic gradient where there is one (numeric
    otherwise); Nelder-Mead as a fallback when BFGS fails, polished by BFGS. ``hess_inv0``
    (e.g. the covariance of a previous fit to similar data) seeds the BFGS inverse Hessian,
    which cuts the iterations of a warm-started refit.
    """
    cf = closed_form(obj)
    if cf is not None:
        val = obj.nll(cf)
        if math.isfinite(val):
            return MLEResult(cf, val, True, "closed form", 0, {})
    start = np.asarray(start, dtype=float)
    if not math.isfinite(obj.nll(start)):
        return MLEResult(
            start, math.inf, False, "the log-likelihood is not finite at the start", 0, {}
        )
    # the score is a sum over n losses: an absolute tolerance that grows like sqrt(n) keeps
    # the error in theta far below its standard error without chasing rounding noise
    opts: dict[str, Any] = {"gtol": 1e-5 * math.sqrt(max(obj.design.n, 1))}
    if hess_inv0 is not None:
        opts["hess_inv0"] = hess_inv0
    if obj.kernel is not None:
        res = optimize.minimize(obj.nll_grad, start, jac=True, method="BFGS", options=opts)
    else:
        res = optimize.minimize(obj.nll, start, method="BFGS", options=opts)
    best = res
    ok = bool(res.success and np.isfinite(res.fun))
    if not ok and np.isfinite(res.fun) and _gradient_small(obj, res.x):
        # BFGS often stops with "precision loss" at the optimum itself
        ok = True
    if not ok and polish:
        nm = optimize.minimize(
            obj.nll,
            res.x if np.isfinite(res.fun) else start,
            method="Nelder-Mead",
            options={"maxiter": 4000 * start.size, "xatol": 1e-10, "fatol": 1e-12},
        )
        if np.isfinite(nm.fun) and (nm.fun <= res.fun or not np.isfinite(res.fun)):
            best = nm
            again = (
                optimize.minimize(obj.nll_grad, nm.x, jac=True, method="BFGS")
                if obj.kernel is not None
                else optimize.minimize(obj.nll, nm.x, method="BFGS")
            )
            if again.fun <= nm.fun:
                best = again
        ok = bool(best.success and np.isfinite(best.fun))
        if not ok and np.isfinite(best.fun):
            ok = _gradient_small(obj, best.x)
    return MLEResult(
        np.asarray(best.x, float),
        float(best.fun),
        ok,
        str(best.message),
        int(best.get("nit", 0)),
        {},
    )


def _gradient_small(obj: Objective, free: np.ndarray, tol: float = 1e-3) -> bool:
    """Whether the score at ``free`` is negligible (relative to the sample size)."""
    if obj.kernel is not None:
        g = obj.nll_grad(free)[1]
    else:
        g = optimize.approx_fprime(free, obj.nll, 1e-7)
    return bool(np.all(np.isfinite(g)) and np.max(np.abs(g)) < tol * max(1, obj.design.n))
