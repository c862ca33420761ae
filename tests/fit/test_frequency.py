"""fit_frequency: agreement with statsmodels, recovery of simulated parameters, the
over-dispersion test's level and power, prediction, validation."""

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial as SMNegBin

from riskmodel._errors import ConvergenceWarning
from riskmodel.fit._frequency import FrequencyFit, fit_frequency
from riskmodel.fit._frequency_glm import _call_statsmodels
from riskmodel.frequency import Mixture, NegativeBinomial, Poisson

YEARS = np.arange(2000, 2030)


def _simulate(rng, years, mean_fn, shape=None, exposure=None):
    mu = mean_fn(years) * (1.0 if exposure is None else exposure)
    if shape is None:
        return rng.poisson(mu)
    return rng.poisson(rng.gamma(shape, mu / shape))


@pytest.fixture(scope="module")
def nb_data():
    rng = np.random.default_rng(2024)
    e = rng.uniform(0.5, 2.0, YEARS.size)
    y = _simulate(rng, YEARS, lambda t: 6.0 * np.exp(0.03 * (t - 2014.5)), shape=2.0, exposure=e)
    return pd.Series(y, index=pd.Index(YEARS, name="year")), pd.Series(e, index=YEARS)


# ----------------------------------------------------------------------- vs statsmodels
def test_poisson_equals_statsmodels_glm(nb_data):
    counts, e = nb_data
    x = np.sin(np.arange(YEARS.size))  # an arbitrary covariate
    fit = fit_frequency(
        counts, exposure=e, trend="linear", covariates=pd.DataFrame({"x": x}, index=YEARS)
    )
    X = np.column_stack([np.ones(YEARS.size), YEARS - YEARS.mean(), x])
    ref = sm.GLM(
        counts.to_numpy(), X, family=sm.families.Poisson(), offset=np.log(e.to_numpy())
    ).fit()
    np.testing.assert_allclose(list(fit.params.values()), ref.params, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(list(fit.se.values()), ref.bse, rtol=1e-8)
    np.testing.assert_allclose(fit.cov, ref.cov_params(), rtol=1e-8, atol=1e-14)
    assert fit.loglik == pytest.approx(ref.llf, rel=1e-10)
    assert fit.aic == pytest.approx(ref.aic, rel=1e-10)
    assert list(fit.params) == ["intercept", "trend", "x"]
    assert fit.year_ref == YEARS.mean() and fit.converged and fit.family == "poisson"


def test_negbin_equals_statsmodels_ml(nb_data):
    counts, e = nb_data
    fit = fit_frequency(counts, exposure=e, family="negbin", trend="linear")
    X = np.column_stack([np.ones(YEARS.size), YEARS - YEARS.mean()])
    # statsmodels' own defaults: Poisson start values, Newton on (beta, alpha)
    ref = SMNegBin(counts.to_numpy(), X, loglike_method="nb2", offset=np.log(e.to_numpy())).fit(
        method="newton", maxiter=100, disp=0
    )
    assert ref.mle_retvals["converged"]
    np.testing.assert_allclose(list(fit.params.values()), ref.params[:2], rtol=1e-8)
    assert fit.alpha == pytest.approx(ref.params[2], rel=1e-8)
    np.testing.assert_allclose(list(fit.se.values()), ref.bse[:2], rtol=1e-7)
    assert fit.alpha_se == pytest.approx(ref.bse[2], rel=1e-7)
    assert fit.loglik == pytest.approx(ref.llf, rel=1e-12)
    assert fit.aic == pytest.approx(ref.aic, rel=1e-10)
    assert fit.shape == pytest.approx(1.0 / ref.params[2], rel=1e-8)
    assert not fit.at_boundary and fit.converged


# ----------------------------------------------------------------------- recovery
def test_poisson_recovers_rate_and_trend():
    rng = np.random.default_rng(11)
    years = np.repeat(np.arange(1990, 2030), 5)  # 5 exchanges x 40 years, pooled
    e = rng.uniform(0.2, 3.0, years.size)
    y = _simulate(rng, years, lambda t: 2.5 * np.exp(-0.02 * (t - 2009.5)), exposure=e)
    fit = fit_frequency(y, exposure=e, trend="linear", years=years)
    assert abs(fit.params["intercept"] - math.log(2.5)) < 3 * fit.se["intercept"]
    assert abs(fit.params["trend"] + 0.02) < 3 * fit.se["trend"]
    assert fit.year_ref == 2009.5
    assert not fit.overdispersion.reject(0.01)


def test_negbin_recovers_mean_and_dispersion():
    rng = np.random.default_rng(5)
    n = 400
    y = rng.poisson(rng.gamma(1.5, 4.0 / 1.5, n))  # NB(mean 4, shape 1.5)
    fit = fit_frequency(y, family="negbin")
    assert abs(fit.params["intercept"] - math.log(4.0)) < 3 * fit.se["intercept"]
    assert abs(fit.alpha - 1 / 1.5) < 3 * fit.alpha_se
    d = fit.dispersion
    assert abs(d["shape"] - 1.5) < 3 * d["shape_se"]
    assert fit.overdispersion.reject(0.001)
    nb = fit.predict()
    assert isinstance(nb, NegativeBinomial)
    assert nb.mean() == pytest.approx(math.exp(fit.params["intercept"]))


# ----------------------------------------------------------------------- dispersion test
def _rejections(rng, reps, n, shape, level=0.05):
    x = np.arange(n) - (n - 1) / 2
    rej = 0
    for _ in range(reps):
        mu = 5.0 * np.exp(0.01 * x)
        y = rng.poisson(mu if shape is None else rng.gamma(shape, mu / shape))
        rej += fit_frequency(y, trend="linear", years=x).overdispersion.reject(level)
    return rej / reps


def test_overdispersion_test_level_on_poisson_data():
    # 200 seeded replications of 40 Poisson years: the rejection rate at 5% must lie within
    # 3 binomial standard errors of 5% (sqrt(.05 * .95 / 200) = 0.0154)
    rate = _rejections(np.random.default_rng(99), 200, 40, None)
    assert abs(rate - 0.05) <= 3 * math.sqrt(0.05 * 0.95 / 200)


def test_overdispersion_test_power_on_nb_data():
    # NB with shape 2 (variance 5 + 12.5 at mean 5) over 40 years: power is near 1
    rate = _rejections(np.random.default_rng(98), 50, 40, 2.0)
    assert rate >= 0.9


def test_chibar_pvalue_and_ct_statistic(nb_data):
    counts, e = nb_data
    fit = fit_frequency(counts, exposure=e, family="negbin", trend="linear")
    od = fit.overdispersion
    assert od.statistic == pytest.approx(
        2 * (fit.loglik - fit_frequency(counts, exposure=e, trend="linear").loglik)
    )
    assert od.pvalue == pytest.approx(0.5 * stats.chi2.sf(od.statistic, 1))
    # Cameron-Trivedi by OLS without intercept of ((y - mu)^2 - y)/mu on mu
    pois = fit_frequency(counts, exposure=e, trend="linear")
    mu = pois.fitted
    y = counts.to_numpy()
    ols = sm.OLS(((y - mu) ** 2 - y) / mu, mu).fit()
    assert od.ct_statistic == pytest.approx(ols.tvalues[0], rel=1e-10)
    assert od.ct_pvalue == pytest.approx(stats.norm.sf(ols.tvalues[0]), rel=1e-10)
    assert od.alpha == pytest.approx(fit.alpha)


def test_boundary_when_not_overdispersed():
    y = np.array([4, 2, 3, 5, 10, 11, 5, 4, 6, 6, 9, 10])
    years = np.arange(2014, 2026)
    fit = fit_frequency(y, family="negbin", trend="linear", years=years)
    pois = fit_frequency(y, trend="linear", years=years)
    # score of alpha at 0 is <= 0 ...
    assert 0.5 * np.sum((y - pois.fitted) ** 2 - y) <= 0
    # ... and the profile likelihood indeed falls for alpha > 0 (GLM with alpha held fixed)
    X = np.column_stack([np.ones(12), years - years.mean()])
    for a in (1e-3, 0.05, 0.5):
        llf = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=a)).fit().llf
        assert llf < pois.loglik
    assert fit.at_boundary and fit.alpha == 0.0 and math.isnan(fit.alpha_se)
    assert fit.shape == math.inf
    assert fit.params == pois.params and fit.loglik == pois.loglik
    assert fit.aic == pytest.approx(pois.aic + 2)
    assert fit.overdispersion.statistic == 0.0 and fit.overdispersion.pvalue == 1.0
    assert isinstance(fit.predict(), Poisson)
    assert "boundary" in fit.summary()


