"""Premium principles applied to a sample of annual layer losses.

Every principle here is a functional of the loss distribution, evaluated on the empirical
distribution of the sample (each simulated year weighs ``1/n``): on a hand-made vector of
equally likely outcomes the premiums are exact, and on a Monte Carlo sample they are plug-in
estimates whose standard errors come from the influence function of each functional.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import special

__all__ = [
    "DEFAULT_LOADINGS",
    "PRINCIPLES",
    "PremiumEstimate",
    "check_loading",
    "price_losses",
    "wang_distortion",
]

#: the premium principles, by name
PRINCIPLES = ("expected", "std", "variance", "wang", "cost_of_capital")

#: default loading of each principle (illustrative values, not a market calibration): the
#: expected-value loading theta, the standard-deviation multiple a, the Wang market price of
#: risk lambda, the cost-of-capital rate r. The variance principle's loading is per unit of
#: currency, so it has no scale-free default and must be given.
DEFAULT_LOADINGS: dict[str, float | None] = {
    "expected": 0.2,
    "std": 0.25,
    "variance": None,
    "wang": 0.25,
    "cost_of_capital": 0.06,
}


class PremiumEstimate(NamedTuple):
    """A premium and its Monte Carlo standard error."""

    premium: float
    se: float


def check_loading(principle: str, loading: float | None) -> float:
    """The loading to use for ``principle``: ``loading``, or the default, validated.

    Parameters
    ----------
    principle : str
        One of :data:`PRINCIPLES`.
    loading : float or None
        ``None`` takes :data:`DEFAULT_LOADINGS`; otherwise a finite number >= 0 (at most 1 for
        the cost-of-capital rate).

    Returns
    -------
    float
    """
    if principle not in PRINCIPLES:
        raise ValueError(f"principle: must be one of {', '.join(PRINCIPLES)}; got {principle!r}")
    if loading is None:
        loading = DEFAULT_LOADINGS[principle]
        if loading is None:
            raise ValueError(
                f"principle {principle!r} needs an explicit loading (per unit of currency: "
                "premium = E[L] + loading * Var[L]), e.g. 1e-9 for USD layers"
            )
    try:
        value = float(loading)
    except (TypeError, ValueError):
        raise ValueError(f"loading of {principle!r}: must be a number, got {loading!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"loading of {principle!r}: must be finite and >= 0, got {loading!r}")
    if principle == "cost_of_capital" and value > 1:
        raise ValueError(f"cost-of-capital rate: must lie in [0, 1], got {loading!r}")
    return value


def wang_distortion(u, lam: float):
    r"""The Wang transform :math:`g_\lambda(u) = \Phi(\Phi^{-1}(u) + \lambda)`.

    Parameters
    ----------
    u : array_like
        Survival probabilities in [0, 1].
    lam : float
        Market price of risk :math:`\lambda`; ``> 0`` loads the tail.

    Returns
    -------
    float or ndarray
        :math:`g_\lambda(u)`, with :math:`g(0) = 0` and :math:`g(1) = 1`.

    References
    ----------
    S. S. Wang (2000), "A class of distortion operators for pricing financial and insurance
    risks", *Journal of Risk and Insurance* 67(1), 15-36.

    Examples
    --------
    >>> round(float(wang_distortion(0.05, 0.0)), 12)
    0.05
    """
    u = np.asarray(u, dtype=float)
    out = special.ndtr(special.ndtri(u) + lam)
    return float(out) if out.ndim == 0 else out


def _wang_derivative(u: np.ndarray, lam: float) -> np.ndarray:
    """g'(u) = phi(z + lam) / phi(z) = exp(-lam z - lam^2 / 2), z = Phi^{-1}(u)."""
    if lam == 0:
        return np.ones_like(u)
    z = special.ndtri(u)
    return np.exp(-lam * z - 0.5 * lam * lam)


