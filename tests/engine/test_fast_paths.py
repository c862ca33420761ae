"""The engine's fast paths: vectorised exp, bulk fills, count tables, block summaries, the tail."""

import math

import numpy as np
import pytest
from _compiled import compiled
from scipy import stats

from riskmodel.engine import _kernels as K
from riskmodel.engine import _random as R
from riskmodel.engine import simulate
from riskmodel.engine._specs import MAX_TABLE, count_tables, frequency_spec
from riskmodel.engine._summarize import summarize
from riskmodel.engine._tail import Tail
from riskmodel.engine._vexp import exp_inplace
from riskmodel.engine.result import LossSample
from riskmodel.engine.simulation import tail_size
from riskmodel.frequency import NegativeBinomial, Poisson
from riskmodel.insurance import InsuranceProgram, Layer
from riskmodel.model import LossModel
from riskmodel.severity import LogNormal

EXP = compiled(exp_inplace)


def _exp(x, twin=False):
    y = np.array(x, dtype=float)
    fn = exp_inplace if twin else EXP
    fn(y, len(y), np.empty(len(y)))
    return y


def test_vectorised_exp_is_within_one_ulp_of_numpy():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-708, 709, 100_000), rng.normal(0, 3, 100_000), [0.0]])
    ulp = np.abs(_exp(x) - np.exp(x)) / np.spacing(np.exp(x))
    assert ulp.max() <= 1.0
    assert _exp([0.0])[0] == 1.0


def test_vectorised_exp_falls_back_outside_its_range_and_twin_agrees():
    x = np.array([-800.0, -708.5, 1.0, 709.5, 800.0])
    with np.errstate(over="ignore"):
        want = np.exp(x)
    np.testing.assert_array_equal(_exp(x), want)  # the whole buffer through math.exp
    x = np.random.default_rng(1).normal(2.0, 4.0, 2000)
    np.testing.assert_array_equal(_exp(x), _exp(x, twin=True))


def test_bulk_fills_continue_the_same_stream_as_single_draws():
    # (their plain-Python twins run under NUMBA_DISABLE_JIT=1 in test_twins.py)
    state = R.new_state(np.random.default_rng(4))
    fill_n, fill_u = compiled(R.fill_normal), compiled(R.fill_uniform)
    a, b = state.copy(), state.copy()
    z = np.empty(600)
    u = np.empty(300)
    with np.errstate(over="ignore"):
        fill_n(a, z, 500, 1.5, 2.0)  # 500 of 600: the rest is untouched
        fill_u(a, u, 300)
        single_z = np.array([1.5 + 2.0 * R.std_normal(b) for _ in range(500)])
        single_u = np.array([R.next_double(b) for _ in range(300)])
    np.testing.assert_array_equal(z[:500], single_z)
    np.testing.assert_array_equal(u, single_u)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "freq", [Poisson(0.3), Poisson(5.0), Poisson(250.0), NegativeBinomial(4.0, 0.7)]
)
def test_count_tables_draw_the_count_distribution(freq):
    kind, par = frequency_spec(freq)
    cdf, guide, size = count_tables(np.array([kind]), par[None, :])
    assert size[0] > 0 and cdf[0, -1] == 1.0
    u = np.random.default_rng(3).random(200_000)
    x = np.array([K.table_count(cdf, guide, size, 0, v) for v in u])
    # inversion: x is the smallest k with F(k) >= u
    lo, hi = int(freq.ppf(1e-4)), int(freq.ppf(1 - 1e-4))
    ks = np.arange(lo + 1, hi)
    obs = [np.sum(x <= lo), *[np.sum(x == k) for k in ks], np.sum(x >= hi)]
    p = [freq.cdf(lo), *freq.pmf(ks), 1.0 - freq.cdf(hi - 1)]
    assert stats.chisquare(obs, np.array(p) * len(x)).pvalue > 0.001


@pytest.mark.parametrize("mean", [0.0006, 0.0167, 0.3, 5.0, 9.8, 250.0])
def test_a_poisson_table_is_scipys_cdf_exactly(mean):
    # the table reads the cdf without a frozen scipy distribution: the same values, bit for bit
    cdf, _, _ = count_tables(np.array([K.POISSON]), np.array([[mean, 0.0]]))
    want = stats.poisson(mean).cdf(np.arange(cdf.shape[1]))
    np.testing.assert_array_equal(cdf[0, :-1], want[:-1])
    assert cdf[0, -1] == 1.0 and want[-1] >= 1.0 - 2.0**-53


