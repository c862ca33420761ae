"""Blocks whose years mostly hold no loss (an exchange's) are summarised, and their programme
applied, over the years with a loss only: the results equal the full computation's (tails and
quantiles bit for bit, moments to rounding), on any thread count and however a run was
extended."""

import math

import numpy as np
import pytest

from riskmodel.dependence import CommonShock
from riskmodel.engine import Simulation, simulate
from riskmodel.engine import _kernels as K
from riskmodel.engine import simulation as S
from riskmodel.engine._events import event_counts
from riskmodel.engine._severity_fill import NPAR
from riskmodel.engine._summarize import active_years, summarize
from riskmodel.engine._tail import Tail
from riskmodel.fit import fit_severity
from riskmodel.frequency import Poisson
from riskmodel.insurance import InsuranceProgram, Layer
from riskmodel.model import LossModel
from riskmodel.severity import LogNormal, Weibull
from riskmodel.uncertainty import PARAMETER_CHUNK as CHUNK
from riskmodel.uncertainty import FittedCategory


@pytest.fixture(scope="module")
def model():
    # about 0.03 losses a year: 97% of the years hold none (the example exchange's share)
    return LossModel(
        {
            "hack": (Poisson(0.02), Weibull(0.5, 10.0).truncated(1.0)),
            "fraud": (Poisson(0.008), LogNormal(2.0, 1.5)),
            "ops": (Poisson(0.002), LogNormal(1.0, 1.0)),
        }
    )


@pytest.fixture(scope="module")
def program():
    return InsuranceProgram(
        [
            Layer(attachment=5.0, limit=50.0, share=0.8, reinstatements=1, premium=3.0),
            Layer(attachment=20.0, limit=100.0, per="aggregate", categories=["hack", "fraud"]),
        ]
    )


def _written_out(plan, state, gen, n):
    """An events block's draws with every year written out: the event path's counts for every
    year, and the losses drawn over every year (``_Plan._event_block``'s dense counterpart)."""
    gross, occ, _ = plan._scratch(n)
    for sl, params in plan._chunks(gen, n):
        fp, sc, sp = params[0], params[3], params[4]
        size = sl.stop - sl.start
        years, counts, _ = event_counts(gen, state, fp[:, 0], size, np.empty(1, dtype=np.int64))
        full = np.zeros((size, counts.shape[1]), dtype=np.int64)
        full[years] = counts
        K.draw_losses(state, sc, sp, plan.occ_par, plan.occ_cover, gross[sl], occ[sl], full)
    return gross, occ


def _full(model, n, monkeypatch, **kw):
    """The same draws summarised over every year, the zero years as rows: the computation
    without the sparse path (every year written out, no year skipped or counted)."""
    sim = Simulation(model, max_sims=n, **kw)
    assert sim.plan.events
    sim.plan.sparse = False
    with monkeypatch.context() as patch:
        patch.setattr(S._Plan, "_event_block", _written_out)
        return sim.extend(n).result()


def assert_same(a, b, exact_moments):
    """Tails, parts and quantiles exactly; moments exactly or to rounding."""
    for view in ("gross", "ceded", "net", "layers"):
        x, y = getattr(a, view), getattr(b, view)
        assert (x is None) == (y is None)
        if x is None:
            continue
        assert x.n == y.n
        np.testing.assert_array_equal(x.tail, y.tail)
        np.testing.assert_array_equal(x.tail_parts, y.tail_parts)
        for p in (0.9, 0.99, 0.995, 0.999):
            if p >= x.min_level:
                assert x.quantile(p) == y.quantile(p)
        got = np.r_[x.mean, x.var, x.cat_mean, x.cat_var]
        want = np.r_[y.mean, y.var, y.cat_mean, y.cat_var]
        if exact_moments:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=0.0)
    if exact_moments:
        assert a.reinstatement_premium == b.reinstatement_premium
    else:
        assert math.isclose(a.reinstatement_premium, b.reinstatement_premium, rel_tol=1e-12)


