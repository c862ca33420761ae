"""Reference values: scipy.stats as an independent implementation in the body, and
high-precision mpmath values far in the tail, where a naive 1 - cdf is 0."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from riskmodel.severity import (
    Burr,
    Gamma,
    GeneralizedPareto,
    LogGamma,
    LogLogistic,
    LogNormal,
    Lomax,
    Pareto,
    Weibull,
)

# (riskmodel distribution, the same distribution in scipy.stats): scipy's own parameterisation
# converted by hand, so a mismatch of conventions would show
SCIPY_PAIRS = [
    (LogNormal(10.0, 2.0), stats.lognorm(2.0, scale=math.exp(10.0))),
    (GeneralizedPareto(0.5, 3.0, threshold=2.0), stats.genpareto(0.5, loc=2.0, scale=3.0)),
    (GeneralizedPareto(-0.3, 3.0), stats.genpareto(-0.3, scale=3.0)),
    (GeneralizedPareto(0.0, 3.0), stats.genpareto(0.0, scale=3.0)),
    (Pareto(2.5, 10.0), stats.pareto(2.5, scale=10.0)),
    (Pareto(0.7, 1e6), stats.pareto(0.7, scale=1e6)),
    (Lomax(3.0, 100.0), stats.lomax(3.0, scale=100.0)),
    (Burr(2.0, 1.5, 10.0), stats.burr12(2.0, 1.5, scale=10.0)),
    (Burr(0.7, 3.0, 1e5), stats.burr12(0.7, 3.0, scale=1e5)),
    (Weibull(0.7, 1e5), stats.weibull_min(0.7, scale=1e5)),
    (Weibull(2.0, 3.0), stats.weibull_min(2.0, scale=3.0)),
    (Gamma(0.5, 1e4), stats.gamma(0.5, scale=1e4)),
    (Gamma(7.0, 2.0), stats.gamma(7.0, scale=2.0)),
    (LogLogistic(3.0, 50.0), stats.fisk(3.0, scale=50.0)),
]
PAIR_IDS = [repr(d) for d, _ in SCIPY_PAIRS]
P = np.array([1e-3, 0.1, 0.5, 0.9, 0.999])


@pytest.mark.parametrize(("d", "ref"), SCIPY_PAIRS, ids=PAIR_IDS)
def test_matches_scipy_stats_in_the_body(d, ref):
    x = ref.ppf(P)
    np.testing.assert_allclose(d.logpdf(x), ref.logpdf(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(d.sf(x), ref.sf(x), rtol=1e-11)
    np.testing.assert_allclose(d.cdf(x), ref.cdf(x), rtol=1e-11)
    np.testing.assert_allclose(d.ppf(P), x, rtol=1e-11)
    np.testing.assert_allclose(d.isf(1 - P), ref.isf(1 - P), rtol=1e-11)


@pytest.mark.parametrize(("d", "ref"), SCIPY_PAIRS, ids=PAIR_IDS)
def test_moments_match_scipy_stats(d, ref):
    if math.isfinite(ref.mean()):
        assert d.mean() == pytest.approx(ref.mean(), rel=1e-12)
    if math.isfinite(ref.var()):
        assert d.var() == pytest.approx(ref.var(), rel=1e-10)


@pytest.mark.parametrize(("shape", "rate"), [(4.0, 2.5), (0.6, 3.0), (20.0, 7.0)])
def test_loggamma_is_exp_of_a_gamma(shape, rate):
    # scipy.stats.loggamma is another distribution (the log of a gamma variable); the
    # actuarial log-gamma is X = exp(Y), Y ~ Gamma(shape, scale=1/rate), by transformation
    d = LogGamma(shape, rate)
    y = stats.gamma(shape, scale=1.0 / rate)
    x = np.exp(y.ppf(P))
    np.testing.assert_allclose(d.sf(x), y.sf(np.log(x)), rtol=1e-11)
    np.testing.assert_allclose(d.cdf(x), y.cdf(np.log(x)), rtol=1e-11)
    np.testing.assert_allclose(d.pdf(x), y.pdf(np.log(x)) / x, rtol=1e-11)
    np.testing.assert_allclose(d.ppf(P), x, rtol=1e-11)
    # E[X^k] = E[exp(kY)] = (1 - k/rate)^(-shape), the gamma's moment generating function
    mgf = integrate.quad(lambda t: math.exp(t + y.logpdf(t)), 0.0, math.inf)[0]
    assert d.mean() == pytest.approx(mgf, rel=1e-8)


# ----------------------------------------------------------------------------- far tail
# Produced by tests/reference/severity_mpmath.py (mpmath, 50 significant digits); columns:
# distribution, x, log S(x). The double x is passed to mpmath exactly.
MPMATH_LOGSF = [
    ("LogNormal(0.0, 1.0)", 2980.9579870417283, -35.01343715991455),
    ("LogNormal(0.0, 1.0)", 485165195.4097903, -203.91715537109726),
    ("LogNormal(0.0, 1.0)", 1.1719142372802612e16, -689.0305855768906),
    ("LogNormal(0.0, 1.0)", 2.3538526683702e17, -804.60844201375379),
    ("GeneralizedPareto(0.25, 2.0)", 1e20, -175.88904127280431),
    ("GeneralizedPareto(1e-13, 1.0)", 600.0, -599.999999982),
    ("GeneralizedPareto(0.5, 1.0, 1e6)", 1e150, -689.38923353709381),
    ("Pareto(1.5, 1.0)", 1e200, -690.77552789821371),
    ("Lomax(2.5, 10.0)", 1e60, -339.63130121662174),
    ("Burr(2.0, 1.5, 1.0)", 1e50, -345.38776394910685),
    ("Weibull(0.5, 1.0)", 100000.0, -316.22776601683793),
    ("Weibull(0.5, 1.0)", 450000.0, -670.82039324993691),
    ("Gamma(2.5, 1.0)", 40.0, -34.714103456537936),
    ("Gamma(2.5, 1.0)", 680.0, -670.49933860303764),
    ("Gamma(2.5, 1.0)", 900.0, -890.07942452229523),
    ("LogLogistic(2.0, 1.0)", 1e150, -690.77552789821371),
    ("LogGamma(3.0, 2.0)", 1e140, -632.47622702357988),
    ("LogGamma(3.0, 2.0)", 1e200, -908.07401892276057),
]

# Produced by tests/reference/severity_mpmath.py: x with S(x) = 1e-300 (mpmath root finding)
MPMATH_ISF = [
    ("LogNormal(0.0, 1.0)", 12284273959249778.0),
    ("GeneralizedPareto(0.25, 2.0)", 8.0e75),
    ("Lomax(2.5, 10.0)", 1.0e121),
    ("Burr(2.0, 1.5, 1.0)", 1.0e100),
    ("Weibull(0.5, 1.0)", 477170.82994305582),
    ("Gamma(2.5, 1.0)", 700.32029282651343),
    ("LogLogistic(2.0, 1.0)", 1.0e150),
    ("LogGamma(3.0, 2.0)", 4.9794262080723547e152),
]

_NAMESPACE = {
    c.__name__: c
    for c in (
        Burr,
        Gamma,
        GeneralizedPareto,
        LogGamma,
        LogLogistic,
        LogNormal,
        Lomax,
        Pareto,
        Weibull,
    )
}


def _make(expr: str):
    return eval(expr, {"__builtins__": {}}, _NAMESPACE)


@pytest.mark.parametrize(("expr", "x", "logsf"), MPMATH_LOGSF)
def test_far_tail_log_survival_matches_mpmath(expr, x, logsf):
    d = _make(expr)
    assert d.logsf(x) == pytest.approx(logsf, rel=1e-14)
    sf = math.exp(logsf)
    if sf > 0:  # representable: S itself to full relative precision
        assert d.sf(x) == pytest.approx(sf, rel=1e-12)
    if sf < 1e-17:  # where the naive complement of the cdf has lost everything
        assert 1.0 - d.cdf(x) == 0.0


@pytest.mark.parametrize(("expr", "x"), MPMATH_ISF)
def test_isf_at_1e_minus_300_matches_mpmath(expr, x):
    # relative error ~ |log q| * eps / (tail index): 1e-13 allows the conditioning
    assert _make(expr).isf(1e-300) == pytest.approx(x, rel=1e-13)


def test_gpd_is_continuous_through_xi_zero():
    x = np.array([0.5, 3.0, 40.0, 600.0])
    exp_sf = GeneralizedPareto(0.0, 2.0).logsf(x)
    np.testing.assert_allclose(exp_sf, -x / 2.0, rtol=1e-15)
    for xi in (1e-300, 1e-13, -1e-13, 1e-11, -1e-11):
        d = GeneralizedPareto(xi, 2.0)
        # log S = -log1p(xi y)/xi = -y (1 - xi y/2 + ...): within |xi| y^2 of the exponential
        np.testing.assert_allclose(d.logsf(x), exp_sf, rtol=2 * abs(xi) * x.max() + 1e-15)
        np.testing.assert_allclose(d.isf(d.sf(x)), x, rtol=1e-12)
        assert d.mean() == pytest.approx(2.0 / (1.0 - xi), rel=1e-15)
