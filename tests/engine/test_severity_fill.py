"""The vectorised severity fills: ``log``, ``expm1`` and every family's inverse survival function
over a buffer, against NumPy, the scalar ``sev_isf`` and the distributions' own cdfs."""

import math

import numpy as np
import pytest
from _compiled import compiled
from scipy import stats

from riskmodel.engine import _random as R
from riskmodel.engine import _severity_fill as SF
from riskmodel.engine import simulate
from riskmodel.engine._gamma_fill import MIN_ACCEPT, REJECTION_CODES
from riskmodel.engine._specs import severity_spec
from riskmodel.engine._vlog import log_inplace
from riskmodel.frequency import Poisson
from riskmodel.model import LossModel
from riskmodel.severity import (
    Burr,
    Gamma,
    GeneralizedPareto,
    LogGamma,
    LogLogistic,
    LogNormal,
    Lomax,
    Pareto,
    Spliced,
    Weibull,
)

LOG_C, EXPM1_C = compiled(log_inplace), compiled(SF.expm1_inplace)
ISF_C, SPLICED_C = compiled(SF.isf_inplace), compiled(SF._spliced_inplace)


def _ulps(got, want):
    return np.abs(got - want) / np.spacing(np.abs(want))


def _log(x, twin=False):
    y = np.array(x, dtype=float)
    (log_inplace if twin else LOG_C)(y, y.size, np.empty(y.size, np.int64))
    return y


def test_vectorised_log_is_within_one_ulp_of_numpy():
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            np.exp(rng.uniform(-708, 709, 100_000)),
            rng.uniform(0, 1, 100_000),
            1.0 + rng.normal(0, 1e-8, 50_000),  # near 1, where log x ~ x - 1
            2.0 ** np.arange(-1022.0, 1024.0),
            [np.nextafter(1.0, 0.0), np.nextafter(1.0, 2.0), 2.2250738585072014e-308],
        ]
    )
    y = _log(x)
    want = np.log(x)
    nonzero = want != 0
    assert _ulps(y[nonzero], want[nonzero]).max() <= 1.0
    assert np.all(y[~nonzero] == 0.0)


EDGES = [0.0, -0.0, -1.0, 5e-324, 2.2250738585072009e-308, np.inf, -np.inf, np.nan]


