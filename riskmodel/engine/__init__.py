"""The simulation engine: compiled kernels over seeded blocks, and far-tail estimators.

The function users call is :func:`riskmodel.simulate` (the same object as
:func:`riskmodel.engine.simulate`); this subpackage holds its machinery.
"""

from .conditional import exceedance_probability, tail_quantile
from .result import LossSample, SimulationResult
from .simulation import Simulation, simulate
from .tail_result import TailProbability, TailQuantile

__all__ = [
    "LossSample",
    "Simulation",
    "SimulationResult",
    "TailProbability",
    "TailQuantile",
    "exceedance_probability",
    "simulate",
    "tail_quantile",
]
