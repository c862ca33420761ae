"""Compiled special functions the kernels need: the normal cdf and its inverse (one value at
a time, or a buffer of them), the incomplete beta function and the t cdf."""

from __future__ import annotations

import math

import numpy as np

from .._numba import jit, jit_callee, jit_vector
from ._vlog import log_inplace

__all__ = ["ndtr", "ndtri", "ndtri_inplace"]

_SQRT1_2 = 0.7071067811865476


# AS 241's rational functions, numerator and denominator, as Horner's coefficients from the
# highest power down: the central one in ``0.180625 - q**2``, the near tail's in ``r - 1.6``
# (``r <= 5``), the far tail's in ``r - 5``
_CENTRAL_NUM = (
    2509.0809287301226727,
    33430.575583588128105,
    67265.770927008700853,
    45921.953931549871457,
    13731.693765509461125,
    1971.5909503065514427,
    133.14166789178437745,
    3.387132872796366608,
)
_CENTRAL_DEN = (
    5226.495278852545925,
    28729.085735721942674,
    39307.89580009271061,
    21213.794301586595867,
    5394.1960214247511077,
    687.1870074920579083,
    42.313330701600911252,
    1.0,
)
_NEAR_NUM = (
    7.7454501427834140764e-4,
    0.0227238449892691845833,
    0.24178072517745061177,
    1.27045825245236838258,
    3.64784832476320460504,
    5.7694972214606914055,
    4.6303378461565452959,
    1.42343711074968357734,
)
_NEAR_DEN = (
    1.05075007164441684324e-9,
    5.475938084995344946e-4,
    0.0151986665636164571966,
    0.14810397642748007459,
    0.68976733498510000455,
    1.6763848301838038494,
    2.05319162663775882187,
    1.0,
)
_FAR_NUM = (
    2.01033439929228813265e-7,
    2.71155556874348757815e-5,
    0.0012426609473880784386,
    0.026532189526576123093,
    0.29656057182850489123,
    1.7848265399172913358,
    5.4637849111641143699,
    6.6579046435011037772,
)
_FAR_DEN = (
    2.04426310338993978564e-15,
    1.4215117583164458887e-7,
    1.8463183175100546818e-5,
    7.868691311456132591e-4,
    0.0148753612908506148525,
    0.13692988092273580531,
    0.59983220655588793769,
    1.0,
)


@jit_callee
def _horner(x, c0, c1, c2, c3, c4, c5, c6, c7) -> float:
    """``c0 x**7 + c1 x**6 + ... + c7`` by Horner's rule, ``((c0 x + c1) x + c2) ...``,
    rounded in that order wherever it is used (so the scalar and the vector quantile agree)."""
    return ((((((c0 * x + c1) * x + c2) * x + c3) * x + c4) * x + c5) * x + c6) * x + c7


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
        r = 0.180625 - q * q
        return q * _horner(r, *_CENTRAL_NUM) / _horner(r, *_CENTRAL_DEN)
    r = math.sqrt(-math.log(p if q < 0.0 else 1.0 - p))
    if r <= 5.0:
        val = _horner(r - 1.6, *_NEAR_NUM) / _horner(r - 1.6, *_NEAR_DEN)
    else:
        val = _horner(r - 5.0, *_FAR_NUM) / _horner(r - 5.0, *_FAR_DEN)
    return -val if q < 0.0 else val


@jit_vector
def ndtri_inplace(x: np.ndarray, m: int, p, lg, tail, bits) -> None:
    """``x[:m] = ndtri(x[:m])``, in passes the compiler vectorises; ``p``, ``lg``, ``tail``
    (float64) and ``bits`` (int64) are scratch arrays of at least ``m`` values (``tail`` lists
    indices, exact as floats: it shares the callers' float scratch).

    The central rational function is evaluated for every value; the values in AS 241's tails
    (``|p - 0.5| > 0.425``: 15% of uniform probabilities, none for many truncated
    severities) are then listed, and only they take the logarithm (:func:`log_inplace`), the
    square root and the tails' rational functions. The values are :func:`ndtri`'s, except
    that its ``log`` is libm's: in the tails they may differ in the last place.
    """
    for j in range(m):
        pj = x[j]
        p[j] = pj
        d = pj - 0.5
        c = 0.180625 - d * d
        x[j] = d * _horner(c, *_CENTRAL_NUM) / _horner(c, *_CENTRAL_DEN)
    n = m - m  # (not a literal 0, which would compile log_inplace a second time)
    for j in range(m):  # (stores and an add a value: no branch)
        pj = p[j]
        tail[n] = j
        lg[n] = min(pj, 1.0 - pj)
        n += abs(pj - 0.5) > 0.425
    log_inplace(lg, n, bits)
    for i in range(n):
        r = math.sqrt(-lg[i])
        near = r <= 5.0
        t = r - 1.6 if near else r - 5.0
        num = _horner(t, *_NEAR_NUM) if near else _horner(t, *_FAR_NUM)
        den = _horner(t, *_NEAR_DEN) if near else _horner(t, *_FAR_DEN)
        lg[i] = num / den if r != math.inf else math.inf  # (p = 0 or 1: the quotient nan)
    for i in range(n):
        j = int(tail[i])
        x[j] = -lg[i] if p[j] < 0.5 else lg[i]


@jit_callee
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


@jit_callee
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


@jit_callee
def t_cdf(t: float, df: float) -> float:
    """Student t distribution function with ``df`` degrees of freedom."""
    tail = 0.5 * betainc(0.5 * df, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0.0 else tail
