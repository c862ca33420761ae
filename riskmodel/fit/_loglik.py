"""The truncated / censored log-likelihood of a severity family, and a fast optimiser for it.

This module is the engine under :func:`riskmodel.fit.fit_severity`, the bootstrap of
:mod:`riskmodel.fit._gof` and the profile likelihood. It keeps three things apart:

- :class:`Design`: the data and its observation scheme (left truncation, right truncation and
  censoring per observation), with repeated truncation points compressed so that a common
  reporting threshold costs one survival-function evaluation, not ``n``.
- :class:`Space`: the free parameters. A family maps its parameters to an unconstrained vector
  ``theta`` (``_to_theta`` / ``_from_theta``, one component per parameter); fixed parameters
  (``Pareto`` ``xm``, a ``GeneralizedPareto`` threshold) are held at their value.
- analytic score functions (:data:`KERNELS`) for the families where they are short, so that the
  optimiser gets exact gradients; other families fall back to finite differences.

Closed forms are used where they exist: the untruncated, uncensored lognormal (mean and standard
deviation of the log losses) and the Pareto with a fixed ``xm`` (a Hill-type estimator).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
from scipy import optimize, special

from ..severity import Severity

__all__ = ["KERNELS", "Design", "MLEResult", "Objective", "Space", "maximise"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


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


# ----------------------------------------------------------------------------- kernels
class _Kernel:
    """Log-density and log-survival with their gradients in theta (one family)."""

    #: transform of each parameter to theta: "id" or "log"
    transforms: tuple[str, ...] = ()

    def params(self, d) -> np.ndarray:
        raise NotImplementedError

    def logpdf(self, p, x):
        """Return (logpdf, d logpdf / d params) with shapes (n,), (k, n)."""
        raise NotImplementedError

    def logsf(self, p, x):
        raise NotImplementedError

    def to_theta(self, p) -> np.ndarray:
        return np.array(
            [math.log(v) if t == "log" else v for v, t in zip(p, self.transforms, strict=True)]
        )

    def chain(self, p) -> np.ndarray:
        """d params / d theta (diagonal)."""
        return np.array(
            [v if t == "log" else 1.0 for v, t in zip(p, self.transforms, strict=True)]
        )


class _LogNormalKernel(_Kernel):
    transforms = ("id", "log")

    def params(self, d):
        return np.array([d.mu, d.sigma])

    def logpdf(self, p, x):
        mu, s = p
        lx = np.log(x)
        z = (lx - mu) / s
        lp = -lx - math.log(s) - _LOG_SQRT_2PI - 0.5 * z * z
        return lp, np.stack([z / s, (z * z - 1.0) / s])

    def logsf(self, p, x):
        mu, s = p
        z = (np.log(x) - mu) / s
        ls = special.log_ndtr(-z)
        h = np.exp(-0.5 * z * z - _LOG_SQRT_2PI - ls)  # phi(z) / Phi(-z)
        return ls, np.stack([h / s, h * z / s])


class _ParetoKernel(_Kernel):
    """Pareto I, alpha free (xm is always held fixed when fitting)."""

    transforms = ("log", "log")

    def params(self, d):
        return np.array([d.alpha, d.xm])

    def logpdf(self, p, x):
        a, xm = p
        r = np.log(xm / x)
        lp = np.where(x >= xm, math.log(a) - math.log(xm) + (a + 1.0) * r, -np.inf)
        return lp, np.stack([1.0 / a + r, np.full(x.shape, a / xm)])

    def logsf(self, p, x):
        a, xm = p
        r = np.minimum(np.log(xm / x), 0.0)
        return a * r, np.stack([r, np.where(x > xm, a / xm, 0.0)])


class _GPDKernel(_Kernel):
    """Generalized Pareto in the EVT sign convention, parameters (xi, sigma); threshold fixed."""

    transforms = ("id", "log")

    def __init__(self, threshold_attr: str = "threshold"):
        self.threshold_attr = threshold_attr

    def params(self, d):
        return np.array([d.xi, d.sigma, getattr(d, self.threshold_attr)])

    def to_theta(self, p):
        return np.array([p[0], math.log(p[1])])

    def chain(self, p):
        return np.array([1.0, p[1]])

    @staticmethod
    def _core(xi, s, y):
        """log w / xi, d/dxi (log w / xi) and y/(s w), with care near xi = 0."""
        t = y / s
        w = 1.0 + xi * t
        with np.errstate(invalid="ignore", divide="ignore"):
            if abs(xi) < 1e-7:
                lw_xi = t - 0.5 * xi * t * t
                dlw_xi = -0.5 * t * t
            else:
                lw = np.log1p(xi * t)
                lw_xi = lw / xi
                dlw_xi = -lw / xi**2 + t / (xi * w)
        return lw_xi, dlw_xi, t / w, w

    def logsf(self, p, x):
        xi, s, u = p
        y = np.maximum(x - u, 0.0)
        lw_xi, dlw_xi, tw, w = self._core(xi, s, y)
        ok = w > 0
        ls = np.where(ok, -lw_xi, -np.inf)
        return ls, np.stack([np.where(ok, -dlw_xi, 0.0), np.where(ok, tw / s, 0.0)])

    def logpdf(self, p, x):
        xi, s, u = p
        y = x - u
        lw_xi, dlw_xi, tw, w = self._core(xi, s, np.maximum(y, 0.0))
        ok = (w > 0) & (y >= 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            lp = -math.log(s) - lw_xi - np.log(np.where(ok, w, 1.0))
            dxi = -dlw_xi - tw
            ds = -1.0 / s + (1.0 + xi) * tw / s
        return np.where(ok, lp, -np.inf), np.stack([np.where(ok, dxi, 0.0), np.where(ok, ds, 0.0)])


class _LomaxKernel(_Kernel):
    transforms = ("log", "log")

    def params(self, d):
        return np.array([d.alpha, d.scale])

    def logsf(self, p, x):
        a, s = p
        l1 = np.log1p(x / s)
        return -a * l1, np.stack([-l1, a * x / (s * (s + x))])

    def logpdf(self, p, x):
        a, s = p
        l1 = np.log1p(x / s)
        lp = math.log(a) - math.log(s) - (a + 1.0) * l1
        ds = -1.0 / s + (a + 1.0) * x / (s * (s + x))
        return lp, np.stack([1.0 / a - l1, ds])


class _WeibullKernel(_Kernel):
    transforms = ("log", "log")

    def params(self, d):
        return np.array([d.shape, d.scale])

    def logsf(self, p, x):
        k, lam = p
        lz = np.log(x / lam)
        zk = np.exp(k * lz)
        return -zk, np.stack([-zk * lz, zk * k / lam])

    def logpdf(self, p, x):
        k, lam = p
        lz = np.log(x / lam)
        zk = np.exp(k * lz)
        lp = math.log(k) - math.log(lam) + (k - 1.0) * lz - zk
        return lp, np.stack([1.0 / k + lz - zk * lz, (-k + k * zk) / lam])


class _LogLogisticKernel(_Kernel):
    """sf = 1 / (1 + (x/scale)^shape)."""

    transforms = ("log", "log")

    def params(self, d):
        return np.array([d.shape, d.scale])

    def logsf(self, p, x):
        b, a = p
        lz = np.log(x / a)
        ls = -np.logaddexp(0.0, b * lz)
        q = special.expit(b * lz)  # z^b / (1 + z^b)
        return ls, np.stack([-q * lz, q * b / a])

    def logpdf(self, p, x):
        b, a = p
        lz = np.log(x / a)
        lp = math.log(b) - math.log(a) + (b - 1.0) * lz - 2.0 * np.logaddexp(0.0, b * lz)
        q = special.expit(b * lz)
        return lp, np.stack([1.0 / b + lz - 2.0 * q * lz, (-b + 2.0 * b * q) / a])


class _BurrKernel(_Kernel):
    """Burr XII: sf = (1 + (x/scale)^c)^(-k)."""

    transforms = ("log", "log", "log")

    def params(self, d):
        return np.array([d.c, d.k, d.scale])

    def logsf(self, p, x):
        c, k, s = p
        lz = np.log(x / s)
        l1 = np.logaddexp(0.0, c * lz)
        q = special.expit(c * lz)
        return -k * l1, np.stack([-k * q * lz, -l1, k * q * c / s])

    def logpdf(self, p, x):
        c, k, s = p
        lz = np.log(x / s)
        l1 = np.logaddexp(0.0, c * lz)
        q = special.expit(c * lz)
        lp = math.log(c) + math.log(k) - math.log(s) + (c - 1.0) * lz - (k + 1.0) * l1
        dc = 1.0 / c + lz - (k + 1.0) * q * lz
        dk = 1.0 / k - l1
        ds = (-c + (k + 1.0) * q * c) / s
        return lp, np.stack([dc, dk, ds])


def _log_q(a: float, z: np.ndarray) -> np.ndarray:
    """log of the regularized upper incomplete gamma Q(a, z)."""
    with np.errstate(divide="ignore"):
        return np.log(special.gammaincc(a, z))


def _dlog_q_da(a: float, z: np.ndarray) -> np.ndarray:
    """d/da log Q(a, z) by a central difference (Q has no closed-form shape derivative)."""
    h = 1e-6 * max(1.0, a)
    with np.errstate(all="ignore"):
        return (_log_q(a + h, z) - _log_q(a - h, z)) / (2 * h)


class _GammaKernel(_Kernel):
    """Gamma(shape a, scale s); the shape score of log S by finite differences."""

    transforms = ("log", "log")

    def params(self, d):
        return np.array([d.shape, d.scale])

    def logpdf(self, p, x):
        a, s = p
        lx = np.log(x)
        lp = (a - 1.0) * lx - x / s - a * math.log(s) - special.gammaln(a)
        return lp, np.stack([lx - math.log(s) - special.digamma(a), x / s**2 - a / s])

    def logsf(self, p, x):
        a, s = p
        z = x / s
        ls = _log_q(a, z)
        with np.errstate(all="ignore"):
            ds = np.exp(a * np.log(z) - z - special.gammaln(a) - math.log(s) - ls)
        return ls, np.stack([_dlog_q_da(a, z), np.where(np.isfinite(ds), ds, 0.0)])


class _LogGammaKernel(_Kernel):
    """Actuarial log-gamma: log X ~ Gamma(shape a, rate b), support x >= 1."""

    transforms = ("log", "log")

    def params(self, d):
        return np.array([d.shape, d.rate])

    def logpdf(self, p, x):
        a, b = p
        lx = np.log(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            llx = np.log(lx)
            lp = a * math.log(b) - special.gammaln(a) + (a - 1.0) * llx - (b + 1.0) * lx
        ok = lx > 0
        return np.where(ok, lp, -np.inf), np.stack(
            [np.where(ok, math.log(b) - special.digamma(a) + llx, 0.0), a / b - lx]
        )

    def logsf(self, p, x):
        a, b = p
        lx = np.maximum(np.log(x), 0.0)
        z = b * lx
        ls = _log_q(a, z)
        with np.errstate(all="ignore"):
            db = -np.exp((a - 1.0) * np.log(z) - z - special.gammaln(a) + np.log(lx) - ls)
        return ls, np.stack([_dlog_q_da(a, z), np.where(np.isfinite(db), db, 0.0)])


#: analytic kernels by family class name (used only when the transforms agree with the family's)
KERNELS: dict[str, _Kernel] = {
    "LogNormal": _LogNormalKernel(),
    "Pareto": _ParetoKernel(),
    "GeneralizedPareto": _GPDKernel(),
    "Lomax": _LomaxKernel(),
    "Weibull": _WeibullKernel(),
    "LogLogistic": _LogLogisticKernel(),
    "Burr": _BurrKernel(),
    "Gamma": _GammaKernel(),
    "LogGamma": _LogGammaKernel(),
}


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
        self.kernel = self._kernel()

    def _kernel(self) -> _Kernel | None:
        kern = KERNELS.get(self.space.cls.__name__)
        if kern is None:
            return None
        try:  # use it only if its transforms are the family's own
            d = self.space.dist(self.space.theta_full0[self.space.free])
            p = kern.params(d)
            th = kern.to_theta(p)
            if th.size != self.space.theta_full0.size or not np.allclose(
                th, self.space.theta_full0, rtol=1e-10, atol=1e-12
            ):
                return None
        except (AttributeError, ValueError, TypeError):
            return None
        return kern

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
        grad = -(g[: self.space.theta_full0.size] * kern.chain(p)[: self.space.theta_full0.size])
        grad = grad[self.space.free]
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
def closed_form(space: Space, design: Design) -> np.ndarray | None:
    """Free theta of the MLE when it has a closed form, else None."""
    name = space.cls.__name__
    if name == "LogNormal" and not space.fixed and design.lower is None and design.upper is None:
        if design.cap is not None and design.censored.any():
            return None
        lx = np.log(design.x)
        return np.array([float(np.mean(lx)), math.log(max(float(np.std(lx)), 1e-300))])
    if name == "Pareto" and space.free_names == ("alpha",) and design.upper is None:
        xm = space.fixed["xm"]
        t = np.full(design.n, xm) if design.lower is None else np.maximum(design.lower, xm)
        denom = float(np.sum(np.log(design.x / t)))
        n_exact = int(np.sum(~design.censored))
        if denom > 0 and n_exact > 0:
            return np.array([math.log(n_exact / denom)])
    return None


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
    cf = closed_form(obj.space, obj.design)
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