def _check_losses(losses) -> np.ndarray:
    try:
        x = np.asarray(losses, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ValueError("losses: must be an array of numbers") from None
    if x.size == 0:
        raise ValueError("losses: empty; give at least one annual loss")
    if not np.isfinite(x).all():
        raise ValueError(f"losses: {int((~np.isfinite(x)).sum())} value(s) are not finite")
    if (x < 0).any():
        raise ValueError(
            f"losses: layer losses are >= 0; found {int((x < 0).sum())} negative value(s)"
        )
    return x


def _tvar(desc: np.ndarray, p: float) -> tuple[float, float]:
    """(VaR_p, TVaR_p) of the empirical distribution of ``desc`` (sorted descending)."""
    n = desc.size
    var = float(desc[n - max(math.ceil(n * p - 1e-9), 1)])
    m = n * (1.0 - p)
    j = math.floor(m + 1e-9)
    s = float(desc[:j].sum())
    if m > j and j < n:
        s += (m - j) * float(desc[j])
    return var, s / m


def price_losses(
    losses, principle: str = "expected", loading: float | None = None, *, tvar_level=0.995
) -> PremiumEstimate:
    r"""Premium of a risk given by a sample of its annual losses (equally likely years).

    Parameters
    ----------
    losses : array_like
        Annual losses of the layer, >= 0, one per (simulated or hand-made) year.
    principle : {"expected", "std", "variance", "wang", "cost_of_capital"}
        Premium principle; see Notes.
    loading : float, optional
        The principle's parameter (:math:`\theta, a, a, \lambda, r`); default
        :data:`DEFAULT_LOADINGS` (the variance principle has none).
    tvar_level : float
        Level :math:`p` of the TVaR that defines capital for ``"cost_of_capital"``.

    Returns
    -------
    PremiumEstimate
        ``(premium, se)``: the premium of the empirical distribution of ``losses`` and its
        standard error as an estimate of the premium of the distribution the sample was
        drawn from (``nan`` for fewer than two years).

    Notes
    -----
    With :math:`L` distributed as the sample (plug-in moments, divisor :math:`n`):

    - expected value: :math:`(1 + \theta)\,E[L]`;
    - standard deviation: :math:`E[L] + a\,\mathrm{SD}[L]`;
    - variance: :math:`E[L] + a\,\mathrm{Var}[L]` (``a`` per unit of currency);
    - Wang transform: :math:`\int_0^\infty g_\lambda(S_L(x))\,dx` with
      :math:`g_\lambda(u) = \Phi(\Phi^{-1}(u) + \lambda)`; for the sorted sample
      :math:`x_{(1)} \le \dots \le x_{(n)}` and :math:`x_{(0)} = 0` this is
      :math:`\sum_{k=1}^{n} (x_{(k)} - x_{(k-1)})\, g_\lambda((n - k + 1)/n)`;
    - cost of capital: :math:`E[L] + r\,(\mathrm{TVaR}_p(L) - E[L])`: capital is the TVaR
      at level :math:`p` in excess of the expected loss, and costs :math:`r` a year.
      :math:`\mathrm{TVaR}_p` is :math:`\frac1{1-p}\int_p^1 \mathrm{VaR}_u\,du`, computed
      exactly for the empirical distribution (Acerbi-Tasche).

    Standard errors: each premium is a smooth functional :math:`T(F)` of the distribution, so
    :math:`\mathrm{se} = \mathrm{SD}[\mathrm{IF}(L)]/\sqrt n` with its influence function
    :math:`\mathrm{IF}`: :math:`(1+\theta)(L - \mu)`; :math:`(L-\mu) + a((L-\mu)^2 -
    \sigma^2)/(2\sigma)`; :math:`(L-\mu) + a((L-\mu)^2 - \sigma^2)`;
    :math:`\int_0^L g_\lambda'(S(x))\,dx` (centred) for Wang; and
    :math:`(1-r)(L-\mu) + r\,(v + (L - v)^+/(1-p))` (centred, :math:`v = \mathrm{VaR}_p`)
    for cost of capital. They assume a finite variance of the influence function.

    References
    ----------
    S. S. Wang (2000), "A class of distortion operators for pricing financial and insurance
    risks", *Journal of Risk and Insurance* 67(1), 15-36.
    C. Acerbi and D. Tasche (2002), "On the coherence of expected shortfall", *Journal of
    Banking & Finance* 26(7), 1487-1503.
    R. Kaas, M. Goovaerts, J. Dhaene and M. Denuit (2008), *Modern Actuarial Risk Theory*,
    2nd ed., chapter 5 (premium principles).

    Examples
    --------
    >>> price_losses([0, 0, 0, 10], "expected", 0.2).premium
    3.0
    >>> price_losses([0, 0, 0, 10], "cost_of_capital", 0.1, tvar_level=0.75).premium
    3.25
    """
    lam = check_loading(principle, loading)
    if not 0 < tvar_level < 1:
        raise ValueError(f"tvar_level: must lie in (0, 1), got {tvar_level}")
    x = _check_losses(losses)
    n = x.size
    mu = float(x.mean())
    d = x - mu
    var = float(np.mean(d * d))
    if principle == "expected":
        premium, infl = (1.0 + lam) * mu, (1.0 + lam) * d
    elif principle == "std":
        sd = math.sqrt(var)
        premium = mu + lam * sd
        infl = d + (lam * (d * d - var) / (2.0 * sd) if sd > 0 else 0.0)
    elif principle == "variance":
        premium, infl = mu + lam * var, d + lam * (d * d - var)
    elif principle == "wang":
        xs = np.sort(x)
        gaps = np.diff(xs, prepend=0.0)
        surv = (n - np.arange(n)) / n  # S on [x_(k-1), x_(k)), k = 1..n
        premium = float(np.sum(gaps * wang_distortion(surv, lam)))
        infl = np.cumsum(gaps * _wang_derivative(surv, lam))  # IF at the sorted points
        infl = infl - infl.mean()
    else:  # cost_of_capital
        v, tv = _tvar(np.sort(x)[::-1], tvar_level)
        premium = mu + lam * (tv - mu)
        infl = (1.0 - lam) * d + lam * (np.maximum(x - v, 0.0) / (1.0 - tvar_level))
        infl = infl - infl.mean()
    se = float(np.std(infl) / math.sqrt(n)) if n > 1 else math.nan
    return PremiumEstimate(float(premium), se)
