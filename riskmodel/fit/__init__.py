"""Fitting: severity by maximum likelihood (truncated, censored), frequency by GLM."""

from ._frequency import FrequencyFit, OverdispersionTest, PredictionInterval, fit_frequency
from ._severity import SeverityFit, fit_severity

__all__ = [
    "FrequencyFit",
    "OverdispersionTest",
    "PredictionInterval",
    "SeverityFit",
    "fit_frequency",
    "fit_severity",
]
