"""Panjer recursion and FFT: against each other, against closed forms, and in the heavy tail."""

import math

import numpy as np
import pytest
from scipy import special, stats

from riskmodel._errors import RiskModelWarning
from riskmodel.analytic import ABZero, as_ab0, discretize, fft_compound, panjer
from riskmodel.analytic._panjer import panjer_kernel
from riskmodel.frequency import NegativeBinomial, Poisson
from riskmodel.severity import Gamma, LogNormal, Pareto

DEGENERATE_AT_ONE = np.array([0.0, 1.0])  # X = 1 always: the total is the count itself


def _twin(kernel):
    return getattr(kernel, "py_func", kernel)  # NUMBA_DISABLE_JIT=1 leaves the function itself


def compound_poisson_exponential_cdf(x, lam, scale):
    """Exact P(S <= x): a Poisson mixture of gamma(n, scale) cdfs (and the atom e^-lam at 0)."""
    n = np.arange(1, int(lam + 40 * math.sqrt(lam) + 60))
    weights = stats.poisson.pmf(n, lam)
    x = np.atleast_1d(np.asarray(x, dtype=float))
    return math.exp(-lam) + special.gammainc(n[None, :], x[:, None] / scale) @ weights


# ---------------------------------------------------------------- exact counts
@pytest.mark.parametrize(
    ("freq", "scipy_dist"),
    [
        (Poisson(4.0), stats.poisson(4.0)),
        (NegativeBinomial(mean=4.0, shape=0.8), stats.nbinom(0.8, 0.8 / 4.8)),
        (ABZero.binomial(30, 0.2), stats.binom(30, 0.2)),
    ],
)
@pytest.mark.parametrize("method", [panjer, fft_compound])
def test_degenerate_severity_gives_the_count_distribution(freq, scipy_dist, method):
    agg = method(freq, DEGENERATE_AT_ONE, n=128)
    k = np.arange(128)
    expect = scipy_dist.pmf(k)
    # the recursion is accurate relative to each mass, the FFT to the largest (about 1e-16)
    big = expect > (1e-12 if method is panjer else 1e-9)
    np.testing.assert_allclose(agg.pmf[big], expect[big], rtol=1e-10 if method is panjer else 1e-6)
    np.testing.assert_allclose(agg.pmf, expect, rtol=0, atol=1e-15 if method is panjer else 1e-11)


def test_panjer_rescales_where_the_probability_of_no_loss_underflows():
    # Poisson(1500): P(N = 0) = exp(-1500) = 1e-652 underflows; the plain recursion would give 0
    lam = 1500.0
    agg = panjer(lam, DEGENERATE_AT_ONE, n=2500)
    k = np.arange(2500)
    expect = np.exp(stats.poisson.logpmf(k, lam))
    big = expect > 1e-290
    assert agg.pmf.max() > 0 and agg.mass_lost < 1e-13
    np.testing.assert_allclose(agg.pmf[big], expect[big], rtol=1e-9)
    assert (agg.pmf[expect < 1e-320] < 1e-300).all()  # denormal noise at most
    # the same for a negative binomial with a continuous severity, against the FFT
    nb = NegativeBinomial(mean=1200.0, shape=1000.0)
    sev = Gamma(shape=2.0, scale=1.0)
    assert as_ab0(nb).log_pgf(sev.cdf(0.5)).real < -708  # P(S = 0) underflows
    by_panjer = panjer(nb, sev, h=1.0, n=4096, tol=1e-9)
    by_fft = fft_compound(nb, sev, h=1.0, n=4096, tol=1e-9)
    np.testing.assert_array_equal(
        by_panjer.quantile([0.01, 0.5, 0.999]), by_fft.quantile([0.01, 0.5, 0.999])
    )
    assert np.abs(by_panjer.pmf - by_fft.pmf).max() < 1e-12


