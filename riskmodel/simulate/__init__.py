"""Monte Carlo simulation of annual losses: compiled kernels over seeded blocks.

``riskmodel.simulate`` names both the function :func:`simulate` and this subpackage. Once a
submodule has been imported (``import riskmodel.simulate.engine``), Python binds the name
``riskmodel.simulate`` to the subpackage; so that ``riskmodel.simulate(model, n_sims, ...)``
keeps working whatever was imported before, the subpackage is callable and forwards to
:func:`simulate`.
"""

import sys
import types

from .conditional import exceedance_probability, tail_quantile
from .engine import Simulation, simulate
from .result import LossSample, SimulationResult
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


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return simulate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
