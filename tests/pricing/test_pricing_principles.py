"""Premium principles on hand-made loss vectors (exact) and on Wang's closed forms."""

import math

import numpy as np
import pytest
from scipy import stats

from riskmodel.pricing import (
    DEFAULT_LOADINGS,
    PRINCIPLES,
    check_loading,
    price_losses,
    wang_distortion,
)

# 20 equally likely years: 16 without loss, then 1, 2, 4, 8
HAND = np.array([0.0] * 16 + [1.0, 2.0, 4.0, 8.0])
MEAN = 15 / 20  # 0.75
VAR = (1 + 4 + 16 + 64) / 20 - MEAN**2  # 3.6875


def g(u, lam):
    """Wang (2000): g(u) = Phi(Phi^-1(u) + lambda), written out with scipy.stats.norm."""
    return stats.norm.cdf(stats.norm.ppf(u) + lam)


def test_expected_value_principle_by_hand():
    assert price_losses(HAND, "expected", 0.2).premium == pytest.approx(1.2 * 0.75, rel=1e-15)


def test_standard_deviation_principle_by_hand():
    p = price_losses(HAND, "std", 0.5).premium
    assert p == pytest.approx(0.75 + 0.5 * math.sqrt(3.6875), rel=1e-14)


def test_variance_principle_by_hand():
    assert price_losses(HAND, "variance", 0.1).premium == pytest.approx(0.75 + 0.36875, rel=1e-14)


def test_wang_premium_by_hand():
    # S = 0.2 on [0, 1), 0.15 on [1, 2), 0.1 on [2, 4), 0.05 on [4, 8), 0 beyond:
    # premium = g(.2) * 1 + g(.15) * 1 + g(.1) * 2 + g(.05) * 4
    lam = 0.3
    hand = g(0.2, lam) + g(0.15, lam) + 2 * g(0.1, lam) + 4 * g(0.05, lam)
    assert price_losses(HAND, "wang", lam).premium == pytest.approx(hand, rel=1e-13)
    # lambda = 0 is the expected loss, in any order of the years
    shuffled = np.random.default_rng(0).permutation(HAND)
    assert price_losses(shuffled, "wang", 0.0).premium == pytest.approx(MEAN, rel=1e-14)


def test_wang_satellite_case():
    # a 5% chance of a total loss of 100 (20 equally likely years, one with the loss):
    # Wang premium = 100 * Phi(Phi^-1(0.05) + lambda)
    x = np.zeros(20)
    x[7] = 100.0
    lam = 0.1
    assert price_losses(x, "wang", lam).premium == pytest.approx(100 * g(0.05, lam), rel=1e-13)


def test_cost_of_capital_by_hand():
    # p = 0.9: the top n (1 - p) = 2 years are 8 and 4, so TVaR = 6;
    # premium = 0.75 + 0.1 * (6 - 0.75)
    p = price_losses(HAND, "cost_of_capital", 0.1, tvar_level=0.9).premium
    assert p == pytest.approx(1.275, rel=1e-14)
    # p = 0.925: n (1 - p) = 1.5 years: (8 + 0.5 * 4) / 1.5
    tv = (8 + 0.5 * 4) / 1.5
    p = price_losses(HAND, "cost_of_capital", 0.2, tvar_level=0.925).premium
    assert p == pytest.approx(0.75 + 0.2 * (tv - 0.75), rel=1e-14)


def test_wang_normal_closed_form():
    # Wang (2000), section 3: for X ~ Normal(mu, sigma) the Wang transform gives
    # Normal(mu + lambda sigma, sigma), so the premium is mu + lambda sigma.
    # A stratified sample (the quantiles at (i - 1/2)/n) stands in for the distribution;
    # its discretisation error is about 1e-7 here (1e-10 for the bounded layer below).
    n = 200_000
    x = stats.norm.ppf((np.arange(n) + 0.5) / n, loc=100.0, scale=10.0)
    assert price_losses(x, "wang", 0.3).premium == pytest.approx(103.0, rel=1e-6)


