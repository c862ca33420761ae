"""fit_spliced on data that do not identify a body, and ``threshold="auto"``."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import optimize

from riskmodel.fit import fit_spliced
from riskmodel.fit._spliced import MAX_CANDIDATES, _power_law_limit
from riskmodel.severity import GeneralizedPareto, LogNormal, Spliced

T = 1e6  # reporting threshold of the bundled incidents


@pytest.fixture(scope="module")
def hacks() -> np.ndarray:
    from riskmodel.data import load_incidents

    t = load_incidents()
    year = t.date.dt.year
    keep = (t.category == "hack") & (year >= 2014) & (t.amount_usd >= T)
    return t.amount_usd[keep].to_numpy()


def _free_se_finite(fit) -> bool:
    return all(math.isfinite(fit.se[p]) for p in fit.params if p not in fit.fixed)


def test_hack_data_with_auto_threshold_converges(hacks):
    assert hacks.size == 75
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning from the candidates tried
        fit = fit_spliced(hacks, "lognormal", "gpd", "auto", truncation=T)
    assert fit.converged and fit.threshold_estimated
    assert _free_se_finite(fit.body) and _free_se_finite(fit.tail)
    sigma = fit.body.params["sigma"]
    assert 0.1 < sigma < 10.0  # before: 40.7 (mu 268), no standard errors
    assert sigma < 10 * math.log(fit.threshold / T)
    # the chosen splice point is the best candidate; unidentified windows were skipped
    lls = dict(fit.candidates)
    assert lls[fit.threshold] == fit.loglik == np.nanmax(list(lls.values()))
    near_1e7 = min(lls, key=lambda v: abs(math.log(v / 1e7)))
    assert math.isnan(lls[near_1e7])
    assert 10 <= np.sum(hacks <= fit.threshold) <= hacks.size - 10
    assert fit.dist._support()[0] == T
    assert fit.loglik == pytest.approx(float(np.sum(fit.dist.logpdf(hacks))), rel=1e-10)


def test_unidentified_body_raises_a_plain_message(hacks):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError) as err:
            fit_spliced(hacks, "lognormal", "gpd", 1e7, truncation=T)
    msg = str(err.value)
    for words in (
        "LogNormal body is not identified",
        "28 losses",
        "[1e+06, 1e+07]",
        "increases toward a power-law limit",
        "higher splice point",
        "threshold='auto'",
        "another body family",
        "tail family alone",
    ):
        assert words in msg, words
    # a window that does identify the body is fitted as before
    fit = fit_spliced(hacks, "lognormal", "gpd", 2e7, truncation=T)
    assert fit.converged and not fit.threshold_estimated and fit.k == 5
    assert fit.body.params["mu"] == pytest.approx(15.4687, abs=1e-3)
    assert fit.body.params["sigma"] == pytest.approx(2.2267, abs=1e-3)


def test_the_likelihood_of_an_unidentified_body_rises_to_its_power_law_limit(hacks):
    below = hacks[hacks <= 1e7]
    lim = _power_law_limit(below, T, 1e7)
    assert lim is not None and not lim.identified

    def profile(sigma: float) -> float:  # max over mu of the doubly truncated lognormal
        def nll(mu: float) -> float:
            try:
                d = LogNormal(mu, sigma).truncated(lower=T, upper=1e7)
            except ValueError:  # no probability on the window
                return 1e300
            return -float(np.sum(d.logpdf(below)))

        bounds = (math.log(T) - 3 * sigma, math.log(1e7) + 2 * lim.c * sigma**2 + 3 * sigma)
        res = optimize.minimize_scalar(nll, bounds=bounds, method="bounded")
        return -float(res.fun)

    prof = [profile(s) for s in (3.0, 10.0, 30.0)]  # larger sigma: the cdf underflows
    assert all(np.diff(prof) > 0) and prof[-1] < lim.loglik
    assert lim.loglik - prof[-1] < 1e-2
    # an identified window: the criterion agrees with an interior maximum
    below2 = hacks[hacks <= 2e7]
    lim2 = _power_law_limit(below2, T, 2e7)
    assert lim2 is not None and lim2.identified
    body = fit_spliced(hacks, "lognormal", "gpd", 2e7, truncation=T).body
    assert body.loglik > lim2.loglik


def test_auto_threshold_recovers_a_simulated_splice():
    w, u = 0.85, 1e6
    truth = Spliced(LogNormal(12.0, 1.2), GeneralizedPareto(0.5, 4e5, threshold=u), u, w)
    x = truth.sample(1000, rng=0)
    fit = fit_spliced(x, "lognormal", "gpd", "auto")
    assert fit.converged and fit.threshold_estimated
    # the splice point region: the weight (empirical fraction at or below the chosen point)
    # within 4 binomial standard errors of the true one, and the point itself within the
    # span of ranks of one step of the coarse candidate grid
    assert abs(fit.weight - w) < 4 * fit.weight_se
    assert abs(fit.weight - w) < 1.0 / MAX_CANDIDATES
    assert 0.8 < fit.threshold / u < 1.25
    for name, true in (("mu", 12.0), ("sigma", 1.2)):
        assert abs(fit.body.params[name] - true) < 4 * fit.body.se[name], name
    # the tail above the chosen point: xi unchanged, scale by threshold stability
    xi, scale = fit.tail.params["xi"], fit.tail.params["sigma"]
    assert abs(xi - 0.5) < 4 * fit.tail.se["xi"]
    assert abs(scale - (4e5 + 0.5 * (fit.threshold - u))) < 4 * fit.tail.se["sigma"]
    assert fit.dist.tail.threshold == fit.threshold


def test_aic_counts_the_chosen_threshold(hacks):
    auto = fit_spliced(hacks, "lognormal", "gpd", "auto", truncation=T)
    fixed = fit_spliced(hacks, "lognormal", "gpd", auto.threshold, truncation=T)
    assert fixed.loglik == pytest.approx(auto.loglik, rel=1e-12)
    assert (auto.k, fixed.k) == (6, 5)  # mu, sigma, xi, sigma, weight (+ threshold)
    assert auto.aic == pytest.approx(2 * 6 - 2 * auto.loglik)
    assert auto.aic == pytest.approx(fixed.aic + 2)
    assert auto.bic == pytest.approx(fixed.bic + math.log(hacks.size))
    d = auto.to_dict()
    assert d["k"] == 6 and d["threshold_estimated"] and d["threshold"] == auto.threshold
    assert "chosen by likelihood" in auto.summary()


def test_auto_threshold_errors(hacks):
    with pytest.raises(ValueError, match="none of the 3 candidate splice points"):
        fit_spliced(hacks, "lognormal", "gpd", "auto", truncation=T, candidates=[1e7, 1.4e7, 3e7])
    with pytest.raises(ValueError, match="at least 10 losses on each side"):
        fit_spliced(hacks[:15], "lognormal", "gpd", "auto", truncation=T)
    with pytest.raises(ValueError, match="'auto'"):
        fit_spliced(hacks, "lognormal", "gpd", "best")
    with pytest.raises(ValueError, match="candidates"):
        fit_spliced(hacks, "lognormal", "gpd", 2e7, candidates=[2e7])
    with pytest.raises(ValueError, match="must be positive"):  # bad data: said so, not hidden
        fit_spliced(np.r_[hacks, -1.0], "lognormal", "gpd", "auto")
    # candidates given: only those are tried
    fit = fit_spliced(hacks, "lognormal", "gpd", "auto", truncation=T, candidates=[2e7, 1e7])
    assert fit.threshold == 2e7 and [c for c, _ in fit.candidates] == [1e7, 2e7]


def test_other_body_families_running_to_the_power_law_limit_are_unidentified(hacks):
    # a Weibull body on [1e6, 1e7] runs to the same limit (scale -> infinity): its density
    # on the window is then the best power law's; the message says so
    with pytest.raises(ValueError, match=r"Weibull body is not identified.*power-law limit"):
        fit_spliced(hacks, "weibull", "gpd", 1e7, truncation=T)
    # where the lognormal is identified, so is the Weibull, from its default start values
    fit = fit_spliced(hacks, "weibull", "gpd", 2e7, truncation=T)
    assert fit.converged and _free_se_finite(fit.body)