# ----------------------------------------------------------------------- prediction
def test_predict_with_exposure_and_trend(nb_data):
    counts, e = nb_data
    fit = fit_frequency(counts, exposure=e, family="negbin", trend="linear")
    b0, b1 = fit.params["intercept"], fit.params["trend"]
    d = fit.predict(exposure=2.0, year=2035)
    assert d.mean() == pytest.approx(2.0 * math.exp(b0 + b1 * (2035 - fit.year_ref)))
    assert d.shape == pytest.approx(fit.shape)
    # default year: the one after the last observed
    assert fit.predict(exposure=1.0).mean() == pytest.approx(
        math.exp(b0 + b1 * (YEARS.max() + 1 - fit.year_ref))
    )
    with pytest.raises(ValueError, match="exposure"):
        fit.predict()
    with pytest.raises(ValueError, match="exposure"):
        fit.predict(exposure=0.0)


def test_predict_without_exposure_scales():
    fit = fit_frequency([3, 5, 4, 6, 2, 4])
    assert fit.predict().mean() == pytest.approx(4.0)
    assert fit.predict(exposure=0.25).mean() == pytest.approx(1.0)
    assert fit.predict(year=3000).mean() == pytest.approx(4.0)  # no trend: year is irrelevant


def test_predict_with_covariates():
    rng = np.random.default_rng(3)
    x = rng.normal(size=60)
    y = rng.poisson(np.exp(1.0 + 0.5 * x))
    fit = fit_frequency(y, covariates={"x": x})
    assert fit.predict(covariates={"x": 1.0}).mean() == pytest.approx(
        math.exp(fit.params["intercept"] + fit.params["x"])
    )
    with pytest.raises(ValueError, match="covariates"):
        fit.predict()
    with pytest.raises(ValueError, match="unknown"):
        fit.predict(covariates={"x": 1.0, "z": 2.0})