def lognormal_lev(d, mu, sigma):
    """E[X ^ d] of a lognormal, Klugman-Panjer-Willmot, Loss Models, appendix A."""
    z = (math.log(d) - mu) / sigma
    return math.exp(mu + sigma**2 / 2) * stats.norm.cdf(z - sigma) + d * stats.norm.sf(z)


def test_wang_lognormal_layer_closed_form():
    # Wang (2000): for X ~ LogNormal(mu, sigma) the Wang transform gives
    # LogNormal(mu + lambda sigma, sigma); so the Wang premium of the layer l xs a is the
    # layer's expected loss under the shifted lognormal.
    mu, sigma, lam, a, lim = 0.0, 1.0, 0.4, 1.0, 4.0
    n = 100_000
    x = stats.lognorm.ppf((np.arange(n) + 0.5) / n, s=sigma, scale=math.exp(mu))
    layer = np.minimum(np.maximum(x - a, 0.0), lim)
    mu_star = mu + lam * sigma
    exact = lognormal_lev(a + lim, mu_star, sigma) - lognormal_lev(a, mu_star, sigma)
    assert price_losses(layer, "wang", lam).premium == pytest.approx(exact, rel=1e-8)


@pytest.mark.parametrize(
    ("principle", "loading", "level"),
    [
        ("expected", 0.2, 0.995),
        ("std", 0.5, 0.995),
        ("wang", 0.4, 0.995),
        ("cost_of_capital", 0.1, 0.95),
    ],
)
def test_standard_errors_match_the_spread_over_replications(principle, loading, level):
    # 400 independent samples of 2,000 years of a layer-like loss (70% zeros, else
    # exponential capped at 3): the spread of the premium estimates is what the
    # influence-function standard error claims (relative se of an SD from 400 draws: 3.5%).
    rng = np.random.default_rng(20260501)
    reps, n = 400, 2000
    ests, ses = np.empty(reps), np.empty(reps)
    for r in range(reps):
        x = np.where(rng.random(n) < 0.7, 0.0, np.minimum(rng.exponential(1.0, n), 3.0))
        ests[r], ses[r] = price_losses(x, principle, loading, tvar_level=level)
    assert np.std(ests, ddof=1) == pytest.approx(np.mean(ses), rel=0.15)


def test_premiums_are_ordered_for_positive_loadings():
    x = np.random.default_rng(3).pareto(2.5, 10_000)
    mean = price_losses(x, "expected", 0.0).premium
    for p in ("expected", "std", "wang", "cost_of_capital"):
        assert price_losses(x, p, None).premium > mean
    assert price_losses(x, "variance", 1e-3).premium > mean


def test_wang_distortion_properties():
    u = np.linspace(0, 1, 11)
    assert wang_distortion(0.0, 0.5) == 0.0 and wang_distortion(1.0, 0.5) == 1.0
    np.testing.assert_allclose(wang_distortion(u, 0.0), u, atol=1e-15)
    assert (wang_distortion(u[1:-1], 0.5) > u[1:-1]).all()


def test_loadings_and_defaults():
    assert set(DEFAULT_LOADINGS) == set(PRINCIPLES)
    assert check_loading("wang", None) == 0.25
    with pytest.raises(ValueError, match="needs an explicit loading"):
        check_loading("variance", None)
    with pytest.raises(ValueError, match="must be one of"):
        check_loading("dutch", 0.1)
    with pytest.raises(ValueError, match="finite and >= 0"):
        check_loading("std", -0.1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        check_loading("cost_of_capital", 1.5)


@pytest.mark.parametrize(
    ("losses", "message"),
    [([], "empty"), ([1.0, -2.0], "negative"), ([1.0, np.nan], "not finite"), ("abc", "numbers")],
)
def test_bad_losses_are_rejected(losses, message):
    with pytest.raises(ValueError, match=message):
        price_losses(losses, "expected")


def test_one_year_has_no_standard_error():
    est = price_losses([5.0], "expected", 0.0)
    assert est.premium == 5.0 and math.isnan(est.se)