def test_counts_without_a_table_fall_back_to_direct_draws():
    fk = np.array([K.POISSON, K.NEGBIN, K.POISSON])
    fp = np.array([[10.0 * MAX_TABLE, 0.0], [1e3, 0.01], [0.0, 0.0]])
    size = count_tables(fk, fp)[2]
    assert size[0] == 0 and size[1] == 0 and size[2] > 0
    m = LossModel({"x": (Poisson(1e6), LogNormal(0, 0.1)), "y": (Poisson(0.0), LogNormal(0, 1))})
    r = simulate(m, 2_000, rng=3, min_level=0.5)
    # S ~ 1e6 losses of mean exp(0.005): the mean of 2,000 years within 5 se of the exact one
    want = 1e6 * math.exp(0.005)
    se = math.sqrt(1e6 * math.exp(0.02) / 2_000)
    assert abs(r.gross.mean - want) < 5 * se


def test_a_year_with_more_losses_than_a_buffer_is_added_up_exactly():
    # Poisson(3 BUFFER): most years exceed the buffer; layer sums must still be exact, and the
    # compiled kernel must equal its twin
    lay = Layer(attachment=1.0, limit=2.0, reinstatements=math.inf)
    m = LossModel({"x": (Poisson(3.0 * K.BUFFER), LogNormal(0.0, 1.0))})
    r = simulate(m, 400, rng=5, program=InsuranceProgram([lay]), min_level=0.5)
    n_draws = 3.0 * K.BUFFER
    assert abs(r.gross.mean / (n_draws * math.exp(0.5)) - 1) < 5 * r.gross.mean_se / r.gross.mean
    lev = LogNormal(0.0, 1.0)
    want = n_draws * (float(lev.lev(3.0)) - float(lev.lev(1.0)))
    assert abs(r.ceded.mean - want) < 5 * math.sqrt(r.ceded.var / 400)


