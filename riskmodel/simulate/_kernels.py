"""Compiled kernels of the simulator.

Random numbers come from an inlined xoshiro256** stream per block (``_random``), seeded from
the block's NumPy generator. Each kernel is a numba function compiled with ``cache=True,
nogil=True``; ``kernel.py_func`` is its plain-Python twin (same code, same random draws),
which the tests compare against.

Severity samplers are selected by an integer family code; a category's severity parameters
travel as one row ``par`` of a float array::

    par = [p0, p1, p2, p3, s_lo, s_hi, lower, upper, cap]

where ``p0..p3`` are the family parameters, ``(lower, upper]`` the truncation interval with
survival probabilities ``s_lo = S(lower)``, ``s_hi = S(upper)`` precomputed, and ``cap`` the
censoring limit. Draws are made by inversion, ``x = isf(s_hi + (1 - u)(s_lo - s_hi))``, which
is exact in the far tail; an untruncated lognormal uses a normal draw directly.
"""

from __future__ import annotations

import math

import numpy as np

from .._numba import jit, jit_inline
from ._random import next_double, poisson, std_gamma, std_normal
from ._special import ndtr, ndtri, t_cdf

# family codes (keep in step with riskmodel.simulate._specs)
LOGNORMAL = 0
GPD = 1
PARETO = 2
LOMAX = 3
BURR = 4
WEIBULL = 5
LOGLOGISTIC = 6

POISSON = 0
NEGBIN = 1

NPAR = 9


@jit_inline
def sev_isf(code: int, par: np.ndarray, q: float) -> float:
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
        return par[2] * math.exp(math.log(math.expm1(-math.log(q) / par[1])) / par[0])
    if code == WEIBULL:
        return par[1] * math.exp(math.log(-math.log(q)) / par[0]) if q < 1.0 else 0.0
    if code == LOGLOGISTIC:
        return par[1] * math.exp((math.log1p(-q) - math.log(q)) / par[0]) if q < 1.0 else 0.0
    return math.nan


@jit_inline
def draw_severity(state, code: int, par: np.ndarray) -> float:
    """One loss from the (truncated, capped) severity of family ``code``."""
    if code == LOGNORMAL and par[4] == 1.0 and par[5] == 0.0:
        x = math.exp(par[0] + par[1] * std_normal(state))
    else:
        u = next_double(state)
        x = sev_isf(code, par, par[5] + (1.0 - u) * (par[4] - par[5]))
        if x < par[6]:
            x = par[6]
        elif x > par[7]:
            x = par[7]
    if x > par[8]:
        x = par[8]
    return x


@jit_inline
def draw_count(state, kind: int, fpar: np.ndarray) -> int:
    """One annual count: Poisson(fpar[0]), or negative binomial NB2 (mean fpar[0], shape fpar[1])
    drawn as a gamma-Poisson mixture."""
    if kind == POISSON:
        return poisson(state, fpar[0])
    return poisson(state, std_gamma(state, fpar[1]) * fpar[0] / fpar[1])


@jit_inline
def count_ppf(kind: int, fpar: np.ndarray, u: float) -> int:
    """Lower quantile of the count distribution at ``u``, by summing the pmf recursively."""
    if kind == POISSON:
        lam = fpar[0]
        if lam <= 0.0:
            return 0
        p = math.exp(-lam)
        ratio_a, ratio_b = 0.0, lam
    else:
        mean, r = fpar[0], fpar[1]
        if mean <= 0.0:
            return 0
        q = mean / (mean + r)
        p = math.exp(r * math.log1p(-q))
        ratio_a, ratio_b = q, q * (r - 1.0)
    c = p
    k = 0
    # (a, b, 0) recursion: p_k = p_{k-1} (a + b / k)
    while c < u and k < 100_000_000:
        k += 1
        p *= ratio_a + ratio_b / k
        c += p
        if p == 0.0 and k > fpar[0]:
            break
    return k


