"""Small numerically careful helpers shared by the severity families (all vectorised).

They keep the far tail accurate: survival probabilities are handled as logarithms, and the
functions that have a removable singularity (``log1p(b y) / b`` at ``b = 0``) are continuous
through it.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy import integrate, special

__all__ = [
    "expm1_over",
    "log1mexp",
    "log1p_over",
    "log_expm1",
    "log_gammainc",
    "log_gammaincc",
    "quad_pieces",
    "softplus",
]

#: below this |b| the series of :func:`expm1_over` and :func:`log1p_over` are used
_SMALL = 1e-12


def log1mexp(a):
    r""":math:`\log(1 - e^{a})` for :math:`a \le 0`, accurate for every ``a``.

    Notes
    -----
    Mächler's rule: :math:`\log(-\mathrm{expm1}(a))` for :math:`a > -\log 2`, otherwise
    :math:`\mathrm{log1p}(-e^{a})`.

    References
    ----------
    M. Mächler (2012), "Accurately computing log(1 - exp(-|a|))", R package Rmpfr vignette.
    """
    a = np.asarray(a, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > -math.log(2.0), np.log(-np.expm1(a)), np.log1p(-np.exp(a)))


def log_expm1(a):
    r""":math:`\log(e^{a} - 1)` for :math:`a \ge 0`, without overflow for large ``a``."""
    a = np.asarray(a, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(a > 30.0, a + np.log1p(-np.exp(-a)), np.log(np.expm1(a)))


def softplus(t):
    r""":math:`\log(1 + e^{t})`, accurate for very negative and very positive ``t``."""
    return np.logaddexp(0.0, np.asarray(t, dtype=float))


def expm1_over(b: float, t):
    r""":math:`\mathrm{expm1}(b t) / b`, continuous at :math:`b = 0` (where it equals ``t``).

    Notes
    -----
    For :math:`|b| < 10^{-12}` and :math:`|bt| < 10^{-3}` the series
    :math:`t(1 + bt/2 + (bt)^2/6)` is used; elsewhere the direct formula, which keeps the
    relative accuracy of ``expm1``.
    """
    t = np.asarray(t, dtype=float)
    if b == 0.0:
        return t.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        z = b * t
        direct = np.expm1(z) / b
        if abs(b) >= _SMALL:
            return direct
        series = t * (1.0 + z / 2.0 + z * z / 6.0)
        return np.where(np.abs(z) < 1e-3, series, direct)


def log1p_over(b: float, y):
    r""":math:`\mathrm{log1p}(b y) / b`, continuous at :math:`b = 0` (where it equals ``y``).

    Notes
    -----
    For :math:`|b| < 10^{-12}` and :math:`|by| < 10^{-3}` the series
    :math:`y(1 - by/2 + (by)^2/3)` is used; elsewhere the direct formula.
    """
    y = np.asarray(y, dtype=float)
    if b == 0.0:
        return y.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        z = b * y
        direct = np.log1p(z) / b
        if abs(b) >= _SMALL:
            return direct
        series = y * (1.0 - z / 2.0 + z * z / 3.0)
        return np.where(np.abs(z) < 1e-3, series, direct)


def _log_gammaincc_cf(a: float, z: np.ndarray) -> np.ndarray:
    """log Q(a, z) by the continued fraction of Γ(a, z), for z > a + 1 (modified Lentz)."""
    tiny = 1e-300
    b = z + 1.0 - a
    c = np.full(z.shape, 1.0 / tiny)
    d = 1.0 / b
    h = d.copy()
    for i in range(1, 500):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        if np.all(np.abs(delta - 1.0) < 1e-16):
            break
    return -z + a * np.log(z) - special.gammaln(a) + np.log(h)


def log_gammaincc(a: float, z):
    r"""Log of the regularised upper incomplete gamma function :math:`\log Q(a, z)`.

    Accurate where :math:`Q` underflows (far tail): there the continued fraction for
    :math:`\Gamma(a, z)` is summed and its logarithm taken.

    References
    ----------
    W. H. Press et al., *Numerical Recipes*, 3rd ed., section 6.2 (``gcf``, modified Lentz).
    """
    z = np.asarray(z, dtype=float)
    q = special.gammaincc(a, z)
    out = np.empty(z.shape)
    ok = q > 1e-280
    with np.errstate(divide="ignore"):
        out[ok] = np.log(q[ok])
    far = ~ok
    if far.any():
        zf = z[far]
        res = np.full(zf.shape, -np.inf)
        fin = np.isfinite(zf)
        if fin.any():
            # q underflows only for z well beyond a + 1, where the continued fraction converges
            res[fin] = _log_gammaincc_cf(a, zf[fin])
        out[far] = res
    return out


def quad_pieces(f, a: float, b: float, n: int = 30) -> float:
    """Integral of a scalar function ``f`` over [a, b] by ``scipy.integrate.quad`` on
    log-spaced pieces (the integrand may vary over many decades).

    ``b`` may be ``inf`` when ``a > 0``: the range is then integrated decade by decade until a
    decade adds less than 1e-15 of the total (or the range passes 1e300).
    """
    if not b > a:
        return 0.0
    if math.isinf(b):
        if not a > 0:
            raise ValueError("quad_pieces: an infinite range needs a positive lower end")
        total, lo = 0.0, a
        while lo < 1e300:
            piece = integrate.quad(f, lo, 10.0 * lo, limit=200)[0]
            total += piece
            lo *= 10.0
            if abs(piece) <= 1e-15 * abs(total):
                break
        return total
    edges = np.geomspace(max(a, b * 1e-15), b, n)
    edges = np.unique(np.concatenate([[a], edges]))
    return math.fsum(
        integrate.quad(f, lo, hi, limit=200)[0] for lo, hi in itertools.pairwise(edges)
    )


def log_gammainc(a: float, z):
    r"""Log of the regularised lower incomplete gamma function :math:`\log P(a, z)`.

    Accurate where :math:`P` underflows (far left tail), by the series
    :math:`P(a, z) = z^a e^{-z}/\Gamma(a+1) \sum_{n \ge 0} z^n / ((a+1)\cdots(a+n))`.

    References
    ----------
    W. H. Press et al., *Numerical Recipes*, 3rd ed., section 6.2 (``gser``).
    """
    z = np.asarray(z, dtype=float)
    p = special.gammainc(a, z)
    out = np.empty(z.shape)
    ok = p > 1e-280
    out[ok] = np.log(p[ok])
    small = ~ok
    if small.any():
        zs = z[small]
        with np.errstate(divide="ignore"):
            lead = a * np.log(zs) - zs - special.gammaln(a + 1.0)
        term = np.ones(zs.shape)
        total = np.ones(zs.shape)
        for n in range(1, 500):
            term = term * zs / (a + n)
            total = total + term
            if np.all(term < 1e-17 * total):
                break
        out[small] = lead + np.log(total)
    return out
