"""Fitting sanity: every family's hooks (transforms, start values) let ``fit_severity`` recover
the parameters of a simulated sample, with and without left truncation; the Pareto with a fixed
scale gives the Hill estimator; ``fit_spliced`` recovers a spliced model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from riskmodel.fit import fit_severity, fit_spliced
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
    Severity,
    Spliced,
    Weibull,
)

N = 2000
TRUE: list[tuple[str, Severity]] = [
    ("lognormal", LogNormal(13.0, 2.0)),
    ("gpd", GeneralizedPareto(0.6, 1e6)),
    ("gpd", GeneralizedPareto(-0.2, 1e5)),
    ("pareto", Pareto(1.2, 1e6)),
    ("lomax", Lomax(1.8, 1e5)),
    ("burr", Burr(1.5, 1.2, 1e5)),
    ("weibull", Weibull(0.6, 1e5)),
    ("gamma", Gamma(2.0, 1e4)),
    ("loglogistic", LogLogistic(1.4, 1e5)),
    ("loggamma", LogGamma(25.0, 2.0)),
]
IDS = [repr(d) for _, d in TRUE]


def _assert_within_4_se(fit, truth: Severity) -> None:
    assert fit.converged, fit.message
    for name in fit.dist.param_names:
        if name in fit.fixed:
            continue
        est, se = fit.params[name], fit.se[name]
        assert np.isfinite(se) and se > 0, (name, se)
        assert abs(est - getattr(truth, name)) < 4 * se, (name, est, getattr(truth, name), se)


def test_every_registered_family_is_tested():
    assert {type(d) for _, d in TRUE} == set(FAMILIES.values())


@pytest.mark.parametrize(("family", "truth"), TRUE, ids=IDS)
def test_fit_recovers_parameters(family, truth):
    x = truth.sample(N, rng=11)
    _assert_within_4_se(fit_severity(x, family), truth)


@pytest.mark.parametrize(("family", "truth"), TRUE, ids=IDS)
def test_fit_recovers_parameters_under_left_truncation(family, truth):
    t = float(truth.ppf(0.3))  # 30% of the losses are never reported
    x = truth.truncated(lower=t).sample(N, rng=12)
    fit = fit_severity(x, family, truncation=t)
    if isinstance(truth, GeneralizedPareto):
        # above t the GPD is again a GPD: threshold t, scale sigma + xi t (threshold stability),
        # which fit_severity estimates with the threshold held at the truncation point
        truth = GeneralizedPareto(truth.xi, truth.sigma + truth.xi * t, threshold=t)
    if isinstance(truth, Pareto):  # above t it is Pareto(alpha, t)
        truth = Pareto(truth.alpha, t)
    _assert_within_4_se(fit, truth)


def test_pareto_with_fixed_xm_is_the_hill_estimator():
    t = 1e7
    x = Pareto(0.9, 2e6).truncated(lower=t).sample(500, rng=3)
    fit = fit_severity(x, Pareto.with_fixed(xm=t), truncation=t)
    hill = x.size / np.sum(np.log(x / t))
    assert fit.params["alpha"] == pytest.approx(hill, rel=1e-10)
    assert fit.params["xm"] == t
    assert fit.se["alpha"] == pytest.approx(hill / math.sqrt(x.size), rel=1e-3)  # alpha/sqrt(n)
    assert fit.dist == Pareto(fit.params["alpha"], t)  # an ordinary Pareto comes out


def test_with_fixed_family_maps_free_parameters_only():
    fam = Pareto.with_fixed(xm=5.0)
    assert fam is Pareto.with_fixed(xm=5.0)  # one class per arguments
    assert issubclass(fam, Pareto) and fam.param_names == ("alpha",)
    assert dict(fam.fixed_params) == {"xm": 5.0} and fam.tail_param == "alpha"
    d = fam._from_theta(np.array([math.log(2.0)]))
    assert type(d) is Pareto and d == Pareto(2.0, 5.0)
    x = Pareto(2.0, 5.0).sample(400, rng=1)
    start = fam._start(x)
    assert start.xm == 5.0 and start.alpha == pytest.approx(x.size / np.log(x / 5.0).sum())
    np.testing.assert_allclose(start._to_theta(), [math.log(start.alpha)])
    # a field that is not a parameter (the GPD threshold) can be fixed too
    gfam = GeneralizedPareto.with_fixed(threshold=10.0)
    assert gfam.param_names == ("xi", "sigma")
    assert gfam._from_theta(np.array([0.3, 0.0])) == GeneralizedPareto(0.3, 1.0, 10.0)
    g0 = gfam._start(GeneralizedPareto(0.3, 1.0, 10.0).sample(400, rng=2))
    assert g0.threshold == 10.0 and abs(g0.xi - 0.3) < 0.2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"nope": 1.0}, "unknown field"), ({}, "at least one"), ({"alpha": 1, "xm": 1}, "every")],
)
def test_with_fixed_rejects_bad_requests(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Pareto.with_fixed(**kwargs)


SPLICED_TRUE = Spliced(LogNormal(12.0, 1.2), GeneralizedPareto(0.5, 4e5, threshold=1e6), 1e6, 0.85)


def test_spliced_fit_recovers_body_tail_and_weight():
    x = SPLICED_TRUE.sample(N, rng=21)
    fit = fit_spliced(x, "lognormal", "gpd", 1e6)
    assert fit.converged
    _assert_within_4_se(fit.body, SPLICED_TRUE.body)
    _assert_within_4_se(fit.tail, SPLICED_TRUE.tail)
    assert abs(fit.weight - 0.85) < 4 * fit.weight_se
    assert fit.weight == Spliced.empirical_weight(x, 1e6)
    assert fit.dist.tail.threshold == 1e6
    # the three parts' log-likelihoods add up to the spliced model's own
    assert fit.loglik == pytest.approx(float(np.sum(fit.dist.logpdf(x))), rel=1e-12)
    assert fit.aic == pytest.approx(2 * 5 - 2 * fit.loglik)  # mu, sigma, xi, sigma, weight
    assert "Spliced fit" in fit.summary() and fit.to_dict()["weight"] == fit.weight


def test_spliced_fit_with_a_reporting_threshold_and_pareto_tail():
    truth = Spliced(Weibull(0.7, 2e5), Pareto(1.1, 1e6), 1e6, weight=0.8)
    t = 5e4
    x = truth.truncated(lower=t).sample(N, rng=22)
    fit = fit_spliced(x, "weibull", "pareto", 1e6, truncation=t)
    _assert_within_4_se(fit.body, truth.body)
    _assert_within_4_se(fit.tail, truth.tail)
    assert fit.tail.params["xm"] == 1e6
    # the fitted model describes the reported losses: its support starts at t
    assert fit.dist._support()[0] == t
    assert fit.loglik == pytest.approx(float(np.sum(fit.dist.logpdf(x))), rel=1e-12)


def test_spliced_fit_needs_losses_on_both_sides():
    with pytest.raises(ValueError, match="above the threshold"):
        fit_spliced([1.0, 2.0, 3.0], "lognormal", "gpd", 10.0)
    with pytest.raises(ValueError, match="below the splice threshold"):
        fit_spliced([1.0, 2.0, 30.0, 40.0], "lognormal", "gpd", 10.0, truncation=20.0)
