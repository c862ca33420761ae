"""The inlined random variates: distributions, and identity with their plain-Python twins."""

import numpy as np
import pytest
from scipy import stats

from riskmodel._numba import jit
from riskmodel.engine import _random as R


@jit
def _fill(state, kind, a, out):
    for i in range(out.shape[0]):
        if kind == 0:
            out[i] = R.std_normal(state)
        elif kind == 1:
            out[i] = R.poisson(state, a)
        elif kind == 2:
            out[i] = R.std_gamma(state, a)
        else:
            out[i] = R.next_double(state)


def draw(kind, a, n, seed=1):
    out = np.empty(n)
    _fill(R.new_state(np.random.default_rng(seed)), kind, a, out)
    return out


def test_uniform_and_normal_pass_ks_tests():
    assert stats.kstest(draw(3, 0.0, 200_000), "uniform").pvalue > 0.001
    z = draw(0, 0.0, 400_000)
    assert stats.kstest(z, "norm").pvalue > 0.001
    # the ziggurat's base-strip tail beyond r = 3.654 must be drawn with the right mass
    tail = np.mean(np.abs(z) > 3.6541528853610088)
    want = 2 * stats.norm.sf(3.6541528853610088)
    assert abs(tail - want) < 4 * np.sqrt(want / len(z))


@pytest.mark.parametrize("lam", [0.2, 3.0, 9.9, 10.0, 40.0, 1000.0])
def test_poisson_matches_its_pmf(lam):
    x = draw(1, lam, 200_000).astype(int)
    lo, hi = int(stats.poisson.ppf(1e-4, lam)), int(stats.poisson.isf(1e-4, lam))
    obs = np.array(
        [np.sum(x <= lo), *[np.sum(x == k) for k in range(lo + 1, hi)], np.sum(x >= hi)]
    )
    p = np.array(
        [
            stats.poisson.cdf(lo, lam),
            *stats.poisson.pmf(np.arange(lo + 1, hi), lam),
            stats.poisson.sf(hi - 1, lam),
        ]
    )
    assert stats.chisquare(obs, p * len(x)).pvalue > 0.001


@pytest.mark.parametrize("a", [0.3, 1.0, 4.5])
def test_gamma_passes_ks(a):
    assert stats.kstest(draw(2, a, 100_000), stats.gamma(a).cdf).pvalue > 0.001


@pytest.mark.parametrize("kind,a", [(0, 0.0), (1, 4.0), (1, 50.0), (2, 0.5), (3, 0.0)])
def test_compiled_and_python_twins_draw_the_same_numbers(kind, a):
    out_c = np.empty(3000)
    out_p = np.empty(3000)
    s = R.new_state(np.random.default_rng(8))
    _fill(s.copy(), kind, a, out_c)
    with np.errstate(over="ignore"):
        _fill.py_func(s.copy(), kind, a, out_p)
    np.testing.assert_array_equal(out_c, out_p)