@pytest.mark.parametrize("k", [1, 3])
def test_summarize_matches_numpy(k):
    x = np.random.default_rng(2).lognormal(0, 1, size=(1001, k))
    n = len(x)
    tot, rows = np.full(n + 5, np.nan), np.full((n + 5, k), np.nan)  # larger than needed
    mean, m2 = np.empty(k + 1), np.empty(k + 1)
    r = summarize(x, n, 3.0 * k, n, np.empty((n, 1)), tot, rows, mean, m2)
    tot, rows = tot[:r], rows[:r]
    total = x.sum(axis=1)
    both = np.column_stack([x, total])
    np.testing.assert_allclose(mean, both.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(m2, ((both - both.mean(axis=0)) ** 2).sum(axis=0), rtol=1e-12)
    keep = total >= 3.0 * k
    assert 0 < keep.sum() < len(x)
    np.testing.assert_array_equal(rows, x[keep])
    np.testing.assert_allclose(tot, total[keep], rtol=1e-15)
    t_tot, t_rows = np.empty(n), np.empty((n, k))
    t_mean, t_m2 = np.empty(k + 1), np.empty(k + 1)
    t_r = summarize.py_func(x, n, 3.0 * k, n, np.empty((n, 1)), t_tot, t_rows, t_mean, t_m2)
    assert t_r == r
    for a, b in zip((t_mean, t_m2, t_tot[:r], t_rows[:r]), (mean, m2, tot, rows), strict=True):
        np.testing.assert_array_equal(a, b)


def test_tail_keeps_the_earliest_among_equal_totals_whatever_the_blocks():
    rng = np.random.default_rng(7)
    vals = rng.integers(0, 6, 5000).astype(float)  # many ties
    parts = np.column_stack([np.arange(5000.0), vals])  # the position identifies the year
    m = 700
    # reference: sort by (-value, position), keep m
    order = np.lexsort((np.arange(5000), -vals))[:m]
    want = parts[order]
    for block in (1, 64, 999, 5000):
        tail = Tail(m, 2)
        for s in range(0, 5000, block):
            v, p = vals[s : s + block], parts[s : s + block]
            # as a worker would: drop what is below the floor it reads, keep its block's top m
            keep = v >= tail.floor
            tail.add(*Tail.top(v[keep], p[keep], m))
        got_vals, got_parts = tail.final()
        np.testing.assert_array_equal(got_parts(), want)
        np.testing.assert_array_equal(got_vals(), vals[order])


@pytest.mark.parametrize("floor", [-math.inf, -1.0])  # merged as is, or from a given floor
def test_tail_selects_the_earliest_among_equal_totals_when_read(floor):
    # A tail with a given floor (the first block's, in a run) is not cut to its m largest
    # before it is read: the sort that reads it selects them, ties across the cut included.
    rng = np.random.default_rng(8)
    vals = rng.integers(0, 6, 3000).astype(float)
    parts = np.column_stack([np.arange(3000.0), vals])
    m = 900  # (cuts among the many ties of one value)
    order = np.lexsort((np.arange(3000), -vals))[:m]
    tail = Tail(m, 2, floor)
    for s in range(0, 3000, 250):
        tail.add(vals[s : s + 250], parts[s : s + 250])
    assert tail.complete(3000)
    desc, ordered_parts = tail.final()
    np.testing.assert_array_equal(desc(), vals[order])
    np.testing.assert_array_equal(ordered_parts(), parts[order])


def test_a_tie_only_across_the_cut_keeps_the_earliest():
    # distinct totals but for one pair equal to the m-th largest: one of the two is kept, the
    # earlier one (an unstable sort keeps either)
    n, m = 5000, 700
    for seed in range(10):
        rng = np.random.default_rng(seed)
        vals = rng.permutation(n).astype(float)
        cut = float(np.sort(vals)[::-1][m - 1])
        twin = int(rng.choice(np.flatnonzero(vals < cut)))
        vals[twin] = cut  # now the m-th and the (m + 1)-th largest are equal
        parts = np.arange(n, dtype=float)[:, None]  # the position identifies the year
        tail = Tail(m, 1, floor=-1.0)
        tail.add(vals, parts)
        desc, ordered_parts = tail.final()
        want = np.lexsort((np.arange(n), -vals))[:m]
        np.testing.assert_array_equal(ordered_parts()[:, 0], want)
        np.testing.assert_array_equal(desc(), vals[want])


@pytest.mark.parametrize("floor", [-math.inf, 0.0])
def test_a_tail_that_kept_nothing_reads_empty(floor):
    tail = Tail(16, 2, floor)
    tail.add(np.array([np.nan, np.nan]), np.ones((2, 2)))  # (nan reaches no floor)
    desc, ordered_parts = tail.final()
    assert desc().shape == (0,) and ordered_parts().shape == (0, 2)


def test_a_read_tail_is_unchanged_by_later_merges():
    # final() lends the buffers of a tail with a given floor; a later merge must copy them
    # first, whether the earlier tail is read before the merge or only after it
    rng = np.random.default_rng(9)
    vals = rng.lognormal(size=4000)
    parts = vals[:, None].copy()
    m = 300
    tail = Tail(m, 1, floor=0.0)
    tail.add(vals[:2000], parts[:2000])
    early_desc, early_parts = tail.final()
    read_before = early_desc()
    tail.add(vals[2000:] * 10.0, parts[2000:] * 10.0)  # larger: they replace the held ones
    want = np.sort(vals[:2000])[::-1][:m]
    np.testing.assert_array_equal(read_before, want)
    np.testing.assert_array_equal(early_parts()[:, 0], want)  # read after the merge
    later_desc, _ = tail.final()
    np.testing.assert_array_equal(
        later_desc(), np.sort(np.r_[vals[:2000], vals[2000:] * 10])[::-1][:m]
    )
    tail.clear()  # reused buffers must not be the lent ones either
    tail.add(np.zeros(m), np.zeros((m, 1)))
    np.testing.assert_array_equal(early_parts()[:, 0], want)


def test_the_tail_is_sorted_when_first_read_and_only_once():
    kept = np.array([3.0, 1.0, 2.0])
    calls = []

    def source():
        calls.append(1)
        return np.sort(kept)[::-1].copy()

    zero = np.zeros(1)
    s = LossSample("gross", ("a",), 10, 1.0, 1.0, zero, zero, source, kept[:, None])
    assert calls == []  # built without sorting
    assert s.quantile(0.9) == 2.0  # X_(9) of 10: the second largest
    assert s.quantile(0.8) == 1.0
    assert s.tvar(0.8) == pytest.approx(2.5, rel=1e-14)  # (3 + 2) / 2; n (1 - p) inexact
    assert calls == [1]
    # through the engine: the same tail whether it is read first or only after other reads
    m = LossModel({"x": (Poisson(2.0), LogNormal(0.0, 1.0))})
    a = simulate(m, 50_000, rng=3, min_level=0.9)
    b = simulate(m, 50_000, rng=3, min_level=0.9)
    _ = b.gross.mean, b.gross.tail_parts  # the parts first
    np.testing.assert_array_equal(a.gross.tail, b.gross.tail)
    assert np.all(np.diff(a.gross.tail) <= 0) and len(a.gross.tail) == tail_size(50_000, 0.9)


def test_ties_with_different_parts_are_resolved_the_same_on_any_thread_count():
    # two categories capped at the same amount: totals tie with different parts
    sev = LogNormal(3.0, 1.0).capped(1.0)
    m = LossModel({"a": (Poisson(0.2), sev), "b": (Poisson(0.2), sev)})
    kw = dict(rng=12, block_size=1000, min_level=0.8)
    r1 = simulate(m, 30_000, n_threads=1, **kw)
    r2 = simulate(m, 30_000, n_threads=2, **kw)
    np.testing.assert_array_equal(r1.gross.tail_parts, r2.gross.tail_parts)
    assert len(np.unique(r1.gross.tail_parts[r1.gross.tail == 1.0], axis=0)) == 2


@pytest.mark.parametrize("counts", [[3, 0, 2, 5, 1], [9], [0, 0, 4], [1] * 9, [2, 0, 0], [7, 1]])
def test_run_sums_add_each_year_in_order(counts):
    counts = np.array(counts)
    m = int(counts.sum())
    buf = np.random.default_rng(len(counts)).lognormal(0, 2, m)
    starts = np.zeros(m + 1, dtype=np.int64)
    pos = 0
    for c in counts:
        starts[pos] += 1
        pos += c
    want = np.zeros(len(counts) + 2)
    pos = 0
    for i, c in enumerate(counts):  # each year summed in order, from year 2 on
        s = 0.0
        for x in buf[pos : pos + c]:
            s += min(max(x - 0.5, 0.0), 3.0)
        want[2 + i] = s
        pos += c
    for fn in (K._run_sums, K._run_sums.py_func):
        out = np.zeros((len(counts) + 2, 2, 3))  # into layer 1 of category 2: the rest kept
        fn(buf, m, starts, 2, out, 1, 2, 0.5, 3.0)
        np.testing.assert_array_equal(out[:, 1, 2], want)
        out[:, 1, 2] = 0.0
        assert not out.any()


@pytest.mark.parametrize(("cop_kind", "df"), [(1, 0.0), (2, 3.0)])
def test_copula_scale_tables_give_the_counts_of_the_uniform_scale_tables(cop_kind, df):
    from riskmodel.engine._copula_tables import copula_tables
    from riskmodel.engine._special import ndtr, t_cdf

    freqs = [Poisson(9.8), NegativeBinomial(3.0, 0.8), Poisson(0.05)]
    kinds, pars = zip(*(frequency_spec(f) for f in freqs), strict=True)
    cdf, guide, size = count_tables(np.array(kinds), np.array(pars))
    zq, zguide = copula_tables(cdf, size, cop_kind, df)
    x = np.concatenate(
        [np.random.default_rng(8).standard_t(2.0, 20_000), [-40.0, -8.0, 8.0, 40.0]]
    )
    t_cdf, z_table_count = compiled(t_cdf), compiled(K._z_table_count)
    u = np.array([ndtr(v) if cop_kind == 1 else t_cdf(v, df) for v in x])
    resolved = u < 1.0 - 1e-12  # where the uniform scale still resolves the count's cdf
    assert resolved.mean() > 0.95  # (a t(2) sample: about 1% lies beyond)
    for c in range(len(freqs)):
        got = np.array([z_table_count(zq, zguide, c, v) for v in x])
        want = np.array([K.table_count(cdf, guide, size, c, v) for v in u])
        np.testing.assert_array_equal(got[resolved], want[resolved])
        # beyond it the uniform rounds towards 1 and stops short; the copula scale goes on
        assert np.all(got[~resolved] >= want[~resolved])


def test_gaussian_copula_counts_in_bulk_equal_the_year_by_year_draws():
    from riskmodel.engine._copula_tables import copula_tables

    freqs = [Poisson(4.0), Poisson(0.3), NegativeBinomial(2.0, 1.5)]
    kinds, pars = zip(*(frequency_spec(f) for f in freqs), strict=True)
    fk, fp = np.array(kinds), np.array(pars)
    cdf, _, size = count_tables(fk, fp)
    zq, zguide = copula_tables(cdf, size, 1, 0.0)
    corr = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.3], [0.2, 0.3, 1.0]])
    chol = np.linalg.cholesky(corr)
    n = 3 * K.BUFFER + 17  # several fills and a partial one
    bulk = np.zeros((n, 3), np.int64)
    one = np.zeros((n, 3), np.int64)
    s1 = R.new_state(np.random.default_rng(11))
    s2 = s1.copy()
    K.copula_counts(s1, fk, fp, size, zq, zguide, 1, chol, 0.0, bulk)
    z = np.zeros(3)
    for i in range(n):
        K._copula_counts(s2, fk, fp, size, zq, zguide, 1, chol, 0.0, z, one, i)
    np.testing.assert_array_equal(bulk, one)
    np.testing.assert_array_equal(s1, s2)  # and the stream continues from the same place
