"""``log`` over a buffer, in loops the compiler vectorises (the twin of ``_vexp``).

The inverse survival functions of the heavy-tailed families (Weibull, Pareto, Lomax, GPD, Burr,
log-logistic) and the tails of the normal quantile need a ``log`` per loss; libm's scalar one
cannot be vectorised by numba. :func:`log_inplace` does the work in straight loops over the
buffer that LLVM turns into SIMD code.

Method: ``x = 2**e * m`` with ``m`` in ``[sqrt(1/2), sqrt(2))``, both read from the bits
(adding the difference of the bit patterns of 1 and sqrt(1/2) to ``x``'s bits carries into the
exponent field exactly when the significand is at least sqrt(2)). With ``f = m - 1`` (exact) and
``s = f / (2 + f)``, ``log(m) = 2 atanh(s) = f - f s + s^3 P(s^2)``, where ``P`` is the atanh
series ``2 (1/3 + s^2/5 + ... + s^20/23)``; ``|s| <= 0.1716``, so the series is cut where its
remainder is below 1e-18 relative. ``e ln 2`` is added in two parts (Cody-Waite: the high part
has 32 trailing zero bits, so ``e * _LN2_HI`` is exact). The result is within 1 unit in the last
place of the correctly rounded value (tested against NumPy's ``log``).

Only positive normal arguments take this path. A buffer holding anything else (zero, a
subnormal, a negative number, infinity, nan) is computed value by value with libm's ``log``
instead, which gives ``-inf`` at zero, ``inf`` at infinity and nan where the logarithm is not
real (no exception in either form), so the call always succeeds and the callers need no
scalar path of their own: such buffers are rare (a survival probability of exactly 1, or a
subnormal one under an extreme truncation). The test for them compares the bits as integers
(a positive normal double's lie in one range): two comparisons a value instead of three.

The plain-Python twin gives the same bits (the same IEEE operations in the same order). It is
compiled with NumPy's error model (``jit_vector``): a division that may raise does not
vectorise.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import jit_vector
from ._bits import f2i, f2u, i2f

__all__ = ["log_inplace"]

_U64 = np.uint64
_OFFSET = _U64(0x3FF0000000000000 - 0x3FE6A09E667F3BCD)  # bits of 1.0 minus bits of sqrt(1/2)
_ONE_EXP = _U64(1023 << 52)  # the exponent field of 1.0
_MAGIC = _U64(0x4330000000000000)  # bits of 2**52: OR-ing a small integer in adds it
_EXP_BIAS = 4503599627371519.0  # 2**52 + 1023
_SHIFT = _U64(52)
# the bits, as int64, of the smallest positive normal double and of the largest finite one
_NORMAL_LO, _NORMAL_HI = 0x0010000000000000, 0x7FEFFFFFFFFFFFFF
_LN2_HI = 0.6931467056274414  # ln 2 with the low 32 bits of its significand cleared
_LN2_LO = 4.7493250390316726e-07  # ln 2 - _LN2_HI
# 2 / (2k + 3), k = 0..10: the atanh series after its first term
_P0, _P1, _P2, _P3 = 2 / 3, 2 / 5, 2 / 7, 2 / 9
_P4, _P5, _P6, _P7 = 2 / 11, 2 / 13, 2 / 15, 2 / 17
_P8, _P9, _P10 = 2 / 19, 2 / 21, 2 / 23


@jit_vector
def log_inplace(x: np.ndarray, m: int, bits: np.ndarray) -> None:
    """``x[:m] = log(x[:m])``, using the scratch array ``bits`` (int64, length at least ``m``).

    ``-inf`` at zero, ``inf`` at infinity, nan at negative numbers and nan.
    """
    outside = 0
    for j in range(m):  # (negative numbers have negative bits; nan and inf the largest)
        b = f2i(x[j])
        outside |= (b < _NORMAL_LO) | (b > _NORMAL_HI)
    if outside:
        for j in range(m):
            v = x[j]
            # libm's log; Python's math.log raises at 0 and below, so those are written out
            x[j] = math.log(v) if v > 0.0 else (-math.inf if v == 0.0 else math.nan)
        return
    for j in range(m):
        b = f2u(x[j])
        eb = (b + _OFFSET) >> _SHIFT  # biased exponent of the reduced argument
        bits[j] = b + _ONE_EXP - (eb << _SHIFT)  # significand m, in [sqrt(1/2), sqrt(2))
        x[j] = i2f(_MAGIC | eb)  # 2**52 + eb as a double
    for j in range(m):
        e = x[j] - _EXP_BIAS
        f = i2f(bits[j]) - 1.0
        s = f / (2.0 + f)
        z = s * s
        z2 = z * z
        p = (
            (_P0 + z * _P1)
            + z2 * ((_P2 + z * _P3) + z2 * ((_P4 + z * _P5) + z2 * ((_P6 + z * _P7)
            + z2 * ((_P8 + z * _P9) + z2 * _P10))))
        )  # fmt: skip
        x[j] = e * _LN2_HI + (f + (e * _LN2_LO - (f * s - s * z * p)))