@pytest.mark.parametrize("min_level", [0.995, 0.9])
def test_sparse_blocks_equal_the_full_computation(model, program, monkeypatch, min_level):
    # 0.995: the floor lies above zero, only years with a loss are candidates; 0.9: a tenth
    # of the years is kept, so zero years enter the tail (the floor is zero at first)
    kw = {"rng": 3, "program": program, "block_size": 4096, "min_level": min_level}
    assert Simulation(model, max_sims=10, program=program).plan.sparse
    sparse = simulate(model, 60_000, **kw)
    dense = _full(model, 60_000, monkeypatch, **kw)
    assert sparse.ceded.mean > 0 and sparse.layers is not None
    assert np.all(sparse.layers.cat_mean[1:] > 0)  # both layers pay: their terms are covered
    assert sparse.reinstatement_premium > 0
    assert_same(sparse, dense, exact_moments=False)


@pytest.mark.parametrize("min_level", [0.995, 0.9])
def test_sparse_blocks_drawn_year_by_year_equal_the_full_computation(
    model, program, monkeypatch, min_level
):
    # a common shock: the counts are drawn year by year, not as events, and the blocks where
    # at most one year in SPARSE_SHARE holds a loss are summarised over those years only
    shocked = LossModel(model.categories, dependence=CommonShock(0.004, {"hack": 1.0}))
    kw = {"rng": 3, "program": program, "block_size": 4096, "min_level": min_level}
    plan = Simulation(shocked, max_sims=10, program=program).plan
    assert plan.sparse and not plan.events
    sparse = simulate(shocked, 60_000, **kw)
    monkeypatch.setattr(S, "SPARSE_RATE", -1.0)  # every year summarised
    assert not Simulation(shocked, max_sims=10, program=program).plan.sparse
    assert_same(sparse, simulate(shocked, 60_000, **kw), exact_moments=False)


def _exchange_with_redrawn_parameters():
    """Three rare categories whose rates and severities are redrawn every PARAMETER_CHUNK
    years (parameter uncertainty)."""
    cats, fitted = {}, {}
    for name, rate, mu in (("hack", 0.02, 2.0), ("fraud", 0.005, 1.0), ("ops", 0.002, 0.5)):
        fit = fit_severity(LogNormal(mu, 1.0).sample(40, rng=len(name)), "lognormal")
        fitted[name] = FittedCategory(fit, rate=rate, log_rate_se=0.5)
        cats[name] = fitted[name].point()
    return LossModel(cats, uncertainty=fitted)


def test_redrawn_parameters_as_events_equal_the_full_computation(program, monkeypatch):
    model = _exchange_with_redrawn_parameters()
    kw = {"rng": 5, "program": program, "parameter_uncertainty": True, "block_size": 2 * CHUNK}
    sparse = simulate(model, 6 * CHUNK, **kw)
    assert_same(sparse, _full(model, 6 * CHUNK, monkeypatch, **kw), exact_moments=False)


def test_a_drawn_severity_without_a_compiled_sampler_takes_every_year(program, monkeypatch):
    # a chunk whose drawn severity the kernels cannot sample (code -1) is drawn year by year,
    # and its years with a loss kept: what the year-by-year path gives with the same draws
    model = _exchange_with_redrawn_parameters()
    n = 4 * CHUNK
    kw = {"rng": 6, "program": program, "parameter_uncertainty": True, "block_size": 2 * CHUNK}
    drawn = []

    def python_sampled(sev):
        drawn.append(sev)
        return -1, np.zeros(NPAR)

    sim = Simulation(model, max_sims=n, **kw)
    assert sim.plan.events
    monkeypatch.setattr(S, "severity_spec", python_sampled)  # (the redrawn severities only)
    events = sim.extend(n).result()
    assert len(drawn) == 3 * 4  # three categories, four chunks
    by_year = Simulation(model, max_sims=n, **kw)
    by_year.plan.events = False
    monkeypatch.setattr(S, "SPARSE_SHARE", 1)  # (its years with a loss kept in every block)
    assert_same(events, by_year.extend(n).result(), exact_moments=True)


