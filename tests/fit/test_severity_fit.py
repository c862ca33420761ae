"""fit_severity for every family: recovery from simulated truncated/capped samples, analytic
scores, fixed parameters, profile intervals, refits."""

import math
import warnings

import numpy as np
import pytest

from riskmodel._errors import ConvergenceWarning
from riskmodel.fit import fit_severity
from riskmodel.fit._loglik import Objective
from riskmodel.severity import LogNormal
from riskmodel.severity._burr import Burr, LogLogistic
from riskmodel.severity._families import FAMILIES
from riskmodel.severity._gpd import GeneralizedPareto
from riskmodel.severity._pareto import Lomax, Pareto

# true distributions and a reporting threshold each (losses in USD)
CASES = {
    "lognormal": (LogNormal(mu=14.0, sigma=2.0), 1e6),
    "lomax": (Lomax(alpha=1.2, scale=5e6), 1e6),
    "gpd": (GeneralizedPareto(xi=0.7, sigma=2e6, threshold=1e6), 1e6),
    "loglogistic": (LogLogistic(shape=1.3, scale=3e6), 1e6),
    "weibull": (FAMILIES["weibull"](shape=0.6, scale=4e6), 1e6),
    "gamma": (FAMILIES["gamma"](shape=0.8, scale=5e6), 1e6),
    "loggamma": (FAMILIES["loggamma"](shape=40.0, rate=2.7), 1e6),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_recovers_parameters_from_truncated_sample(name):
    true, t = CASES[name]
    x = true.truncated(lower=t).sample(1500, rng=11)
    fit = fit_severity(x, name, truncation=t)
    assert fit.converged, fit.message
    for p, se in fit.se.items():
        if p in fit.fixed:
            continue
        assert abs(fit.params[p] - getattr(true, p)) < 4 * se, (p, fit.params[p], se)


@pytest.mark.parametrize("name", ["lognormal", "lomax", "weibull"])
def test_recovers_parameters_from_truncated_and_capped_sample(name):
    true, t = CASES[name]
    cap = float(true.truncated(lower=t).isf(0.1))  # 10% of losses censored
    x = np.minimum(true.truncated(lower=t).sample(1500, rng=12), cap)
    fit = fit_severity(x, name, truncation=t, cap=cap)
    assert fit.converged
    assert 100 < fit.n_censored < 200
    for p, se in fit.se.items():
        assert abs(fit.params[p] - getattr(true, p)) < 4 * se


def test_upper_truncation_is_respected():
    true = LogNormal(14.0, 2.0)
    x = true.truncated(lower=1e6, upper=1e8).sample(2000, rng=13)
    fit = fit_severity(x, "lognormal", truncation=1e6, upper=1e8)
    naive = fit_severity(x, "lognormal", truncation=1e6)
    assert abs(fit.params["sigma"] - 2.0) < 4 * fit.se["sigma"]
    assert naive.params["sigma"] < 2.0 - 4 * naive.se["sigma"]  # ignoring the bound biases


def test_per_observation_thresholds():
    true = LogNormal(13.5, 2.0)
    t = np.repeat([1e5, 1e6, 1e7], 600)
    x = np.concatenate(
        [true.truncated(lower=v).sample(600, rng=i) for i, v in enumerate([1e5, 1e6, 1e7])]
    )
    fit = fit_severity(x, "lognormal", truncation=t)
    assert abs(fit.params["mu"] - 13.5) < 4 * fit.se["mu"]
    assert abs(fit.params["sigma"] - 2.0) < 4 * fit.se["sigma"]


@pytest.mark.parametrize(
    "family",
    [
        LogNormal,
        Lomax,
        GeneralizedPareto,
        LogLogistic,
        Burr,
        FAMILIES["weibull"],
        Pareto,
        FAMILIES["gamma"],
        FAMILIES["loggamma"],
    ],
)
def test_analytic_score_matches_finite_differences(family):
    x = np.minimum(LogNormal(14.5, 1.5).truncated(lower=1e6).sample(300, rng=3), 5e7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = fit_severity(x, family, truncation=1e6, cap=5e7)
    obj = Objective(fit._space, fit.design)
    assert obj.kernel is not None
    th = fit.theta[fit._space.free] + 0.03
    eye = 1e-6 * np.eye(th.size)
    num = np.array([(obj.nll(th + e) - obj.nll(th - e)) / 2e-6 for e in eye])  # central
    ana = obj.nll_grad(th)[1]
    assert ana == pytest.approx(num, rel=1e-4, abs=1e-3)
    obj.kernel = None  # the generic path gives the same likelihood
    assert obj.nll(th) == pytest.approx(Objective(fit._space, fit.design).nll(th), rel=1e-10)


def test_pareto_xm_fixed_at_threshold_is_the_hill_estimator():
    x = Pareto(alpha=0.8, xm=1e7).sample(400, rng=4)
    fit = fit_severity(x, "pareto", truncation=1e7)
    assert fit.fixed == {"xm": 1e7}
    assert fit.k == 1 and fit.se["xm"] == 0.0
    assert fit.params["alpha"] == pytest.approx(400 / np.sum(np.log(x / 1e7)), rel=1e-12)
    # observed information 1 / (n / alpha^2)
    assert fit.se["alpha"] == pytest.approx(fit.params["alpha"] / 20.0, rel=1e-4)
    same = fit_severity(x, Pareto.with_fixed(xm=1e7))
    assert same.params == fit.params and same.family == "Pareto"
    other = fit_severity(x, "pareto", fixed={"xm": 5e6}, truncation=1e7)
    assert other.params["alpha"] == pytest.approx(fit.params["alpha"])  # xm cancels
    assert fit.aic == pytest.approx(2 - 2 * fit.loglik)


def test_lomax_and_gpd_above_the_threshold_are_the_same_model():
    # a Lomax conditioned on X > t is a GPD(1/alpha, (scale + t)/alpha) above t
    x = Lomax(1.5, 2e6).truncated(lower=1e6).sample(800, rng=5)
    lom = fit_severity(x, "lomax", truncation=1e6)
    gpd = fit_severity(x, "gpd", truncation=1e6)
    assert gpd.fixed == {"threshold": 1e6}
    assert gpd.with_theta(gpd.theta) == gpd.dist  # the threshold is not in theta
    assert gpd.loglik == pytest.approx(lom.loglik, abs=1e-6)
    assert gpd.params["xi"] == pytest.approx(1 / lom.params["alpha"], rel=1e-5)
    assert gpd.params["sigma"] == pytest.approx(
        (lom.params["scale"] + 1e6) / lom.params["alpha"], rel=1e-4
    )


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_profile_interval_covers_the_truth_and_brackets_the_estimate(seed):
    true = GeneralizedPareto(xi=0.6, sigma=1e6, threshold=1e6)
    x = true.sample(150, rng=seed)
    fit = fit_severity(x, "gpd", truncation=1e6)
    ci = fit.profile_interval()  # the tail parameter xi
    assert ci.param == "xi"
    assert ci.lower < fit.params["xi"] < ci.upper
    assert ci.lower < 0.6 < ci.upper
    lo, hi = ci
    # close to the Wald interval, longer on the heavy side
    assert hi - fit.params["xi"] > fit.params["xi"] - lo
    assert (hi - lo) == pytest.approx(2 * 1.96 * fit.se["xi"], rel=0.3)


def test_profile_interval_of_a_one_parameter_fit_is_exact():
    # Pareto with xm fixed: -2 log LR of alpha is 2n(r - 1 - log r), r = alpha/alpha_hat
    x = Pareto(alpha=1.1, xm=1.0).sample(200, rng=6)
    fit = fit_severity(x, "pareto", truncation=1.0)
    lo, hi = fit.profile_interval(level=0.9)
    a = fit.params["alpha"]
    for b in (lo, hi):
        r = b / a
        assert 2 * 200 * (r - 1 - math.log(r)) == pytest.approx(2.705543, rel=1e-6)


def test_profile_interval_errors():
    x = LogNormal(0.0, 1.0).sample(100, rng=7)
    fit = fit_severity(x, "lognormal")
    with pytest.raises(ValueError, match="no parameter"):
        fit.profile_interval("alpha")
    with pytest.raises(ValueError, match="level"):
        fit.profile_interval(level=1.5)
    p = fit_severity(Pareto(1.0, 1.0).sample(50, rng=1), "pareto")
    with pytest.raises(ValueError, match="held fixed"):
        p.profile_interval("xm")


def test_refit_from_warm_start_matches_a_fresh_fit():
    true, t = CASES["lomax"]
    x = true.truncated(lower=t).sample(800, rng=8)
    fit = fit_severity(x, "lomax", truncation=t)
    y = true.truncated(lower=t).sample(800, rng=9)
    free, ok = fit.refit(y)
    fresh = fit_severity(y, "lomax", truncation=t)
    assert ok
    assert free == pytest.approx(fresh.theta, abs=1e-4)


def test_non_identifiable_fit_warns_and_is_flagged():
    # Burr on exact Pareto data above its xm: the Burr scale runs to a boundary
    x = Pareto(0.8, 1e7).sample(300, rng=2)
    with pytest.warns(ConvergenceWarning, match="Burr"):
        fit = fit_severity(x, "burr", truncation=1e7)
    assert not fit.converged
    assert "Hessian" in fit.message
    assert "warning" in fit.summary()


def test_summary_and_dict():
    fit = fit_severity(Pareto(0.9, 1e6).sample(100, rng=3), "pareto", truncation=1e6)
    text = fit.summary()
    assert "(fixed)" in text and "alpha" in text
    d = fit.to_dict()
    assert d["fixed"] == {"xm": 1e6} and d["k"] == 1
    assert fit.observed.sf(1e6) == pytest.approx(1.0)


def test_bad_inputs_say_what_and_where():
    with pytest.raises(ValueError, match="above the cap"):
        fit_severity([1.0, 5.0, 3.0], "lognormal", cap=4.0)
    with pytest.raises(ValueError, match="one per loss"):
        fit_severity([1.0, 5.0, 3.0], "lognormal", truncation=[1.0, 1.0])
    with pytest.raises(ValueError, match="has no parameter"):
        fit_severity([1.0, 5.0, 3.0], "lognormal", fixed={"alpha": 1.0})
    fit = fit_severity([2.0, 5.0, 3.0, 4.0], "lognormal", truncation=[1.0, 2.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="no single distribution"):
        _ = fit.observed
