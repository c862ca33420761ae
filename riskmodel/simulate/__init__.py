"""Monte Carlo simulation of annual losses: compiled kernels over seeded blocks."""

from .engine import simulate
from .result import LossSample, SimulationResult

__all__ = ["LossSample", "SimulationResult", "simulate"]
