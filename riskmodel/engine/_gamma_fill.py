"""Gamma and log-gamma losses for the compiled simulator: untruncated draws, kept where they lie
in the truncation interval.

Their inverse survival function (the inverse of the regularised incomplete gamma function) has
no closed form and costs SciPy about a microsecond a value, where the other families' take a
few nanoseconds (``_severity_fill``). So a gamma loss is drawn as ``scale * G`` and a log-gamma
loss as ``exp(G / rate)``, with ``G ~ Gamma(shape, 1)`` by Marsaglia and Tsang's method (exact:
a normal and a uniform a trial, about 1.02 trials a draw, boosted by ``U**(1 / shape)`` below
shape 1), and only the draws in ``(lower, upper]`` are kept. A truncation that keeps less than
:data:`MIN_ACCEPT` of the distribution (more than 20 draws a loss on average) is left to the
severity's own ``sample`` instead (inversion in SciPy).

A category's parameter row (``_specs.severity_spec``)::

    par = [shape, scale (gamma) or rate (log-gamma), 0, 0, accept, 0, lower, upper, cap]

where ``accept = S(lower) - S(upper)`` is the share of draws kept, and ``lower`` is ``-inf``
where the severity is not truncated below (every draw is kept, as the untruncated law's).
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import jit_callee
from ..severity._spec import SPLICED_CODE
from ._random import fill_normal, fill_uniform
from ._vexp import exp_inplace
from ._vlog import log_inplace

__all__ = ["GAMMA", "LOGGAMMA", "MIN_ACCEPT", "REJECTION_CODES", "fill_rejection"]

#: the kernels' codes of a gamma and a log-gamma drawn this way (after the spliced code: they
#: are not families of the inversion's ``family_isf``)
GAMMA, LOGGAMMA = SPLICED_CODE + 1, SPLICED_CODE + 2
REJECTION_CODES = (GAMMA, LOGGAMMA)

#: least share of the distribution a truncation may keep for the compiled draw
MIN_ACCEPT = 0.05


@jit_callee
def fill_rejection(code: int, state: np.ndarray, par: np.ndarray, buf, m: int, scratch, bits):
    """``buf[:m]`` = the next ``m`` losses of the gamma (``code`` :data:`GAMMA`) or log-gamma
    (:data:`LOGGAMMA`) of ``par``, each drawn until it lies in ``(par[6], par[7]]``; ``scratch``
    (float64[>= 4, >= m]) and ``bits`` (int64[>= m]) are scratch arrays.

    Marsaglia and Tsang's trials a buffer at a time: the normals and uniforms of up to ``m``
    trials drawn in bulk (the bulk fills are about twice as fast as draws one at a time), then
    every trial's draw, squeeze and truncation computed in one vectorised pass, and the kept
    ones (accepted, and in the truncation) written to ``buf`` in order, the exact test taken
    one by one where the squeeze fails; more trials for the rest. A trial is ``d v`` with ``v =
    (1 + c z)**3`` for a normal ``z``, kept if ``v > 0`` and a uniform passes the squeeze or,
    where it does not (about 2%), the exact test; below shape 1 it is boosted by
    ``U**(1/a)`` of a third, independent uniform, ``Gamma(a) = Gamma(a + 1) U**(1/a)``.
    """
    a, b, lower, upper = par[0], par[1], par[6], par[7]
    boost = a < 1.0
    d = (a + 1.0 if boost else a) - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    # the truncation on G's scale, so that only a kept draw is transformed; the loss is then
    # kept in [lower, upper] against rounding at the ends
    if code == GAMMA:
        g_lo, g_hi = lower / b, upper / b
    else:
        g_lo = b * math.log(lower) if lower > 0.0 else -math.inf
        g_hi = b * math.log(upper)
    z, u, f, t = scratch[0], scratch[1], scratch[2], scratch[3]
    kept = 0
    while kept < m:
        k = m - kept
        fill_normal(state, z, k, 0.0, 1.0)
        fill_uniform(state, u, k)
        if boost:  # f = U**(1/a), as exp(log(1 - w) / a)
            fill_uniform(state, f, k)
            for i in range(k):
                f[i] = 1.0 - f[i]
            log_inplace(f, k, bits)
            for i in range(k):
                f[i] = f[i] / a
            exp_inplace(f, k, t)
        for i in range(k):  # (vectorised) each trial's draw, and what decides it
            zi = z[i]
            v = 1.0 + c * zi
            g = d * (v * v * v) * (f[i] if boost else 1.0)
            t[i] = g
            # 0: not kept (v <= 0, or outside the truncation); 1: kept by the squeeze; 2: the
            # exact test decides
            fails = 1.0 - u[i] >= 1.0 - 0.0331 * (zi * zi) * (zi * zi)
            bits[i] = ((v > 0.0) & (g > g_lo) & (g <= g_hi)) * (1 + fails)
        for i in range(k):
            ok = bits[i] == 1
            if bits[i] == 2:  # (about 2% of the trials)
                zi = z[i]
                v = 1.0 + c * zi
                v3 = v * v * v
                ok = math.log(1.0 - u[i]) < 0.5 * zi * zi + d * (1.0 - v3 + math.log(v3))
            buf[kept] = t[i]  # (written whether kept or not: a branch here would mispredict)
            kept += ok  # (k = m - kept trials: at most m kept, at the last)
    for j in range(m):
        buf[j] = b * buf[j] if code == GAMMA else buf[j] / b
    if code != GAMMA:
        exp_inplace(buf, m, t)
    for j in range(m):
        buf[j] = min(max(buf[j], lower), upper)
