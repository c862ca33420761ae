"""The single-loss approximation of high quantiles of a compound sum with a heavy tail."""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._errors import InfiniteMomentWarning
from ._frequency import as_ab0

__all__ = ["CORRECTIONS", "single_loss_approximation"]

#: corrections added to the first-order single-loss approximation
CORRECTIONS = ("censored", "mean", "none")


def single_loss_approximation(frequency, severity, p, *, correction: str = "censored"):
    r"""High quantile (VaR) of an annual total from a single large loss.

    Parameters
    ----------
    frequency : Poisson, NegativeBinomial, binomial, ABZero or float
        The claim count (a number is a Poisson rate); see :func:`riskmodel.analytic.as_ab0`.
    severity : distribution
        A subexponential (heavy-tailed) severity with vectorised ``isf``, and ``lev`` (for
        ``"censored"``) or ``mean`` (for ``"mean"``).
    p : float or array_like
        Probability levels, close to one (e.g. 0.999).
    correction : {"censored", "mean", "none"}
        Term added to the first-order approximation; see Notes.

    Returns
    -------
    float or ndarray
        The approximate quantile(s).

    Raises
    ------
    ValueError
        If ``(1 - p)/E[N] >= 1`` (the level is too low for the approximation), if E[N] = 0, or
        for ``correction="mean"`` with an infinite severity mean.

    Notes
    -----
    For a subexponential severity, :math:`P(S > x) \sim E[N]\,\bar F(x)` as
    :math:`x \to \infty` (Böcker & Klüppelberg 2005), so

    .. math:: \mathrm{VaR}_p(S) \approx x_0 = \bar F^{-1}\Big(\frac{1-p}{E[N]}\Big)
              \qquad (\texttt{"none"}),

    computed with ``isf`` so that no precision is lost to :math:`1 - (1-p)/E[N]`. The
    second-order expansion :math:`P(S > x) = E[N]\bar F(x) + E[N(N-1)]\,E[X] f(x) + o(f(x))`,
    valid for a finite mean and a long-tailed density (Omey & Willekens 1987), makes
    :math:`P(S > x) \approx E[N]\,\bar F(x - c)` with a shift

    .. math:: c = \frac{E[N(N-1)]}{E[N]}\,E[X] \qquad (\texttt{"mean"}),

    which for a Poisson count is :math:`\lambda E[X]`, the mean correction of Degen (2010) (for a
    negative binomial count with mean :math:`m` and shape :math:`r` it is
    :math:`m(1 + 1/r)E[X]`, not :math:`m E[X]`). ``"censored"`` (the default) replaces
    :math:`E[X]` by the censored mean :math:`E[X \wedge x_0]`: the same as ``"mean"`` to first
    order when :math:`E[X] < \infty`, and finite when it is not, where it is of the order of the
    true second-order term (for a Pareto tail of index :math:`\alpha < 1` that term is
    :math:`-\Gamma(1-\alpha)^2/\Gamma(1-2\alpha)\,\bar F(x)^2` per pair of losses, Omey &
    Willekens 1986; the censored
    shift gives :math:`2\alpha/(1-\alpha)` in place of that constant, e.g. 8 for 5.7 at
    :math:`\alpha = 0.8`). Right-truncated moments in corrections to the single-loss
    approximation are the approach of Hernández et al. (2014).

    Against the Panjer recursion at :math:`p = 0.999` (tests/analytic): Poisson(3)-Pareto(0.8)
    first order -0.3 %, censored +0.14 %; Poisson(5)-lognormal(0, 2) first order -3.2 %, mean
    and censored -0.2 % and -0.3 %; NB(mean 5, shape 1)-lognormal(0, 2) first order -6.5 %,
    mean -0.7 %, censored -0.8 % (with :math:`E[N]E[X]` instead it would be -3.6 %). The
    approximation is asymptotic: it is poor for light tails and at moderate levels.

    References
    ----------
    Böcker, K. & Klüppelberg, C. (2005). Operational VaR: a closed-form approximation.
    *Risk* 18(12), 90-93.
    Degen, M. (2010). The calculation of minimum regulatory capital using single-loss
    approximations. *Journal of Operational Risk* 5(4), 3-17.
    Omey, E. & Willekens, E. (1986). Second order behaviour of the tail of a subordinated
    probability distribution. *Stochastic Processes and their Applications* 21(2), 339-353.
    Omey, E. & Willekens, E. (1987). Second-order behaviour of distributions subordinate to a
    distribution with finite mean. *Communications in Statistics. Stochastic Models* 3(3),
    311-342.
    Hernández, L., Tejero, J., Suárez, A. & Carrillo-Menéndez, S. (2012). Percentiles of sums of
    heavy-tailed random variables: beyond the single-loss approximation. arXiv:1203.2564.

    Examples
    --------
    >>> from riskmodel.severity import LogNormal
    >>> x = single_loss_approximation(5.0, LogNormal(0.0, 2.0), 0.999)
    >>> round(x)
    1224
    """
    if correction not in CORRECTIONS:
        raise ValueError(f"correction: must be one of {CORRECTIONS}, got {correction!r}")
    freq = as_ab0(frequency)
    en = freq.mean
    if not en > 0:
        raise ValueError("frequency: the expected count is 0; the total is 0 almost surely")
    p_arr = np.asarray(p, dtype=float)
    if ((p_arr <= 0) | (p_arr >= 1) | np.isnan(p_arr)).any():
        raise ValueError("p: levels must lie in (0, 1)")
    q = (1.0 - p_arr) / en
    if (q >= 1).any():
        raise ValueError(f"p: (1 - p)/E[N] must be < 1 (E[N] = {en:g}); use a higher level")
    x0 = np.asarray(severity.isf(q), dtype=float)
    shift_factor = freq.factorial_moment2 / en
    if correction == "none" or shift_factor == 0.0:
        out = x0
    elif correction == "mean":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InfiniteMomentWarning)
            mean = float(severity.mean())
        if not math.isfinite(mean):
            raise ValueError(
                "correction='mean' needs a finite severity mean; use 'censored' or 'none'"
            )
        out = x0 + shift_factor * mean
    else:
        out = x0 + shift_factor * np.asarray(severity.lev(x0), dtype=float)
    return float(out) if out.ndim == 0 else out