@pytest.mark.parametrize("twin", [False, True], ids=["compiled", "twin"])
@pytest.mark.parametrize("edge", EDGES)
def test_vectorised_log_takes_any_double_as_libm_does(edge, twin):
    # a buffer holding a value outside the positive normal doubles is computed value by
    # value: -inf at (either) zero, exact at subnormals, inf at inf, nan below zero and at nan
    x = np.array([0.5, 2.0, edge, 3.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        want = np.log(x)
    y = _log(x, twin)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(want))
    finite = np.isfinite(want)
    np.testing.assert_array_equal(y[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
    assert _ulps(y[finite], want[finite]).max() <= 1.0


def test_vectorised_log_twin_gives_the_same_bits():
    x = np.exp(np.random.default_rng(1).normal(0, 30, 3000))
    np.testing.assert_array_equal(_log(x), _log(x, twin=True))


def test_vectorised_expm1_is_accurate_near_zero_and_beyond():
    rng = np.random.default_rng(2)
    v = np.concatenate(
        [
            rng.uniform(-1e-3, 1e-3, 20_000),
            rng.uniform(-0.3, 0.3, 20_000),
            rng.normal(0, 5, 20_000),
        ]
    )
    v = v[v > -700]
    y = v.copy()
    n = v.size
    EXPM1_C(y, n, np.empty(n), np.empty(n))
    want = np.expm1(v)
    assert _ulps(y, want).max() <= 4.0  # exp(v) - 1 for |v| > 0.25 costs a few ulps


def _assert_close_in_the_exponent(got, want):
    """Both compute x = exp(v) (or a power) from a v accurate to a few ulps; exp turns an
    absolute error d in v into a relative error d in x, so the two may differ by a few ulps of
    v, relative: |x'/x - 1| <= 4 eps max(1, |log x|) (measured: at most 3 eps |log x|). Zeros
    (the lower end, q = 1) and infinities must be equal."""
    finite = np.isfinite(want) & (want > 0)
    assert np.all(got[~finite] == want[~finite])
    rel = np.abs(got[finite] / want[finite] - 1.0)
    bound = 4 * np.finfo(float).eps * np.maximum(1.0, np.abs(np.log(want[finite])))
    assert np.all(rel <= bound)


FAMILIES = [
    LogNormal(16.3, 2.3).truncated(1e6),
    LogNormal(0.0, 0.5).truncated(lower=2.0, upper=50.0),
    Weibull(0.41, 1.7e7).truncated(1e6).capped(1e11),
    Weibull(0.7, 3.0),
    Pareto(1.5, 2.0),
    Lomax(2.2, 3.0),
    Lomax(0.8, 1e6).truncated(lower=1e5, upper=1e9),
    GeneralizedPareto(0.3, 2.0),
    GeneralizedPareto(0.0, 2.0, threshold=1.0),
    GeneralizedPareto(-0.2, 2.0, threshold=5.0),
    Burr(2.0, 1.5, 4.0),
    Burr(0.8, 2.5, 1e6).truncated(1e5),
    LogLogistic(2.5, 3.0).truncated(lower=1.0),
]


@pytest.mark.parametrize("dist", FAMILIES, ids=repr)
def test_buffer_inversion_agrees_with_the_scalar_one_deep_into_the_tail(dist):
    code, par = severity_spec(dist)
    q = np.concatenate([np.geomspace(1e-300, 0.5, 700), np.linspace(0.5, 1 - 1e-9, 300)])
    q = par[5] + q * (par[4] - par[5])  # survival probabilities inside the truncation
    q = q[q > par[5]]
    got = q.copy()
    ISF_C(code, par, got, q.size, np.empty((3, q.size)), np.empty(q.size, np.int64))
    want = np.array([SF.sev_isf(code, par, v) for v in q])
    _assert_close_in_the_exponent(got, want)


#: gamma and log-gamma, drawn untruncated until a draw lies in the truncation (``_gamma_fill``)
REJECTED = [
    Gamma(2.0, 1e6).truncated(1e6),
    Gamma(0.4, 3.0),
    Gamma(0.5, 2.0).truncated(lower=0.1, upper=20.0).capped(15.0),
    LogGamma(20.0, 1.4).truncated(1e6).capped(1e12),
    LogGamma(2.0, 3.0),
    LogGamma(0.6, 1.5).truncated(lower=1.2),
    # truncated above, below any cap: a draw beyond the upper end must be redrawn, not kept
    # at the end (a fifth of these draws lie beyond it)
    Gamma(2.0, 1.0).truncated(lower=0.5, upper=3.0),
    LogGamma(2.0, 3.0).truncated(lower=1.5, upper=3.0),
]


@pytest.mark.parametrize("dist", FAMILIES + REJECTED, ids=repr)
def test_filled_losses_follow_the_distribution(dist):
    code, par = severity_spec(dist)
    n = 1000
    x = np.concatenate(
        [
            _fill(code, par, n, seed)
            for seed in range(20)  # 20 fills of 1000: each fill is one vectorised pass
        ]
    )
    lo, hi = dist._support()
    assert x.min() >= lo and x.max() <= hi
    base = dist.base if hasattr(dist, "limit") else dist
    cap = getattr(dist, "limit", math.inf)
    p_cap = float(base.sf(cap)) if cap < math.inf else 0.0
    below = x[x < cap]
    assert stats.kstest(below, lambda v: base.cdf(v) / (1 - p_cap)).pvalue > 1e-3
    # the far tail: the share beyond the 99.9% quantile, within 4 binomial s.e.
    t = float(dist.isf(1e-3))
    se = math.sqrt(1e-3 * (1 - 1e-3) / x.size)
    assert abs(np.mean(x > t) - 1e-3) < 4 * se


@pytest.mark.parametrize("dist", REJECTED, ids=repr)
def test_gamma_and_log_gamma_are_compiled_and_exact_far_into_the_tail(dist):
    code, par = severity_spec(dist)
    assert code in REJECTION_CODES and par[4] >= MIN_ACCEPT  # (the share kept)
    assert severity_spec(dist, rejection=False)[0] == -1  # what the book's kernel is told
    x = _fill(code, par, 4_000_000, 7)
    base = dist.base if hasattr(dist, "limit") else dist
    cap = getattr(dist, "limit", math.inf)
    for p in (1e-3, 1e-5):  # the share beyond the (1 - p) quantile, within 4 binomial s.e.
        t = float(base.isf(p))
        if t < cap:
            assert abs(np.mean(x > t) - p) < 4 * math.sqrt(p * (1 - p) / x.size), p


def test_a_truncation_that_keeps_too_little_is_left_to_sample():
    far = Gamma(2.0, 1.0).truncated(12.0)  # keeps 8e-5 of the gamma: 12,000 draws a loss
    assert float(far.base.sf(12.0)) < MIN_ACCEPT
    assert severity_spec(far)[0] == -1
    near = Gamma(2.0, 1.0).truncated(4.0)  # keeps 9%
    assert severity_spec(near)[0] in REJECTION_CODES


def _fill(code, par, n, seed):
    state = R.new_state(np.random.default_rng(seed))
    buf = np.empty(n)
    scratch, bits = np.empty((5, n)), np.empty(n, np.int64)
    SF.fill_severities(SF.fill_kind(code, par), code, state, par, buf, n, scratch, bits)
    return buf


@pytest.mark.parametrize("dist", FAMILIES, ids=repr)
def test_the_buffer_inversion_agrees_with_the_scalar_one_at_the_edges(dist):
    # q = 1 exactly (u = 0 on a family without a lower truncation) and subnormal q (an extreme
    # truncation) take the vectorised passes too, with libm's log for that buffer; the losses
    # are the scalar function's: the lower end of the support (0 for the Weibull and Burr,
    # where the second log is log 0 = -inf), and the far tail
    code, par = severity_spec(dist)
    q = np.array([0.3, 1.0, 0.9, 1e-310, 5e-324, 0.5])
    got = q.copy()
    ISF_C(code, par, got, q.size, np.empty((3, q.size)), np.empty(q.size, np.int64))
    want = np.array([SF.sev_isf(code, par, v) for v in q])
    assert not np.isnan(got).any()
    _assert_close_in_the_exponent(got, want)  # (zeros and infinities equal)


def test_the_buffer_inversion_of_a_code_without_a_family_is_nan_as_the_scalar_one():
    par = severity_spec(Weibull(0.7, 3.0))[1]
    unknown = -1  # (family codes are never negative)
    assert math.isnan(SF.sev_isf(unknown, par, 0.5))
    q = np.array([0.3, 0.5, 0.9])
    ISF_C(unknown, par, q, 3, np.empty((3, 3)), np.empty(3, np.int64))
    assert np.isnan(q).all()


def test_a_uniform_equal_to_zero_gives_the_lower_end():
    # u = 0 (one draw in 2**53) gives q = 1: for an untruncated Weibull the loss is its lower
    # end, 0, where the second log is log 0 = -inf (not nan, and no scalar path)
    code, par = severity_spec(Weibull(0.7, 3.0))
    buf = np.array([0.0, 0.25, 0.5])  # the uniforms, as fill_severities turns them into q
    q = par[5] + (1.0 - buf) * (par[4] - par[5])
    assert q[0] == 1.0
    ISF_C(code, par, q, 3, np.empty((3, 3)), np.empty(3, np.int64))
    assert q[0] == 0.0 and np.all(q[1:] > 0)


SPLICED = [
    # the shape fit_spliced gives on the bundled hacks: a truncated lognormal body, a GPD tail
    Spliced(
        LogNormal(24.8, 7.9).truncated(1e6),
        GeneralizedPareto(0.17, 2.35e8, threshold=8.2e7),
        8.2e7,
        weight=0.84,
    ),
    Spliced(LogNormal(13.0, 1.5), GeneralizedPareto(0.7, 5e6, threshold=1e7), 1e7).capped(1e10),
    Spliced(Weibull(0.6, 1e6), Pareto(1.2, 3e6), 3e6, weight=0.7),
]


@pytest.mark.parametrize("dist", SPLICED, ids=repr)
def test_spliced_severities_have_a_compiled_sampler_that_agrees_with_their_isf(dist):
    code, par = severity_spec(dist)
    assert code == SF.SPLICED
    q = np.concatenate([np.geomspace(1e-300, 0.5, 700), np.linspace(0.5, 1.0, 301)])
    scalar = np.array([SF.sev_isf(code, par, v) for v in q])
    base = dist.base if hasattr(dist, "limit") else dist
    np.testing.assert_allclose(scalar, base.isf(q), rtol=1e-12)  # the kernels' formula
    got = q.copy()
    SPLICED_C(par, got, q.size, np.empty((5, q.size)), np.empty(q.size, np.int64))
    _assert_close_in_the_exponent(got, scalar)


@pytest.mark.parametrize("dist", SPLICED, ids=repr)
def test_spliced_losses_follow_the_distribution_and_the_simulated_mean_its_mean(dist):
    code, par = severity_spec(dist)
    x = np.concatenate([_fill(code, par, 1000, seed) for seed in range(20)])
    cap = getattr(dist, "limit", math.inf)
    base = dist.base if hasattr(dist, "limit") else dist
    p_cap = float(base.sf(cap)) if cap < math.inf else 0.0
    assert stats.kstest(x[x < cap], lambda v: base.cdf(v) / (1 - p_cap)).pvalue > 1e-3
    # the share in the tail part: 1 - weight, within 4 binomial s.e.
    w = base.body_weight
    assert abs(np.mean(x > base.threshold) - (1 - w)) < 4 * math.sqrt(w * (1 - w) / x.size)
    if math.isfinite(float(dist._raw_moment(2))):  # (a Monte Carlo s.e. needs a variance)
        r = simulate(LossModel({"x": (Poisson(2.0), dist)}), 200_000, rng=3)
        assert abs(r.gross.mean - 2.0 * dist.mean()) < 4 * r.gross.mean_se


def test_nested_truncations_are_compiled_as_their_intersection():
    nested = LogNormal(2.0, 1.0).truncated(1.0).truncated(upper=50.0)
    once = LogNormal(2.0, 1.0).truncated(1.0, upper=50.0)
    c1, p1 = severity_spec(nested)
    c2, p2 = severity_spec(once)
    assert c1 == c2 == SF.LOGNORMAL
    np.testing.assert_allclose(p1, p2, rtol=1e-15)
