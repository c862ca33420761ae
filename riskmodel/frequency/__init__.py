"""Frequency distributions: how many loss events happen in a year.

- :class:`Poisson`: ``Poisson(rate)``, variance = mean.
- :class:`NegativeBinomial`: ``NegativeBinomial(mean, shape)`` (NB2), variance
  ``mean + mean**2 / shape``: over-dispersed counts (a gamma-mixed Poisson).
- :class:`Mixture`: an equal-weight mixture of Poisson or NB counts, e.g. a predictive
  distribution mixed over parameter uncertainty (simulated from a table of its cdf).

Every frequency is frozen and has ``pmf logpmf cdf sf ppf isf sample(n, rng) mean() var()
std() pgf(z) scaled(factor)`` and a ``params`` dict; Poisson and NB also give their Panjer (a, b)
coefficients (``panjer_ab()``). Fit them to yearly counts with
:func:`riskmodel.fit.fit_frequency`.
"""

from ._base import Frequency
from ._families import NegativeBinomial, Poisson
from ._mixture import Mixture

__all__ = ["Frequency", "Mixture", "NegativeBinomial", "Poisson"]
