"""The statsmodels calls behind fit_frequency: Poisson GLM, NB2 by ML, dispersion tests."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import stats


def _call_statsmodels(fn: Callable[[], Any], messages: list[str], what: str):
    """Run ``fn`` and turn statsmodels' convergence/numerical warnings into messages.

    Only statsmodels' ConvergenceWarning, HessianInversionWarning and
    PerfectSeparationWarning and numpy's RuntimeWarning (overflow or invalid values met by
    the optimiser's line search) are captured: they are reported through the result's
    ``converged``/``message`` and one riskmodel ConvergenceWarning. Every other warning
    passes through untouched.
    """
    from statsmodels.tools import sm_exceptions as sme

    handled = (
        sme.ConvergenceWarning,
        sme.HessianInversionWarning,
        sme.PerfectSeparationWarning,
        RuntimeWarning,
    )
    with warnings.catch_warnings(record=True) as caught:
        for cat in handled:
            warnings.simplefilter("always", cat)
        with np.errstate(over="warn", invalid="warn", divide="warn"):
            result = fn()
    ok = True
    for w in caught:
        if issubclass(w.category, handled):
            messages.append(f"{what}: {w.category.__name__}: {w.message}")
            ok = False
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result, ok


def _fit_poisson(y, X, offset, messages):
    # (the modules themselves: ``statsmodels.api`` imports its graphics, formulas and time
    # series too, 0.25 s more on every run of the CLI)
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM

    model = GLM(y, X, family=Poisson(), offset=offset)
    res, ok = _call_statsmodels(lambda: model.fit(maxiter=100), messages, "Poisson GLM")
    if not res.converged:
        messages.append("Poisson GLM: IRLS reached its iteration limit")
    return res, bool(res.converged and ok)


def _fit_negbin(y, X, offset, beta0, messages) -> dict[str, Any]:
    from statsmodels.discrete.discrete_model import NegativeBinomial as NBModel

    model = NBModel(y, X, loglike_method="nb2", offset=offset)
    mu0 = np.exp(X @ beta0 + offset)
    alpha0 = max(float(np.sum(((y - mu0) ** 2 - y) / mu0**2) / max(y.size - X.shape[1], 1)), 0.05)
    start = np.append(beta0, alpha0)
    local: list[str] = []
    res, ok = _call_statsmodels(
        lambda: model.fit(start_params=start, method="bfgs", maxiter=2000, gtol=1e-8, disp=0),
        local,
        "NB2 (BFGS)",
    )
    ok = ok and bool(res.mle_retvals.get("converged", False))
    polish, ok2 = _call_statsmodels(
        lambda: model.fit(start_params=res.params, method="newton", maxiter=100, disp=0),
        [],
        "NB2 (Newton)",
    )
    if (
        ok2
        and polish.mle_retvals.get("converged", False)
        and polish.params[-1] > 0
        and np.isfinite(polish.llf)
        and polish.llf >= res.llf - 1e-9
    ):
        res, ok = polish, True
    params = np.asarray(res.params, dtype=float)
    cov = np.asarray(res.cov_params(), dtype=float) if ok else np.full((params.size,) * 2, np.nan)
    good = ok and params[-1] > 0 and np.all(np.isfinite(cov)) and np.all(np.diag(cov) > 0)
    if not good:
        messages.extend(local or ["NB2: the optimiser did not converge"])
    return {
        "ok": bool(good),
        "params": params,
        "alpha": float(params[-1]),
        "cov": cov,
        "llf": float(res.llf),
    }


def _cameron_trivedi(y: np.ndarray, mu: np.ndarray) -> float:
    """t statistic of the NB2 auxiliary regression ((y - mu)^2 - y)/mu = alpha mu + error."""
    z = ((y - mu) ** 2 - y) / mu
    n = y.size
    if n < 2:
        return math.nan
    slope = float(z @ mu / (mu @ mu))
    resid = z - slope * mu
    s2 = float(resid @ resid) / (n - 1)
    se = math.sqrt(s2 / float(mu @ mu))
    return slope / se if se > 0 else math.nan


def _chibar_pvalue(lr: float) -> float:
    if not math.isfinite(lr):
        return math.nan
    if lr <= 0.0:
        return 1.0
    return 0.5 * float(stats.chi2.sf(lr, 1))


# ---------------------------------------------------------------------------------- inputs
