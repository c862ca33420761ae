"""Fitting a spliced (body + tail) severity: each part by maximum likelihood, the weight by
the fraction of losses at or below the splice threshold, and optionally the threshold itself
by maximum likelihood over candidate splice points."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from .._errors import ConvergenceWarning
from ..severity import LogNormal, Severity, Spliced, get_family
from ..severity._families import family_spec
from ._severity import SeverityFit, check_losses, fit_severity

__all__ = ["SplicedFit", "fit_spliced"]

Family = str | type[Severity]

#: fewest losses on each side of a candidate splice point for ``threshold="auto"``
MIN_SIDE = 10
#: most candidate splice points tried by ``threshold="auto"`` (by default)
MAX_CANDIDATES = 20
#: a body within this of the best power law in log-density at every body loss has run off to
#: that limit (is not identified)
_FLAT = 1e-2


def fit_spliced(
    losses: ArrayLike,
    body_family: Family,
    tail_family: Family,
    threshold: float | str,
    *,
    truncation: float | None = None,
    candidates: Sequence[float] | np.ndarray | None = None,
) -> SplicedFit:
    """Fit a spliced model: body and tail separately, the weight as the empirical fraction.

    Parameters
    ----------
    losses : array_like
        Positive losses (all of them, both sides of the threshold).
    body_family, tail_family : str or Severity subclass
        Families, as for :func:`riskmodel.fit_severity`. A tail whose support starts at a
        field of its own (a ``"gpd"`` threshold, a ``"pareto"`` ``xm``: the family's
        ``spec.support_start``) is fitted with that field fixed at ``threshold``.
    threshold : float or "auto"
        The splice point, chosen beforehand; or ``"auto"``: the candidate splice point with the
        largest spliced log-likelihood (see Notes), which then counts as one more estimated
        parameter in ``k``, AIC and BIC.
    truncation : float, optional
        A reporting threshold below ``threshold``: the body is then fitted left-truncated
        there too, and the returned distribution describes the losses above it.
    candidates : array_like, optional
        With ``threshold="auto"`` only: the splice points to try. By default the distinct
        losses that leave at least ``MIN_SIDE`` (10) losses on each side (and lie above
        ``truncation``): up to ``MAX_CANDIDATES`` (20) of them evenly spread by rank, then
        up to 20 more between the two neighbours of the best of those.

    Returns
    -------
    SplicedFit

    Raises
    ------
    ValueError
        When the body is not identified by the losses at or below a numeric ``threshold``
        (see Notes): its likelihood increases toward a power-law limit (for a lognormal,
        :math:`\\sigma \\to \\infty` with :math:`\\mu/\\sigma^2` bounded), or no start values
        give a converged fit with standard errors. The message names the window, the number
        of body losses and what to do instead. With ``threshold="auto"``, when no candidate
        gives an identified body and a converged tail.

    Notes
    -----
    The body is fitted to the losses :math:`x \\le u` with right truncation at :math:`u`
    (``upper=threshold``), the tail to the losses :math:`x > u` with left truncation at
    :math:`u`, and :math:`\\hat w` = (number at or below :math:`u`)/n. The log-likelihood of
    the spliced model is the sum of the three parts (see :class:`riskmodel.severity.Spliced`).

    On a bounded window most body families tend, in some limit of their parameters, to a
    power law :math:`f(x) \\propto x^{c-1}` there (a lognormal as :math:`\\sigma \\to \\infty`
    with :math:`\\mu/\\sigma^2 \\to c`, a Weibull or gamma as its scale grows without bound).
    When the likelihood increases toward that limit the body is *unidentified*: it has no
    maximum-likelihood estimate, and an optimiser runs off (the lognormal to
    :math:`\\mu, \\sigma \\to \\infty`). For a lognormal body this is decided exactly before
    fitting: in :math:`y = \\log x` it is a truncated normal, whose log-likelihood is concave
    in :math:`(\\mu/\\sigma^2, -1/(2\\sigma^2))`, so it has an interior maximum if and only if
    the sample variance of the log-losses in the window is below that of the best-fitting
    power law (which matches their mean). The body is then fitted from the family's default
    start values; if that fit does not converge, has no standard errors, or ran to the limit
    (its log-density on the window within ``_FLAT`` = 0.01 of the best power law's at every
    body loss; a lognormal also when it is no better than that power law), it is refitted
    from start values moved by :math:`\\pm 1` along each unconstrained parameter (a factor
    :math:`e` for a positive one) and the best fit without those problems is kept; if there
    is none, the body is unidentified too.

    With ``threshold="auto"`` each candidate :math:`u` is fitted as above; candidates whose
    body is unidentified or whose tail fit does not converge (or has no standard errors) are
    skipped, and the one with the largest spliced log-likelihood (comparable across
    candidates: it is a likelihood of all the losses) is kept. The threshold is then
    counted as an estimated parameter: ``k`` = free body parameters + free tail
    parameters + weight + threshold, so that AIC and BIC are comparable with those of a
    single family fitted to the same losses. The standard errors of the parts are
    conditional on the chosen threshold.

    Examples
    --------
    >>> from riskmodel.severity import LogNormal
    >>> x = LogNormal(12.0, 2.0).sample(400, rng=3)
    >>> fit = fit_spliced(x, "lognormal", "gpd", threshold=float(np.quantile(x, 0.9)))
    >>> fit.weight, fit.dist.tail.threshold == fit.dist.threshold
    (0.9, True)
    """
    x = np.asarray(losses, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"losses: expected a 1-d array, got shape {x.shape}")
    if isinstance(threshold, str):
        if threshold != "auto":
            raise ValueError(f"threshold: expected a number or 'auto', got {threshold!r}")
        check_losses(x, truncation)
        return _fit_auto(x, body_family, tail_family, truncation, candidates)
    if candidates is not None:
        raise ValueError("candidates: only used with threshold='auto'")
    u = float(threshold)
    below, above = x[x <= u], x[x > u]
    for side, part in (("at or below", below), ("above", above)):
        if part.size < 2:
            raise ValueError(
                f"fit_spliced: need at least 2 losses {side} the threshold {u:g}, got {part.size}"
            )
    if truncation is not None and not float(truncation) < u:
        raise ValueError(f"truncation: {truncation:g} must lie below the splice threshold {u:g}")
    check_losses(x, truncation)
    body_fit, problem = _fit_body(below, body_family, truncation, u)
    if problem is not None or body_fit is None:
        raise ValueError(problem)
    tail_fit = fit_severity(above, _tail_family_at(tail_family, u), truncation=u)
    return _assemble(x, body_fit, tail_fit, u, truncation)


def _assemble(
    x: np.ndarray,
    body_fit: SeverityFit,
    tail_fit: SeverityFit,
    u: float,
    truncation: float | None,
    candidates: tuple[tuple[float, float], ...] | None = None,
) -> SplicedFit:
    """The spliced fit from its two part fits (``candidates`` given: the threshold was chosen
    among them and counts as a parameter)."""
    n = x.size
    n_below = int(np.count_nonzero(x <= u))
    w = n_below / n
    body = body_fit.dist if truncation is None else body_fit.dist.truncated(lower=truncation)
    dist = Spliced(body, tail_fit.dist, u, weight=w)
    loglik = (
        body_fit.loglik + tail_fit.loglik + n_below * math.log(w) + (n - n_below) * math.log1p(-w)
    )
    auto = candidates is not None
    # free parameters of both parts, the weight and (chosen by likelihood) the threshold
    k = body_fit.k + tail_fit.k + 1 + int(auto)
    return SplicedFit(
        dist=dist,
        body=body_fit,
        tail=tail_fit,
        weight=w,
        weight_se=math.sqrt(w * (1.0 - w) / n),
        loglik=loglik,
        aic=2 * k - 2 * loglik,
        bic=k * math.log(n) - 2 * loglik,
        n_obs=n,
        converged=bool(body_fit.converged and tail_fit.converged),
        threshold_estimated=auto,
        candidates=candidates if candidates is not None else (),
    )


# ----------------------------------------------------------------------------- the body
class _Limit(NamedTuple):
    """The best power law on the body window (see :func:`_power_law_limit`)."""

    loglik: float  # its maximised log-likelihood
    c: float  # its exponent: f(x) proportional to x^(c - 1) on the window
    log_norm: float  # log of its normalising constant: log f(x) = (c - 1) log x - log_norm
    identified: bool  # whether a lognormal body has an interior maximum (see there)

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        return (self.c - 1.0) * np.log(x) - self.log_norm


def _fit_body(
    below: np.ndarray, family: Family, truncation: float | None, u: float
) -> tuple[SeverityFit | None, str | None]:
    """Fit the body to the losses at or below ``u`` from robust starts.

    Returns the fit and None when the body is identified; otherwise the best fit found (None
    when the body is known to be unidentified without fitting) and a message saying what
    happened and what to do.
    """
    cls = get_family(family)
    limit = _power_law_limit(below, truncation, u)
    lognormal = issubclass(cls, LogNormal) and not cls.fixed_params
    if lognormal and limit is not None and not limit.identified:
        return None, _unidentified_message(cls, None, below, truncation, u, limit, 0)
    fits: list[SeverityFit] = []
    problems: list[str | None] = []

    def attempt(start: Severity | None) -> bool:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if start is None:  # the default start: its errors (no start values) are reported
                f = fit_severity(below, family, truncation=truncation, upper=u)
            else:
                try:
                    f = fit_severity(below, family, truncation=truncation, upper=u, start=start)
                except (ValueError, FloatingPointError, ZeroDivisionError, OverflowError):
                    return False
        fits.append(f)
        problems.append(_body_problem(f, cls, truncation, u, limit))
        return problems[-1] is None

    if attempt(None):
        return fits[0], None
    if fits and fits[0]._space is not None:
        # start values moved by -1, +1 along each unconstrained parameter
        space = fits[0]._space
        free0 = space.theta_full0[space.free]
        for j in range(free0.size):
            for step in (-1.0, 1.0):
                th = free0.copy()
                th[j] += step
                with np.errstate(all="ignore"):
                    try:
                        start = space.dist(th)
                    except (ValueError, FloatingPointError, OverflowError):
                        continue
                attempt(start)
    good = [f for f, p in zip(fits, problems, strict=True) if p is None]
    if good:
        return max(good, key=lambda f: f.loglik), None
    best = (
        max(fits, key=lambda f: f.loglik if math.isfinite(f.loglik) else -math.inf)
        if fits
        else None
    )
    return best, _unidentified_message(cls, best, below, truncation, u, limit, len(fits))


def _window(truncation: float | None, u: float) -> str:
    lo = f"{float(truncation):,.6g}" if truncation is not None else "0"
    return f"[{lo}, {u:,.6g}]"


def _body_problem(
    fit: SeverityFit,
    cls: type[Severity],
    truncation: float | None,
    u: float,
    limit: _Limit | None,
) -> str | None:
    """Why a body fit is not an identified maximum, or None."""
    if not fit.converged:
        return f"the fit did not converge ({fit.message})"
    free = [p for p in fit.params if p not in fit.fixed]
    if not all(math.isfinite(fit.se[p]) for p in free):
        return "the fit has no standard errors"
    if limit is None:
        return None
    if issubclass(cls, LogNormal) and not cls.fixed_params and not fit.loglik > limit.loglik:
        return "the fit stopped below the likelihood of its power-law limit"
    if _at_limit(fit, truncation, u, limit):
        return _AT_LIMIT
    return None


_AT_LIMIT = "the fit ran to the power-law limit of the window"


def _at_limit(fit: SeverityFit, truncation: float | None, u: float, limit: _Limit) -> bool:
    """Whether the fitted body, conditioned on its window, is the best power law there to
    within ``_FLAT`` in log-density at every body loss (or puts no probability there)."""
    x = fit.losses
    try:
        with np.errstate(all="ignore"):
            lp = fit.dist.truncated(lower=truncation, upper=u).logpdf(x)
    except (ValueError, FloatingPointError, OverflowError):
        return True
    dev = np.abs(np.asarray(lp, dtype=float) - limit.logpdf(x))
    return not bool(np.all(np.isfinite(dev))) or float(dev.max()) < _FLAT


def _trunc_exp_mean(z: float) -> float:
    """Mean of ``t / W`` for ``t`` on ``[0, W]`` with density proportional to ``exp(z t / W)``."""
    if abs(z) < 1e-4:
        return 0.5 + z / 12.0 - z**3 / 720.0
    head = -1.0 / math.expm1(-z) if z > 0 else math.exp(z) / math.expm1(z)
    return head - 1.0 / z


def _trunc_exp_var(z: float) -> float:
    """Variance of ``t / W`` under the same law: ``1/z^2 - 1/(4 sinh^2(z/2))``."""
    if abs(z) < 1e-2:
        return 1.0 / 12.0 - z**2 / 240.0 + z**4 / 6048.0
    a = abs(z)
    return 1.0 / z**2 - math.exp(-a) / math.expm1(-a) ** 2


def _power_law_limit(below: np.ndarray, truncation: float | None, u: float) -> _Limit | None:
    """The best power law :math:`f(x) \\propto x^{c-1}` on the body window, and whether a
    lognormal body is identified there.

    Most body families tend to such a power law on a bounded window in some limit of their
    parameters (a lognormal as :math:`\\sigma \\to \\infty` with :math:`\\mu/\\sigma^2 \\to c`,
    a Weibull or gamma as the scale grows without bound). In :math:`y = \\log x` the power law
    is an exponential with rate :math:`c` truncated to :math:`[\\log t, \\log u]` (or
    :math:`(-\\infty, \\log u]`, then :math:`c > 0`), whose maximum-likelihood :math:`\\hat c`
    matches the mean of :math:`y`.

    A lognormal body is a normal in :math:`y` truncated to the same window: an exponential
    family in :math:`(\\mu/\\sigma^2, -1/(2\\sigma^2))` with a concave log-likelihood, whose
    boundary :math:`1/\\sigma^2 = 0` is that power law. By concavity the likelihood has an
    interior maximum if and only if its derivative toward the interior is positive at
    :math:`\\hat c`: the sample variance of :math:`y` is below the variance of the fitted
    limit (``identified``). Otherwise it increases toward the limit and the body has no
    maximum-likelihood estimate. Returns None where the losses have no spread.
    """
    y = np.log(below)
    n, s, lu = y.size, float(y.sum()), math.log(u)
    ybar, var = s / n, float(np.var(y))
    if truncation is None or truncation <= 0:
        d = lu - ybar  # on (0, u] only c > 0: c = 1 / mean(log u - log x), variance 1/c^2
        if not d > 0:
            return None
        c = 1.0 / d
        log_norm = c * lu - math.log(c)
        return _Limit(-n - s - n * math.log(d), c, log_norm, var < d * d)
    la = math.log(float(truncation))
    width = lu - la
    tau = (ybar - la) / width if width > 0 else math.nan
    if not 0.0 < tau < 1.0:
        return None
    lo, hi = -1.0 / tau - 2.0, 1.0 / (1.0 - tau) + 2.0
    while _trunc_exp_mean(lo) > tau:
        lo *= 2.0
    while _trunc_exp_mean(hi) < tau:
        hi *= 2.0
    z = float(optimize.brentq(lambda z: _trunc_exp_mean(z) - tau, lo, hi, xtol=1e-12))
    c = z / width
    if z == 0.0:
        log_norm = math.log(width)
    elif z > 0:  # log of the integral of exp(c y) over [la, lu], stably
        log_norm = c * lu + math.log(-math.expm1(-z)) - math.log(c)
    else:
        log_norm = c * la + math.log(-math.expm1(z)) - math.log(-c)
    return _Limit(c * s - n * log_norm - s, c, log_norm, var < width**2 * _trunc_exp_var(z))


def _unidentified_message(
    cls: type[Severity],
    fit: SeverityFit | None,
    below: np.ndarray,
    truncation: float | None,
    u: float,
    limit: _Limit | None,
    n_starts: int,
) -> str:
    problem = _body_problem(fit, cls, truncation, u, limit) if fit is not None else None
    if limit is not None and (fit is None or problem == _AT_LIMIT):
        how = (
            "sigma -> infinity with mu/sigma^2 bounded"
            if issubclass(cls, LogNormal)
            else f"the fit from {n_starts} start values ran there"
        )
        what = (
            f"its likelihood increases toward a power-law limit ({how}: a density "
            f"proportional to x^{limit.c - 1:.3g} on the window), so the body has no "
            "maximum-likelihood estimate"
        )
    else:
        params = (
            ", ".join(f"{p} {v:.4g}" for p, v in fit.params.items() if p not in fit.fixed)
            if fit is not None
            else ""
        )
        what = (
            f"no fit from {n_starts} start values converged to a maximum with standard errors"
            + (f" ({problem}; best: {params})" if problem else "")
        )
    return (
        f"fit_spliced: the {cls.__name__} body is not identified by the {below.size} losses in "
        f"the body window {_window(truncation, u)}: {what}. Use a higher splice point, "
        "threshold='auto', another body family, or the tail family alone "
        "(fit_severity on all the losses)."
    )


# ----------------------------------------------------------------------------- the threshold
def _valid_splice_points(x: np.ndarray, truncation: float | None) -> np.ndarray:
    """Distinct losses leaving at least ``MIN_SIDE`` losses on each side (at or below, above)
    and lying above ``truncation``."""
    xs = np.unique(x)
    n_le = np.searchsorted(np.sort(x), xs, side="right")
    ok = (n_le >= MIN_SIDE) & (x.size - n_le >= MIN_SIDE)
    if truncation is not None:
        ok &= xs > float(truncation)
    return xs[ok]


def _thin(c: np.ndarray, most: int) -> np.ndarray:
    """At most ``most`` of the sorted values ``c``, evenly spread by rank (ends kept)."""
    if c.size <= most:
        return c
    return c[np.unique(np.round(np.linspace(0, c.size - 1, most)).astype(int))]


def _fit_auto(
    x: np.ndarray,
    body_family: Family,
    tail_family: Family,
    truncation: float | None,
    candidates: Sequence[float] | np.ndarray | None,
) -> SplicedFit:
    """``threshold="auto"``: the candidate with the largest spliced log-likelihood."""
    valid = np.empty(0)
    if candidates is None:
        valid = _valid_splice_points(x, truncation)
        if valid.size == 0:
            raise ValueError(
                f"threshold='auto': need at least {MIN_SIDE} losses on each side of a splice "
                f"point{' above the truncation' if truncation is not None else ''}; "
                f"got {x.size} losses"
            )
        cand = _thin(valid, MAX_CANDIDATES)
    else:
        cand = np.unique(np.asarray(candidates, dtype=float).ravel())
        if cand.size == 0:
            raise ValueError("candidates: empty")
    tried: dict[float, float] = {}
    best: tuple[float, SeverityFit, SeverityFit] | None = None

    def evaluate(points: np.ndarray) -> None:
        nonlocal best
        for u in map(float, points):
            if u in tried:
                continue
            tried[u] = math.nan
            below, above = x[x <= u], x[x > u]
            if below.size < 2 or above.size < 2:
                continue
            if truncation is not None and not float(truncation) < u:
                continue
            try:
                body_fit, problem = _fit_body(below, body_family, truncation, u)
            except (ValueError, FloatingPointError, ZeroDivisionError, OverflowError):
                continue
            if problem is not None or body_fit is None:
                continue
            tail_fit = _fit_tail_quietly(above, tail_family, u)
            if tail_fit is None:
                continue
            ll = _assemble(x, body_fit, tail_fit, u, truncation).loglik
            tried[u] = ll
            if best is None or ll > tried[best[0]]:
                best = (u, body_fit, tail_fit)

    evaluate(cand)
    if best is not None and valid.size > cand.size:
        # refine: the splice points between the neighbours of the best coarse candidate
        i = int(np.searchsorted(cand, best[0]))
        lo, hi = cand[max(i - 1, 0)], cand[min(i + 1, cand.size - 1)]
        evaluate(_thin(valid[(valid > lo) & (valid < hi)], MAX_CANDIDATES))
    if best is None:
        raise ValueError(
            f"fit_spliced(threshold='auto'): none of the {cand.size} candidate splice points "
            f"from {cand[0]:,.6g} to {cand[-1]:,.6g} gave an identified "
            f"{get_family(body_family).__name__} body and a converged "
            f"{get_family(tail_family).__name__} tail. Use a higher or wider range of splice "
            "points, another body family, or the tail family alone (fit_severity on all the "
            "losses)."
        )
    u, body_fit, tail_fit = best
    record = tuple(sorted(tried.items()))
    return _assemble(x, body_fit, tail_fit, u, truncation, candidates=record)


def _fit_tail_quietly(above: np.ndarray, family: Family, u: float) -> SeverityFit | None:
    """The tail fit above ``u``, or None when it does not converge or has no standard errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            f = fit_severity(above, _tail_family_at(family, u), truncation=u)
        except (ValueError, FloatingPointError, ZeroDivisionError, OverflowError):
            return None
    free = [p for p in f.params if p not in f.fixed]
    if not f.converged or not all(math.isfinite(f.se[p]) for p in free):
        return None
    return f


