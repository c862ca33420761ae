"""Compiled special functions against SciPy (an independent implementation)."""

import numpy as np
import pytest
from _compiled import compiled
from scipy import special, stats

from riskmodel.engine import _special as S
from riskmodel.engine._special import ndtr, ndtri

# (compiled callers of the helpers only kernels call; called directly they run as Python)
betainc, t_cdf, ndtri_inplace = compiled(S.betainc), compiled(S.t_cdf), compiled(S.ndtri_inplace)


def test_ndtri_relative_accuracy_down_to_tiny_tails():
    ps = np.concatenate([np.geomspace(1e-300, 0.49, 400), 1 - np.geomspace(1e-15, 0.49, 100)])
    got = np.array([ndtri(p) for p in ps])
    np.testing.assert_allclose(got, special.ndtri(ps), rtol=2e-15, atol=1e-15)
    assert ndtri(0.0) == -np.inf and ndtri(1.0) == np.inf


def _vector_ndtri(ps: np.ndarray, m: int | None = None) -> np.ndarray:
    x = ps.copy()
    n = x.size
    ndtri_inplace(x, n if m is None else m, *np.empty((3, n)), np.empty(n, np.int64))
    return x


def test_vector_ndtri_is_the_scalar_one():
    # every branch of AS 241 (central |p - 0.5| <= 0.425, the near tail r <= 5 and the far
    # one), their edges, both sides, and p = 0 and 1
    rng = np.random.default_rng(5)
    ps = np.concatenate(
        [
            rng.random(20_000),
            10.0 ** -rng.uniform(0, 320, 5_000),
            1 - 10.0 ** -rng.uniform(1, 16, 5_000),
            [0.0, 1.0, 0.5, 5e-324, 0.075, 0.925, 0.075 + 1e-17, 0.925 - 1e-16, np.exp(-25.0)],
        ]
    )
    ps = rng.permutation(ps)  # (tails and centre interleaved)
    got = _vector_ndtri(ps)
    want = np.array([ndtri(p) for p in ps])
    central = np.abs(ps - 0.5) <= 0.425
    # the central values bit for bit; the tails' within the last places of their log
    assert np.array_equal(got[central].view(np.int64), want[central].view(np.int64))
    np.testing.assert_array_max_ulp(got[~central], want[~central], maxulp=2)
    assert np.array_equal(np.isinf(got), np.isinf(want))
    # only the first m values
    got = _vector_ndtri(ps[:10], 5)
    assert np.array_equal(got[5:], ps[5:10])
    np.testing.assert_array_max_ulp(got[:5], want[:5], maxulp=2)


def test_ndtr_in_both_tails():
    xs = np.linspace(-37, 8, 301)
    np.testing.assert_allclose([ndtr(x) for x in xs], special.ndtr(xs), rtol=1e-13)


@pytest.mark.parametrize(("a", "b"), [(0.5, 0.5), (2.0, 0.5), (15.0, 0.5), (3.0, 7.0)])
def test_betainc(a, b):
    xs = np.linspace(0.001, 0.999, 101)
    np.testing.assert_allclose(
        [betainc(a, b, x) for x in xs], special.betainc(a, b, xs), rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize("df", [1.0, 2.5, 4.0, 30.0])
def test_t_cdf(df):
    ts = np.linspace(-40, 40, 161)
    np.testing.assert_allclose(
        [t_cdf(t, df) for t in ts], stats.t.cdf(ts, df), rtol=1e-11, atol=1e-15
    )