def test_prediction_interval_plug_in_and_uncertainty(nb_data):
    counts, e = nb_data
    fit = fit_frequency(counts, exposure=e, family="negbin", trend="linear")
    d = fit.predict(exposure=1.0)
    pi0 = fit.prediction_interval(exposure=1.0, parameter_uncertainty=False)
    assert tuple(pi0) == (int(d.ppf(0.025)), int(d.ppf(0.975))) == pi0.plug_in
    pi = fit.prediction_interval(exposure=1.0)
    lo, hi = pi
    assert lo <= pi0.lower and hi >= pi0.upper and pi.n_draws == 20_000
    assert pi == fit.prediction_interval(exposure=1.0)  # seeded by default
    assert json.dumps(pi.to_dict())
    with pytest.raises(ValueError, match="level"):
        fit.prediction_interval(exposure=1.0, level=1.5)


def test_prediction_interval_mixes_parameter_uncertainty_exactly():
    # Poisson, intercept only: log mu ~ N(b, se^2) => predictive cdf = E[Poisson cdf]
    fit = fit_frequency([1, 0, 2, 1, 0, 3, 1, 2])
    b, s = fit.params["intercept"], fit.se["intercept"]
    z, wts = np.polynomial.hermite_e.hermegauss(80)
    mus = np.exp(b + s * z)
    wts = wts / wts.sum()

    k = np.arange(100)
    cdf = np.array([float(wts @ stats.poisson.cdf(j, mus)) for j in k])
    for level in (0.8, 0.95):
        pi = fit.prediction_interval(level=level, n_draws=200_000, rng=1)
        assert pi.lower == int(np.argmax(cdf >= (1 - level) / 2))
        assert pi.upper == int(np.argmax(cdf >= (1 + level) / 2))
        # Monte Carlo mean of 200k lognormal draws: within 4 standard errors
        sd = math.sqrt(float(wts @ mus**2) - float(wts @ mus) ** 2)
        assert abs(pi.mean - float(wts @ mus)) < 4 * sd / math.sqrt(200_000)


def test_predictive_mixture(nb_data):
    counts, e = nb_data
    fit = fit_frequency(counts, exposure=e, family="negbin", trend="linear")
    pred = fit.predictive(exposure=1.0, n_draws=5000, rng=4)
    assert isinstance(pred, Mixture) and pred.shapes is not None and pred.means.size == 5000
    # the log-mean draws have the delta-method spread of the linear predictor
    row = np.array([1.0, YEARS.max() + 1 - fit.year_ref])
    sd = math.sqrt(row @ fit.cov @ row)
    assert np.log(pred.means).std() == pytest.approx(sd, rel=0.05)  # 5000 draws: ~1% SE
    assert np.log(pred.shapes).std() == pytest.approx(fit.alpha_se / fit.alpha, rel=0.05)
    assert pred.var() > fit.predict(exposure=1.0).var()
    pois = fit_frequency(counts, exposure=e, trend="linear").predictive(exposure=1.0)
    assert pois.shapes is None


# ----------------------------------------------------------------------- reporting
def test_summary_to_dict_plot(nb_data):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts, e = nb_data
    fit = fit_frequency(counts, exposure=e, family="negbin", trend="linear")
    text = fit.summary()
    for word in ("negative binomial", "trend", "alpha", "LR", "offset"):
        assert word in text
    d = fit.to_dict()
    assert json.loads(json.dumps(d))["params"] == fit.params
    assert d["dispersion"]["alpha"] == fit.alpha
    ax = fit.plot()
    assert len(ax.lines) == 2 and len(ax.collections) == 1
    np.testing.assert_allclose(ax.lines[0].get_ydata(), fit.fitted)
    from riskmodel.plots import frequency_fit_plot

    _, given = plt.subplots()
    assert frequency_fit_plot(fit, given, level=0.9) is given
    assert given.collections[0].get_label() == "90% band"
    plt.close("all")
    assert isinstance(fit, FrequencyFit)


