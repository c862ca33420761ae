"""The first block's floor for the retained tail (``_tail.pilot_floor``): it must never change a
result. A run with it equals the same blocks merged without it, bit for bit, also when the floor
is forced too high (the run is then repeated without it), and among tied totals."""

import math

import numpy as np
import pytest

from riskmodel import LossModel, simulate
from riskmodel.engine import _tail
from riskmodel.engine.simulation import Simulation
from riskmodel.fit import fit_severity
from riskmodel.frequency import Poisson
from riskmodel.insurance import InsuranceProgram, Layer
from riskmodel.severity import LogNormal
from riskmodel.uncertainty import FittedCategory

BLOCK = 4096
N = 16 * BLOCK
KW = dict(rng=31, block_size=BLOCK, min_level=0.7)


def _model():
    return LossModel(
        {"a": (Poisson(2.0), LogNormal(1.0, 1.2)), "b": (Poisson(0.3), LogNormal(2.0, 0.8))}
    )


def _stepwise(model, **extra):
    """The same blocks, merged without the pilot floor (a run extended block by block)."""
    sim = Simulation(model, max_sims=N, **KW, **extra)
    for n in range(BLOCK, N + 1, BLOCK):
        sim.extend(n)
    return sim.result()


def _assert_same(a, b):
    for view in ("gross", "ceded", "net"):
        x, y = getattr(a, view), getattr(b, view)
        np.testing.assert_array_equal(x.tail, y.tail)
        np.testing.assert_array_equal(x.tail_parts, y.tail_parts)
        assert (x.mean, x.var) == (y.mean, y.var)
    if a.layers is not None:
        np.testing.assert_array_equal(a.layers.tail_parts, b.layers.tail_parts)


def _spy_floors(monkeypatch):
    """Record the floors :func:`pilot_floor` hands to the run."""
    floors = []
    real = _tail.pilot_floor

    def spy(*args):
        floors.append(real(*args))
        return floors[-1]

    monkeypatch.setattr("riskmodel.engine.simulation.pilot_floor", spy)
    return floors


def test_a_run_with_the_first_blocks_floor_equals_one_without(monkeypatch):
    floors = _spy_floors(monkeypatch)
    model = _model()
    program = InsuranceProgram([Layer(attachment=5.0, limit=20.0)])
    got = simulate(model, N, program=program, **KW)
    # the floor was set for every view (gross, ceded, net, layers) and lies below the tail
    assert len(floors) == 4 and all(math.isfinite(f) for f in floors)
    assert floors[0] < got.gross.tail[-1]
    _assert_same(got, _stepwise(model, program=program))


def test_ties_at_the_floor_are_resolved_as_without_it(monkeypatch):
    floors = _spy_floors(monkeypatch)
    # every loss capped at 1: the totals are whole numbers, tied with different parts
    sev = LogNormal(5.0, 1.0).capped(1.0)
    model = LossModel({"a": (Poisson(0.5), sev), "b": (Poisson(0.3), sev)})
    got = simulate(model, N, **KW)
    assert math.isfinite(floors[0])
    cut = got.gross.tail == got.gross.tail[-1]
    assert len(np.unique(got.gross.tail_parts[cut], axis=0)) > 1  # the cut falls among ties
    _assert_same(got, _stepwise(model))


