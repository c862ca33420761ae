"""Contract tests every severity distribution must pass, driven by one table of parameters.

Each distribution in ``SANE`` is checked for: cdf + sf = 1; isf(sf(x)) = x and ppf(cdf(x)) = x;
logpdf equal to the log of the numerical derivative of the cdf; the density integrating to 1
(with the point mass of a capped distribution); lev increasing, below min(d, mean), equal to the
integral of sf and tending to the mean; mean and variance against numerical integration; a
seeded Kolmogorov-Smirnov test of ``sample``; and infinite moments reported as ``inf`` with an
:class:`~riskmodel.InfiniteMomentWarning`.
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from scipy import integrate, stats

from riskmodel._errors import InfiniteMomentWarning
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

#: the one table of "sane parameters": every family, heavy and light, bounded, truncated,
#: capped and spliced; the moments each one has are derived from the distribution itself
SANE: list[Severity] = [
    LogNormal(10.0, 2.0),
    LogNormal(0.5, 0.3),
    GeneralizedPareto(0.3, 2.0, threshold=10.0),
    GeneralizedPareto(0.0, 3.0),
    GeneralizedPareto(-0.3, 2.0),
    GeneralizedPareto(0.7, 1e6),
    GeneralizedPareto(1.2, 1.0),
    Pareto(2.5, 1e6),
    Pareto(0.8, 1.0),
    Lomax(3.0, 100.0),
    Lomax(1.5, 1.0),
    Burr(2.0, 1.5, 10.0),
    Burr(0.8, 1.0, 1.0),
    Weibull(0.7, 1e5),
    Weibull(2.0, 3.0),
    Gamma(0.5, 1e4),
    Gamma(3.0, 2.0),
    LogLogistic(3.0, 50.0),
    LogLogistic(0.9, 1.0),
    LogGamma(4.0, 2.5),
    LogGamma(2.0, 0.9),
    LogNormal(14.0, 2.0).truncated(lower=1e6),
    LogNormal(0.0, 1.0).truncated(lower=1e3),
    Weibull(1.5, 10.0).truncated(lower=2.0, upper=30.0),
    GeneralizedPareto(0.4, 1.0).truncated(upper=50.0),
    Pareto(0.8, 1.0).capped(1e4),
    GeneralizedPareto(1.2, 1.0).capped(1e3),
    LogNormal(14.0, 2.5).truncated(lower=1e6).capped(1e9),
    Spliced(LogNormal(12.0, 1.5), GeneralizedPareto(0.6, 2e5, threshold=5e5), 5e5),
    Spliced(Weibull(0.8, 1e4), Pareto(2.5, 1e5), 1e5, weight=0.9),
    Spliced(Gamma(2.0, 1e3), Lomax(3.0, 1e4), 1e4, weight=0.95),
]

IDS = [repr(d) for d in SANE]


def test_table_covers_every_registered_family():
    assert set(FAMILIES.values()) <= {type(d) for d in SANE}


P_GRID = np.array([1e-6, 1e-4, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99])
Q_GRID = np.array([0.5, 0.1, 1e-2, 1e-4, 1e-8, 1e-12])


def _moment_finite(d: Severity, k: int) -> bool:
    return math.isfinite(d._raw_moment(k))


def _interior(d: Severity, x: np.ndarray) -> np.ndarray:
    lo, hi = d._support()
    return x[(x > lo) & (x < hi)]


def _grid(d: Severity) -> np.ndarray:
    """Distinct points across the body and far into the tail, strictly inside the support."""
    x = np.unique(_interior(d, np.concatenate([d.ppf(P_GRID), d.isf(Q_GRID)])))
    return x[np.concatenate([[True], np.diff(x) > 1e-9 * x[1:]])]


def _edges(d: Severity) -> np.ndarray:
    """Integration break points: quantiles, the support ends and any splice threshold."""
    lo, hi = d._support()
    pts = [lo, *d.ppf(P_GRID), *d.isf(Q_GRID), *d.isf([1e-14])]
    if isinstance(d, Spliced):
        pts.append(d.threshold)
    if math.isfinite(hi):
        pts.append(hi)
    pts = np.unique(np.asarray(pts, dtype=float))
    return pts[(pts >= lo) & (pts <= hi)]


def _integrate(f, d: Severity) -> float:
    """Integral of f over the support of d: pieces between quantiles, the last piece to
    infinity in the variable log x (where power-law integrands decay exponentially)."""
    edges = _edges(d)
    _, hi = d._support()
    total = 0.0
    with warnings.catch_warnings():
        # quad's roundoff notice on pieces where the integrand is ~1e-12 of its peak: the
        # assertions' tolerances judge the result
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        for a, b in itertools.pairwise(edges):
            total += integrate.quad(f, a, b, limit=200, epsrel=1e-10, epsabs=0.0)[0]
        if math.isinf(hi):
            total += integrate.quad(
                lambda u: f(math.exp(u)) * math.exp(u) if u < 700.0 else 0.0,
                math.log(edges[-1]),
                math.inf,
                limit=200,
            )[0]
    return total


def _atom_at_top(d: Severity) -> float:
    """Probability of the upper end of the support (the cap of a capped distribution)."""
    _, hi = d._support()
    return float(d.sf(np.nextafter(hi, 0.0))) if math.isfinite(hi) else 0.0


# ----------------------------------------------------------------------------- the contract
@pytest.mark.parametrize("d", SANE, ids=IDS)
def test_cdf_plus_sf_is_one(d):
    x = _grid(d)
    np.testing.assert_allclose(d.cdf(x) + d.sf(x), 1.0, rtol=0, atol=1e-14)


@pytest.mark.parametrize("d", SANE, ids=IDS)
def test_isf_inverts_sf_and_ppf_inverts_cdf(d):
    x_tail = _interior(d, d.isf(Q_GRID))
    np.testing.assert_allclose(d.isf(d.sf(x_tail)), x_tail, rtol=1e-9)
    x_body = _interior(d, d.ppf(P_GRID))
    np.testing.assert_allclose(d.ppf(d.cdf(x_body)), x_body, rtol=1e-9)


@pytest.mark.parametrize("d", SANE, ids=IDS)
def test_logpdf_is_log_of_the_cdf_derivative(d):
    # f = -dS/dx = -(S/x) dlogS/dlogx: central differences of log S (upper half) or log F
    # (lower half) in u = log x, which are smooth far into the tail
    lo, hi = d._support()
    x = _grid(d)
    delta = 1e-4 * np.minimum(1.0, np.minimum((x - lo) / x, (hi - x) / x))
    # right beside a truncation point F_T = (F(x) - F(l)) / p cancels: differences of it over
    # tiny steps measure rounding, not the density
    keep = delta > 1e-8
    if isinstance(d, Spliced):  # the density jumps at the splice point
        keep &= np.abs(np.log(x / d.threshold)) > 2 * delta
    x, delta = x[keep], delta[keep]
    up, dn = x * np.exp(delta), x * np.exp(-delta)
    upper_half = d.cdf(x) > 0.5
    slope_s = -(d.logsf(up) - d.logsf(dn)) / (2 * delta)
    slope_f = (d.logcdf(up) - d.logcdf(dn)) / (2 * delta)
    numeric = np.where(
        upper_half, d.logsf(x) + np.log(slope_s), d.logcdf(x) + np.log(slope_f)
    ) - np.log(x)
    np.testing.assert_allclose(d.logpdf(x), numeric, rtol=0, atol=1e-6)


@pytest.mark.parametrize("d", SANE, ids=IDS)
def test_pdf_integrates_to_one(d):
    total = _integrate(lambda t: float(d.pdf(t)), d) + _atom_at_top(d)
    assert total == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("d", SANE, ids=IDS)
def test_lev_increasing_bounded_and_equal_to_integral_of_sf(d):
    lo, _ = d._support()
    x = _grid(d)
    lev = d.lev(x)
    assert np.all(np.diff(lev) > 0)  # S > 0 between distinct points inside the support
    assert np.all(lev <= x * (1 + 1e-12))
    assert d.lev(0.0) == 0.0
    for xi, li in zip(x[::3], lev[::3], strict=True):
        edges = np.unique(np.concatenate([[lo], _edges(d)[_edges(d) < xi], [xi]]))
        ref = lo + sum(
            integrate.quad(lambda t: float(d.sf(t)), a, b, limit=200, epsrel=1e-12)[0]
            for a, b in itertools.pairwise(edges)
        )
        assert li == pytest.approx(ref, rel=1e-8)


FINITE_MEAN = [d for d in SANE if _moment_finite(d, 1)]
FINITE_MEAN_IDS = [repr(d) for d in FINITE_MEAN]


@pytest.mark.parametrize("d", FINITE_MEAN, ids=FINITE_MEAN_IDS)
def test_lev_tends_to_the_mean(d):
    m = d.mean()
    far = float(d.isf(1e-15))
    assert d.lev(far) <= m * (1 + 1e-12)
    assert d.lev(far) == pytest.approx(m, rel=1e-3)
    assert d.lev(math.inf) == pytest.approx(m, rel=1e-12)


@pytest.mark.parametrize("d", FINITE_MEAN, ids=FINITE_MEAN_IDS)
def test_mean_and_var_against_numerical_integration(d):
    lo, _ = d._support()
    # E[X] = lo + int S, E[X^2] = lo^2 + int 2x S (X >= lo >= 0)
    mean = lo + _integrate(lambda t: float(d.sf(t)), d)
    assert d.mean() == pytest.approx(mean, rel=1e-7)
    if _moment_finite(d, 2):
        m2 = lo**2 + _integrate(lambda t: 2.0 * t * float(d.sf(t)), d)
        assert d.var() == pytest.approx(m2 - mean**2, rel=1e-5)


@pytest.mark.parametrize("d", SANE, ids=IDS)
def test_sample_passes_seeded_ks_test(d):
    x = d.sample(2000, rng=20240601)
    assert x.shape == (2000,)
    lo, hi = d._support()
    assert np.all((x >= lo) & (x <= hi))
    # fixed seed: deterministic; p > 0.001 for a correct sampler with this seed
    assert stats.kstest(x, d.cdf).pvalue > 0.001


@pytest.mark.parametrize("d", SANE, ids=IDS)
def test_sample_is_reproducible_from_the_seed(d):
    np.testing.assert_array_equal(d.sample(5, rng=7), d.sample(5, rng=7))


INFINITE_MEAN = [d for d in SANE if not _moment_finite(d, 1)]
INFINITE_VAR_ONLY = [d for d in SANE if _moment_finite(d, 1) and not _moment_finite(d, 2)]


def test_table_covers_infinite_moments():
    assert len(INFINITE_MEAN) >= 5 and len(INFINITE_VAR_ONLY) >= 2


@pytest.mark.parametrize("d", INFINITE_MEAN, ids=[repr(d) for d in INFINITE_MEAN])
def test_infinite_mean_is_inf_with_a_warning(d):
    with pytest.warns(InfiniteMomentWarning, match="mean is infinite"):
        assert d.mean() == math.inf
    with pytest.warns(InfiniteMomentWarning, match="variance is infinite"):
        assert d.var() == math.inf
    with pytest.warns(InfiniteMomentWarning):
        assert d.moment(1) == math.inf
    # every finite limit still has a finite limited expected value
    assert math.isfinite(d.lev(1e12))


@pytest.mark.parametrize("d", INFINITE_VAR_ONLY, ids=[repr(d) for d in INFINITE_VAR_ONLY])
def test_infinite_variance_is_inf_with_a_warning(d):
    assert math.isfinite(d.mean())
    with pytest.warns(InfiniteMomentWarning, match="variance is infinite"):
        assert d.var() == math.inf
