"""Increased-limit factors against closed forms."""

import math

import numpy as np
import pytest
from scipy import stats

from riskmodel import LossModel
from riskmodel.frequency import Poisson
from riskmodel.pricing import increased_limit_factors
from riskmodel.severity import LogNormal, Pareto


def lognormal_lev(d, mu, sigma):
    """E[X ^ d] = e^(mu + s^2/2) Phi((ln d - mu - s^2)/s) + d (1 - Phi((ln d - mu)/s)).

    Klugman, Panjer and Willmot, Loss Models (4th ed.), appendix A.
    """
    z = (math.log(d) - mu) / sigma
    return math.exp(mu + sigma**2 / 2) * stats.norm.cdf(z - sigma) + d * stats.norm.sf(z)


def pareto_lev(d, alpha, xm):
    """E[X ^ d] = alpha xm / (alpha - 1) - xm^alpha / ((alpha - 1) d^(alpha - 1)), d >= xm.

    Single-parameter Pareto, Klugman, Panjer and Willmot, Loss Models, appendix A.
    """
    return alpha * xm / (alpha - 1) - xm**alpha / ((alpha - 1) * d ** (alpha - 1))


LIMITS = [1e6, 2e6, 5e6, 10e6, 25e6, 100e6]


def test_lognormal_ilfs_match_the_closed_form():
    mu, sigma = 14.0, 2.0
    t = increased_limit_factors(LogNormal(mu, sigma), LIMITS, basic_limit=1e6)
    want = [lognormal_lev(x, mu, sigma) / lognormal_lev(1e6, mu, sigma) for x in LIMITS]
    np.testing.assert_allclose(t["ilf"], want, rtol=1e-9)
    np.testing.assert_allclose(t["lev"], [lognormal_lev(x, mu, sigma) for x in LIMITS], rtol=1e-9)
    assert t.index.name == "limit" and t.attrs["basic_limit"] == 1e6


@pytest.mark.parametrize("alpha", [0.8, 1.5, 2.5])
def test_pareto_ilfs_match_the_closed_form(alpha):
    # alpha = 0.8: the mean is infinite, yet every limited expected value is finite
    xm = 1e6
    t = increased_limit_factors(Pareto(alpha, xm), LIMITS, basic_limit=5e6)
    want = [pareto_lev(x, alpha, xm) / pareto_lev(5e6, alpha, xm) for x in LIMITS]
    np.testing.assert_allclose(t["ilf"], want, rtol=1e-12)


def test_ilfs_are_increasing_and_concave():
    t = increased_limit_factors(LogNormal(14.0, 2.5), LIMITS, basic_limit=1e6)
    ilf = t["ilf"].to_numpy()
    assert (np.diff(ilf) > 0).all()
    per_unit = np.diff(ilf) / np.diff(LIMITS)
    assert (np.diff(per_unit) < 0).all()


def test_unlimited_factor_is_the_mean_ratio():
    sev = Pareto(2.5, 1e6)
    t = increased_limit_factors(sev, [math.inf], basic_limit=1e6)
    assert t["ilf"].iloc[0] == pytest.approx(sev.mean() / 1e6, rel=1e-12)


def test_model_mixes_categories_by_expected_counts():
    a, b = LogNormal(14.0, 2.0), Pareto(1.5, 1e6)
    model = LossModel({"a": (Poisson(3.0), a), "b": (Poisson(1.0), b)})
    t = increased_limit_factors(model, [10e6], basic_limit=1e6)

    def mix(d):
        return (3.0 * lognormal_lev(d, 14.0, 2.0) + 1.0 * pareto_lev(d, 1.5, 1e6)) / 4.0

    assert t["ilf"].iloc[0] == pytest.approx(mix(10e6) / mix(1e6), rel=1e-9)
    only_b = increased_limit_factors(model, [10e6], basic_limit=1e6, categories=["b"])
    assert only_b["ilf"].iloc[0] == pytest.approx(
        pareto_lev(10e6, 1.5, 1e6) / pareto_lev(1e6, 1.5, 1e6), rel=1e-12
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"limits": [1e6], "basic_limit": 0.0}, ValueError, "basic_limit"),
        ({"limits": [1e6], "basic_limit": math.inf}, ValueError, "basic_limit"),
        ({"limits": [-1.0], "basic_limit": 1e6}, ValueError, "limits"),
        ({"limits": [], "basic_limit": 1e6}, ValueError, "at least one"),
        ({"limits": ["x"], "basic_limit": 1e6}, ValueError, "limits"),
        ({"limits": [1e6], "basic_limit": 1e6, "categories": ["a"]}, ValueError, "LossModel"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        increased_limit_factors(LogNormal(14.0, 2.0), **kwargs)


def test_bad_model_arguments():
    model = LossModel({"a": (Poisson(3.0), LogNormal(14.0, 2.0))})
    with pytest.raises(ValueError, match="unknown"):
        increased_limit_factors(model, [1e6], 1e6, categories=["z"])
    with pytest.raises(TypeError, match="Severity or a LossModel"):
        increased_limit_factors("lognormal", [1e6], 1e6)
