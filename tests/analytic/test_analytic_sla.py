"""Single-loss approximation against the Panjer/FFT quantiles of heavy-tailed compounds."""

import math

import numpy as np
import pytest

from riskmodel.analytic import ABZero, fft_compound, single_loss_approximation
from riskmodel.frequency import NegativeBinomial, Poisson
from riskmodel.severity import LogNormal, Pareto

# (count, severity, h, n): grids long enough that the 0.999 quantile lies well inside them
CASES = {
    "poisson-pareto-0.8": (Poisson(3.0), Pareto(alpha=0.8, xm=1.0), 2.0, 2**15),
    "poisson-lognormal-2": (Poisson(5.0), LogNormal(0.0, 2.0), 0.5, 2**15),
    "nb-lognormal-2": (NegativeBinomial(mean=5.0, shape=1.0), LogNormal(0.0, 2.0), 0.5, 2**15),
    "poisson-pareto-1.5": (Poisson(5.0), Pareto(alpha=1.5, xm=1.0), 0.05, 2**16),
}


@pytest.fixture(scope="module")
def var999():
    """VaR at 0.999 by FFT (unbiased discretisation), per case."""
    out = {}
    for name, (freq, sev, h, n) in CASES.items():
        agg = fft_compound(freq, sev, h=h, n=n, method="unbiased", tol=1e-3)
        out[name] = float(agg.quantile(0.999))
    return out


# relative error of the SLA at p = 0.999 against the FFT quantile: (correction, bound);
# measured: pareto-0.8 none -0.3 %, censored +0.14 %; lognormal none -3.2 %, mean -0.2 %,
# censored -0.3 %; nb-lognormal none -6.5 %, mean -0.7 %, censored -0.8 %; pareto-1.5 none
# -4.9 %, mean +0.02 %, censored -0.2 %
BOUNDS = {
    "poisson-pareto-0.8": {"none": 0.01, "censored": 0.005},
    "poisson-lognormal-2": {"none": 0.04, "mean": 0.005, "censored": 0.005},
    "nb-lognormal-2": {"none": 0.08, "mean": 0.01, "censored": 0.01},
    "poisson-pareto-1.5": {"none": 0.06, "mean": 0.002, "censored": 0.005},
}


@pytest.mark.parametrize("name", CASES)
def test_sla_is_within_a_few_percent_at_0999(name, var999):
    freq, sev, _, _ = CASES[name]
    for correction, bound in BOUNDS[name].items():
        approx = single_loss_approximation(freq, sev, 0.999, correction=correction)
        assert abs(approx / var999[name] - 1) < bound, (correction, approx, var999[name])
    first = single_loss_approximation(freq, sev, 0.999, correction="none")
    best = single_loss_approximation(freq, sev, 0.999)
    assert abs(best / var999[name] - 1) < abs(first / var999[name] - 1)  # the correction helps


def test_negative_binomial_shift_uses_the_factorial_moment(var999):
    # E[N(N-1)]/E[N] = m (1 + 1/r) = 10 here, not E[N] = 5: the latter misses by about 3.6 %
    freq, sev, _, _ = CASES["nb-lognormal-2"]
    x0 = single_loss_approximation(freq, sev, 0.999, correction="none")
    mean_corrected = single_loss_approximation(freq, sev, 0.999, correction="mean")
    assert mean_corrected == pytest.approx(x0 + 10.0 * math.exp(2.0), rel=1e-12)
    naive = x0 + 5.0 * math.exp(2.0)
    assert abs(mean_corrected / var999["nb-lognormal-2"] - 1) < abs(
        naive / var999["nb-lognormal-2"] - 1
    )


def test_formulas():
    sev = LogNormal(1.0, 1.5)
    p = np.array([0.99, 0.999])
    x0 = sev.isf((1 - p) / 4.0)
    np.testing.assert_allclose(single_loss_approximation(4.0, sev, p, correction="none"), x0)
    # Poisson: Degen's mean correction lambda E[X]
    np.testing.assert_allclose(
        single_loss_approximation(4.0, sev, p, correction="mean"), x0 + 4.0 * sev.mean()
    )
    np.testing.assert_allclose(
        single_loss_approximation(4.0, sev, p, correction="censored"), x0 + 4.0 * sev.lev(x0)
    )
    # a binomial count with one trial has no second loss: no shift
    one = ABZero.binomial(1, 0.3)
    assert single_loss_approximation(one, sev, 0.999) == pytest.approx(sev.isf(0.001 / 0.3))
    assert isinstance(single_loss_approximation(4.0, sev, 0.999), float)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"p": 1.0}, "p: levels"),
        ({"p": 0.0}, "p: levels"),
        ({"p": 0.999, "correction": "degen"}, "correction"),
        ({"p": 0.2, "frequency": 0.5}, "use a higher level"),
        ({"p": 0.999, "frequency": 0.0}, "expected count is 0"),
        ({"p": 0.999, "severity": Pareto(alpha=0.8, xm=1.0), "correction": "mean"}, "finite"),
    ],
)
def test_bad_arguments(kwargs, match):
    args = {"frequency": 2.0, "severity": LogNormal(0.0, 1.0), **kwargs}
    with pytest.raises(ValueError, match=match):
        single_loss_approximation(**args)
