"""Credibility: Poisson-gamma (exact Bayes) and Bühlmann-Straub against hand computations."""

import json
import math
from fractions import Fraction as F

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from riskmodel.credibility import buhlmann_straub, poisson_gamma
from riskmodel.frequency import NegativeBinomial

# ----------------------------------------------------------------------------- Bühlmann-Straub
# Worked example: two group policyholders, aggregate losses and numbers of members per year,
# in the layout of the nonparametric Bühlmann-Straub example of Klugman, Panjer & Willmot,
# "Loss Models" (chapter "Empirical Bayes parameter estimation"):
#
#   policyholder 1: year 1 losses 10,000 / 50 members, year 2 13,000 / 60, year 3 missing
#   policyholder 2: year 1 18,000 / 100, year 2 21,000 / 110, year 3 17,000 / 105
#
# We could not check the printed numbers of the book here, so the expected values are
# computed by hand below, in exact rational arithmetic, from the textbook estimators
# (derivation written out; Bühlmann & Gisler 2005, section 4.8, give the same formulas):
#
#   X_ij = losses / members,  w_ij = members,  n_1 = 2, n_2 = 3,  r = 2 policyholders
#   w_i = sum_j w_ij;  Xbar_i = sum_j w_ij X_ij / w_i = total losses_i / w_i
#       => Xbar_1 = 23000/110,  Xbar_2 = 56000/315
#   w = 425;  Xbar = sum_i w_i Xbar_i / w = 79000/425
#   v = sum_i sum_j w_ij (X_ij - Xbar_i)^2 / sum_i (n_i - 1)       (divisor 1 + 2 = 3)
#   a = [sum_i w_i (Xbar_i - Xbar)^2 - (r - 1) v] / (w - sum_i w_i^2 / w)
#   k = v / a,  Z_i = w_i / (w_i + k)
#   estimate_i = Z_i Xbar_i + (1 - Z_i) mu,  mu = Xbar ("weighted") or
#                sum_i Z_i Xbar_i / sum_i Z_i ("credibility")
# Rounded: v = 17,830.69, a = 380.905, k = 46.811, Z = (0.70148, 0.87062),
# Xbar = 185.882, estimates ("weighted") 202.163 and 178.826 per member.
LOSSES = [[10_000, 13_000, None], [18_000, 21_000, 17_000]]
MEMBERS = [[50, 60, 0], [100, 110, 105]]


def _hand():
    X = [
        [F(s, m) for s, m in zip(ls, ms, strict=True) if m]
        for ls, ms in zip(LOSSES, MEMBERS, strict=True)
    ]
    W = [[F(m) for m in ms if m] for ms in MEMBERS]
    w_i = [sum(w) for w in W]
    xbar_i = [
        sum(wj * xj for wj, xj in zip(w, x, strict=True)) / wi
        for w, x, wi in zip(W, X, w_i, strict=True)
    ]
    w = sum(w_i)
    xbar = sum(wi * xi for wi, xi in zip(w_i, xbar_i, strict=True)) / w
    v = sum(
        sum(wj * (xj - xi) ** 2 for wj, xj in zip(ww, xx, strict=True))
        for ww, xx, xi in zip(W, X, xbar_i, strict=True)
    ) / sum(len(x) - 1 for x in X)
    a = (sum(wi * (xi - xbar) ** 2 for wi, xi in zip(w_i, xbar_i, strict=True)) - (2 - 1) * v) / (
        w - sum(wi**2 for wi in w_i) / w
    )
    k = v / a
    z = [wi / (wi + k) for wi in w_i]
    mu_cred = sum(zi * xi for zi, xi in zip(z, xbar_i, strict=True)) / sum(z)
    return dict(xbar_i=xbar_i, w_i=w_i, xbar=xbar, v=v, a=a, k=k, z=z, mu_cred=mu_cred)


def _panel():
    x = np.array(
        [
            [s / m if m else np.nan for s, m in zip(ls, ms, strict=True)]
            for ls, ms in zip(LOSSES, MEMBERS, strict=True)
        ]
    )
    return x, np.array(MEMBERS, dtype=float)


