"""Claim-count distributions of the (a, b, 0) class, as the recursions and transforms need them."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

__all__ = ["ABZero", "as_ab0"]


@dataclass(frozen=True)
class ABZero:
    r"""A claim-count distribution of the (a, b, 0) class.

    Parameters
    ----------
    a, b : float
        The class parameters: :math:`p_k = (a + b/k)\,p_{k-1}` for :math:`k \ge 1`.
        ``a = 0`` is the Poisson distribution with mean ``b``; ``0 < a < 1`` the negative
        binomial with :math:`\beta = a/(1-a)` and shape :math:`r = 1 + b/a`; ``a < 0`` the
        binomial with :math:`q = -a/(1-a)` and :math:`m = -(1 + b/a)` trials (an integer).

    Notes
    -----
    * Poisson(λ): :math:`a = 0`, :math:`b = λ`, :math:`p_0 = e^{-λ}`,
      :math:`P(z) = e^{λ(z-1)}`;
    * negative binomial NB(r, β): :math:`a = β/(1+β)`, :math:`b = (r-1)β/(1+β)`,
      :math:`p_0 = (1+β)^{-r}`, :math:`P(z) = (1-β(z-1))^{-r}`;
    * binomial(m, q): :math:`a = -q/(1-q)`, :math:`b = (m+1)q/(1-q)`, :math:`p_0 = (1-q)^m`,
      :math:`P(z) = (1+q(z-1))^m`.

    The negative binomial here has mean :math:`rβ` and variance :math:`rβ(1+β)`, i.e.
    ``NegativeBinomial(mean, shape)`` of :mod:`riskmodel.frequency` with ``shape = r``. In general
    :math:`E[N] = (a+b)/(1-a)` and :math:`E[N(N-1)] = (a+b)(2a+b)/(1-a)^2`.

    References
    ----------
    Klugman, S. A., Panjer, H. H. & Willmot, G. E. (2019). *Loss Models: From Data to Decisions*,
    5th ed., Wiley, chapter 6 (the (a, b, 0) class).

    Examples
    --------
    >>> nb = ABZero.negative_binomial(mean=2.0, shape=0.5)
    >>> round(nb.a, 12), round(nb.b, 12), round(nb.var, 12)
    (0.8, -0.4, 10.0)
    """

    a: float
    b: float

    def __post_init__(self) -> None:
        a, b = float(self.a), float(self.b)
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "b", b)
        if not (math.isfinite(a) and math.isfinite(b)) or a >= 1.0:
            raise ValueError(f"ABZero: need finite a < 1 and finite b, got a={a}, b={b}")
        if a == 0.0 and b < 0.0:
            raise ValueError(f"ABZero: a Poisson rate b must be >= 0, got b={b}")
        if a > 0.0 and a + b < 0.0:
            raise ValueError(f"ABZero: a negative binomial needs a + b > 0, got a={a}, b={b}")
        if a < 0.0:
            m = -(1.0 + b / a)
            if not (m >= 1.0 and abs(m - round(m)) < 1e-9 * max(1.0, m)):
                raise ValueError(
                    f"ABZero: a < 0 (binomial) needs -(1 + b/a) to be a positive integer, got {m}"
                )

    # ------------------------------------------------------------------ constructors
    @classmethod
    def poisson(cls, rate: float) -> ABZero:
        """Poisson distribution with mean ``rate``."""
        rate = float(rate)
        if not (rate >= 0 and math.isfinite(rate)):
            raise ValueError(f"Poisson: rate must be finite and >= 0, got {rate}")
        return cls(0.0, rate)

    @classmethod
    def negative_binomial(cls, mean: float, shape: float) -> ABZero:
        """Negative binomial with the given mean and shape r: variance ``mean + mean**2/shape``."""
        mean, shape = float(mean), float(shape)
        if not (mean > 0 and shape > 0 and math.isfinite(mean) and math.isfinite(shape)):
            raise ValueError(
                f"NegativeBinomial: mean and shape must be finite and > 0, got {mean}, {shape}"
            )
        beta = mean / shape
        return cls(beta / (1.0 + beta), (shape - 1.0) * beta / (1.0 + beta))

    @classmethod
    def binomial(cls, n: int, p: float) -> ABZero:
        """Binomial with ``n`` trials of probability ``p`` (0 < p < 1)."""
        if int(n) != n or n < 1:
            raise ValueError(f"Binomial: n must be a positive integer, got {n}")
        p = float(p)
        if not 0.0 < p < 1.0:
            raise ValueError(f"Binomial: p must lie in (0, 1), got {p}")
        return cls(-p / (1.0 - p), (int(n) + 1) * p / (1.0 - p))

    # ------------------------------------------------------------------ properties
    @property
    def family(self) -> str:
        """``"poisson"``, ``"negative_binomial"`` or ``"binomial"``."""
        if self.a == 0.0:
            return "poisson"
        return "negative_binomial" if self.a > 0 else "binomial"

    @property
    def params(self) -> dict[str, float]:
        """The usual parameters: rate; mean and shape; or n and p."""
        a, b = self.a, self.b
        if a == 0.0:
            return {"rate": b}
        if a > 0.0:
            shape = 1.0 + b / a
            return {"mean": shape * a / (1.0 - a), "shape": shape}
        return {"n": round(-(1.0 + b / a)), "p": -a / (1.0 - a)}

    @property
    def mean(self) -> float:
        """E[N] = (a + b)/(1 - a)."""
        return (self.a + self.b) / (1.0 - self.a)

    @property
    def var(self) -> float:
        """Var[N] = (a + b)/(1 - a)^2."""
        return (self.a + self.b) / (1.0 - self.a) ** 2

    @property
    def factorial_moment2(self) -> float:
        """E[N(N-1)] = (a + b)(2a + b)/(1 - a)^2."""
        return (self.a + self.b) * (2.0 * self.a + self.b) / (1.0 - self.a) ** 2

    @property
    def log_p0(self) -> float:
        """log P(N = 0), finite even where P(N = 0) underflows."""
        return float(self.log_pgf(0.0).real)

    # ------------------------------------------------------------------ transforms
    def log_pgf(self, z):
        """log E[z^N], for real or complex ``z`` with ``|z| <= 1`` (principal branch).

        The argument of the logarithm stays in the right half-plane for Poisson and negative
        binomial, so the principal branch is the continuous one; for the binomial only
        ``exp(log_pgf)`` is meaningful (the integer power makes the branch irrelevant).
        """
        z = np.asarray(z)
        a, b = self.a, self.b
        if a == 0.0:
            return b * (z - 1.0)
        if a > 0.0:
            shape, beta = 1.0 + b / a, a / (1.0 - a)
            return -shape * np.log(1.0 - beta * (z - 1.0) + 0j)
        m, q = -(1.0 + b / a), -a / (1.0 - a)
        return round(m) * np.log(1.0 + q * (z - 1.0) + 0j)

    def pgf(self, z):
        """E[z^N], vectorised, for real or complex ``z`` with ``|z| <= 1``."""
        z = np.asarray(z)
        if self.a < 0.0:  # binomial: an exact integer power, no branch cut
            m, q = round(-(1.0 + self.b / self.a)), -self.a / (1.0 - self.a)
            return (1.0 + q * (z - 1.0)) ** m
        return np.exp(self.log_pgf(z))

    def pmf(self, k):
        """P(N = k) for integer ``k >= 0``, by the (a, b, 0) recursion (for tests and small k)."""
        k = np.asarray(k, dtype=np.int64)
        ratio = self.a + self.b / np.arange(1, int(k.max(initial=0)) + 1)
        with np.errstate(divide="ignore"):
            steps = np.log(np.maximum(ratio, 0.0))
        logp = np.concatenate([[self.log_p0], self.log_p0 + np.cumsum(steps)])
        out = np.exp(logp[k])
        return float(out) if out.ndim == 0 else out


def _attr(obj, name: str) -> float:
    """``obj.name`` as a float (called first if it is a method)."""
    value = getattr(obj, name)
    return float(value() if callable(value) else value)


def as_ab0(frequency) -> ABZero:
    """Convert a frequency object to its (a, b, 0) representation.

    Parameters
    ----------
    frequency : ABZero, float, or a frequency object
        A plain number is a Poisson rate. An object with a ``panjer_ab()`` method (every
        :mod:`riskmodel.frequency` distribution) gives its (a, b) directly. Other objects are
        recognised by their attributes: ``rate`` (Poisson); ``mean`` and ``shape`` (negative
        binomial, variance ``mean + mean**2/shape``); ``n`` and ``p`` (binomial). ``mean``
        may be a method.

    Returns
    -------
    ABZero

    Raises
    ------
    TypeError
        If the object is not a recognised member of the (a, b, 0) class (zero-modified and
        mixed distributions are not).
    """
    if isinstance(frequency, ABZero):
        return frequency
    if isinstance(frequency, numbers.Real) and not isinstance(frequency, bool):
        return ABZero.poisson(float(frequency))
    if hasattr(frequency, "panjer_ab"):  # riskmodel.frequency objects say it themselves
        a, b = frequency.panjer_ab()
        return ABZero(a, b)
    if hasattr(frequency, "rate") and not hasattr(frequency, "shape"):
        return ABZero.poisson(_attr(frequency, "rate"))
    if hasattr(frequency, "mean") and hasattr(frequency, "shape"):
        return ABZero.negative_binomial(_attr(frequency, "mean"), _attr(frequency, "shape"))
    if hasattr(frequency, "n") and hasattr(frequency, "p"):
        return ABZero.binomial(int(_attr(frequency, "n")), _attr(frequency, "p"))
    raise TypeError(
        "frequency: expected a Poisson rate, riskmodel.frequency.Poisson / NegativeBinomial, "
        f"a binomial, or riskmodel.analytic.ABZero; got {frequency!r}"
    )