@pytest.mark.parametrize(
    "rates, min_level",
    [
        ((0.35, 0.25), 0.2),  # 55% of the years hold no loss, the tail keeps 80%: rows of zeros
        ((0.03, 0.02), 0.4),  # 95% and 60%: an exchange's, whose zero years the tail counts
    ],
)
def test_a_floor_at_a_total_most_years_share_is_raised_at_once(monkeypatch, rates, min_level):
    # the first block's floor is zero, which most years share; once m are held the floor rises
    # above it, as without a pilot (else every later year would be merged: the buffer of 2 m
    # never fills)
    floors = _spy_floors(monkeypatch)
    model = LossModel(
        {
            "a": (Poisson(rates[0]), LogNormal(1.0, 1.2)),
            "b": (Poisson(rates[1]), LogNormal(2.0, 0.8)),
        }
    )
    program = InsuranceProgram([Layer(attachment=5.0, limit=20.0)])
    kw = dict(KW, min_level=min_level)
    sim = Simulation(model, max_sims=N, program=program, **kw)
    got = sim.extend(N).result()
    assert floors and all(f <= 0.0 for f in floors)  # (no floor where the zeros are counted)
    assert sim.plan.sparse == (sum(rates) < 0.5)
    assert all(t.floor > 0.0 for t in sim._tails.values())
    assert got.gross.tail[-1] == 0.0  # the tail holds zero years, the earliest of them
    assert len(got.gross.tail) == sim.m and np.all(got.gross.tail_parts[got.gross.tail == 0] == 0)
    want = Simulation(model, max_sims=N, program=program, **kw)
    for n in range(BLOCK, N + 1, BLOCK):  # the same blocks, merged without the pilot floor
        want.extend(n)
    _assert_same(got, want.result())


def test_a_floor_above_the_tail_is_caught_and_the_run_repeated(monkeypatch):
    monkeypatch.setattr(_tail, "PILOT_Z", -5.0)  # the floor now lies far above the m-th total
    floors = _spy_floors(monkeypatch)
    model = _model()
    got = simulate(model, N, **KW)
    assert floors and floors[0] > got.gross.tail[-1]  # it was too high ...
    _assert_same(got, _stepwise(model))  # ... and the result is still exact


def test_no_floor_where_the_first_block_holds_too_few_tail_years(monkeypatch):
    # 4 tail years expected in a block: the first block does not run alone for a floor
    floors = _spy_floors(monkeypatch)
    simulate(_model(), N, **{**KW, "min_level": 0.999})
    assert floors == []
    # the run's test is pilot_floor's own: a floor exactly where the block holds enough
    n, vals = 10 * BLOCK, np.random.default_rng(0).random(BLOCK)
    for m in (10 * _tail.PILOT_MIN_TAIL - 1, 10 * _tail.PILOT_MIN_TAIL):
        sim = Simulation(_model(), max_sims=n, rng=1, block_size=BLOCK)
        sim.m = m  # (the tail size a min_level would give, with its interval's margin)
        has_floor = _tail.pilot_floor(vals, BLOCK, m, n) > -math.inf
        assert sim._pilot_applies(n) == has_floor == (m == 10 * _tail.PILOT_MIN_TAIL)


def _redrawn_parameters():
    fit = fit_severity(LogNormal(1.0, 0.8).sample(60, rng=1), "lognormal")
    cat = FittedCategory(fit, rate=2.0, log_rate_se=0.2)
    return LossModel({"a": cat.point()}, uncertainty={"a": cat})


@pytest.mark.parametrize(
    ("model", "extra"),
    [
        (_model, dict(block_size=N)),  # a single block
        (_redrawn_parameters, dict(parameter_uncertainty=True)),  # few draws in one block
    ],
)
def test_no_pilot_for_a_single_block_or_redrawn_parameters(monkeypatch, model, extra):
    floors = _spy_floors(monkeypatch)
    r = simulate(model(), N, **{**KW, **extra})
    assert floors == []  # never asked for
    assert r.n_sims == N


def test_pilot_floor_lies_below_the_final_cut_in_repeated_samples():
    rng = np.random.default_rng(3)
    n0, n, m = 20_000, 400_000, 40_000
    for _ in range(50):
        x = rng.pareto(1.5, n)
        cut = np.partition(x, n - m)[n - m]  # the m-th largest
        floor = _tail.pilot_floor(x[:n0], n0, m, n)
        assert floor < cut
        # ... and not far below: the margin of 8 sd of both quantiles, and 4 sd of the first
        # years' own empirical quantile
        q = 1 - m / n
        sd = math.sqrt(q * (1 - q))
        margin = _tail.PILOT_Z * sd * (1 / math.sqrt(n0) + 1 / math.sqrt(n)) + 4 * sd / math.sqrt(
            n0
        )
        assert np.mean(x >= floor) < m / n + margin
