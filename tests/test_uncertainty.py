"""Parameter uncertainty: the predictive distribution of the annual loss."""

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from riskmodel.engine import simulate
from riskmodel.fit import fit_severity
from riskmodel.frequency import Poisson
from riskmodel.model import LossModel
from riskmodel.reserving import reserve
from riskmodel.severity import LogNormal
from riskmodel.uncertainty import (
    DEFAULT_METHOD,
    PARAMETER_CHUNK,
    FittedCategory,
    draw_models,
    parameter_stream,
)


@pytest.fixture(scope="module")
def fit():
    x = LogNormal(1.0, 0.8).sample(60, rng=1)
    return fit_severity(x, "lognormal")


def test_draws_follow_the_asymptotic_normal(fit):
    cat = FittedCategory(fit, rate=4.0, log_rate_se=0.2, method="normal")
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
    cat = FittedCategory(exact, rate=rate, log_rate_se=s, method="normal")
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
        FittedCategory(bad, 1.0, 0.1, method="normal")
    with pytest.raises(ValueError, match="method"):
        FittedCategory(fit, 1.0, 0.1, method="laplace")


# ------------------------------------------------------------------ the parametric bootstrap
def test_bootstrap_draws_follow_the_small_sample_law():
    # Untruncated lognormal from n = 12 losses: the MLE sigma_hat^2 is the mean squared
    # deviation of the log-losses, so a bootstrap sample from LogNormal(mu_hat, sigma_hat)
    # refits to sigma* with n sigma*^2 / sigma_hat^2 ~ chi2(n - 1) (Cochran's theorem), far
    # from the normal the asymptotic method draws from.
    n = 12
    fit = fit_severity(LogNormal(2.0, 1.5).sample(n, rng=3), "lognormal")
    cat = FittedCategory(fit, rate=13 / 12, log_rate_se=1 / math.sqrt(13), method="bootstrap")
    rng = np.random.default_rng(1)
    draws = [cat.draw(rng) for _ in range(400)]
    sig = np.array([d[1].sigma for d in draws])
    stat = n * sig**2 / fit.params["sigma"] ** 2
    assert stats.kstest(stat, stats.chi2(n - 1).cdf).pvalue > 1e-3
    # the mean of log-losses: mu* ~ N(mu_hat, sigma_hat^2 / n)
    mu = np.array([d[1].mu for d in draws])
    z = (mu - fit.params["mu"]) / (fit.params["sigma"] / math.sqrt(n))
    assert stats.kstest(z, "norm").pvalue > 1e-3
    # the rate: Gamma(13, 12 years), the posterior under the prior 1/lambda
    rates = np.array([d[0].rate for d in draws])
    assert stats.kstest(rates, stats.gamma(13, scale=1 / 12).cdf).pvalue > 1e-3


def test_pivotal_draws_are_the_exact_pivots_of_an_untruncated_lognormal():
    # The default method. From n = 12 untruncated losses the pivotal draws are
    # sigma~ = sigma_hat^2 / sigma* and mu~ = mu_hat + (mu_hat - mu*) sigma_hat / sigma*, so
    # n sigma_hat^2 / sigma~^2 ~ chi2(n - 1) (the fiducial law of sigma: its quantiles are
    # exact confidence bounds) and (mu~ - mu_hat) / sigma~ = (mu_hat - mu*) / sigma_hat ~
    # N(0, 1 / n). The percentile bootstrap fails the first law (its sigma* is chi, not
    # inverse chi), so this test tells the methods apart.
    n = 12
    fit = fit_severity(LogNormal(2.0, 1.5).sample(n, rng=3), "lognormal")
    cat = FittedCategory(fit, rate=13 / 12, log_rate_se=1 / math.sqrt(13))
    assert cat.method == "pivotal" == DEFAULT_METHOD
    s_hat, m_hat = fit.params["sigma"], fit.params["mu"]

    def laws(method):
        c = dataclasses.replace(cat, method=method)
        rng = np.random.default_rng(1)
        sev = [c.draw(rng)[1] for _ in range(400)]
        sig = np.array([d.sigma for d in sev])
        mu = np.array([d.mu for d in sev])
        return n * s_hat**2 / sig**2, (mu - m_hat) / sig * math.sqrt(n)

    chi, z = laws("pivotal")
    assert stats.kstest(chi, stats.chi2(n - 1).cdf).pvalue > 1e-3
    assert stats.kstest(z, "norm").pvalue > 1e-3
    chi_b, _ = laws("bootstrap")
    assert stats.kstest(chi_b, stats.chi2(n - 1).cdf).pvalue < 1e-6


def test_pivotal_reflection_of_a_weibull_uses_the_reciprocal_shape():
    # log X of a Weibull is a location-scale family with location log(scale) and scale
    # 1 / shape: FamilySpec declares ("scale", "shape", -1). For a refit with shape* = 2
    # shape_hat and scale* = scale_hat / e, the pivot draws shape~ = shape_hat / 2 (b~ =
    # b_hat^2 / b*) and log scale~ = log scale_hat + 1 * (b_hat / b*) = log scale_hat + 2.
    from riskmodel.uncertainty import _pivot

    fit = fit_severity(LogNormal(2.0, 1.0).sample(30, rng=4), "weibull")
    k, lam = fit.params["shape"], fit.params["scale"]
    star = np.array([math.log(2 * k), math.log(lam) - 1.0])
    shape, log_scale = _pivot(fit, star)
    assert math.exp(shape) == pytest.approx(k / 2, rel=1e-12)
    assert log_scale == pytest.approx(math.log(lam) + 2.0, rel=1e-12)