def test_a_chunk_drawn_year_by_year_with_a_loss_in_every_year_is_kept(monkeypatch):
    # a redrawn rate far above the model's own can give a loss in every year of a chunk: its
    # rows, drawn into the thread's scratch, must be kept as copies (the next chunk reuses it)
    model = _exchange_with_redrawn_parameters()
    n = 4 * CHUNK
    kw = {"rng": 1, "parameter_uncertainty": True, "block_size": n, "min_level": 0.5}
    events, by_year = Simulation(model, max_sims=n, **kw), Simulation(model, max_sims=n, **kw)
    assert events.plan.events
    by_year.plan.events = False
    spec = S.frequency_spec
    drawn = []

    def busy_every_other_chunk(freq, name):  # (hack's rate 20 a year in chunks 1 and 3)
        kind, par = spec(freq, name)
        drawn.append(name)
        busy = name == "hack" and drawn.count("hack") % 2
        return kind, np.array([20.0, par[1]]) if busy else par

    monkeypatch.setattr(S, "severity_spec", lambda sev: (-1, np.zeros(NPAR)))
    monkeypatch.setattr(S, "frequency_spec", busy_every_other_chunk)
    got = events.extend(n).result()
    assert got.gross.quantile(0.5) > 0 and got.gross.n == n  # (most years hold a loss)
    drawn.clear()
    monkeypatch.setattr(S, "SPARSE_SHARE", 1)  # (its years with a loss kept in every block)
    assert_same(got, by_year.extend(n).result(), exact_moments=True)


def test_sparse_blocks_are_the_same_on_any_thread_count_and_extension(model, program):
    kw = {"rng": 4, "program": program, "block_size": 2048}
    one = simulate(model, 40_960, n_threads=1, **kw)
    two = simulate(model, 40_960, n_threads=2, **kw)
    assert_same(one, two, exact_moments=True)
    sim = Simulation(model, max_sims=40_960, n_threads=2, **kw)
    sim.extend(8_192)
    assert_same(sim.extend(40_960).result(), one, exact_moments=True)


def test_a_busy_model_never_takes_the_sparse_path(model):
    # over SPARSE_RATE losses a year: its blocks are never scanned for years without a loss
    busy = LossModel({**model.categories, "x": (Poisson(0.6), LogNormal(0.0, 1.0))})
    assert not Simulation(busy, max_sims=10).plan.sparse


class _Shifted(LogNormal):
    """A lognormal that claims support below zero: its parts could cancel to a zero total."""

    def _support(self):
        return -1.0, math.inf


def test_a_severity_that_may_be_negative_keeps_the_full_computation(model):
    # a zero total then need not mean zero parts: its years are not counted as alike
    cats = {**model.categories, "odd": (Poisson(0.001), _Shifted(0.0, 1.0))}
    assert not Simulation(LossModel(cats), max_sims=10).plan.sparse


def test_active_years_lists_the_nonzero_rows_and_matches_its_twin():
    x = np.zeros((1000, 3))
    rng = np.random.default_rng(5)
    x[rng.choice(1000, 40, replace=False), rng.integers(0, 3, 40)] = rng.lognormal(size=40)
    x[7, 2] = -0.5  # any non-zero value counts
    want = np.flatnonzero(np.any(x != 0.0, axis=1))
    for fn in (active_years, active_years.py_func):
        where = np.full(1000, -1, dtype=np.int64)
        a = fn(x, where)
        np.testing.assert_array_equal(where[:a], want)


def _block():
    """500 years, 30 of them with losses (3 of these with a zero total: a ceded view, say)."""
    rng = np.random.default_rng(6)
    n, k = 500, 3
    full = np.zeros((n, k))
    rows = np.sort(rng.choice(n, 30, replace=False))
    full[rows] = rng.lognormal(0.0, 1.0, size=(30, k))
    full[rows[[0, 11, 29]]] = 0.0
    return full, rows