@jit_inline
def draw_counts(state, freq_kind, freq_par, cop_kind, chol, df, z, counts) -> None:
    """One year's counts for every category, independent or through a copula."""
    k = counts.shape[0]
    if cop_kind == 0:
        for c in range(k):
            counts[c] = draw_count(state, freq_kind[c], freq_par[c])
        return
    for c in range(k):
        z[c] = std_normal(state)
    scale = 1.0
    if cop_kind == 2:
        scale = 1.0 / math.sqrt(2.0 * std_gamma(state, 0.5 * df) / df)
    for c in range(k - 1, -1, -1):  # z <- chol @ z, in place from the last row up
        acc = 0.0
        for j in range(c + 1):
            acc += chol[c, j] * z[j]
        z[c] = acc * scale
    for c in range(k):
        if cop_kind == 1:
            u = ndtr(z[c])
        else:
            u = t_cdf(z[c], df)
        counts[c] = count_ppf(freq_kind[c], freq_par[c], u)


@jit
def compound_block(
    state,
    freq_kind,
    freq_par,
    sev_code,
    sev_par,
    occ_par,
    occ_cover,
    cop_kind,
    chol,
    df,
    shock_rate,
    shock_p,
    gross,
    occ,
    counts,
):
    """Simulate ``gross.shape[0]`` years of compound losses for every compiled category.

    Parameters
    ----------
    state : uint64[4]
        The block's xoshiro256** state (:func:`riskmodel.simulate._random.new_state`).
    freq_kind : int64[k]
        Frequency family per category (``POISSON`` or ``NEGBIN``).
    freq_par : float64[k, 2]
    sev_code : int64[k]
        Severity family code per category; negative codes are skipped (sampled in Python).
    sev_par : float64[k, NPAR]
    occ_par : float64[L, 2]
        Attachment and limit of each per-occurrence layer.
    occ_cover : bool[L, k]
        Whether layer l covers category c.
    cop_kind : int
        0 independent counts, 1 Gaussian copula, 2 Student t copula.
    chol : float64[k, k]
        Lower Cholesky factor of the copula correlation.
    df : float
        Degrees of freedom of the t copula.
    shock_rate : float
        Poisson rate of common shocks (0 for none).
    shock_p : float64[k]
        Probability that a shock produces a loss in each category.
    gross : float64[n, k]  (output, overwritten)
        Annual gross loss per year and category.
    occ : float64[n, L, k]  (output, overwritten)
        Annual per-occurrence layer losses at 100% (before share and annual terms).
    counts : int64[n, k]  (output, overwritten)
        Annual number of losses per category, shocks included (used for the categories
        sampled in Python, and for audits).
    """
    n, k = gross.shape
    n_layers = occ_par.shape[0]
    z = np.zeros(k)
    for i in range(n):
        draw_counts(state, freq_kind, freq_par, cop_kind, chol, df, z, counts[i])
        if shock_rate > 0.0:
            for _ in range(poisson(state, shock_rate)):
                for c in range(k):
                    if next_double(state) < shock_p[c]:
                        counts[i, c] += 1
        for c in range(k):
            gross[i, c] = 0.0
            for layer in range(n_layers):
                occ[i, layer, c] = 0.0
            if sev_code[c] < 0:
                continue
            s = 0.0
            for _ in range(counts[i, c]):
                x = draw_severity(state, sev_code[c], sev_par[c])
                s += x
                for layer in range(n_layers):
                    if occ_cover[layer, c] and x > occ_par[layer, 0]:
                        occ[i, layer, c] += min(x - occ_par[layer, 0], occ_par[layer, 1])
            gross[i, c] = s


@jit
def segment_sums(values, counts, out):
    """``out[i] = sum of the next counts[i] values``: annual totals from a flat loss vector."""
    pos = 0
    for i in range(counts.shape[0]):
        s = 0.0
        for _ in range(counts[i]):
            s += values[pos]
            pos += 1
        out[i] = s
