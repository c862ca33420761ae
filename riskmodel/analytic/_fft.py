"""Compound distributions by the fast Fourier transform, with exponential tilting."""

from __future__ import annotations

import math

import numpy as np

from ._discretize import as_discrete
from ._frequency import as_ab0
from ._result import CompoundDistribution, finish

__all__ = ["DEFAULT_TILT", "fft_compound"]

#: tilt times grid length of the first pass (and the most the automatic choice takes)
DEFAULT_TILT = 20.0


def fft_compound(
    frequency,
    severity,
    h: float | None = None,
    n: int | None = None,
    *,
    tilt: float | None = None,
    method: str = "rounding",
    tol: float = 1e-6,
) -> CompoundDistribution:
    r"""Compound distribution by FFT of the discretised severity through the count's pgf.

    Parameters
    ----------
    frequency : Poisson, NegativeBinomial, binomial, ABZero or float
        The claim count (a number is a Poisson rate); see :func:`riskmodel.analytic.as_ab0`.
    severity : distribution, DiscreteSeverity or array_like
        As in :func:`riskmodel.analytic.panjer`.
    h : float, optional
        Span of the grid, in loss units (required with a distribution).
    n : int, optional
        Number of grid points, which is also the FFT length (required with a distribution);
        lengths with small prime factors (powers of two) are fastest.
    tilt : float, optional
        Exponential tilt :math:`\theta`, per unit of loss; ``0`` switches tilting off. ``None``
        (default) chooses it from a first pass at :math:`\theta n h = 20`; see Notes.
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
    With :math:`\hat f` the discrete Fourier transform of the severity masses and :math:`P_N`
    the probability generating function of the count, :math:`\hat g = P_N(\hat f)` is the
    transform of the aggregate masses :math:`g_k = P(S = kh)`. The DFT of length :math:`n` sees
    :math:`g` only modulo :math:`n`: the mass beyond the grid wraps round onto it (aliasing),
    which for heavy tails can be large. Exponential tilting (Grübel & Hermesmeier 1999) works on
    :math:`\tilde f_k = e^{-\theta h k} f_k` instead: since
    :math:`\sum_k g_k e^{-\theta h k} z^k = P_N(\sum_k f_k e^{-\theta h k} z^k)`,

    .. math:: g_k = e^{\theta h k}\,\mathrm{IDFT}\big(P_N(\mathrm{DFT}(\tilde f))\big)_k
              - \sum_{j \ge 1} e^{-\theta h j n}\, g_{k + jn},

    so the wrapped mass is damped by :math:`e^{-\theta n h}` at least: the relative error of the
    tail probabilities from aliasing is at most about :math:`e^{-T}`, :math:`T = \theta n h`.
    The price is round-off: about :math:`\epsilon = 2.2\times 10^{-16}` of the largest mass
    :math:`G`, multiplied by up to :math:`e^{T}` at the end of the grid, where the tail
    probability is about the mass lost :math:`m`; relative to it, roughly
    :math:`\epsilon G \sqrt{n}\, e^{T} / m`. The sum of the two errors is smallest at

    .. math:: T^* = \tfrac12 \log\big(m / (\epsilon\, G \sqrt{n})\big),

    where both are about :math:`\sqrt{\epsilon G \sqrt n / m}`. By default a first pass at
    :math:`T = 20` (the usual fixed choice, :math:`\theta = 20/(nh)`, which damps aliasing by
    :math:`e^{-20} \approx 2 \times 10^{-9}`; cf. Grübel & Hermesmeier 1999, Embrechts & Frei
    2009) measures :math:`m` and :math:`G`, and a second pass uses :math:`T^*` clipped to
    [0, 20]. On a Pareto(0.8) and a lognormal(0, 2) severity on :math:`2^{14}` points this
    gives :math:`T^* \approx 12`-:math:`13` and tail probabilities :math:`P(S > kh)` that agree
    with the Panjer recursion to :math:`10^{-7}`-:math:`10^{-6}` relative over the whole grid,
    against :math:`10^{-5}`-:math:`10^{-3}` at :math:`T = 20` (near the end of the grid) and
    :math:`10^{-3}`-:math:`10^{-2}` without tilting. The tilt used is kept in the result's
    ``tilt``.

    ``mass_lost`` of the result is :math:`1 - \sum_k g_k`. With tilting it measures the
    probability beyond the grid; without (``tilt=0``) the wrapped mass is counted inside the
    grid, so it understates that probability by the wrapped mass and cannot reveal aliasing (it
    still shows the part due to single losses beyond the grid, the main part for heavy tails).
    Negative round-off in the masses is set to zero.

    References
    ----------
    Grübel, R. & Hermesmeier, R. (1999). Computation of compound distributions I: aliasing
    errors and exponential tilting. *ASTIN Bulletin* 29(2), 197-214.
    Embrechts, P. & Frei, M. (2009). Panjer recursion versus FFT for compound distributions.
    *Mathematical Methods of Operations Research* 69(3), 497-508.
    Klugman, S. A., Panjer, H. H. & Willmot, G. E. (2019). *Loss Models: From Data to Decisions*,
    5th ed., Wiley, chapter 9 (aggregate loss models).

    Examples
    --------
    >>> from riskmodel.severity import LogNormal
    >>> agg = fft_compound(3.0, LogNormal(0.0, 1.0), h=0.05, n=4096, method="unbiased")
    >>> float(agg.quantile(0.5)) > 0
    True
    """
    freq = as_ab0(frequency)
    disc = as_discrete(severity, h, n, method)
    h, n = disc.h, disc.n
    if tilt is None:
        g = _tilted(freq, disc.pmf, DEFAULT_TILT / n)
        lost, peak = max(1.0 - float(g.sum()), 1e-300), max(float(g.max()), 1e-300)
        tilt_n = 0.5 * math.log(lost / (np.finfo(float).eps * peak * math.sqrt(n)))
        tilt_n = min(max(tilt_n, 0.0), DEFAULT_TILT)
        if tilt_n < DEFAULT_TILT - 0.5:
            g = _tilted(freq, disc.pmf, tilt_n / n)
        else:
            tilt_n = DEFAULT_TILT
    else:
        tilt_n = float(tilt) * n * h
        if not 0.0 <= tilt_n <= 700.0:
            raise ValueError(
                f"tilt: must lie in [0, 700/(n h)] = [0, {700.0 / (n * h):.4g}] so that "
                f"exp(tilt * n h) stays finite, got {tilt}"
            )
        g = _tilted(freq, disc.pmf, tilt_n / n)
    return finish(
        np.maximum(g, 0.0), method="fft", disc=disc, frequency=freq, tol=tol, tilt=tilt_n / (n * h)
    )


def _tilted(freq, f: np.ndarray, step: float) -> np.ndarray:
    """Aggregate masses by FFT with tilt ``step`` per grid point (0: plain FFT)."""
    n = f.shape[0]
    damp = np.exp(-step * np.arange(n))
    return np.fft.irfft(freq.pgf(np.fft.rfft(f * damp)), n) / damp
