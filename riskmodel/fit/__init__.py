"""Fitting: severity by maximum likelihood (truncated, censored), frequency by GLM."""

from ._severity import SeverityFit, fit_severity

__all__ = ["SeverityFit", "fit_severity"]