# ----------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("counts", "kwargs", "error", "match"),
    [
        ([1, -1, 2], {}, ValueError, "position 1 has -1"),
        ([1, 1.5, 2], {}, ValueError, "whole numbers"),
        ([1, np.nan, 2], {}, ValueError, "whole numbers"),
        ([0, 0, 0, 0], {}, ValueError, "all counts are zero"),
        ([1, 2, 3], {"trend": "linear"}, ValueError, "needs years"),
        ([1, 2, 3], {"trend": "quadratic"}, ValueError, "trend"),
        ([1, 2, 3], {"family": "binomial"}, ValueError, "family"),
        ([1, 2, 3], {"exposure": [1.0, 0.0, 1.0]}, ValueError, r"position 1 has 0\.0"),
        ([1, 2, 3], {"exposure": [1.0, 2.0]}, ValueError, "exposure"),
        ([1, 2, 3], {"years": [1, 2]}, ValueError, "years"),
        ([1, 2], {"family": "negbin"}, ValueError, "too few"),
        ([1, 2, 3, 4], {"covariates": {"x": [1, 1, 1, 1]}}, ValueError, "rank"),
        ([1, 2, 3, 4], {"covariates": {"trend": [1, 2, 1, 2]}}, ValueError, "reserved"),
        ([1, 2, 3, 4], {"covariates": {"x": [1, 2, np.inf, 2]}}, ValueError, "not finite"),
    ],
)
def test_invalid_inputs(counts, kwargs, error, match):
    with pytest.raises(error, match=match):
        fit_frequency(counts, **kwargs)


def test_series_inputs_are_aligned_and_named():
    counts = pd.Series([3, 1, 4], index=[2020, 2021, 2022])
    exposure = pd.Series([2.0, 1.0, 4.0], index=[2022, 2021, 2020])  # other order
    fit = fit_frequency(counts, exposure=exposure)
    np.testing.assert_array_equal(fit.exposure, [4.0, 1.0, 2.0])
    with pytest.raises(ValueError, match=r"missing for periods \[2022\]"):
        fit_frequency(counts, exposure=exposure.drop(2022))
    with pytest.raises(ValueError, match=r"period 2021 has 0\.0"):
        fit_frequency(counts, exposure=pd.Series([1.0, 0.0, 1.0], index=counts.index))
    with pytest.raises(ValueError, match="period 2021 has -2"):
        fit_frequency(pd.Series([1, -2, 3], index=[2020, 2021, 2022]))
    with pytest.raises(TypeError, match="DataFrame"):
        fit_frequency(pd.DataFrame({"hack": [1, 2], "fraud": [0, 1]}))


def test_statsmodels_warnings_become_convergence_flags(monkeypatch):
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning as SMConvergence

    original = GLM.fit

    def noisy_fit(self, *args, **kwargs):
        warnings.warn("IRLS did not converge", SMConvergence, stacklevel=2)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(GLM, "fit", noisy_fit)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        fit = fit_frequency([3, 5, 4, 6, 2, 4])
    assert not fit.converged and "IRLS did not converge" in fit.message


def test_other_warnings_pass_through():
    messages = []

    def f():
        warnings.warn("unrelated", DeprecationWarning, stacklevel=1)
        return 1

    with pytest.warns(DeprecationWarning, match="unrelated"):
        out, ok = _call_statsmodels(f, messages, "x")
    assert out == 1 and ok and messages == []


def test_bundled_counts_fit():
    from riskmodel.data import annual_counts, load_incidents

    counts = annual_counts(load_incidents(), threshold=1e6, since=2014, unknown_amount="ignore")
    for cat in counts.columns:
        if counts[cat].sum() == 0:
            continue
        for fam in ("poisson", "negbin"):
            fit = fit_frequency(counts[cat], family=fam, trend="linear")
            assert fit.converged and fit.n_obs == len(counts)
            assert fit.predict().mean() > 0


def test_fit_does_not_share_or_mutate_inputs():
    y = np.array([3.0, 5.0, 4.0, 6.0, 2.0, 4.0])
    e = np.ones(6)
    fit = fit_frequency(y, exposure=e)
    y[0], e[0] = 100.0, 50.0
    assert fit.counts[0] == 3.0 and fit.exposure[0] == 1.0
    with pytest.raises(ValueError):
        fit.counts[0] = 1.0
