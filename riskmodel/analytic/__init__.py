"""Analytic compound distributions: Panjer recursion, FFT, and the single-loss approximation.

They serve users with one (frequency, severity) pair and simple terms, and the tests as an
independent cross-check of the Monte Carlo simulator.
"""

from ._discretize import METHODS, DiscreteSeverity, discretize
from ._fft import fft_compound
from ._frequency import ABZero, as_ab0
from ._panjer import panjer
from ._result import CompoundDistribution
from ._sla import CORRECTIONS, single_loss_approximation

__all__ = [
    "CORRECTIONS",
    "METHODS",
    "ABZero",
    "CompoundDistribution",
    "DiscreteSeverity",
    "as_ab0",
    "discretize",
    "fft_compound",
    "panjer",
    "single_loss_approximation",
]
