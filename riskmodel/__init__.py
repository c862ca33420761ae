"""riskmodel: actuarial risk modeling of customer losses at crypto exchanges.

Fit heavy-tailed severities and exposure-scaled frequencies to incident data, simulate annual
losses with insurance, and size the reserve that covers a year's losses with probability p.

Importing the package is light: subpackages load on first use.
"""

import importlib as _importlib

__version__ = "0.1.0"

_LAZY = {
    "LossModel": "riskmodel.model",
    "Layer": "riskmodel.insurance",
    "InsuranceProgram": "riskmodel.insurance",
    "simulate": "riskmodel.engine",
    "SimulationResult": "riskmodel.engine",
    "fit_severity": "riskmodel.fit",
    "fit_frequency": "riskmodel.fit",
    "compare_severity": "riskmodel.fit",
    "fit_pot": "riskmodel.fit",
    "FrequencyFit": "riskmodel.fit",
    "CreditRules": "riskmodel.reserving",
    "coverage_curve": "riskmodel.reserving",
    "SeverityFit": "riskmodel.fit",
    "reserve": "riskmodel.reserving",
    "ReserveResult": "riskmodel.reserving",
    "DataError": "riskmodel._errors",
    "RiskModelWarning": "riskmodel._errors",
    "InfiniteMomentWarning": "riskmodel._errors",
    "ConvergenceWarning": "riskmodel._errors",
    "write_report": "riskmodel.report",
    "model_risk": "riskmodel.model_averaging",
    "ModelRisk": "riskmodel.model_averaging",
    "backtest": "riskmodel.backtesting",
    "BacktestResult": "riskmodel.backtesting",
    "Book": "riskmodel.book",
    "ModelSpec": "riskmodel.spec",
    "load_model": "riskmodel.spec",
    "calibrate_industry": "riskmodel.calibrate",
    "select_severity": "riskmodel.fit",
}

__all__ = ["__version__", *sorted(_LAZY)]


#: subpackages reachable as attributes after a plain ``import riskmodel``
_SUBMODULES = (
    "analytic",
    "backtesting",
    "calibrate",
    "credibility",
    "data",
    "dependence",
    "engine",
    "exposure",
    "fit",
    "frequency",
    "insurance",
    "model",
    "model_averaging",
    "plots",
    "pricing",
    "profile",
    "reserving",
    "severity",
    "spec",
    "standard_formulas",
    "uncertainty",
)


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        return _importlib.import_module(f"riskmodel.{name}")
    if name in _LAZY:
        value = getattr(_importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'riskmodel' has no attribute {name!r}")


def __dir__() -> list[str]:
    public = {name for name in globals() if not name.startswith("_")}
    return sorted(public | {"__version__"} | set(_LAZY) | set(_SUBMODULES))
