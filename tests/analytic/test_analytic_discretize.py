"""Discretisation of severities on a grid: methods, mass accounting, tail precision."""

import math

import numpy as np
import pytest
from scipy import special

from riskmodel.analytic import DiscreteSeverity, discretize
from riskmodel.analytic._discretize import as_discrete
from riskmodel.severity import Gamma, LogNormal, Pareto

# R actuar 3.3.2, discretize(pgamma(x, 2, 1), from = 0, to = 5, step = 0.5, method = ...):
# tests/reference/actuar_aggregate.R, section 2 (17 significant digits)
ACTUAR_UPPER = [0.090204010431049877, 0.17403710722606541, 0.17793348197181008,
                0.15181955066123654, 0.11870835452619233, 0.088149221712189973,
                0.06326004807102259, 0.044310030956762336, 0.030478713483338193,
                0.020671798965819832]  # fmt: skip
ACTUAR_ROUNDING = [0.026499021160743916, 0.14685951154248034, 0.18200567436134804,
                   0.1667574484467037, 0.13533086466266486, 0.10281800030090571,
                   0.074939096240334901, 0.053081090468775294, 0.036822064793797127,
                   0.025139980604302448]  # fmt: skip
ACTUAR_UNBIASED = [0.032653298563167121, 0.14197004990231976, 0.18001112554486776,
                   0.16613667084353745, 0.13531157686829598, 0.10302297434136154,
                   0.075194837903314493, 0.053315915052442264, 0.037012839313033119,
                   0.025285014657706828, 0.009658015015440613]  # fmt: skip


def test_gamma_discretisations_match_actuar():
    sev = Gamma(shape=2.0, scale=1.0)
    up = discretize(sev, 0.5, 10, "upper")
    np.testing.assert_allclose(up.pmf, ACTUAR_UPPER, rtol=1e-13)
    low = discretize(sev, 0.5, 11, "lower")
    np.testing.assert_allclose(low.pmf, [0.0, *ACTUAR_UPPER], rtol=1e-13)  # actuar: shifted
    rnd = discretize(sev, 0.5, 10, "rounding")
    np.testing.assert_allclose(rnd.pmf, ACTUAR_ROUNDING, rtol=1e-13)
    unb = discretize(sev, 0.5, 11, "unbiased")
    # actuar ends its grid differently (see discretize's Notes): all points but the last agree
    np.testing.assert_allclose(unb.pmf[:-1], ACTUAR_UNBIASED[:-1], rtol=1e-12)
    # actuar's last mass plus S(5) (which it drops) is what this grid has at 5 and beyond
    assert unb.pmf[-1] + unb.mass_beyond == pytest.approx(ACTUAR_UNBIASED[-1] + sev.sf(5.0))


@pytest.mark.parametrize("method", ["rounding", "unbiased", "lower", "upper"])
@pytest.mark.parametrize(
    "sev",
    [LogNormal(1.0, 1.5), Pareto(alpha=0.8, xm=2.0), LogNormal(0.0, 1.0).capped(5.0)],
    ids=["lognormal", "pareto-infinite-mean", "capped"],
)
def test_masses_and_mass_beyond_add_to_one(method, sev):
    d = discretize(sev, 0.25, 400, method)
    assert isinstance(d, DiscreteSeverity)
    assert d.n == 400 and d.grid[-1] == pytest.approx(99.75)
    assert (d.pmf >= 0).all() and not d.pmf.flags.writeable
    assert d.pmf.sum() + d.mass_beyond == pytest.approx(1.0, abs=1e-13)


def test_mass_beyond_is_the_tail_probability_the_method_implies():
    sev = LogNormal(0.0, 2.0)
    h, n = 0.5, 200
    assert discretize(sev, h, n, "rounding").mass_beyond == sev.sf((n - 0.5) * h)
    assert discretize(sev, h, n, "upper").mass_beyond == sev.sf(n * h)
    assert discretize(sev, h, n, "lower").mass_beyond == sev.sf((n - 1) * h)
    unb = discretize(sev, h, n, "unbiased").mass_beyond
    assert unb == pytest.approx((sev.lev(n * h) - sev.lev((n - 1) * h)) / h, rel=1e-9)