def _tail_family_at(family: Family, threshold: float) -> type[Severity]:
    """The tail family with the start of its support fixed at the splice threshold where it
    has a field for it (``spec.support_start``)."""
    cls = get_family(family)
    spec = family_spec(cls)
    if spec is not None and spec.support_start is not None:
        return cls.with_fixed(**{spec.support_start: threshold})
    return cls


@dataclass(frozen=True)
class SplicedFit:
    """Result of :func:`fit_spliced`.

    Attributes
    ----------
    dist : Spliced
        The fitted spliced distribution.
    body, tail : SeverityFit
        The fits of the two parts (estimates, standard errors, diagnostics).
    weight, weight_se : float
        Estimated :math:`P(X \\le u)` and its binomial standard error
        :math:`\\sqrt{w(1-w)/n}`.
    loglik, aic, bic : float
        Of the whole spliced model, with :attr:`k` parameters.
    n_obs : int
        Number of losses.
    converged : bool
        Whether both part fits converged.
    threshold_estimated : bool
        Whether the threshold was chosen by likelihood (``threshold="auto"``).
    candidates : tuple of (float, float)
        With ``threshold="auto"``: each candidate splice point tried and its spliced
        log-likelihood (NaN where the body was unidentified or the tail fit failed).
    """

    dist: Spliced
    body: SeverityFit
    tail: SeverityFit
    weight: float
    weight_se: float
    loglik: float
    aic: float
    bic: float
    n_obs: int
    converged: bool
    threshold_estimated: bool = False
    candidates: tuple[tuple[float, float], ...] = field(default=(), repr=False)

    @property
    def threshold(self) -> float:
        """The splice point :math:`u` (given, or chosen by ``threshold="auto"``)."""
        return float(self.dist.threshold)

    @property
    def k(self) -> int:
        """Number of estimated parameters: the free ones of both parts, the weight, and the
        threshold when it was chosen by likelihood (``threshold="auto"``)."""
        return self.body.k + self.tail.k + 1 + int(self.threshold_estimated)

    def summary(self) -> str:
        """A readable account of both parts and the weight."""
        return "\n".join(
            [
                f"Spliced fit at threshold {self.dist.threshold:,.6g}"
                + (" (chosen by likelihood)" if self.threshold_estimated else "")
                + f"  (n = {self.n_obs}, k = {self.k})",
                f"weight P(X <= u) = {self.weight:.6g}  (se {self.weight_se:.3g})",
                f"loglik = {self.loglik:.4f}   AIC = {self.aic:.4f}   BIC = {self.bic:.4f}",
                "-- body --",
                self.body.summary(),
                "-- tail --",
                self.tail.summary(),
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly record of the fit."""
        return {
            "threshold": self.dist.threshold,
            "threshold_estimated": self.threshold_estimated,
            "k": self.k,
            "weight": self.weight,
            "weight_se": self.weight_se,
            "loglik": self.loglik,
            "aic": self.aic,
            "bic": self.bic,
            "n_obs": self.n_obs,
            "converged": self.converged,
            "body": self.body.to_dict(),
            "tail": self.tail.to_dict(),
        }
