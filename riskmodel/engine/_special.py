"""Compiled special functions the kernels need: the normal cdf and its inverse."""

from __future__ import annotations

import math

from .._numba import jit, jit_vector

__all__ = ["ndtr", "ndtri"]

_SQRT1_2 = 0.7071067811865476


@jit
def ndtr(x: float) -> float:
    """Standard normal distribution function, via ``erfc`` (accurate in both tails)."""
    return 0.5 * math.erfc(-x * _SQRT1_2)


@jit
def ndtri(p: float) -> float:
    """Inverse of the standard normal distribution function (Wichura's AS 241, PPND16).

    Relative accuracy about 1e-16 on (0, 1); returns -inf at 0 and inf at 1.

    References
    ----------
    Wichura, M. J. (1988). Algorithm AS 241: The percentage points of the normal
    distribution. Applied Statistics 37(3), 477-484.
    """
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    q = p - 0.5
    if abs(q) <= 0.425:
        return ndtri_central(q)
    r = math.sqrt(-math.log(p if q < 0.0 else 1.0 - p))
    val = ndtri_tail(r)
    return -val if q < 0.0 else val


@jit_vector
def ndtri_central(q: float) -> float:
    """``ndtri(0.5 + q)`` for ``|q| <= 0.425``: AS 241's central rational function."""
    r = 0.180625 - q * q
    num = (
        (
            (
                (
                    (
                        (2509.0809287301226727 * r + 33430.575583588128105) * r
                        + 67265.770927008700853
                    )
                    * r
                    + 45921.953931549871457
                )
                * r
                + 13731.693765509461125
            )
            * r
            + 1971.5909503065514427
        )
        * r
        + 133.14166789178437745
    ) * r + 3.387132872796366608
    den = (
        (
            (
                (
                    ((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061)
                    * r
                    + 21213.794301586595867
                )
                * r
                + 5394.1960214247511077
            )
            * r
            + 687.1870074920579083
        )
        * r
        + 42.313330701600911252
    ) * r + 1.0
    return q * num / den


@jit_vector
def ndtri_tail(r: float) -> float:
    """``|ndtri(p)|`` from ``r = sqrt(-log(min(p, 1 - p)))``, for ``min(p, 1 - p) < 0.075``:
    AS 241's two tail rational functions (``r <= 5`` and beyond)."""
    if r <= 5.0:
        r -= 1.6
        num = (
            (
                (
                    (
                        (
                            (7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r
                            + 0.24178072517745061177
                        )
                        * r
                        + 1.27045825245236838258
                    )
                    * r
                    + 3.64784832476320460504
                )
                * r
                + 5.7694972214606914055
            )
            * r
            + 4.6303378461565452959
        ) * r + 1.42343711074968357734
        den = (
            (
                (
                    (
                        (
                            (1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r
                            + 0.0151986665636164571966
                        )
                        * r
                        + 0.14810397642748007459
                    )
                    * r
                    + 0.68976733498510000455
                )
                * r
                + 1.6763848301838038494
            )
            * r
            + 2.05319162663775882187
        ) * r + 1.0
    else:
        r -= 5.0
        num = (
            (
                (
                    (
                        (
                            (2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
                            + 0.0012426609473880784386
                        )
                        * r
                        + 0.026532189526576123093
                    )
                    * r
                    + 0.29656057182850489123
                )
                * r
                + 1.7848265399172913358
            )
            * r
            + 5.4637849111641143699
        ) * r + 6.6579046435011037772
        den = (
            (
                (
                    (
                        (
                            (2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r
                            + 1.8463183175100546818e-5
                        )
                        * r
                        + 7.868691311456132591e-4
                    )
                    * r
                    + 0.0148753612908506148525
                )
                * r
                + 0.13692988092273580531
            )
            * r
            + 0.59983220655588793769
        ) * r + 1.0
    return num / den


@jit
def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab = a + b
    qap = a + 1.0
    qam = a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < tiny:
        d = tiny
    d = 1.0 / d
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        if abs(d) < tiny:
            d = tiny
        c = 1.0 + aa / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        if abs(d) < tiny:
            d = tiny
        c = 1.0 + aa / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


@jit
def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta function I_x(a, b) (Numerical Recipes, section 6.4)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    lbt = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(lbt) * _betacf(a, b, x) / a
    return 1.0 - math.exp(lbt) * _betacf(b, a, 1.0 - x) / b


@jit
def t_cdf(t: float, df: float) -> float:
    """Student t distribution function with ``df`` degrees of freedom."""
    tail = 0.5 * betainc(0.5 * df, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0.0 else tail
