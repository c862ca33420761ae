"""Parameter uncertainty: the predictive distribution of the annual loss."""

import dataclasses
import math

import numpy as np
import pytest

from riskmodel.engine import simulate
from riskmodel.fit import fit_severity
from riskmodel.frequency import Poisson
from riskmodel.model import LossModel
from riskmodel.severity import LogNormal
from riskmodel.uncertainty import PARAMETER_CHUNK, FittedCategory


@pytest.fixture(scope="module")
def fit():
    x = LogNormal(1.0, 0.8).sample(60, rng=1)
    return fit_severity(x, "lognormal")


def test_draws_follow_the_asymptotic_normal(fit):
    cat = FittedCategory(fit, rate=4.0, log_rate_se=0.2)
    rng = np.random.default_rng(0)
    draws = [cat.draw(rng) for _ in range(4000)]
    mu = np.array([d[1].mu for d in draws])
    rates = np.array([d[0].rate for d in draws])
    assert abs(mu.mean() - fit.params["mu"]) < 4 * fit.se["mu"] / math.sqrt(4000)
    assert mu.std() == pytest.approx(fit.se["mu"], rel=0.05)
    assert np.log(rates).std() == pytest.approx(0.2, rel=0.05)
    assert abs(rates.mean() - 4.0) < 4 * 4.0 * math.sqrt(math.exp(0.04) - 1) / math.sqrt(4000)
    freq, sev = cat.point()
    assert freq.rate == 4.0 and sev == fit.dist


def test_predictive_mean_with_rate_uncertainty_is_exact(fit):
    # severity known exactly (zero covariance): E[S] = E[rate] E[X] = rate E[X] (the rate draw
    # is mean-preserving)
    exact = dataclasses.replace(fit, cov_theta=np.zeros_like(fit.cov_theta))
    s, rate, n = 0.3, 3.0, 400_000
    cat = FittedCategory(exact, rate=rate, log_rate_se=s)
    m = LossModel({"a": cat.point()}, uncertainty={"a": cat})
    r = simulate(m, n, rng=4, parameter_uncertainty=True)
    ex = fit.dist.mean()
    want = rate * ex
    # years within a chunk share parameters: add the between-chunk variance to the error
    var_rate = rate**2 * (math.exp(s * s) - 1)
    se = math.sqrt(r.gross.var / n + var_rate * ex**2 / (n / PARAMETER_CHUNK))
    assert abs(r.gross.mean - want) < 4 * se
    assert math.isnan(r.describe().loc["a", "analytic_mean"])


def test_predictive_distribution_is_wider_and_reproducible(fit):
    cat = FittedCategory(fit, rate=3.0, log_rate_se=0.25)
    m = LossModel({"a": cat.point()}, uncertainty={"a": cat})
    plug = simulate(m, 200_000, rng=5)
    pred = simulate(m, 200_000, rng=5, parameter_uncertainty=True)
    assert pred.quantile(0.995) > plug.quantile_ci(0.995)[1]
    again = simulate(m, 200_000, rng=5, parameter_uncertainty=True, n_threads=1)
    np.testing.assert_array_equal(pred.gross.tail, again.gross.tail)
    assert pred.provenance["parameter_uncertainty"] is True


def test_errors(fit):
    m = LossModel({"a": (Poisson(1.0), LogNormal(0, 1))})
    with pytest.raises(ValueError, match="no sampling distributions"):
        simulate(m, 100, rng=1, parameter_uncertainty=True)
    with pytest.raises(ValueError, match="unknown category"):
        LossModel(
            {"a": (Poisson(1.0), LogNormal(0, 1))},
            uncertainty={"b": FittedCategory(fit, 1.0, 0.1)},
        )
    with pytest.raises(TypeError, match="draw"):
        LossModel({"a": (Poisson(1.0), LogNormal(0, 1))}, uncertainty={"a": 3})
    bad = dataclasses.replace(fit, cov_theta=np.full_like(fit.cov_theta, np.nan))
    with pytest.raises(ValueError, match="covariance"):
        FittedCategory(bad, 1.0, 0.1)
