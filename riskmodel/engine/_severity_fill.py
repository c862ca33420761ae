"""Severity draws for the compiled simulator: a buffer of losses at a time.

Every family is drawn by inversion of its (truncated) survival function,
``x = isf(q)`` with ``q = s_hi + (1 - u)(s_lo - s_hi)`` for a uniform ``u``, which is exact in
the far tail. A category's severity parameters travel as one row ``par`` of a float array::

    par = [p0, p1, p2, p3, s_lo, s_hi, lower, upper, cap]

where ``p0..p3`` are the family parameters, ``(lower, upper]`` the truncation interval with
survival probabilities ``s_lo = S(lower)``, ``s_hi = S(upper)`` precomputed, and ``cap`` the
censoring limit.

:func:`family_isf` is a family's inverse survival function, one scalar at a time (one branch
per family code); :func:`sev_isf` adds spliced severities (code ``SPLICED``: the tail's or the
body's conditional isf). :func:`isf_inplace` computes a family's isf over a whole buffer in
passes the compiler vectorises: the ``log`` and ``exp`` of ``_vlog`` and ``_vexp``, a series
``expm1`` near zero, and the normal quantile of ``_special.ndtri_inplace`` (its central
rational function for every value; the log and the tails' functions for its tail values). It
agrees with the scalar one to a few units in the last place of the exponent (tested), at a
fraction of the cost: libm's scalar ``log`` and ``exp`` cannot be vectorised, and a truncated
Weibull needs two logs and an exp per loss. The edges take the same passes: ``q = 1`` exactly
(``u = 0``) or a subnormal ``q`` (under an extreme truncation) make the buffer's ``log`` libm's,
value by value, with ``log 0 = -inf``, which the later passes carry to the scalar function's
loss (tested), so there is no scalar fallback to compile. An untruncated lognormal
exponentiates normal variates instead (the ziggurat and the vectorised ``exp``).

:func:`fill_severities` draws a buffer of losses. Each losses kernel inlines it with its kind
(plain lognormal, inversion, spliced: :func:`fill_kind`) as an integer literal, so that a
kernel compiles its own kind's code only, and only when a model first needs it.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import jit_callee, jit_inline, jit_vector
from ..severity._families import sampler_code
from ..severity._spec import SPLICED_CODE
from ._gamma_fill import REJECTION_CODES, fill_rejection
from ._random import fill_normal, fill_uniform
from ._special import ndtri, ndtri_inplace
from ._vexp import exp_inplace
from ._vlog import log_inplace

# family codes, as each family's spec declares them (``spec.sampler``); numba compiles them in
# as constants
LOGNORMAL = sampler_code("lognormal")
GPD = sampler_code("gpd")
PARETO = sampler_code("pareto")
LOMAX = sampler_code("lomax")
BURR = sampler_code("burr")
WEIBULL = sampler_code("weibull")
LOGLOGISTIC = sampler_code("loglogistic")

SPLICED = SPLICED_CODE

#: a row of severity parameters: a family's ``[p0, p1, p2, p3, s_lo, s_hi, lower, upper, cap]``
#: (the rest unused), or a spliced severity's ``[p_tail, weight, body code, tail code, 1, 0,
#: lower, upper, cap]`` followed by its body's and its tail's rows of nine
NPAR = 27
_BODY, _TAIL = 9, 18

_EXPM1_SERIES = 0.25  # |y| up to which expm1(y) is summed as a series
_INV_FACT = np.array([1.0 / math.factorial(n) for n in range(15)])  # 1/n!, n = 0..14


@jit_inline
def family_isf(code: int, par: np.ndarray, q: float) -> float:
    """Inverse survival function of family ``code`` at probability ``q`` in (0, 1]."""
    if code == LOGNORMAL:
        return math.exp(par[0] - par[1] * ndtri(q))
    if code == GPD:
        xi = par[0]
        if abs(xi) < 1e-12:
            return par[2] - par[1] * math.log(q)
        return par[2] + par[1] * math.expm1(-xi * math.log(q)) / xi
    if code == PARETO:
        return par[1] * math.exp(-math.log(q) / par[0])
    if code == LOMAX:
        return par[1] * math.expm1(-math.log(q) / par[0])
    if code == BURR:
        if q >= 1.0:  # the lower end (log(0) would raise in the interpreted twin)
            return 0.0
        return par[2] * math.exp(math.log(math.expm1(-math.log(q) / par[1])) / par[0])
    if code == WEIBULL:
        return par[1] * math.exp(math.log(-math.log(q)) / par[0]) if q < 1.0 else 0.0
    if code == LOGLOGISTIC:
        return par[1] * math.exp((math.log1p(-q) - math.log(q)) / par[0]) if q < 1.0 else 0.0
    return math.nan


@jit_inline
def sev_isf(code: int, par: np.ndarray, q: float) -> float:
    """Inverse survival function of severity ``code`` (a family or ``SPLICED``) at ``q``.

    A spliced severity is its tail's conditional isf at ``q / p_tail`` where ``q <= p_tail``
    (the tail's probability), else its body's at ``(q - p_tail) / weight``.
    """
    if code != SPLICED:
        return family_isf(code, par, q)
    p_tail, w = par[0], par[1]
    if q <= p_tail:
        part, qc = _TAIL, q / p_tail
        c = int(par[3])
    else:
        part, qc = _BODY, min((q - p_tail) / w, 1.0)
        c = int(par[2])
    s_lo, s_hi = par[part + 4], par[part + 5]
    x = family_isf(c, par[part : part + 9], s_hi + qc * (s_lo - s_hi))
    return min(max(x, par[part + 6]), par[part + 7])


@jit_callee
def inverse(code: int, par: np.ndarray, u: float) -> float:
    """The loss at uniform ``u`` by inversion of the truncated severity, kept in its support."""
    x = sev_isf(code, par, par[5] + (1.0 - u) * (par[4] - par[5]))
    return min(max(x, par[6]), par[7])


@jit_vector
def expm1_inplace(x: np.ndarray, m: int, t: np.ndarray, y: np.ndarray) -> None:
    """``x[:m] = expm1(x[:m])``; ``t`` and ``y`` (float64) are scratch.

    ``exp(v) - 1`` loses relative accuracy as ``v`` nears 0, so for ``|v| <= 0.25`` the Taylor
    series is summed instead (to ``v**14 / 14!``; remainder below 2e-19 relative).
    """
    for j in range(m):
        y[j] = x[j]
    exp_inplace(x, m, t)
    for j in range(m):
        v = y[j]
        s = _INV_FACT[14]
        for n in range(13, 0, -1):  # Horner, unrolled by the compiler
            s = _INV_FACT[n] + v * s
        s = v * s
        x[j] = s if abs(v) <= _EXPM1_SERIES else x[j] - 1.0


@jit_vector
def _affine(x: np.ndarray, m: int, shift: float, factor: float, divisor: float) -> None:
    """``x[:m] = shift + factor * x[:m] / divisor``, rounded as written (the inversions' scaling
    steps, one compiled function for them all), without the division where ``divisor`` is 1."""
    if divisor == 1.0:
        for j in range(m):
            x[j] = shift + factor * x[j]
    else:
        for j in range(m):
            x[j] = shift + factor * x[j] / divisor


@jit_vector
def isf_inplace(code: int, par: np.ndarray, buf: np.ndarray, m: int, scratch, bits) -> None:
    """``buf[:m] = family_isf(code, par, q)`` for the survival probabilities ``q = buf[:m]``,
    computed in vectorised passes; ``scratch`` is float64[>= 3, >= m] (its first three rows
    are used), ``bits`` int64[>= m]. nan for a code without a family (as ``family_isf``).

    The lognormal takes the normal quantile. Every other family is one pipeline with its own
    constants: ``a = log q`` (the Weibull's ``log(-log q)``, the log-logistic's
    ``log((1 - q) / q)``), then ``a = g(f1 * a / d1)`` with ``g`` exp or expm1 (the Burr's
    ``exp(log(expm1(.)) / c)``), then the loss ``t2 + f2 * a / d2``: the same operations in
    the same order as :func:`family_isf`, in few loops (each compiled loop costs compile time).
    """
    q = buf
    a, b, c = scratch[0], scratch[1], scratch[2]
    if code == LOGNORMAL:
        ndtri_inplace(buf, m, a, b, c, bits)
        _affine(buf, m, par[0], -par[1], 1.0)  # mu - sigma z
        exp_inplace(buf, m, a)
        return
    # (f1, d1): a's scaling; expm1 or exp; (t2, f2, d2): the loss's
    f1, d1, expm1, t2, f2, d2 = 1.0, 1.0, False, 0.0, par[1], 1.0
    if code == GPD:
        expm1, f1, t2, f2, d2 = True, -par[0], par[2], par[1], par[0]
    elif code == PARETO:
        d1 = -par[0]  # xm q^(-1/alpha)
    elif code == LOMAX:
        expm1, f1, d1 = True, -1.0, par[0]
    elif code == BURR:
        expm1, f1, d1, f2 = True, -1.0, par[1], par[2]
    elif code == WEIBULL or code == LOGLOGISTIC:
        d1 = par[0]
    else:
        for j in range(m):
            buf[j] = math.nan
        return
    for j in range(m):
        a[j] = q[j]
    log_inplace(a, m, bits)  # a = log q
    if code == WEIBULL:
        for j in range(m):
            a[j] = -a[j]
        log_inplace(a, m, bits)  # (q = 1: log 0 = -inf, and the loss exp(-inf) = 0)
    elif code == LOGLOGISTIC:
        for j in range(m):
            b[j] = 1.0 - q[j]
        log_inplace(b, m, bits)
        for j in range(m):
            a[j] = b[j] - a[j]  # log((1 - q) / q)
    if code == GPD and abs(par[0]) < 1e-12:  # the exponential limit: loc - scale log q
        f2, d2 = -par[1], 1.0
    else:
        _affine(a, m, 0.0, f1, d1)
        if expm1:
            expm1_inplace(a, m, b, c)
        else:
            exp_inplace(a, m, b)
        if code == BURR:
            log_inplace(a, m, bits)  # (q = 1, as the Weibull)
            _affine(a, m, 0.0, 1.0, par[0])
            exp_inplace(a, m, b)
    if d2 == 1.0 and t2 == 0.0:  # (a division a value is not free)
        for j in range(m):
            buf[j] = f2 * a[j]
    else:
        for j in range(m):
            buf[j] = t2 + f2 * a[j] / d2


@jit_vector
def _component_inplace(code: int, par: np.ndarray, v: np.ndarray, n: int, scratch, bits):
    """``v[:n]`` = the losses of one part of a spliced severity at its conditional survival
    probabilities ``v[:n]`` (:func:`isf_inplace`), kept in its support."""
    s_lo, s_hi = par[4], par[5]
    for j in range(n):
        v[j] = s_hi + v[j] * (s_lo - s_hi)
    isf_inplace(code, par, v, n, scratch, bits)
    lower, upper = par[6], par[7]
    for j in range(n):
        v[j] = min(max(v[j], lower), upper)


@jit_vector
def _spliced_inplace(par: np.ndarray, buf: np.ndarray, m: int, scratch, bits) -> None:
    """``buf[:m] = sev_isf(SPLICED, par, buf[:m])`` a buffer at a time.

    The probabilities are split into one array without a branch (``scratch[3]``: the tail's
    from the front, the body's from the back, each value's place noted in ``scratch[4]``),
    each part turned into its conditional probabilities and inverted in vectorised passes,
    and the losses gathered back into their places.
    """
    p_tail, w = par[0], par[1]
    body, tail = par[_BODY : _BODY + 9], par[_TAIL : _TAIL + 9]
    z, place = scratch[3], scratch[4]  # (places as floats, exact)
    nt = nb = m - m  # (not literal zeros: one compiled _component_inplace)
    for j in range(m):
        q = buf[j]
        in_tail = q <= p_tail
        k = nt if in_tail else m - 1 - nb
        z[k] = q
        place[j] = k
        nt += in_tail
        nb += not in_tail
    for j in range(nt):
        z[j] = z[j] / p_tail
    for j in range(nt, m):
        z[j] = min((z[j] - p_tail) / w, 1.0)
    _component_inplace(int(par[3]), tail, z, nt, scratch, bits)
    _component_inplace(int(par[2]), body, z[nt:], m - nt, scratch, bits)
    for j in range(m):
        buf[j] = z[int(place[j])]


#: how a category's losses are drawn: which of the fills below a losses kernel compiles
PLAIN_LOGNORMAL, INVERTED, SPLICED_KIND, REJECTION = 0, 1, 2, 3


def fill_kind(code: int, par: np.ndarray) -> int:
    """The fill a severity needs: ``PLAIN_LOGNORMAL`` (an untruncated lognormal: normal
    variates and ``exp``), ``SPLICED_KIND``, ``REJECTION`` (a gamma or log-gamma,
    ``_gamma_fill``) or ``INVERTED`` (its family by inversion)."""
    if code == LOGNORMAL and par[4] == 1.0 and par[5] == 0.0:
        return PLAIN_LOGNORMAL
    if code in REJECTION_CODES:
        return REJECTION
    return SPLICED_KIND if code == SPLICED else INVERTED


@jit_inline
def fill_severities(kind: int, code: int, state, par: np.ndarray, buf, m: int, scratch, bits):
    """``buf[:m]`` = the next ``m`` losses of the (truncated, capped) severity ``code``.

    ``kind`` is :func:`fill_kind`'s answer. The losses kernels pass it as an integer literal,
    so each compiles its own kind only (numba prunes the branches of inlined code on literal
    arguments, not on named constants); called from Python, it compiles every kind. ``scratch``
    (float64[5, >= m]) and ``bits`` (int64[>= m]) are scratch arrays.
    """
    if kind == PLAIN_LOGNORMAL:
        fill_normal(state, buf, m, par[0], par[1])
        exp_inplace(buf, m, scratch[0])
    elif kind == REJECTION:
        fill_rejection(code, state, par, buf, m, scratch, bits)
    else:
        fill_uniform(state, buf, m)
        s_lo, s_hi = par[4], par[5]
        for j in range(m):
            buf[j] = s_hi + (1.0 - buf[j]) * (s_lo - s_hi)  # the survival probability q
        if kind == SPLICED_KIND:
            _spliced_inplace(par, buf, m, scratch, bits)
        else:
            isf_inplace(code, par, buf, m, scratch, bits)
        lower, upper = par[6], par[7]
        for j in range(m):
            buf[j] = min(max(buf[j], lower), upper)
    cap = par[8]
    if cap < math.inf:
        for j in range(m):
            buf[j] = min(buf[j], cap)