def test_kernel_and_its_python_twin_agree_including_the_rescaling():
    rng = np.random.default_rng(7)
    f = rng.random(40)
    f /= f.sum()
    cases = [
        (0.0, 3.0, -3.0 * (1 - f[0]), f),  # Poisson
        (0.6, 0.3, 1.5 * math.log(0.4 + 0.6 * f[0]), f),  # negative binomial
        (0.0, 900.0, -900.0, DEGENERATE_AT_ONE),  # starts scaled, rescales on the way
    ]
    for a, b, log_g0, f in cases:
        out_jit, out_py = np.zeros(300), np.zeros(300)
        s_jit = panjer_kernel(a, b, log_g0, f, out_jit)
        s_py = _twin(panjer_kernel)(a, b, log_g0, f, out_py)
        assert s_jit == s_py
        np.testing.assert_allclose(out_jit, out_py, rtol=1e-13, atol=0)
    assert s_jit > -900.0  # the last case did rescale


# ---------------------------------------------------------------- closed forms
def test_compound_poisson_exponential_is_bracketed_and_approached():
    lam, scale, h, n = 4.0, 2.0, 0.05, 2000
    sev = Gamma(shape=1.0, scale=scale)
    x = h * np.arange(n)
    exact = compound_poisson_exponential_cdf(x, lam, scale)
    low = panjer(lam, sev, h=h, n=n, method="lower").cdf()
    up = panjer(lam, sev, h=h, n=n, method="upper").cdf()
    # "lower" moves every loss up, "upper" down: the true cdf lies between, at every grid point
    assert (low <= exact + 1e-14).all() and (exact <= up + 1e-14).all()
    assert (up - low).max() < 0.03
    # rounding: the cdf at kh approximates the true cdf at kh + h/2, to O(h^2)
    rnd = fft_compound(lam, sev, h=h, n=n, method="rounding")
    mid = compound_poisson_exponential_cdf(x + h / 2, lam, scale)
    assert np.abs(rnd.cdf() - mid).max() < 2e-4
    assert rnd.mean() == pytest.approx(lam * scale)


def test_compound_geometric_exponential_is_exponential_with_an_atom():
    # N geometric (negative binomial, shape 1) with mean beta; X exponential(scale):
    # P(S = 0) = 1/(1 + beta) and P(S > x) = q exp(-(1 - q) x / scale), q = beta/(1 + beta)
    beta, scale, h, n = 3.0, 1.0, 0.02, 3000
    q = beta / (1 + beta)
    freq = NegativeBinomial(mean=beta, shape=1.0)
    sev = Gamma(shape=1.0, scale=scale)
    x = h * np.arange(n)
    exact_sf = q * np.exp(-(1 - q) * x / scale)
    low = panjer(freq, sev, h=h, n=n, method="lower")
    up = panjer(freq, sev, h=h, n=n, method="upper")
    assert low.pmf[0] == pytest.approx(0.25)  # "lower" puts no loss at 0: P(S = 0) = P(N = 0)
    assert (up.sf() <= exact_sf + 1e-15).all() and (exact_sf <= low.sf() + 1e-15).all()
    # the unbiased discretisation: tail value at risk against VaR + scale/(1 - q)
    unb = panjer(freq, sev, h=h, n=n, method="unbiased")
    for p in (0.9, 0.99):
        var = scale / (1 - q) * math.log(q / (1 - p))
        assert float(unb.quantile(p)) == pytest.approx(var, abs=h)
        assert unb.tvar(p) == pytest.approx(var + scale / (1 - q), abs=h)