def test_buhlmann_straub_hand_example():
    h = _hand()
    x, w = _panel()
    for collective, mu in (("weighted", h["xbar"]), ("credibility", h["mu_cred"])):
        r = buhlmann_straub(x, w, collective=collective)
        assert r.epv == pytest.approx(float(h["v"]), rel=1e-12)
        assert r.vhm == pytest.approx(float(h["a"]), rel=1e-10)
        assert r.k == pytest.approx(float(h["k"]), rel=1e-10)
        np.testing.assert_allclose(r.weight, [float(z) for z in h["z"]], rtol=1e-12)
        np.testing.assert_allclose(r.individual_mean, [float(v) for v in h["xbar_i"]], rtol=1e-14)
        np.testing.assert_allclose(r.total_weight, [110, 315])
        assert r.collective == pytest.approx(float(mu), rel=1e-12)
        want = [float(z * xi + (1 - z) * mu) for z, xi in zip(h["z"], h["xbar_i"], strict=True)]
        np.testing.assert_allclose(r.estimate, want, rtol=1e-12)
    # the rounded values quoted in the comment above
    assert r.epv == pytest.approx(17_830.69, abs=0.01)
    assert r.vhm == pytest.approx(380.905, abs=1e-3)


def test_credibility_collective_balances():
    # sum_i Z_i (Xbar_i - mu) = 0 for the credibility-weighted collective mean
    rng = np.random.default_rng(1)
    w = rng.uniform(1, 10, (6, 5))
    theta = rng.gamma(4.0, 0.5, 6)[:, None]
    x = rng.poisson(theta * w) / w
    r = buhlmann_straub(x, w)
    assert r.vhm > 0
    assert float(r.weight @ (r.individual_mean - r.collective)) == pytest.approx(0.0, abs=1e-10)


def test_no_heterogeneity_gives_zero_weight():
    x = np.array([[1.0, 2.0, 1.5], [1.4, 1.6, 1.5]])  # means 1.5 and 1.5: a_hat < 0
    w = np.ones_like(x)
    r = buhlmann_straub(x, w)
    assert r.vhm == 0.0 and r.vhm_unbounded < 0 and r.k == math.inf
    np.testing.assert_array_equal(r.weight, 0.0)
    np.testing.assert_allclose(r.estimate, x.mean())
    assert "set to 0" in r.summary()


def test_missing_periods_and_entity_without_experience():
    x, w = _panel()
    x3 = np.vstack([x, [np.nan, np.nan, np.nan]])
    w3 = np.vstack([w, [0.0, 0.0, 0.0]])
    r2, r3 = buhlmann_straub(x, w), buhlmann_straub(x3, w3)
    assert r3.epv == pytest.approx(r2.epv, rel=1e-14)
    assert r3.vhm == pytest.approx(r2.vhm, rel=1e-14)
    assert r3.weight[2] == 0.0 and r3.estimate[2] == r3.collective
    assert r3.collective == pytest.approx(r2.collective, rel=1e-14)
    assert math.isnan(r3.individual_mean[2])


def test_poisson_epv_is_the_collective_mean():
    counts = np.array([[0, 1, 0], [5, 6, 4], [1, 0, 1]])
    vol = np.array([[1.0, 1.2, 1.1], [2.0, 2.5, 2.2], [0.8, 0.9, 1.0]])
    r = buhlmann_straub(counts / vol, vol, epv="poisson")
    assert r.epv == pytest.approx(counts.sum() / vol.sum())
    w_i = vol.sum(axis=1)
    xbar_i = counts.sum(axis=1) / w_i
    xbar = counts.sum() / vol.sum()
    a = (np.sum(w_i * (xbar_i - xbar) ** 2) - 2 * r.epv) / (w_i.sum() - np.sum(w_i**2) / w_i.sum())
    assert r.vhm == pytest.approx(a)


def test_dataframe_labels_summary_to_dict():
    x, w = _panel()
    idx = pd.Index(["exchange A", "exchange B"])
    r = buhlmann_straub(pd.DataFrame(x, index=idx), pd.DataFrame(w, index=idx))
    assert r.entities == ("exchange A", "exchange B")
    frame = r.to_frame()
    assert list(frame.index) == ["exchange A", "exchange B"]
    assert "exchange A" in r.summary() and "k = v/a" in r.summary()
    assert json.loads(json.dumps(r.to_dict()))["weight"] == pytest.approx(list(r.weight))


@pytest.mark.parametrize(
    ("x", "w", "kwargs", "match"),
    [
        (np.ones(3), np.ones(3), {}, "2-d"),
        (np.ones((2, 3)), np.ones((2, 2)), {}, "shape"),
        (np.ones((2, 3)), -np.ones((2, 3)), {}, "weights must be finite"),
        (np.ones((1, 3)), np.ones((1, 3)), {}, "two entities"),
        (np.ones((2, 1)), np.ones((2, 1)), {}, "two or more periods"),
        (np.ones((2, 3)), np.ones((2, 3)), {"epv": "bayes"}, "epv"),
        (np.ones((2, 3)), np.ones((2, 3)), {"collective": "mean"}, "collective"),
    ],
)
def test_buhlmann_straub_errors(x, w, kwargs, match):
    with pytest.raises(ValueError, match=match):
        buhlmann_straub(x, w, **kwargs)


