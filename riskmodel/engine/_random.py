"""Compiled random variates on an inlined xoshiro256** stream.

Calling a NumPy ``Generator`` from compiled code costs a function-pointer call per variate;
the inner loop of the simulator draws hundreds of millions of them. Each block therefore seeds
a small xoshiro256** state from its own NumPy ``Generator`` (so the block scheme and SPEC 7
seeding are unchanged) and draws from it inline.

Every function works on a ``uint64[4]`` state array in place and runs identically as plain
Python (``NUMBA_DISABLE_JIT=1``): integer arithmetic wraps modulo 2**64 in both, and the
floating-point operations are the same IEEE operations in the same order. Callers run the
plain-Python versions under ``numpy.errstate(over="ignore")``, since NumPy scalars warn on the
wrap-around that the algorithm relies on.

References
----------
Blackman, D. and Vigna, S. (2021). Scrambled linear pseudorandom number generators. ACM TOMS.
Marsaglia, G. and Tsang, W. W. (2000). The ziggurat method for generating random variables.
Journal of Statistical Software 5(8). Tables as in NumPy's 256-layer variant.
Marsaglia, G. and Tsang, W. W. (2000). A simple method for generating gamma variables. ACM TOMS.
Hörmann, W. (1993). The transformed rejection method for generating Poisson random variables.
Insurance: Mathematics and Economics 12, 39-45.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import jit, jit_callee, jit_inline

__all__ = [
    "fill_normal",
    "fill_uniform",
    "new_state",
    "next_double",
    "poisson",
    "std_gamma",
    "std_normal",
]

_U64 = np.uint64
# The generators' integer constants as uint64 scalars: numba compiles a global NumPy scalar in
# as a constant, whereas a ``np.uint64(5)`` call in a kernel is typed anew at each use (the
# front end's time, paid on every cold start).
_1, _5, _7, _8, _9, _11 = (_U64(v) for v in (1, 5, 7, 8, 9, 11))
_17, _19, _45, _57 = (_U64(v) for v in (17, 19, 45, 57))
_LOW_BYTE = _U64(0xFF)
_SIGNIFICAND = _U64(0x000FFFFFFFFFFFFF)  # the 52 low bits
_ULP53 = 1.0 / 9007199254740992.0  # 2**-53: 53 random bits to a double in [0, 1)


def new_state(gen: np.random.Generator) -> np.ndarray:
    """A xoshiro256** state seeded from ``gen`` (never all zero).

    Four raw 64-bit words of ``gen``'s bit generator: what ``gen.integers(0, 2**64 - 1,
    size=4, dtype=np.uint64, endpoint=True)`` returns (the full range takes the words as they
    come), and ``gen`` advances the same, at a fraction of the call's cost (it is paid per
    block).
    """
    s = gen.bit_generator.random_raw(4)
    if not (s[0] or s[1] or s[2] or s[3]):
        s[0] = 1
    return s


@jit_inline
def next_u64(s: np.ndarray) -> np.uint64:
    """Next 64 random bits (xoshiro256**)."""
    s1 = s[1]
    x = s1 * _5
    result = ((x << _7) | (x >> _57)) * _9
    t = s1 << _17
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = (s[3] << _45) | (s[3] >> _19)
    return result


@jit_inline
def _step(s0, s1, s2, s3):
    """:func:`next_u64` on a state held in four local variables: ``(bits, s0, s1, s2, s3)``.

    Bulk fills keep the state in registers this way instead of loading and storing the array
    for every variate; the numbers are the same as :func:`next_u64`'s.
    """
    x = s1 * _5
    result = ((x << _7) | (x >> _57)) * _9
    t = s1 << _17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = (s3 << _45) | (s3 >> _19)
    return result, s0, s1, s2, s3


@jit_inline
def next_double(s: np.ndarray) -> float:
    """Uniform on [0, 1) with 53 random bits."""
    return float(np.int64(next_u64(s) >> _11)) * _ULP53


def _ziggurat_tables():
    r = 3.6541528853610088
    v = 0.00492867323399
    ki = np.zeros(256, dtype=np.uint64)
    wi = np.zeros(256)
    fi = np.zeros(256)
    m = 2.0**52
    dn = r
    tn = dn
    q = v / math.exp(-0.5 * dn * dn)
    ki[0] = np.uint64((dn / q) * m)
    ki[1] = 0
    wi[0] = q / m
    wi[255] = dn / m
    fi[0] = 1.0
    fi[255] = math.exp(-0.5 * dn * dn)
    for i in range(254, 0, -1):
        dn = math.sqrt(-2.0 * math.log(v / dn + math.exp(-0.5 * dn * dn)))
        ki[i + 1] = np.uint64((dn / tn) * m)
        tn = dn
        fi[i] = math.exp(-0.5 * dn * dn)
        wi[i] = dn / m
    return ki, wi, fi, r


_KI, _WI, _FI, _ZIG_R = _ziggurat_tables()
_ZIG_INV_R = 1.0 / _ZIG_R


@jit_inline
def _candidate(r):
    """A ziggurat candidate from 64 random bits: ``(x, idx, sign, fast)``, the layer ``idx``
    (low 8 bits), the sign (next bit), ``x = sign * rabs * w[idx]`` from the next 52 bits
    ``rabs``, and whether ``x`` is accepted at once (``rabs < k[idx]``)."""
    idx = int(r & _LOW_BYTE)
    r = r >> _8
    # branch-free sign: a random sign is an unpredictable branch
    sign = 1.0 - 2.0 * float(np.int64(r & _1))
    rabs = (r >> _1) & _SIGNIFICAND
    return sign * float(np.int64(rabs)) * _WI[idx], idx, sign, rabs < _KI[idx]


# the steps of a ziggurat draw off its fast path (:func:`_normal_finish`)
_FRESH, _WEDGE, _TAIL_X, _TAIL_Y = 0, 1, 2, 3


@jit_callee
def _normal_finish(s: np.ndarray, idx: int, x: float, sign: float) -> float:
    """A ziggurat draw that left the fast path (about 1%), finished on the array state: its
    slow step (the base strip's tail, or a wedge test) and, after a rejected wedge, fresh
    draws until one is accepted (the ziggurat's loop, as :func:`std_normal` and
    :func:`fill_normal` start it).

    Written as one loop that takes one random word a pass and acts on it by the step it is at
    (a fresh draw, the wedge's uniform, or either of the tail's pair), so that the generator is
    inlined once: each inlined copy costs numba's front end more to compile than this rarely
    run code could gain.
    """
    step = _TAIL_X if idx == 0 else _WEDGE
    xx = 0.0
    while True:
        r = next_u64(s)
        u = float(np.int64(r >> _11)) * _ULP53  # the word as a uniform (next_double)
        if step == _FRESH:
            x, idx, sign, fast = _candidate(r)
            if fast:
                return x
            step = _TAIL_X if idx == 0 else _WEDGE
        elif step == _WEDGE:
            if (_FI[idx - 1] - _FI[idx]) * u + _FI[idx] < math.exp(-0.5 * x * x):
                return x
            step = _FRESH
        elif step == _TAIL_X:
            xx = -_ZIG_INV_R * math.log1p(-u)
            step = _TAIL_Y
        else:
            yy = -math.log1p(-u)
            if yy + yy > xx * xx:
                return sign * (_ZIG_R + xx)
            step = _TAIL_X


@jit_inline
def std_normal(s: np.ndarray) -> float:
    """Standard normal variate by the 256-layer ziggurat."""
    x, idx, sign, fast = _candidate(next_u64(s))
    if fast:
        return x
    return _normal_finish(s, idx, x, sign)


@jit
def fill_uniform(s: np.ndarray, out: np.ndarray, m: int) -> None:
    """``out[:m]`` = the next ``m`` values of :func:`next_double`."""
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    for j in range(m):
        r, s0, s1, s2, s3 = _step(s0, s1, s2, s3)
        out[j] = float(np.int64(r >> _11)) * _ULP53
    s[0], s[1], s[2], s[3] = s0, s1, s2, s3


@jit
def fill_normal(s: np.ndarray, out: np.ndarray, m: int, loc: float, scale: float) -> None:
    """``out[:m] = loc + scale * z`` for the next ``m`` values ``z`` of :func:`std_normal`."""
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    for j in range(m):
        r, s0, s1, s2, s3 = _step(s0, s1, s2, s3)
        idx = int(r & _LOW_BYTE)
        r = r >> _8
        neg = np.int64(r & _1)
        rabs = (r >> _1) & _SIGNIFICAND
        # +-rabs as an integer (two's complement), then one conversion: the same value as
        # std_normal's sign * float(rabs) * w, exactly
        x = float((np.int64(rabs) ^ -neg) + neg) * _WI[idx]
        if rabs >= _KI[idx]:  # the rare slow step works on the array state
            s[0], s[1], s[2], s[3] = s0, s1, s2, s3
            x = _normal_finish(s, idx, x, 1.0 - 2.0 * float(neg))
            s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
        out[j] = loc + scale * x
    s[0], s[1], s[2], s[3] = s0, s1, s2, s3


@jit_callee
def std_gamma(s: np.ndarray, a: float) -> float:
    """Gamma(a, 1) variate (Marsaglia-Tsang; for a < 1, a Gamma(a + 1) one boosted by
    U^(1/a), the uniform drawn first)."""
    boost = 1.0
    if a < 1.0:
        u = next_double(s)
        boost = math.pow(1.0 - u, 1.0 / a)
        a += 1.0
    d = a - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = std_normal(s)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = 1.0 - next_double(s)
        if u < 1.0 - 0.0331 * (x * x) * (x * x):
            return d * v * boost
        if math.log(u) < 0.5 * x * x + d * (1.0 - v + math.log(v)):
            return d * v * boost


@jit_callee
def _poisson_ptrs(s: np.ndarray, lam: float) -> int:
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = next_double(s) - 0.5
        v = next_double(s)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return int(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= (
            -lam + k * loglam - math.lgamma(k + 1.0)
        ):
            return int(k)


@jit_callee
def poisson(s: np.ndarray, lam: float) -> int:
    """Poisson(lam) variate: inversion by sequential search for lam < 10, PTRS above."""
    if lam <= 0.0:
        return 0
    if lam >= 10.0:
        return _poisson_ptrs(s, lam)
    u = next_double(s)
    p = math.exp(-lam)
    c = p
    k = 0
    while u > c and k < 1000:
        k += 1
        p *= lam / k
        c += p
    return k
