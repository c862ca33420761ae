"""How often the reserve's interval with parameter uncertainty covers the true reserve.

A known model (Poisson rate 1.1 a year, lognormal severity mu 16, sigma 2.5 left-truncated at
USD 1M, like the fraud category of the bundled data) is observed for 12 years, about 13 losses;
the model is refitted to each simulated history and ``reserve`` computes ``ci_total`` at 90%.
The fraction of histories whose interval holds the true 99% reserve is the coverage.
"""

import math
import warnings

import numpy as np
import pytest

from riskmodel import ConvergenceWarning
from riskmodel.fit import fit_severity
from riskmodel.frequency import Poisson
from riskmodel.model import LossModel
from riskmodel.reserving import reserve
from riskmodel.severity import LogNormal, Weibull
from riskmodel.uncertainty import DEFAULT_METHOD, FittedCategory

RATE, YEARS, THRESHOLD, P, LEVEL = 1.1, 12, 1e6, 0.99, 0.9
SEVERITY = LogNormal(16.0, 2.5).truncated(lower=THRESHOLD)
#: the family the bundled hack and fraud categories select, with a fraud-like heavy tail
WEIBULL = Weibull(0.45, 1.5e7).truncated(lower=THRESHOLD)


def _true_reserve(severity) -> float:
    r = reserve(LossModel({"a": (Poisson(RATE), severity)}), P, rng=1, n_sims=2_000_000)
    # its own Monte Carlo error is small beside the intervals whose coverage is measured
    assert (r.ci[1] - r.ci[0]) / r.reserve < 0.05
    return r.reserve


@pytest.fixture(scope="module")
def true_reserve():
    return _true_reserve(SEVERITY)


def coverage(
    method: str,
    n_rep: int,
    draws: int,
    true: float,
    seed: int = 0,
    severity=SEVERITY,
    family: str = "lognormal",
):
    """Fractions of ``n_rep`` simulated histories whose ``ci_total`` covers ``true``, lies
    wholly below it, wholly above it, and that give no interval: the fit did not converge
    (a dozen truncated losses sometimes pull the lognormal MLE off to mu -> -inf), for the
    normal method its covariance is not finite, or no parameters could be drawn (refits
    around a degenerate fit to a handful of losses failing in a row)."""
    rng = np.random.default_rng(seed)
    hit = below = above = failed = 0
    for r in range(n_rep):
        n = int(rng.poisson(RATE * YEARS))
        while n < 3:  # too few losses to fit two parameters: no reserve is computed
            n = int(rng.poisson(RATE * YEARS))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # counted just below
            fit = fit_severity(severity.sample(n, rng), family, truncation=THRESHOLD)
        if not fit.converged:  # no usable point estimate: no reserve at all
            failed += 1
            continue
        try:
            cat = FittedCategory(
                fit,
                rate=n / YEARS,
                log_rate_se=1 / math.sqrt(n),
                truncation=THRESHOLD,
                method=method,
            )
        except ValueError:
            failed += 1
            continue
        model = LossModel({"a": cat.point()}, uncertainty={"a": cat})
        try:
            res = reserve(
                model,
                P,
                rng=seed * 10_000 + r,
                n_sims=5_000,
                level=LEVEL,
                parameter_draws=draws,
                parameter_sims=5_000,
            )
        except ValueError:  # no parameters can be drawn around a degenerate fit
            failed += 1
            continue
        lo, hi = res.ci_total
        hit += lo <= true <= hi
        below += hi < true
        above += lo > true
    return hit / n_rep, below / n_rep, above / n_rep, failed / n_rep


def test_interval_covers_the_true_reserve_small_run(true_reserve):
    # a small run of the machinery with the default method: 12 histories, 20 parameter sets
    cov, below, above, failed = coverage(DEFAULT_METHOD, 12, 20, true_reserve, seed=1)
    assert cov + below + above + failed == pytest.approx(1.0)
    # P(at most 6 of 12 | coverage 0.8) < 2%: the interval is not badly broken
    assert cov >= 7 / 12


@pytest.mark.slow
@pytest.mark.parametrize("method", ["pivotal", "bootstrap"])  # "normal": measured, not run in CI
def test_coverage_of_the_interval_with_parameter_uncertainty(true_reserve, method):
    # 100 histories, 40 parameter sets each, nominal 90% (5% on each side). Measured with
    # seed 5 on 2026-12-05 (coverage, below, above, no interval):
    #   pivotal    0.90, 0.03, 0.06, 0.01
    #   bootstrap  0.78, 0.20, 0.01, 0.01
    #   normal     0.80, 0.11, 0.08, 0.01  (run with "normal" added to the methods here)
    # 300 histories (the module notes of riskmodel.uncertainty): pivotal 0.90 (0.03 below,
    # 0.06 above), bootstrap 0.82 (0.16 below, 0.01 above).
    cov, below, above, failed = coverage(method, 100, 40, true_reserve, seed=5)
    print(f"{method}: coverage {cov:.2f}, below {below:.2f}, above {above:.2f}, failed {failed}")
    if method == "pivotal":
        # about its nominal level: 0.80 is 3.3 binomial standard errors below 0.90, and
        # 0.11 on either side 2.7 above the nominal 0.05
        assert cov >= 0.80 and below <= 0.11 and above <= 0.11
    else:
        # the others fall short on a dozen losses
        assert cov >= 0.65
    if method == "bootstrap":
        assert below > above  # small samples understate sigma: the short side is the upper one


@pytest.mark.slow
def test_pivotal_coverage_for_a_weibull_truth():
    # the same histories from a truncated Weibull, fitted as a Weibull. Measured with seed 5
    # on 2026-12-05: coverage 0.94 (0.03 below, 0.03 above, no failures); 200 histories
    # (riskmodel.uncertainty): 0.925, and 0.78 for the percentile bootstrap.
    cov, below, above, failed = coverage(
        "pivotal", 100, 40, _true_reserve(WEIBULL), seed=5, severity=WEIBULL, family="weibull"
    )
    print(f"weibull: coverage {cov:.2f}, below {below:.2f}, above {above:.2f}, failed {failed}")
    assert cov >= 0.80 and below <= 0.11 and above <= 0.11