# ----------------------------------------------------------------------------- Poisson-gamma
def test_poisson_gamma_hand_example():
    # prior mean m = 0.4, shape alpha = 2 => rate beta = alpha/m = 5 = k;
    # 3 events in exposure 5: Z = 5/(5 + 5) = 1/2, estimate = (2 + 3)/(5 + 5) = 0.5
    #   = 1/2 * 3/5 + 1/2 * 0.4
    r = poisson_gamma([0, 1, 0, 0, 2], prior_mean=0.4, prior_shape=2.0)
    assert r.weight == 0.5 and r.estimate == pytest.approx(0.5)
    assert r.own_rate == 0.6 and r.k == 5.0
    assert r.estimate == pytest.approx(r.weight * r.own_rate + (1 - r.weight) * r.prior_mean)
    assert (r.posterior_shape, r.posterior_rate) == (5.0, 10.0)


def test_poisson_gamma_equals_numerical_bayes():
    counts, expo = np.array([2, 0, 1, 4]), np.array([0.8, 1.0, 1.1, 1.5])
    m, s = 1.2, 0.9
    r = poisson_gamma(counts, expo, prior_mean=m, prior_sd=s)
    alpha, beta = (m / s) ** 2, m / s**2
    prior = stats.gamma(alpha, scale=1 / beta)

    def like(lam):
        return np.prod(stats.poisson.pmf(counts, lam * expo))

    norm = integrate.quad(lambda t: like(t) * prior.pdf(t), 0, 50, limit=200)[0]
    post_mean = integrate.quad(lambda t: t * like(t) * prior.pdf(t), 0, 50, limit=200)[0] / norm
    assert r.estimate == pytest.approx(post_mean, rel=1e-8)
    # Bühlmann: EPV = m, VHM = s^2, k = m / s^2 => the same Z
    assert r.weight == pytest.approx(expo.sum() / (expo.sum() + m / s**2))
    lo, hi = r.interval(0.9)
    post = lambda t: like(t) * prior.pdf(t) / norm  # noqa: E731
    assert integrate.quad(post, lo, hi)[0] == pytest.approx(0.9, abs=1e-7)
    # prior_shape gives the same prior as the matching prior_sd
    r2 = poisson_gamma(counts, expo, prior_mean=m, prior_shape=alpha)
    assert r2.estimate == pytest.approx(r.estimate) and r2.weight == pytest.approx(r.weight)


def test_poisson_gamma_predictive_is_negative_binomial():
    r = poisson_gamma(3, 2.0, prior_mean=1.0, prior_shape=1.5)
    pred = r.predictive(exposure=0.7)
    assert isinstance(pred, NegativeBinomial)
    post = stats.gamma(r.posterior_shape, scale=1 / r.posterior_rate)
    for k in range(6):
        want = integrate.quad(lambda t, k=k: stats.poisson.pmf(k, 0.7 * t) * post.pdf(t), 0, 60)[0]
        assert pred.pmf(k) == pytest.approx(want, rel=1e-8)


def test_poisson_gamma_summary_and_errors():
    r = poisson_gamma([1, 0], prior_mean=0.5, prior_sd=0.5)
    assert "Z = " in r.summary() and json.dumps(r.to_dict())
    with pytest.raises(ValueError, match="exactly one"):
        poisson_gamma([1], prior_mean=1.0)
    with pytest.raises(ValueError, match="exactly one"):
        poisson_gamma([1], prior_mean=1.0, prior_sd=1.0, prior_shape=1.0)
    with pytest.raises(ValueError, match="prior_mean"):
        poisson_gamma([1], prior_mean=0.0, prior_shape=1.0)
    with pytest.raises(ValueError, match="position 1 has -1"):
        poisson_gamma([1, -1], prior_mean=1.0, prior_shape=1.0)
    with pytest.raises(ValueError, match="zero exposure has events"):
        poisson_gamma([1, 1], [1.0, 0.0], prior_mean=1.0, prior_shape=1.0)
    with pytest.raises(ValueError, match="shape"):
        poisson_gamma([1, 1], [1.0], prior_mean=1.0, prior_shape=1.0)