def _summarize(fn, values, years, floor, ties):
    k = values.shape[1]
    tot, kept = np.full(years, np.nan), np.full((years, k), np.nan)
    mean, m2 = np.empty(k + 1), np.empty(k + 1)
    r = fn(values, years, floor, ties, np.empty((years, 1)), tot, kept, mean, m2)
    return r, tot[:r], kept[:r], mean, m2


@pytest.mark.parametrize("floor", [3.0, 0.0, -math.inf])
def test_summarize_over_the_years_with_a_loss_equals_it_over_all(floor):
    # the engine's sparse blocks: only the years with a loss, the others counted by the caller
    full, rows = _block()
    n = len(full)
    total = full.sum(1)
    both = np.column_stack([full, total])
    keep = (total >= floor) & (total != 0)  # (ties=0: no year of zero total is kept)
    for fn in (summarize, summarize.py_func):
        got = [_summarize(fn, values, n, floor, 0) for values in (full, full[rows])]
        for r, tot, kept, mean, m2 in got:
            assert r == keep.sum()
            np.testing.assert_array_equal(tot, total[keep])
            np.testing.assert_array_equal(kept, full[keep])
            np.testing.assert_allclose(mean, both.mean(0), rtol=1e-14)
            np.testing.assert_allclose(m2, ((both - both.mean(0)) ** 2).sum(0), rtol=1e-13)
    twin = _summarize(summarize.py_func, full[rows], n, floor, 0)
    for a, b in zip(_summarize(summarize, full[rows], n, floor, 0), twin, strict=True):
        np.testing.assert_array_equal(a, b)  # the twin, bit for bit


@pytest.mark.parametrize("ties", [500, 7, 0])
def test_summarize_keeps_the_first_ties_years_of_zero_total(ties):
    full, _ = _block()
    total = full.sum(1)
    keep = (total != 0) | (np.cumsum(total == 0) <= ties)
    for fn in (summarize, summarize.py_func):
        r, tot, kept, _, _ = _summarize(fn, full, len(full), -math.inf, ties)
        assert r == keep.sum()
        np.testing.assert_array_equal(tot, total[keep])
        np.testing.assert_array_equal(kept, full[keep])


@pytest.mark.parametrize("m", [5, 40, 400])
def test_a_tail_that_counts_its_zero_years_equals_one_that_holds_them(m):
    # blocks of 50 years, most of them zero, merged in order: the same m largest, parts and all
    rng = np.random.default_rng(8)
    counted, held = Tail(m, 2, zeros=True), Tail(m, 2)
    for _ in range(12):
        parts = np.zeros((50, 2))
        hit = rng.random(50) < 0.1
        parts[hit] = rng.lognormal(size=(hit.sum(), 2))
        vals = parts.sum(1)
        keep = vals >= held.floor  # what a block at the tail's floor sends
        held.add(vals[keep], parts[keep])
        # the counting tail gets its zero years as a number, or as rows: the same
        z = int(np.count_nonzero(vals == 0.0)) if counted.floor <= 0.0 else 0
        counted.add(vals[vals > 0], parts[vals > 0], z)
        assert counted.complete(600) == held.complete(600)
    assert counted.floor > 0.0 or m == 400  # (with 400 held of 600, zeros still enter)
    for a, b in zip(counted.final(), held.final(), strict=True):
        np.testing.assert_array_equal(a(), b())
    (va, pa), (vb, pb) = counted.kept(), held.kept()
    order_a, order_b = np.lexsort(pa.T[::-1]), np.lexsort(pb.T[::-1])
    np.testing.assert_array_equal(pa[order_a], pb[order_b])  # the same rows, zeros last
    np.testing.assert_array_equal(va[order_a], vb[order_b])
    again = Tail(m, 2, zeros=True)
    again.add(va, pa)  # (a Dask group's kept rows: their zeros become a count again)
    np.testing.assert_array_equal(again.final()[0](), held.final()[0]())
