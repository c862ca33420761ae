"""Property tests (hypothesis) over parameter ranges of every family.

Deterministic for CI: ``derandomize=True`` and a modest number of examples per property.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskmodel.severity import (
    FAMILIES,
    Burr,
    Gamma,
    GeneralizedPareto,
    LogGamma,
    LogLogistic,
    LogNormal,
    Lomax,
    Pareto,
    Weibull,
)

SETTINGS = settings(max_examples=30, derandomize=True, deadline=None, database=None)


def _log_uniform(lo: float, hi: float):
    return st.floats(math.log(lo), math.log(hi)).map(math.exp)


SCALE = _log_uniform(1e-3, 1e8)

#: parameter ranges by public family name (every registered family has one)
STRATEGIES = {
    "lognormal": st.builds(LogNormal, st.floats(-5.0, 20.0), _log_uniform(0.05, 5.0)),
    "gpd": st.builds(
        GeneralizedPareto,
        st.floats(-0.9, 3.0),
        SCALE,
        st.one_of(st.just(0.0), _log_uniform(1e-3, 1e8)),
    ),
    "pareto": st.builds(Pareto, _log_uniform(0.05, 20.0), SCALE),
    "lomax": st.builds(Lomax, _log_uniform(0.05, 20.0), SCALE),
    "burr": st.builds(Burr, _log_uniform(0.1, 10.0), _log_uniform(0.1, 10.0), SCALE),
    "weibull": st.builds(Weibull, _log_uniform(0.1, 10.0), SCALE),
    "gamma": st.builds(Gamma, _log_uniform(0.05, 50.0), SCALE),
    "loglogistic": st.builds(LogLogistic, _log_uniform(0.1, 20.0), SCALE),
    "loggamma": st.builds(LogGamma, _log_uniform(0.1, 50.0), _log_uniform(0.1, 20.0)),
}


def test_every_registered_family_has_parameter_ranges():
    assert set(STRATEGIES) == set(FAMILIES)


# survival probabilities from 1e-300 to 1 - 1e-6, uniform on the log scale
LOG_Q = st.floats(-690.0, math.log1p(-1e-6))


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_sf_of_isf_returns_the_probability(name):
    @SETTINGS
    @given(STRATEGIES[name], LOG_Q)
    def check(d, log_q):
        q = math.exp(log_q)
        x = d.isf(q)
        lo, hi = d._support()
        assert lo <= x <= hi
        # x must carry the information: not rounded onto the lower end of the support
        if x > lo * (1 + 1e-6) and x < hi and math.isfinite(x):
            # log S(isf(q)) = log q, up to the rounding of x (relative 1e-16 times the
            # elasticity x f / S, bounded here by checking log S, not S)
            assert d.logsf(x) == pytest.approx(log_q, rel=1e-9, abs=1e-9)

    check()


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_distribution_functions_are_consistent(name):
    @SETTINGS
    @given(STRATEGIES[name], st.lists(LOG_Q, min_size=2, max_size=6))
    def check(d, log_qs):
        q = np.exp(np.sort(np.asarray(log_qs)))[::-1]  # decreasing survival probabilities
        x = d.isf(q)
        q, x = q[np.isfinite(x)], x[np.isfinite(x)]  # beyond the double range isf is inf
        assert np.all(np.diff(x) >= 0)  # isf decreasing in q
        sf, cdf = d.sf(x), d.cdf(x)
        assert np.all((sf >= 0) & (sf <= 1)) and np.all(np.diff(sf) <= 0)
        np.testing.assert_allclose(sf + cdf, 1.0, atol=1e-13)
        # a positive density wherever x is strictly between 0 and 1 in probability (next to a
        # bounded upper end x may round onto the end itself, where S = 0)
        inside = (sf > 0) & (sf < 1)
        assert np.all(np.isfinite(d.logpdf(x[inside])))
        assert np.all(d.pdf(x) >= 0)
        # the quantile function of the complementary probability is the same point
        body = inside & (q > 1e-3)
        np.testing.assert_allclose(d.ppf(1.0 - q[body]), x[body], rtol=1e-6)

    check()


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_lev_is_bounded_by_the_limit_and_the_mean(name):
    @settings(SETTINGS, max_examples=15)
    @given(STRATEGIES[name], st.floats(math.log(1e-6), math.log(0.9)))
    def check(d, log_q):
        limit = float(d.isf(math.exp(log_q)))
        if not math.isfinite(limit):
            return
        lev = d.lev(limit)
        assert 0 < lev <= limit * (1 + 1e-12)
        mean = d.lev(math.inf)  # the mean, possibly inf, without a warning
        assert lev <= mean * (1 + 1e-9)

    check()