@pytest.mark.parametrize("method", ["pivotal", "bootstrap"])
def test_refit_draws_keep_the_truncation_and_reproduce(method):
    x = LogNormal(14.0, 2.0).truncated(lower=1e6).sample(15, rng=2)
    fit = fit_severity(x, "lognormal", truncation=1e6)
    cat = FittedCategory(fit, rate=1.2, log_rate_se=0.25, truncation=1e6, method=method)
    a = [cat.draw(np.random.default_rng(9)) for _ in range(3)]
    b = [cat.draw(np.random.default_rng(9)) for _ in range(3)]
    assert [d[1] for d in a] == [d[1] for d in b]
    assert all(d[1].sf(1e6) == 1.0 for d in a)


def test_draw_models_replaces_only_the_uncertain_categories(fit):
    cat = FittedCategory(fit, rate=2.0, log_rate_se=0.2)
    fixed = (Poisson(1.0), LogNormal(0.0, 1.0))
    m = LossModel({"a": cat.point(), "b": fixed}, uncertainty={"a": cat})
    models = draw_models(m, 5, rng=3, method="normal")
    assert [x.categories["b"] for x in models] == [fixed] * 5
    assert len({x.categories["a"][1].mu for x in models}) == 5
    assert all(x.uncertainty is None for x in models)
    # draw b does not depend on how many are drawn
    assert draw_models(m, 2, rng=3, method="normal")[1].categories == models[1].categories
    with pytest.raises(ValueError, match="method"):
        draw_models(m, 2, rng=3, method="mcmc")
    with pytest.raises(ValueError, match="no sampling distributions"):
        draw_models(LossModel({"b": fixed}), 2, rng=3)


# ------------------------------------------------------ the reserve's interval with parameters
@pytest.fixture(scope="module")
def small_model():
    x = LogNormal(16.0, 2.5).truncated(lower=1e6).sample(13, rng=4)
    fit = fit_severity(x, "lognormal", truncation=1e6)
    cat = FittedCategory(fit, rate=13 / 12, log_rate_se=1 / math.sqrt(13), truncation=1e6)
    return LossModel({"a": cat.point()}, uncertainty={"a": cat})


def test_reserve_interval_includes_parameter_uncertainty_by_default(small_model):
    r = reserve(small_model, 0.99, rng=6, n_sims=20_000, parameter_draws=20)
    assert r.ci == r.ci_total
    lo, hi = r.ci_total
    assert lo <= r.ci_mc[0] and hi >= r.ci_mc[1]
    # a dozen losses: the parameters' error dwarfs the Monte Carlo error
    assert hi - lo > 3 * (r.ci_mc[1] - r.ci_mc[0])
    assert len(r.parameter_reserves) == 20
    info = r.provenance["parameter_uncertainty"]
    assert info == {
        "draws": 20,
        "method": "pivotal",
        "years_per_draw": 2_000,
        "seed_stream": [parameter_stream(6).spawn_key[0]],
    }
    d = r.to_dict()
    assert d["ci_total"] == list(r.ci_total) and d["ci_mc"] == list(r.ci_mc)
    assert "parameters and Monte Carlo" in r.summary()
    # reproducible from the seed, and the main run is the plain one
    again = reserve(small_model, 0.99, rng=6, n_sims=20_000, parameter_draws=20, n_threads=1)
    np.testing.assert_array_equal(r.parameter_reserves, again.parameter_reserves)
    plain = reserve(small_model, 0.99, rng=6, n_sims=20_000, parameter_draws=0)
    assert plain.reserve == r.reserve and plain.ci == plain.ci_mc == r.ci_mc
    assert plain.ci_total is None and plain.parameter_reserves is None
    # the TVaR: the same draws give its interval with parameter uncertainty
    assert r.tvar_ci == r.tvar_ci_total and r.tvar == plain.tvar
    assert r.tvar_ci_total[0] <= r.tvar_ci_mc[0] and r.tvar_ci_total[1] >= r.tvar_ci_mc[1]
    assert r.tvar_ci_total[1] - r.tvar_ci_total[0] > 3 * (r.tvar_ci_mc[1] - r.tvar_ci_mc[0])
    assert np.all(r.parameter_tvars >= r.parameter_reserves)  # each draw: TVaR >= VaR
    lo, hi = np.quantile(r.parameter_tvars, [0.025, 0.975], method="weibull")
    assert r.tvar_ci_total == (min(lo, r.tvar_ci_mc[0]), max(hi, r.tvar_ci_mc[1]))
    assert d["tvar_ci_total"] == list(r.tvar_ci_total) and d["tvar_ci_mc"] == list(r.tvar_ci_mc)
    assert plain.tvar_ci == plain.tvar_ci_mc == r.tvar_ci_mc and plain.tvar_ci_total is None


def test_reserve_parameter_options_are_checked(small_model):
    with pytest.raises(ValueError, match="parameter_draws"):
        reserve(small_model, 0.99, rng=1, n_sims=20_000, parameter_draws=3)
    with pytest.raises(ValueError, match="parameter_sims"):
        reserve(small_model, 0.99, rng=1, n_sims=20_000, parameter_draws=10, parameter_sims=50)
    plain = LossModel({"a": small_model.categories["a"]})
    with pytest.raises(ValueError, match="no sampling distributions"):
        reserve(plain, 0.99, rng=1, n_sims=20_000, parameter_draws=10)
    # a predictive simulation draws its parameters inside: no nested draws
    pred = reserve(small_model, 0.99, rng=1, n_sims=20_000, parameter_uncertainty=True)
    assert pred.ci_total is None
