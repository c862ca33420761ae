"""Fitting: severity by maximum likelihood (truncated, censored), goodness of fit, extreme-value
tools, and frequency by GLM."""

from ._compare import SeverityComparison, compare_severity
from ._evt import (
    PotResult,
    ThresholdChoice,
    fit_pot,
    gpd_stability,
    hill,
    mean_excess,
    suggest_threshold,
)
from ._frequency import FrequencyFit, OverdispersionTest, PredictionInterval, fit_frequency
from ._gof import GofResult, edf_statistics, gof_severity, gof_statistics
from ._profile import ProfileInterval, profile_interval
from ._severity import SeverityFit, fit_severity
from ._spliced import SplicedFit, fit_spliced

__all__ = [
    "FrequencyFit",
    "GofResult",
    "OverdispersionTest",
    "PotResult",
    "PredictionInterval",
    "ProfileInterval",
    "SeverityComparison",
    "SeverityFit",
    "SplicedFit",
    "ThresholdChoice",
    "compare_severity",
    "edf_statistics",
    "fit_frequency",
    "fit_pot",
    "fit_severity",
    "fit_spliced",
    "gof_severity",
    "gof_statistics",
    "gpd_stability",
    "hill",
    "mean_excess",
    "profile_interval",
    "suggest_threshold",
]
