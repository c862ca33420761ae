"""Panjer recursion for compound distributions with an (a, b, 0) claim count."""

from __future__ import annotations

import math

import numpy as np

from .._numba import jit
from ._discretize import as_discrete
from ._frequency import as_ab0
from ._result import CompoundDistribution, finish

__all__ = ["panjer", "panjer_kernel"]

#: below this log P(S = 0) the recursion starts from a scaled value (exp underflows near -708)
_LOG_UNDERFLOW = -600.0
#: rescale the stored values when one exceeds this (far from overflow at 1.8e308)
_BIG = 1e250


@jit
def panjer_kernel(a, b, log_g0, f, rev):
    r"""Fill ``rev`` with the (a, b, 0) compound pmf in reverse order, scaled; return log of scale.

    ``rev[n-1-k] * exp(log_scale)`` is P(S = k): stored backwards, the terms
    :math:`g_{k-1}, \dots, g_{k-m+1}` the step for :math:`g_k` needs are one contiguous slice,
    so each step is two dot products (BLAS in both the compiled kernel and its plain-Python
    twin ``panjer_kernel.py_func``). The recursion starts from 1 when P(S = 0) would underflow,
    and divides everything stored so far by ``_BIG`` whenever a value exceeds it.
    """
    n = rev.shape[0]
    m = f.shape[0]
    c = 1.0 / (1.0 - a * f[0])
    jf = np.arange(m) * f
    log_scale = 0.0
    if log_g0 < _LOG_UNDERFLOW:
        log_scale = log_g0
        rev[n - 1] = 1.0
    else:
        rev[n - 1] = math.exp(log_g0)
    for k in range(1, n):
        jmax = min(k, m - 1)
        base = n - k  # rev[base + j - 1] holds g_(k-j), j = 1..jmax
        window = rev[base : base + jmax]
        s_f = np.dot(f[1 : jmax + 1], window)  # sum of f_j g_(k-j)
        s_jf = np.dot(jf[1 : jmax + 1], window)  # sum of j f_j g_(k-j)
        v = (a * s_f + b * s_jf / k) * c
        rev[base - 1] = v
        if v > _BIG:
            # (a loop: an in-place slice operation compiles numba's shape check, whose error
            # message brings its string formatting, about 2 s of a cold start)
            for t in range(base - 1, n):
                rev[t] /= _BIG
            log_scale += math.log(_BIG)
    return log_scale


def panjer(
    frequency,
    severity,
    h: float | None = None,
    n: int | None = None,
    *,
    method: str = "rounding",
    tol: float = 1e-6,
) -> CompoundDistribution:
    r"""Compound distribution by Panjer's recursion.

    Parameters
    ----------
    frequency : Poisson, NegativeBinomial, binomial, ABZero or float
        The claim count, a member of the (a, b, 0) class (a number is a Poisson rate); see
        :func:`riskmodel.analytic.as_ab0`.
    severity : distribution, DiscreteSeverity or array_like
        A severity distribution (discretised here with span ``h`` on ``n`` points by
        ``method``), an already discretised one, or the masses at ``0, h, 2h, ...``.
    h : float, optional
        Span of the grid, in loss units. Required with a distribution; 1 by default for masses.
    n : int, optional
        Number of grid points of the result. Required with a distribution.
    method : {"rounding", "unbiased", "lower", "upper"}
        Discretisation of a distribution; see :func:`riskmodel.analytic.discretize`.
    tol : float
        Warn (:class:`~riskmodel.RiskModelWarning`) when more than this probability of the
        total lies beyond the grid.

    Returns
    -------
    CompoundDistribution

    Notes
    -----
    With :math:`f_j` the severity masses and :math:`g_k = P(S = kh)`:

    .. math:: g_0 = P_N(f_0), \qquad
              g_k = \frac{1}{1 - a f_0}\sum_{j=1}^{\min(k, m-1)}\Big(a + \frac{b j}{k}\Big)
              f_j\, g_{k-j},

    in :math:`O(n m)` operations (:math:`m` severity points) in a compiled kernel
    (:func:`panjer_kernel`; its plain-Python twin is ``panjer_kernel.py_func``): about 0.05 s
    for :math:`n = m = 2^{14}` and 0.5 s for :math:`2^{16}` here, where the FFT takes
    milliseconds. The result on the
    grid is exact for the discretised severity: no severity mass beyond the grid can produce a
    total inside it.

    *Underflow.* For a large expected count, :math:`g_0 = P_N(f_0)` underflows (for Poisson,
    :math:`e^{-\lambda(1-f_0)} < 10^{-308}` once :math:`\lambda(1-f_0) > 708`) and the plain
    recursion returns zeros. Since the recursion is linear in :math:`g`, it is run here on
    :math:`g_k e^{-c}`, starting from 1 with :math:`c = \log g_0`, and every stored value is
    divided by :math:`10^{250}` (and :math:`c` raised) whenever one exceeds it; the final
    :math:`g_k = \exp(\log(\text{stored}_k) + c)` underflows to 0 only where the true value does.
    This replaces the usual remedy of computing for :math:`\lambda / 2^r` and convolving the
    result with itself :math:`r` times (Klugman et al., chapter 9).

    *Stability.* The recursion is numerically stable for Poisson and negative binomial counts
    (:math:`a \ge 0`); for the binomial (:math:`a < 0`) the terms alternate in sign and relative
    errors can grow far into the tail (Panjer & Wang 1993).

    References
    ----------
    Panjer, H. H. (1981). Recursive evaluation of a family of compound distributions.
    *ASTIN Bulletin* 12(1), 22-26.
    Panjer, H. H. & Wang, S. (1993). On the stability of recursive formulas. *ASTIN Bulletin*
    23(2), 227-258.
    Klugman, S. A., Panjer, H. H. & Willmot, G. E. (2019). *Loss Models: From Data to Decisions*,
    5th ed., Wiley, chapter 9 (aggregate loss models: recursion, underflow, discretisation).

    Examples
    --------
    >>> from riskmodel.severity import LogNormal
    >>> agg = panjer(3.0, LogNormal(0.0, 1.0), h=0.05, n=4000, method="unbiased")
    >>> round(agg.mean(), 4)  # E[N] E[X] = 3 exp(1/2)
    4.9462
    """
    freq = as_ab0(frequency)
    disc = as_discrete(severity, h, n, method)
    f = np.ascontiguousarray(disc.pmf, dtype=np.float64)
    nonzero = np.flatnonzero(f)
    f = f[: nonzero[-1] + 1 if nonzero.size else 1]  # trailing zeros cost time, not accuracy
    log_g0 = float(np.real(freq.log_pgf(f[0])))
    rev = np.zeros(disc.n)
    log_scale = panjer_kernel(freq.a, freq.b, log_g0, f, rev)
    out = rev[::-1].copy()
    if log_scale != 0.0:
        with np.errstate(divide="ignore"):
            out = np.sign(out) * np.exp(np.log(np.abs(out)) + log_scale)
    return finish(np.maximum(out, 0.0), method="panjer", disc=disc, frequency=freq, tol=tol)
