"""Poisson and NegativeBinomial: scipy agreement, moments, sampling, validation."""

import dataclasses
import math
import pickle

import numpy as np
import pytest
from scipy import special, stats

from riskmodel.frequency import Frequency, Mixture, NegativeBinomial, Poisson

SANE = [
    Poisson(0.4),
    Poisson(3.7),
    Poisson(60.0),
    NegativeBinomial(2.0, 1.5),
    NegativeBinomial(0.3, 0.2),
    NegativeBinomial(25.0, 4.0),
]
IDS = [repr(d) for d in SANE]
K = np.arange(0, 400)


def _nb_pmf_by_hand(k, mean, shape):
    # NB2: Gamma(k + r) / (k! Gamma(r)) (r/(r+m))^r (m/(r+m))^k, written out independently
    # of scipy's nbinom to check the (mean, shape) -> (n, p) mapping
    logp = (
        special.gammaln(k + shape)
        - special.gammaln(k + 1)
        - special.gammaln(shape)
        + shape * np.log(shape / (shape + mean))
        + k * np.log(mean / (shape + mean))
    )
    return np.exp(logp)


@pytest.mark.parametrize("d", SANE, ids=IDS)
def test_pmf_matches_closed_form(d):
    if isinstance(d, Poisson):
        want = stats.poisson.pmf(K, d.rate)
    else:
        want = _nb_pmf_by_hand(K, d.mu, d.shape)
    np.testing.assert_allclose(d.pmf(K), want, rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(d.logpmf(K[:50]), np.log(want[:50]), rtol=1e-10)


@pytest.mark.parametrize("d", [d for d in SANE if isinstance(d, NegativeBinomial)], ids=repr)
def test_nb_maps_to_scipy_nbinom(d):
    ref = stats.nbinom(n=d.shape, p=d.shape / (d.shape + d.mu))
    np.testing.assert_allclose(d.cdf(K), ref.cdf(K), rtol=1e-12)
    np.testing.assert_allclose(d.sf(K), ref.sf(K), rtol=1e-12)
    assert d.mean() == pytest.approx(ref.mean(), rel=1e-12)
    assert d.var() == pytest.approx(ref.var(), rel=1e-12)


@pytest.mark.parametrize("d", SANE, ids=IDS)
def test_moments_from_pmf(d):
    p = d.pmf(K)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    m = float(K @ p)
    assert d.mean() == pytest.approx(m, rel=1e-10)
    assert d.var() == pytest.approx(float((K - m) ** 2 @ p), rel=1e-9)
    assert d.std() == pytest.approx(math.sqrt(d.var()))


@pytest.mark.parametrize("d", SANE, ids=IDS)
def test_cdf_sf_ppf_consistent(d):
    k = np.arange(0, 80)
    np.testing.assert_allclose(d.cdf(k) + d.sf(k), 1.0, atol=1e-14)
    np.testing.assert_allclose(d.cdf(k), np.cumsum(d.pmf(k)), rtol=1e-10)
    q = np.array([1e-6, 0.01, 0.3, 0.5, 0.9, 0.999])
    kq = d.ppf(q)
    # smallest k with cdf(k) >= q
    assert np.all(d.cdf(kq) >= q - 1e-12)
    assert np.all(d.cdf(kq - 1) < q)
    assert d.ppf(1.0) == math.inf
    assert np.all(d.isf(1 - q) == kq)


@pytest.mark.parametrize("d", SANE, ids=IDS)
def test_sample_moments_within_mc_error(d):
    n = 200_000
    x = d.sample(n, rng=12345)
    assert x.dtype == np.int64 and x.shape == (n,)
    # tolerance: 4 Monte Carlo standard errors of the mean and of the variance
    p = d.pmf(K)
    m, v = d.mean(), d.var()
    mu4 = float((K - m) ** 4 @ p)
    assert abs(x.mean() - m) < 4 * math.sqrt(v / n)
    assert abs(x.var() - v) < 4 * math.sqrt((mu4 - v * v) / n)


@pytest.mark.parametrize("d", SANE, ids=IDS)
def test_sample_distribution_chi2(d):
    # seeded chi-square goodness of fit on cells with expected count >= 20
    n = 50_000
    x = d.sample(n, rng=7)
    p = d.pmf(K)
    keep = np.flatnonzero(n * p >= 20)
    top = keep.max()
    obs = np.bincount(np.minimum(x, top + 1), minlength=top + 2)[: top + 2].astype(float)
    exp = np.append(n * p[: top + 1], n * d.sf(top))
    lumped_obs, lumped_exp, acc_o, acc_e = [], [], 0.0, 0.0
    for o, e in zip(obs, exp, strict=True):
        acc_o, acc_e = acc_o + o, acc_e + e
        if acc_e >= 20:
            lumped_obs.append(acc_o)
            lumped_exp.append(acc_e)
            acc_o = acc_e = 0.0
    lumped_obs[-1] += acc_o
    lumped_exp[-1] += acc_e
    stat = float(np.sum((np.array(lumped_obs) - lumped_exp) ** 2 / np.array(lumped_exp)))
    assert stats.chi2.sf(stat, len(lumped_obs) - 1) > 1e-3


def test_sample_reproducible_and_rng_kinds():
    d = NegativeBinomial(3.0, 2.0)
    a = d.sample(10, rng=3)
    np.testing.assert_array_equal(a, d.sample(10, rng=np.random.default_rng(3)))
    np.testing.assert_array_equal(a, d.sample(10, rng=np.random.SeedSequence(3)))
    assert d.sample(0, rng=1).shape == (0,)
    with pytest.raises(ValueError, match="n"):
        d.sample(-1, rng=1)
    with pytest.raises(TypeError, match="n"):
        d.sample(2.5, rng=1)


@pytest.mark.parametrize("d", SANE, ids=IDS)
def test_pgf_and_panjer(d):
    z = np.array([0.0, 0.3, 0.9, 1.0])
    want = np.array([float(zz**K @ d.pmf(K)) for zz in z])
    np.testing.assert_allclose(d.pgf(z), want, rtol=1e-10)
    a, b = d.panjer_ab()
    k = np.arange(1, 60)
    np.testing.assert_allclose(d.pmf(k), (a + b / k) * d.pmf(k - 1), rtol=1e-9, atol=1e-300)


def test_zero_mean_is_degenerate():
    for d in (Poisson(0.0), NegativeBinomial(0.0, 2.0)):
        assert d.pmf(0) == 1.0 and d.mean() == 0.0 and d.var() == 0.0
        assert not d.sample(100, rng=1).any()


def test_scaled():
    assert Poisson(2.0).scaled(1.5) == Poisson(3.0)
    nb = NegativeBinomial(2.0, 0.5).scaled(3.0)
    assert nb.mean() == 6.0 and nb.shape == 0.5  # GLM convention: shape fixed
    with pytest.raises(ValueError, match="factor"):
        Poisson(1.0).scaled(-1.0)


def test_sum_of_independent_nb_has_shape_times_factor():
    # documents the alternative in NegativeBinomial.scaled: the sum of m independent
    # NB(mean, r) is NB(m * mean, m * r); checked by convolution of the pmfs
    d = NegativeBinomial(1.2, 0.7)
    k = np.arange(200)
    p = d.pmf(k)
    conv = np.convolve(np.convolve(p, p), p)[:200]
    np.testing.assert_allclose(conv[:60], NegativeBinomial(3.6, 2.1).pmf(k[:60]), rtol=1e-9)


def test_negative_binomial_replace_and_the_mean_given_once():
    nb = NegativeBinomial(mean=2.0, shape=1.5)
    assert dataclasses.replace(nb, shape=3.0) == NegativeBinomial(2.0, 3.0)
    assert dataclasses.replace(nb, mu=5.0) == NegativeBinomial(mean=5.0, shape=1.5)
    with pytest.raises(TypeError, match="exactly once"):
        NegativeBinomial(mean=1.0, shape=1.0, mu=1.0)
    with pytest.raises(TypeError, match="exactly once"):
        NegativeBinomial(shape=1.0)
    with pytest.raises(TypeError, match="shape"):
        NegativeBinomial(1.0)


def test_params_repr_and_frozen():
    nb = NegativeBinomial(mean=2.0, shape=1.5)
    assert nb.params == {"mean": 2.0, "shape": 1.5}
    assert nb.alpha == pytest.approx(1 / 1.5)
    assert repr(nb) == "NegativeBinomial(mean=2.0, shape=1.5)"
    assert eval(repr(nb)) == nb and hash(nb) == hash(NegativeBinomial(2.0, 1.5))
    assert pickle.loads(pickle.dumps(nb)) == nb
    assert Poisson(2).params == {"rate": 2.0} and isinstance(Poisson(2).rate, float)
    assert isinstance(nb, Frequency)
    with pytest.raises(dataclasses.FrozenInstanceError):
        nb.shape = 3.0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Poisson(1.0).rate = 2.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Poisson(-1.0), "Poisson: rate must be a finite number >= 0, got -1.0"),
        (lambda: Poisson(math.nan), "rate"),
        (lambda: Poisson(math.inf), "rate"),
        (lambda: NegativeBinomial(-0.5, 1.0), "NegativeBinomial: mean .* got -0.5"),
        (lambda: NegativeBinomial(1.0, 0.0), "NegativeBinomial: shape must be .* > 0, got 0.0"),
        (lambda: NegativeBinomial(1.0, math.inf), "shape"),
    ],
)
def test_invalid_parameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_non_numbers_rejected():
    with pytest.raises(TypeError, match="rate"):
        Poisson("a")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="rate"):
        Poisson(True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="shape"):
        NegativeBinomial(1.0, [1.0, 2.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="q"):
        Poisson(1.0).ppf(1.5)
    with pytest.raises(ValueError, match="NaN"):
        Poisson(1.0).pmf(math.nan)


def test_engine_reads_frequency_objects():
    from riskmodel.engine import _kernels as K_
    from riskmodel.engine._specs import frequency_spec

    kind, par = frequency_spec(NegativeBinomial(2.5, 0.8))
    assert kind == K_.NEGBIN and list(par) == [2.5, 0.8]
    kind, par = frequency_spec(Poisson(1.5))
    assert kind == K_.POISSON and par[0] == 1.5


def test_mixture_against_brute_force():
    means, shapes = np.array([1.0, 7.0, 12.0]), np.array([0.5, 2.0, 30.0])
    k = np.arange(400)
    for mix, comps in (
        (Mixture(means), [Poisson(m) for m in means]),
        (
            Mixture(means, shapes),
            [NegativeBinomial(m, r) for m, r in zip(means, shapes, strict=True)],
        ),
    ):
        pmf = np.mean([c.pmf(k) for c in comps], axis=0)
        cdf = np.cumsum(pmf)
        np.testing.assert_allclose(mix.pmf(k), pmf, rtol=1e-12)
        np.testing.assert_allclose(mix.cdf(k[:100]), cdf[:100], rtol=1e-10)
        np.testing.assert_allclose(mix.sf(k[:100]), 1 - cdf[:100], atol=1e-12)
        for q in (0.001, 0.025, 0.5, 0.975, 0.999):
            assert mix.ppf(q) == int(np.argmax(cdf >= q))
        m = float(k @ pmf)
        assert mix.mean() == pytest.approx(m, rel=1e-10)
        assert mix.var() == pytest.approx(float((k - m) ** 2 @ pmf), rel=1e-8)
        z = np.array([0.2, 0.95])
        np.testing.assert_allclose(mix.pgf(z), [float(zz**k @ pmf) for zz in z], rtol=1e-10)
        x = mix.sample(100_000, rng=5)
        assert abs(x.mean() - m) < 4 * math.sqrt(mix.var() / x.size)
        assert mix.scaled(2.0).mean() == pytest.approx(2 * m)
        assert mix.ppf(0.0) == -1 and mix.ppf(1.0) == math.inf


def test_mixture_is_immutable_and_validated():
    mix = Mixture([1.0, 2.0])
    with pytest.raises(AttributeError):
        mix.foo = 1  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        mix.means[0] = 5.0
    with pytest.raises(ValueError, match="means"):
        Mixture([])
    with pytest.raises(ValueError, match="means"):
        Mixture([1.0, -1.0])
    with pytest.raises(ValueError, match="shapes"):
        Mixture([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="shapes"):
        Mixture([1.0, 2.0], [1.0, 0.0])
    assert "2 Poisson components" in repr(mix)
