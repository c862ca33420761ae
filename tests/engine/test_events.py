"""An exchange-sized model's counts drawn as events (``engine._events``): the counts' law, the
kernel against its twin, and each year's losses equal to those of the same counts written out
for every year."""

import math

import numpy as np
import pytest

from riskmodel.engine import _kernels as K
from riskmodel.engine._events import event_counts, uniform_years
from riskmodel.engine._random import new_state
from riskmodel.engine._severity_fill import NPAR
from riskmodel.engine._specs import severity_spec
from riskmodel.severity import Gamma, GeneralizedPareto, LogNormal, Spliced, Weibull


def _state(seed):
    return new_state(np.random.default_rng(seed))


def _draw(seed, means, n, scratch, twin=False):
    """``event_counts`` from a block's generator and xoshiro state, both from ``seed``."""
    gen = np.random.default_rng(seed)
    state = new_state(gen)
    with np.errstate(over="ignore"):  # (the twin wraps uint64 arithmetic on purpose)
        return (*event_counts(gen, state, np.array(means), n, scratch, twin=twin), state, gen)


def test_the_kernel_equals_its_twin_draw_for_draw():
    a, b = _state(1), _state(1)
    ya, yb = np.full(5000, -1, dtype=np.int64), np.full(5000, -1, dtype=np.int64)
    with np.errstate(over="ignore"):
        for n, m in ((65_536, 1200), (100, 3000), (7, 4), (5, 0)):
            uniform_years(a, n, ya, m)
            uniform_years.py_func(b, n, yb, m)
            np.testing.assert_array_equal(ya, yb)
            assert m == 0 or (ya[:m].min() >= 0 and ya[:m].max() < n)
        np.testing.assert_array_equal(a, b)
    assert np.all(ya[3000:] == -1)  # (nothing written past m)


def test_a_small_scratch_grows_and_gives_the_same_counts():
    means = [2.0, 0.1, 0.0, 5.0]
    got = _draw(3, means, 500, np.empty(1, dtype=np.int64))
    want = _draw(3, means, 500, np.empty(10_000, dtype=np.int64))
    assert len(got[2]) >= got[1].sum()  # (the scratch grown for them)
    for x, y in zip(got[:2] + got[3:4], want[:2] + want[3:4], strict=True):
        np.testing.assert_array_equal(x, y)
    assert got[4].integers(2**62) == want[4].integers(2**62)  # (the generators alike)
    twin = _draw(3, means, 500, np.empty(1, dtype=np.int64), twin=True)
    for x, y in zip(twin[:2] + twin[3:4], want[:2] + want[3:4], strict=True):
        np.testing.assert_array_equal(x, y)


def test_no_loss_gives_no_year():
    years, counts, *_ = _draw(4, [0.0, 0.0], 1000, np.empty(8, dtype=np.int64))
    assert years.shape == (0,) and counts.shape == (0, 2) and counts.dtype == np.int64


def test_every_year_holds_poisson_counts_independent_of_the_others():
    # 3 years a block, 40,000 blocks: each year's count of each category is Poisson(mean)
    # (the last year too), the years' counts uncorrelated; tolerances 4.5 standard errors
    means = np.array([0.5, 0.05])
    n, blocks = 3, 40_000
    gen = np.random.default_rng(5)
    state, scratch = new_state(gen), np.empty(8, dtype=np.int64)
    dense = np.zeros((blocks, n, 2), dtype=np.int64)
    for b in range(blocks):
        years, counts, scratch = event_counts(gen, state, means, n, scratch)
        assert np.all(np.diff(years) > 0) and np.all(counts.sum(1) > 0)
        dense[b, years] = counts
    for c, lam in enumerate(means):
        x = dense[:, :, c]
        for k in range(3):  # P(N = k) in each year
            p = math.exp(-lam) * lam**k / math.factorial(k)
            share = (x == k).mean(0)
            assert np.all(np.abs(share - p) < 4.5 * math.sqrt(p * (1 - p) / blocks)), (c, k)
        assert np.all(np.abs(x.mean(0) - lam) < 4.5 * math.sqrt(lam / blocks))
        r = np.corrcoef(x[:, 0], x[:, 2])[0, 1]
        assert abs(r) < 4.5 / math.sqrt(blocks)
    r = np.corrcoef(dense[:, 1, 0], dense[:, 1, 1])[0, 1]  # the categories, independent
    assert abs(r) < 4.5 / math.sqrt(blocks)


SEVERITIES = {
    "plain lognormal": LogNormal(1.0, 1.2),
    "truncated, capped Weibull": Weibull(0.5, 10.0).truncated(1.0).capped(200.0),
    "spliced": Spliced(LogNormal(1.0, 1.0), GeneralizedPareto(0.4, 3.0, threshold=5.0), 5.0),
    "gamma": Gamma(0.7, 3.0),
}


@pytest.mark.parametrize("name", SEVERITIES)
@pytest.mark.parametrize("means", [(0.02, 0.004), (1500.0, 0.3)])
def test_the_years_with_a_loss_draw_the_losses_of_every_year_written_out(name, means):
    # the losses kernels over the rows of the years with a loss, and over every year (1500 a
    # year: years with more losses than a buffer holds, drawn fill by fill)
    n = 4096 if means[0] < 1 else 6
    sev = SEVERITIES[name]
    code, par = severity_spec(sev)
    assert code >= 0
    sev_code = np.array([code, code])
    sev_par = np.vstack([par, par]).reshape(2, NPAR)
    occ_par = np.array([[2.0, 30.0]])
    occ_cover = np.array([[True, False]])
    years, counts, _, state, _ = _draw(7, means, n, np.empty(8, dtype=np.int64))
    assert len(years) > 2
    full = np.zeros((n, 2), dtype=np.int64)
    full[years] = counts
    a, b = state.copy(), state.copy()
    gross, occ = np.empty((len(years), 2)), np.empty((len(years), 1, 2))
    K.draw_losses(a, sev_code, sev_par, occ_par, occ_cover, gross, occ, counts)
    gross_all, occ_all = np.full((n, 2), np.nan), np.full((n, 1, 2), np.nan)
    K.draw_losses(b, sev_code, sev_par, occ_par, occ_cover, gross_all, occ_all, full)
    np.testing.assert_array_equal(a, b)  # the same draws
    np.testing.assert_array_equal(gross, gross_all[years])
    np.testing.assert_array_equal(occ, occ_all[years])
    others = np.setdiff1d(np.arange(n), years)
    assert np.all(gross_all[others] == 0.0) and np.all(occ_all[others] == 0.0)
    assert np.all(gross[counts > 0] > 0.0) and occ[:, 0, 0].max() > 0.0
