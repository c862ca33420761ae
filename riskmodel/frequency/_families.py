"""Poisson and negative binomial (NB2) annual-count distributions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy import stats

from ._base import Frequency, check_nonnegative, check_positive

__all__ = ["NegativeBinomial", "Poisson"]


@dataclass(frozen=True)
class Poisson(Frequency):
    r"""Poisson distribution of the annual number of losses.

    Parameters
    ----------
    rate : float
        Expected number of losses per period, >= 0 (0 gives N = 0 almost surely).

    Notes
    -----
    .. math:: P(N = k) = e^{-\lambda} \lambda^k / k!, \qquad E[N] = \operatorname{Var}[N]
              = \lambda.

    The probability generating function is :math:`P(z) = e^{\lambda(z - 1)}` and the
    distribution is the (a, b, 0) member with :math:`a = 0, b = \lambda` (Panjer recursion;
    Klugman, Panjer & Willmot, *Loss Models*, section 6.5).

    Examples
    --------
    >>> n = Poisson(3.0)
    >>> n.mean(), n.var()
    (3.0, 3.0)
    >>> round(n.pmf(0), 6)
    0.049787
    >>> n.scaled(0.5)
    Poisson(rate=1.5)
    """

    rate: float

    param_names: ClassVar[tuple[str, ...]] = ("rate",)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", check_nonnegative("Poisson", "rate", self.rate))

    @property
    def params(self) -> dict[str, float]:
        """``{"rate": rate}``."""
        return {"rate": self.rate}

    def _scipy(self):
        return stats.poisson(self.rate)

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.poisson(self.rate, size=n)

    def mean(self) -> float:
        """Expected count: ``rate``."""
        return self.rate

    def var(self) -> float:
        """Variance: ``rate``."""
        return self.rate

    def pgf(self, z):
        """Probability generating function :math:`E[z^N] = \\exp(\\lambda (z - 1))`."""
        z = np.asarray(z, dtype=float)
        out = np.exp(self.rate * (z - 1.0))
        return float(out) if out.ndim == 0 else out

    def panjer_ab(self) -> tuple[float, float]:
        """Panjer (a, b, 0) coefficients: ``p_k = (a + b/k) p_{k-1}``; here ``(0, rate)``."""
        return 0.0, self.rate

    def scaled(self, factor: float) -> Poisson:
        """The count for exposure multiplied by ``factor``: ``Poisson(rate * factor)``.

        Exact for a Poisson process: the count over ``factor`` units of exposure is Poisson
        with the rate times ``factor``.
        """
        factor = check_nonnegative("Poisson.scaled", "factor", factor)
        return Poisson(self.rate * factor)


@dataclass(frozen=True, init=False, repr=False)
class NegativeBinomial(Frequency):
    r"""Negative binomial (NB2) distribution of the annual number of losses.

    Parameters
    ----------
    mean : float
        Expected number of losses per period, >= 0.
    shape : float
        Shape (size) parameter r > 0; smaller means more over-dispersion. The Poisson is the
        limit r -> infinity.

    Attributes
    ----------
    mu : float
        The ``mean`` parameter (the name ``mean`` is taken by the :meth:`mean` method, as for
        every distribution in the package; ``params["mean"]`` gives it too). The constructor
        also takes it as the keyword ``mu``, the field's name, so that
        :func:`dataclasses.replace` works.
    shape : float

    Notes
    -----
    NB2 parametrisation (Cameron & Trivedi), the one of statsmodels' ``NegativeBinomial``
    with ``loglike_method="nb2"`` and dispersion :math:`\alpha = 1/r`:

    .. math::
        P(N = k) = \frac{\Gamma(k + r)}{k!\,\Gamma(r)}
                   \left(\frac{r}{r + \mu}\right)^{r} \left(\frac{\mu}{r + \mu}\right)^{k},
        \qquad E[N] = \mu, \qquad \operatorname{Var}[N] = \mu + \mu^2 / r.

    It is scipy's ``nbinom(n, p)`` with ``n = r`` and ``p = r / (r + \mu)``, and the
    gamma-Poisson mixture :math:`N \mid \Lambda \sim \text{Poisson}(\Lambda)`,
    :math:`\Lambda \sim \text{Gamma}(\text{shape}=r, \text{scale}=\mu/r)`, which is how
    :meth:`sample` and the simulation kernels draw it. In *Loss Models* notation
    (r, :math:`\beta`) it has :math:`\beta = \mu / r`.

    Examples
    --------
    >>> n = NegativeBinomial(mean=2.0, shape=4.0)
    >>> n.mean(), n.var()
    (2.0, 3.0)
    >>> n.params
    {'mean': 2.0, 'shape': 4.0}
    >>> import dataclasses
    >>> dataclasses.replace(n, shape=1.0)
    NegativeBinomial(mean=2.0, shape=1.0)
    """

    mu: float
    shape: float

    param_names: ClassVar[tuple[str, ...]] = ("mean", "shape")

    def __init__(
        self, mean: float | None = None, shape: float | None = None, *, mu: float | None = None
    ) -> None:
        if (mean is None) == (mu is None):
            raise TypeError("NegativeBinomial: give the mean (as mean, or as mu), exactly once")
        if shape is None:
            raise TypeError("NegativeBinomial: missing the shape")
        value = mean if mu is None else mu
        object.__setattr__(self, "mu", check_nonnegative("NegativeBinomial", "mean", value))
        object.__setattr__(self, "shape", check_positive("NegativeBinomial", "shape", shape))

    def __repr__(self) -> str:
        return f"NegativeBinomial(mean={self.mu!r}, shape={self.shape!r})"

    @property
    def params(self) -> dict[str, float]:
        """``{"mean": mu, "shape": shape}`` (the constructor's keywords)."""
        return {"mean": self.mu, "shape": self.shape}

    @property
    def alpha(self) -> float:
        """The NB2 dispersion :math:`\\alpha = 1/r` (statsmodels' name): Var = mu + alpha mu^2."""
        return 1.0 / self.shape

    @property
    def p(self) -> float:
        """scipy's success probability ``shape / (shape + mean)``."""
        return self.shape / (self.shape + self.mu)

    def _scipy(self):
        return stats.nbinom(self.shape, self.p)

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.mu == 0.0:
            return np.zeros(n, dtype=np.int64)
        return rng.poisson(rng.gamma(self.shape, self.mu / self.shape, size=n))

    def mean(self) -> float:
        """Expected count: the ``mean`` parameter."""
        return self.mu

    def var(self) -> float:
        """Variance ``mean + mean**2 / shape``."""
        return self.mu + self.mu * self.mu / self.shape

    def pgf(self, z):
        """Probability generating function :math:`(1 - \\beta (z - 1))^{-r}`, β = mean/shape."""
        z = np.asarray(z, dtype=float)
        out = (1.0 - (self.mu / self.shape) * (z - 1.0)) ** (-self.shape)
        return float(out) if out.ndim == 0 else out

    def panjer_ab(self) -> tuple[float, float]:
        """Panjer (a, b, 0) coefficients: ``a = β/(1+β)``, ``b = (r - 1) a``, β = mean/shape."""
        beta = self.mu / self.shape
        a = beta / (1.0 + beta)
        return a, (self.shape - 1.0) * a

    def scaled(self, factor: float) -> NegativeBinomial:
        """The count for exposure multiplied by ``factor``: mean times ``factor``, same shape.

        Notes
        -----
        This is the NB2 regression (GLM) convention: exposure enters the mean through a
        log offset while the dispersion :math:`\\alpha = 1/r` stays fixed, so
        :meth:`riskmodel.fit.FrequencyFit.predict` at another exposure gives the same
        object. It describes a common shock: all exposure units share one gamma-distributed
        annual intensity (market conditions, the state of the exchange's security), so the
        relative variance of that intensity, :math:`1/r`, does not shrink with size.

        The alternative, ``factor`` *independent* units each NB(mean, r), has the law
        NB(mean * factor, r * factor) (same β); use it by building
        ``NegativeBinomial(n.mean() * factor, n.shape * factor)`` explicitly. It gives a
        smaller variance for ``factor > 1``.
        """
        factor = check_nonnegative("NegativeBinomial.scaled", "factor", factor)
        return NegativeBinomial(self.mu * factor, self.shape)