# ---------------------------------------------------------------- Panjer against FFT
@pytest.mark.parametrize(
    ("freq", "sev", "h", "n", "method"),
    [
        (Poisson(6.0), Gamma(shape=2.0, scale=1.5), 0.05, 2048, "unbiased"),
        (NegativeBinomial(mean=5.0, shape=2.0), LogNormal(0.0, 1.0), 0.05, 2048, "rounding"),
        (ABZero.binomial(8, 0.4), Gamma(shape=3.0, scale=1.0), 0.05, 2048, "upper"),
        (Poisson(2.0), LogNormal(0.0, 1.0).capped(8.0), 0.04, 2048, "rounding"),
    ],
    ids=["poisson-gamma", "nb-lognormal", "binomial-gamma", "poisson-capped"],
)
def test_panjer_and_fft_agree(freq, sev, h, n, method):
    a = panjer(freq, sev, h=h, n=n, method=method, tol=1e-3)
    b = fft_compound(freq, sev, h=h, n=n, method=method, tol=1e-3)
    assert np.abs(a.pmf - b.pmf).max() < 1e-11
    assert a.mass_lost == pytest.approx(b.mass_lost, abs=1e-9)
    np.testing.assert_array_equal(a.quantile([0.5, 0.99]), b.quantile([0.5, 0.99]))


HEAVY = [
    (Poisson(3.0), Pareto(alpha=0.8, xm=1.0), 2.0, 2**14),  # infinite mean
    (Poisson(5.0), LogNormal(0.0, 2.0), 0.5, 2**14),
]


@pytest.mark.parametrize(("freq", "sev", "h", "n"), HEAVY, ids=["pareto-0.8", "lognormal-2"])
def test_heavy_tails_tilting_makes_fft_agree_with_panjer(freq, sev, h, n):
    a = panjer(freq, sev, h=h, n=n, tol=1e-3)
    b = fft_compound(freq, sev, h=h, n=n, tol=1e-3)
    plain = fft_compound(freq, sev, h=h, n=n, tilt=0.0, tol=1e-3)
    fixed = fft_compound(freq, sev, h=h, n=n, tilt=20.0 / (n * h), tol=1e-3)
    rel = lambda r: np.abs(r.sf()[: n - 1] / a.sf()[: n - 1] - 1).max()  # noqa: E731
    # measured: automatic tilt 5e-8 / 5e-7, fixed 20/(nh) 2e-5 / 2e-3, no tilt 2e-3 / 1e-2
    assert rel(b) < 2e-6
    assert rel(fixed) < 5e-3
    assert rel(plain) > 1e-3  # aliasing: the mass beyond the grid wrapped onto it
    assert 8.0 < b.tilt * n * h < 16.0
    # without tilting the wrapped mass is counted inside the grid, so mass_lost understates
    assert a.mass_lost > 1e-6 and b.mass_lost == pytest.approx(a.mass_lost, rel=1e-6)
    assert plain.mass_lost < a.mass_lost - 1e-7
    np.testing.assert_array_equal(b.quantile([0.99, 0.999]), a.quantile([0.99, 0.999]))


# ---------------------------------------------------------------- arguments and warnings
def test_mass_beyond_the_grid_is_warned_about():
    with pytest.warns(RiskModelWarning, match="beyond the grid.*increase n or h"):
        agg = panjer(Poisson(3.0), LogNormal(0.0, 2.0), h=0.5, n=200)
    assert agg.mass_lost > 1e-3
    with pytest.warns(RiskModelWarning, match="fft: probability"):
        fft_compound(Poisson(3.0), LogNormal(0.0, 2.0), h=0.5, n=200)


def test_a_discretised_severity_can_be_reused_and_its_grid_extended():
    disc = discretize(Gamma(shape=2.0, scale=1.0), h=0.5, n=60)  # S(30) = 3e-12
    agg = panjer(Poisson(5.0), disc, n=400)
    assert agg.n == 400 and agg.h == 0.5 and agg.discretization == "rounding"
    assert agg.severity_mass_beyond == disc.mass_beyond
    assert agg.mass_lost < 1e-10
    with pytest.raises(ValueError, match="differs from the span"):
        fft_compound(Poisson(5.0), disc, h=0.25)


def test_bad_tilt_is_refused():
    with pytest.raises(ValueError, match="tilt"):
        fft_compound(2.0, DEGENERATE_AT_ONE, n=64, tilt=-1.0)
    with pytest.raises(ValueError, match="tilt"):
        fft_compound(2.0, DEGENERATE_AT_ONE, n=64, tilt=20.0)  # exp(20 * 64) overflows