def test_unbiased_keeps_the_mean():
    sev = Gamma(shape=2.0, scale=3.0)
    d = discretize(sev, 0.2, 2000, "unbiased")  # grid to 400, where S is 1e-55
    assert d.mean == 6.0
    assert float(d.grid @ d.pmf) == pytest.approx(6.0, rel=1e-10)  # round-off in lev differences
    # rounding moves the mean by O(h^2), lower/upper by about +-h/2
    rnd = discretize(sev, 0.2, 2000, "rounding")
    assert abs(float(rnd.grid @ rnd.pmf) - 6.0) < 0.2**2
    low, up = discretize(sev, 0.2, 2000, "lower"), discretize(sev, 0.2, 2000, "upper")
    assert float(low.grid @ low.pmf) == pytest.approx(6.1, abs=1e-3)
    assert float(up.grid @ up.pmf) == pytest.approx(5.9, abs=1e-3)


def test_lower_and_upper_bracket_the_cdf():
    sev = LogNormal(0.5, 1.2)
    h, n = 0.1, 500
    x = h * np.arange(n)
    low = np.cumsum(discretize(sev, h, n, "lower").pmf)
    up = np.cumsum(discretize(sev, h, n, "upper").pmf)
    cdf = np.asarray(sev.cdf(x))
    assert (low <= cdf + 1e-15).all() and (cdf <= up + 1e-15).all()


def test_rounding_keeps_relative_precision_far_in_the_tail():
    # lognormal(0, 1) between 200 and 300: sf is 1e-7 .. 1e-9 and cdf = 1 - 1e-7, so cdf
    # differences would lose 7-9 digits; sf differences keep them. Reference from log_ndtr.
    sev = LogNormal(0.0, 1.0)
    h, n = 1.0, 400
    d = discretize(sev, h, n, "rounding")
    k = np.arange(200, 400)
    lo, hi = (k - 0.5) * h, (k + 0.5) * h
    log_s_lo, log_s_hi = special.log_ndtr(-np.log(lo)), special.log_ndtr(-np.log(hi))
    exact = np.exp(log_s_lo) * -np.expm1(log_s_hi - log_s_lo)
    np.testing.assert_allclose(d.pmf[200:], exact, rtol=1e-12)


def test_infinite_mean_is_recorded_not_warned():
    d = discretize(Pareto(alpha=0.8, xm=1.0), 1.0, 100)
    assert d.mean == math.inf


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"h": 0.0, "n": 10}, "h: the span"),
        ({"h": math.inf, "n": 10}, "h: the span"),
        ({"h": 1.0, "n": 1}, "n: the number"),
        ({"h": 1.0, "n": 10.5}, "n: the number"),
        ({"h": 1.0, "n": 10, "method": "midpoint"}, "method"),
    ],
)
def test_bad_arguments_say_what_is_wrong(kwargs, match):
    with pytest.raises(ValueError, match=match):
        discretize(LogNormal(0.0, 1.0), **kwargs)


def test_a_given_pmf_is_taken_as_is():
    d = as_discrete([0.2, 0.5, 0.3], h=2.0)
    assert d.method == "given" and d.h == 2.0 and d.mass_beyond == 0.0
    assert d.mean == pytest.approx(2.0 * (0.5 + 0.6))
    padded = as_discrete([0.2, 0.5, 0.3], n=6)
    np.testing.assert_array_equal(padded.pmf, [0.2, 0.5, 0.3, 0, 0, 0])
    cut = as_discrete([0.2, 0.5, 0.3], n=2)
    assert cut.mass_beyond == pytest.approx(0.3)
    defective = as_discrete([0.2, 0.5])
    assert defective.mass_beyond == pytest.approx(0.3) and math.isnan(defective.mean)
    longer = defective.resized(5)  # padded: the missing 0.3 stays missing, and is reported
    assert longer.pmf.sum() == pytest.approx(0.7) and longer.mass_beyond == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("pmf", "match"),
    [
        ([0.5, 0.6], "sum to"),
        ([0.5, -0.1], "non-negative"),
        ([[0.5, 0.5]], "1-d"),
        ([0.5, math.nan], "finite"),
    ],
)
def test_a_bad_pmf_is_refused(pmf, match):
    with pytest.raises(ValueError, match=match):
        as_discrete(pmf)


def test_a_distribution_needs_h_and_n_and_a_discretisation_its_own_h():
    with pytest.raises(ValueError, match="both are required"):
        as_discrete(LogNormal(0.0, 1.0), h=1.0)
    d = discretize(LogNormal(0.0, 1.0), 0.5, 20)
    assert as_discrete(d) is d
    assert as_discrete(d, n=10).mass_beyond == pytest.approx(d.mass_beyond + d.pmf[10:].sum())
    with pytest.raises(ValueError, match="differs from the span"):
        as_discrete(d, h=1.0)
