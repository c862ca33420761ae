"""CompoundDistribution: cdf, quantile (lower), TVaR, mean, reporting."""

import math

import numpy as np
import pytest
from scipy import stats

from riskmodel._errors import InfiniteMomentWarning
from riskmodel.analytic import CompoundDistribution, panjer
from riskmodel.frequency import Poisson
from riskmodel.severity import LogNormal, Pareto

DEGENERATE_AT_ONE = np.array([0.0, 1.0])


@pytest.fixture(scope="module")
def poisson3():
    """S = N ~ Poisson(3) on 0, 1, ..., 59 (lost mass 1e-50): every answer is known exactly."""
    return panjer(Poisson(3.0), DEGENERATE_AT_ONE, n=60)


def test_grid_cdf_sf(poisson3):
    k = np.arange(60)
    assert isinstance(poisson3, CompoundDistribution)
    np.testing.assert_array_equal(poisson3.grid, k)
    np.testing.assert_allclose(poisson3.cdf(), stats.poisson.cdf(k, 3.0), rtol=1e-13)
    # sf is summed from the right: far-tail probabilities keep their relative precision
    np.testing.assert_allclose(poisson3.sf()[:40], stats.poisson.sf(k[:40], 3.0), rtol=1e-12)
    # off the grid the cdf is a step function; from n h on it is unknown
    x = [-1.0, 0.0, 2.5, 2.999999, 3.0, 59.5, 60.0]
    expect = [0.0, *stats.poisson.cdf([0, 2, 2, 3, 59], 3.0), math.nan]
    np.testing.assert_allclose(poisson3.cdf(x), expect, rtol=1e-13)
    assert poisson3.sf(-1.0) == 1.0 and math.isnan(poisson3.sf(100.0))
    assert isinstance(poisson3.cdf(2.0), float)
    assert not poisson3.pmf.flags.writeable


def test_quantile_is_the_lower_quantile(poisson3):
    # scipy's ppf is the smallest k with cdf(k) >= p, the same definition
    p = np.array([1e-6, 0.05, 0.5, 0.6472318, 0.9, 0.99, 0.999, 1 - 1e-12])
    np.testing.assert_array_equal(poisson3.quantile(p), stats.poisson.ppf(p, 3.0))
    assert poisson3.quantile(0.0) == 0.0  # the smallest grid point (scipy says -1)
    # at a level equal to a cdf value the quantile is that point, not the next
    c2 = float(poisson3.cdf(2.0))
    assert poisson3.quantile(c2) == 2.0
    assert poisson3.quantile(np.nextafter(c2, 1.0)) == 3.0
    assert poisson3.quantile([[0.5], [0.9]]).shape == (2, 1)


def test_quantile_beyond_the_grid_is_refused():
    agg = panjer(Poisson(3.0), DEGENERATE_AT_ONE, n=8, tol=1.0)
    with pytest.raises(ValueError, match=r"beyond the grid.*increase n or h"):
        agg.quantile(0.9999)
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        agg.quantile(1.5)


def test_tvar_is_the_acerbi_tasche_integral_of_var(poisson3):
    for p in (0.0, 0.5, 0.9, 0.95, 0.99):
        # (1/(1-p)) * integral_p^1 VaR_u du, on a fine grid of u for the discrete Poisson
        v = stats.poisson.ppf(p, 3.0)
        k = np.arange(200)
        pmf = stats.poisson.pmf(k, 3.0)
        exact = (k[k > v] @ pmf[k > v] + v * (stats.poisson.cdf(v, 3.0) - p)) / (1 - p)
        assert poisson3.tvar(p) == pytest.approx(exact, rel=1e-12)
    assert poisson3.tvar(0.0) == pytest.approx(3.0)  # TVaR_0 = E[S]
    assert poisson3.mean() == pytest.approx(3.0)
    with pytest.raises(ValueError, match="p: must lie"):
        poisson3.tvar(1.0)


def test_tvar_counts_the_tail_beyond_the_grid():
    # a short grid: the mean of the model supplies the part of the tail the grid does not hold
    sev = LogNormal(0.0, 1.0)
    long = panjer(Poisson(2.0), sev, h=0.05, n=4000, method="unbiased")
    short = panjer(Poisson(2.0), sev, h=0.05, n=400, method="unbiased", tol=0.1)
    assert short.mass_lost > 1e-3
    assert short.tvar(0.9) == pytest.approx(long.tvar(0.9), rel=1e-6)
    grid_only = float(short.grid @ short.pmf)
    assert grid_only < 0.99 * short.mean()  # the grid alone would miss part of the mean


def test_infinite_mean_gives_infinite_mean_and_tvar_with_a_warning():
    agg = panjer(Poisson(2.0), Pareto(alpha=0.8, xm=1.0), h=1.0, n=1000, tol=1.0)
    with pytest.warns(InfiniteMomentWarning, match="infinite"):
        assert agg.mean() == math.inf
    with pytest.warns(InfiniteMomentWarning):
        assert agg.tvar(0.9) == math.inf
    assert np.isfinite(agg.quantile(0.99))  # quantiles exist all the same


def test_unknown_mean_of_a_defective_given_pmf():
    agg = panjer(2.0, [0.0, 0.5, 0.3], n=50, tol=1.0)  # 0.2 of the severity missing
    assert math.isnan(agg.mean())
    with pytest.raises(ValueError, match=r"E\[S\] is unknown"):
        agg.tvar(0.5)


def test_summary_and_to_dict(poisson3):
    d = poisson3.to_dict(levels=(0.5, 0.99))
    assert d["method"] == "panjer" and d["discretization"] == "given" and d["n"] == 60
    assert d["frequency"] == {"family": "poisson", "rate": 3.0}
    assert d["var_0.99"] == stats.poisson.ppf(0.99, 3.0)
    assert d["tvar_0.5"] == pytest.approx(poisson3.tvar(0.5))
    assert "version" in d["provenance"]
    text = poisson3.summary(levels=(0.5, 0.99))
    assert "Compound distribution by panjer" in text and "poisson(rate=3)" in text
    assert "0.99" in text and "mean: 3" in text
    short = panjer(Poisson(3.0), DEGENERATE_AT_ONE, n=8, tol=1.0)
    assert "beyond grid" in short.summary(levels=(0.99999,))
    assert "var_0.99999" not in short.to_dict(levels=(0.99999,))
    assert "panjer" in repr(short)
