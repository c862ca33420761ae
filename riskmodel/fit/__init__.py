"""Fitting: every estimation from data.

Severity by maximum likelihood (truncated, censored), goodness of fit, extreme-value tools,
frequency by GLM, the volume elasticity of counts and a count copula.
"""

from ._compare import SeverityComparison, compare_severity
from ._copula import fit_count_copula
from ._elasticity import ElasticityFit, fit_volume_elasticity
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
from ._select import SeveritySelection, select_severity
from ._severity import SeverityFit, fit_severity
from ._spliced import SplicedFit, fit_spliced

__all__ = [
    "ElasticityFit",
    "FrequencyFit",
    "GofResult",
    "OverdispersionTest",
    "PotResult",
    "PredictionInterval",
    "ProfileInterval",
    "SeverityComparison",
    "SeverityFit",
    "SeveritySelection",
    "SplicedFit",
    "ThresholdChoice",
    "compare_severity",
    "edf_statistics",
    "fit_count_copula",
    "fit_frequency",
    "fit_pot",
    "fit_severity",
    "fit_spliced",
    "fit_volume_elasticity",
    "gof_severity",
    "gof_statistics",
    "gpd_stability",
    "hill",
    "mean_excess",
    "profile_interval",
    "select_severity",
    "suggest_threshold",
]
