"""The (a, b, 0) representation of claim counts used by the Panjer recursion and the FFT."""

import math

import numpy as np
import pytest
from scipy import stats

from riskmodel.analytic import ABZero, as_ab0
from riskmodel.frequency import NegativeBinomial, Poisson

K = np.arange(60)


class Binomial:
    """A duck-typed binomial count (riskmodel.frequency has none): recognised by n and p."""

    def __init__(self, n, p):
        self.n, self.p = n, p


class Counts:
    """A count known only by attributes mean and shape (a negative binomial)."""

    def __init__(self, mean, shape):
        self._mean, self.shape = mean, shape

    def mean(self):
        return self._mean


@pytest.mark.parametrize(
    ("ab0", "scipy_dist"),
    [
        (ABZero.poisson(3.5), stats.poisson(3.5)),
        (ABZero.negative_binomial(mean=4.0, shape=0.7), stats.nbinom(0.7, 0.7 / 4.7)),
        (ABZero.negative_binomial(mean=2.0, shape=25.0), stats.nbinom(25.0, 25.0 / 27.0)),
        (ABZero.binomial(12, 0.3), stats.binom(12, 0.3)),
    ],
)
def test_pmf_moments_and_pgf_match_scipy(ab0, scipy_dist):
    np.testing.assert_allclose(ab0.pmf(K), scipy_dist.pmf(K), rtol=1e-12, atol=1e-300)
    assert ab0.mean == pytest.approx(scipy_dist.mean(), rel=1e-13)
    assert ab0.var == pytest.approx(scipy_dist.var(), rel=1e-13)
    m2 = scipy_dist.expect(lambda k: k * (k - 1.0))
    assert ab0.factorial_moment2 == pytest.approx(m2, rel=1e-9)
    for z in (0.0, 0.3, 0.9, -0.5):
        assert complex(ab0.pgf(z)).real == pytest.approx(
            float(np.sum(scipy_dist.pmf(np.arange(400)) * z ** np.arange(400))), rel=1e-12
        )
    # the pgf of a complex argument is the transform of the pmf (the FFT relies on it)
    z = 0.7 * np.exp(1j * 0.9)
    direct = np.sum(scipy_dist.pmf(np.arange(400)) * z ** np.arange(400))
    assert abs(ab0.pgf(z) - direct) < 1e-13


def test_log_p0_is_finite_where_p0_underflows():
    assert ABZero.poisson(2000.0).log_p0 == -2000.0
    nb = ABZero.negative_binomial(mean=5000.0, shape=2.0)
    assert nb.log_p0 == pytest.approx(-2.0 * math.log1p(2500.0), rel=1e-14)


def test_params_round_trip():
    assert ABZero.poisson(1.5).params == {"rate": 1.5}
    nb = ABZero.negative_binomial(3.0, 0.5).params
    assert nb["mean"] == pytest.approx(3.0) and nb["shape"] == pytest.approx(0.5)
    assert ABZero.binomial(7, 0.25).params == pytest.approx({"n": 7, "p": 0.25})
    assert [f.family for f in (ABZero(0, 1), ABZero(0.5, 0.5), ABZero.binomial(3, 0.5))] == [
        "poisson",
        "negative_binomial",
        "binomial",
    ]


def test_as_ab0_accepts_numbers_frequency_objects_and_duck_types():
    assert as_ab0(2.5) == ABZero.poisson(2.5)
    assert as_ab0(np.float64(2.5)) == ABZero.poisson(2.5)
    assert as_ab0(Poisson(2.5)) == ABZero.poisson(2.5)
    nb = as_ab0(NegativeBinomial(mean=3.0, shape=1.5))
    ref = ABZero.negative_binomial(3.0, 1.5)
    assert (nb.a, nb.b) == pytest.approx((ref.a, ref.b))
    assert as_ab0(Binomial(5, 0.2)) == ABZero.binomial(5, 0.2)
    duck = as_ab0(Counts(3.0, 1.5))
    assert duck.mean == pytest.approx(3.0) and duck.var == pytest.approx(3.0 + 9.0 / 1.5)
    same = ABZero(0.25, 0.5)
    assert as_ab0(same) is same


@pytest.mark.parametrize("bad", [True, "poisson", object(), None])
def test_as_ab0_rejects_what_it_does_not_know(bad):
    with pytest.raises(TypeError, match="frequency"):
        as_ab0(bad)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ABZero(1.0, 0.0), "a < 1"),
        (lambda: ABZero(0.0, -1.0), "rate"),
        (lambda: ABZero(0.5, -0.7), "a \\+ b"),
        (lambda: ABZero(-0.5, 0.8), "positive integer"),
        (lambda: ABZero.poisson(-1.0), "rate"),
        (lambda: ABZero.negative_binomial(0.0, 1.0), "mean and shape"),
        (lambda: ABZero.binomial(2.5, 0.5), "integer"),
        (lambda: ABZero.binomial(3, 1.0), "p must"),
    ],
)
def test_invalid_parameters_say_what_is_wrong(make, match):
    with pytest.raises(ValueError, match=match):
        make()
