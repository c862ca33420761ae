"""The gross reserve split into the retained part and each layer's recovery.

Checked: the parts add up to the gross reserve; a layer that takes everything leaves nothing
retained; the layers view holds the gross tail years; a plain NumPy simulation of the same
programme (its own random numbers) gives the same Euler allocation at the VaR within the
Monte Carlo standard errors; runs of different lengths and seeds agree within their standard
errors.
"""

import math

import numpy as np
import pytest
from scipy import stats

from riskmodel import InsuranceProgram, Layer, LossModel, reserve, simulate
from riskmodel.engine import simulation as engine_simulation
from riskmodel.engine.simulation import Simulation
from riskmodel.frequency import Poisson
from riskmodel.severity import GeneralizedPareto, LogNormal

RATE, MU, SIGMA = 2.0, 0.0, 1.0
MODEL = LossModel({"hack": (Poisson(RATE), LogNormal(MU, SIGMA))})
#: two occurrence layers (one with a share and a once-a-year limit) and a stop loss above
PROGRAM = InsuranceProgram(
    [
        Layer(1.0, 3.0, reinstatements=2),
        Layer(4.0, 10.0, share=0.5),
        Layer(12.0, 20.0, per="aggregate"),
    ]
)
TWO_CATS = LossModel(
    {"hack": (Poisson(1.0), LogNormal(0.0, 1.2)), "fraud": (Poisson(0.5), LogNormal(0.5, 1.0))}
)


@pytest.mark.parametrize(
    ("measure", "method"), [("var", "cotvar"), ("var", "euler"), ("tvar", "cotvar")]
)
def test_parts_add_up_to_the_gross_reserve(measure, method):
    r = reserve(
        TWO_CATS,
        0.99,
        measure=measure,
        allocation=method,
        rng=3,
        n_sims=100_000,
        program=PROGRAM,
    )
    names = ["retained", *(f"layer {i}: " for i in (1, 2, 3))]
    assert [k[: len(n)] for k, n in zip(r.layer_allocation, names, strict=True)] == names
    assert sum(r.layer_allocation.values()) == pytest.approx(r.gross_reserve, rel=1e-12)
    assert r.layer_allocation.keys() == r.layer_allocation_se.keys()
    assert all(v >= 0 for v in r.layer_allocation.values())
    assert all(0 < se < math.inf for se in r.layer_allocation_se.values())
    # the category allocation is untouched: it still adds up to the net reserve
    assert sum(r.allocation.values()) == pytest.approx(r.reserve, rel=1e-12)
    d = r.to_dict()
    assert d["layer_allocation"] == r.layer_allocation
    assert "gross reserve by layer" in r.summary()


def test_a_layer_taking_everything_leaves_nothing_retained():
    everything = InsuranceProgram([Layer(0.0, math.inf, reinstatements=math.inf)])
    r = reserve(TWO_CATS, 0.99, rng=1, n_sims=50_000, program=everything)
    assert abs(r.layer_allocation["retained"]) <= 1e-9 * r.gross_reserve
    assert r.layer_allocation["layer 1: unlimited xs 0 per occurrence"] == pytest.approx(
        r.gross_reserve, rel=1e-9
    )


def test_no_programme_no_layers():
    r = reserve(TWO_CATS, 0.99, rng=1, n_sims=20_000)
    assert r.layer_allocation == {} and r.layer_allocation_se == {}
    assert r.simulation.layers is None and r.simulation.by_layer().empty
    assert "by layer" not in r.summary()
    assert simulate(TWO_CATS, 20_000, rng=1, program=PROGRAM, by_layer=False).layers is None


def test_the_layers_view_splits_the_gross_years():
    r = simulate(TWO_CATS, 200_000, rng=4, program=PROGRAM, min_level=0.99)
    lay, gross = r.layers, r.gross
    assert lay.categories[0] == "retained" and len(lay.categories) == 4
    # the same years as the gross tail: each the net total plus each layer's recovery
    np.testing.assert_allclose(lay.tail, gross.tail, rtol=1e-12)
    np.testing.assert_allclose(lay.tail_parts.sum(axis=1), lay.tail, rtol=1e-12)
    assert np.all(lay.tail_parts >= 0)
    assert np.all(lay.tail_parts[:, 3] <= 20.0) and np.all(lay.tail_parts[:, 2] <= 5.0)
    # its means: the net mean, and the layers' recoveries adding up to the ceded mean
    by = r.by_layer()
    assert by["mean"].iloc[0] == pytest.approx(r.net.mean, rel=1e-12)
    assert by["mean"].iloc[1:].sum() == pytest.approx(r.ceded.mean, rel=1e-12)
    assert lay.mean == pytest.approx(gross.mean, rel=1e-12)


def test_the_tail_memory_counts_the_layers_view(monkeypatch):
    kw = {"program": PROGRAM, "min_level": 0.9, "max_sims": 1_000_000}
    m = engine_simulation.tail_size(1_000_000, 0.9)
    three_views = m * (2 + 1) * 8 * 3
    with_layers = three_views + m * (4 + 1) * 8
    monkeypatch.setattr(engine_simulation, "MAX_TAIL_BYTES", (three_views + with_layers) // 2)
    Simulation(TWO_CATS, by_layer=False, **kw)  # fits without the layers view
    with pytest.raises(ValueError, match="largest totals"):
        Simulation(TWO_CATS, **kw)
    monkeypatch.setattr(engine_simulation, "MAX_TAIL_BYTES", with_layers)
    Simulation(TWO_CATS, **kw)


def _twin(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Gross annual totals and their split [retained, layer 1, 2, 3] of ``MODEL`` under
    ``PROGRAM``, by plain NumPy (the programme's terms written out)."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(RATE, n)
    x = rng.lognormal(MU, SIGMA, counts.sum())
    year = np.repeat(np.arange(n), counts)
    gross = np.bincount(year, weights=x, minlength=n)

    def occurrence(att, lim, share, annual_limit):
        per_year = np.bincount(year, weights=np.clip(x - att, 0.0, lim), minlength=n)
        return share * np.minimum(per_year, annual_limit)

    l1 = occurrence(1.0, 3.0, 1.0, 9.0)  # two reinstatements: 3 x 3 a year
    l2 = occurrence(4.0, 10.0, 0.5, 10.0)
    l3 = np.clip(gross - l1 - l2 - 12.0, 0.0, 20.0)  # stop loss on the net of occurrence
    return gross, np.column_stack([gross - l1 - l2 - l3, l1, l2, l3])


def _twin_allocation(gross, parts, p: float, measure: str, level: float = 0.95):
    """Euler allocation of the VaR ``X_(ceil(n p))`` of ``gross`` (``measure="var"``: the mean
    parts over ``h = sqrt(n (1 - p))`` order statistics either side of it) or of the TVaR
    beyond it (the parts' means over the ``j = n (1 - p)`` largest years, scaled to the VaR
    as the co-TVaR), with standard errors: the delta method for the shares, the VaR's from
    its order-statistic interval."""
    n = len(gross)
    desc = np.argsort(-gross, kind="stable")
    rank = math.ceil(n * p)
    if measure == "var":
        h, at = int(math.sqrt(n * (1 - p))), n - rank  # the VaR's index in descending order
        rows = parts[desc[at - h : at + h + 1]]
    else:
        rows = parts[desc[: math.floor(n * (1 - p) + 1e-9)]]
    asc = np.sort(gross)
    var = asc[rank - 1]
    lo = asc[int(stats.binom.ppf((1 - level) / 2, n, p)) - 1]
    hi = asc[int(stats.binom.ppf((1 + level) / 2, n, p))]
    var_se = (hi - lo) / (2 * stats.norm.ppf((1 + level) / 2))
    s = rows.sum(axis=1)
    share = rows.mean(axis=0) / s.mean()
    share_var = np.var(rows - share * s[:, None], axis=0, ddof=1) / (len(s) * s.mean() ** 2)
    return var * share, np.sqrt(var**2 * share_var + share**2 * var_se**2)


def test_euler_allocation_at_the_var_against_a_numpy_twin():
    # for a VaR reserve the layers get the Euler split at the VaR (a window of order
    # statistics around it), whatever the category allocation
    p, n = 0.99, 400_000
    alloc, se = _twin_allocation(*_twin(n, seed=123), p, "var")
    r = reserve(MODEL, p, rng=7, n_sims=n, program=PROGRAM, allocation="cotvar")
    got = np.array(list(r.layer_allocation.values()))
    got_se = np.array(list(r.layer_allocation_se.values()))
    # the two occurrence layers pay near the VaR; the stop loss (12 above the net of the
    # occurrence layers) does not reach it there: exactly nothing, with no error
    assert np.all(alloc[1:3] > 0)
    assert alloc[3] == se[3] == got[3] == got_se[3] == 0.0
    # standard errors of the twin and of riskmodel agree (same estimator, same n)
    np.testing.assert_allclose(got_se, se, rtol=0.3)
    z = (got[:3] - alloc[:3]) / np.hypot(got_se[:3], se[:3])
    assert np.all(np.abs(z) < 4), z
    # the co-TVaR split of the same twin gives the limited layers far less: the estimators
    # differ, and the test tells them apart
    cot, cot_se = _twin_allocation(*_twin(n, seed=123), p, "tvar")
    assert np.all(np.abs(cot[1:3] - got[1:3]) > 3 * np.hypot(cot_se[1:3], got_se[1:3]))


def _stability(small: int, large: int, measure: str = "var") -> None:
    a = reserve(MODEL, 0.99, rng=11, n_sims=small, program=PROGRAM, measure=measure)
    b = reserve(MODEL, 0.99, rng=12, n_sims=large, program=PROGRAM, measure=measure)
    for k, v in a.layer_allocation.items():
        w = b.layer_allocation[k]
        se = math.hypot(a.layer_allocation_se[k], b.layer_allocation_se[k])
        if se == 0:  # a layer that pays nothing in the years used, in both runs
            assert v == w == 0.0, (k, v, w)
            continue
        assert abs(v - w) <= 3.5 * se, (k, v, w, se)
        # the error shrinks with the run, as 1 / sqrt(n) beyond the VaR and as n^(-1/4) for
        # the window of sqrt(n (1 - p)) years at it: no drift, no constant part
        ratio = a.layer_allocation_se[k] / b.layer_allocation_se[k]
        power = 0.25 if measure == "var" else 0.5
        assert ratio == pytest.approx((large / small) ** power, rel=0.35), (k, ratio)


@pytest.mark.parametrize("measure", ["var", "tvar"])
def test_stable_across_run_lengths(measure):
    _stability(100_000, 800_000, measure)


def test_stable_across_run_lengths_large():  # 1.5 s on two cores
    _stability(1_000_000, 8_000_000)


def test_infinite_mean_gross_uses_the_var_local_estimator():
    # a GPD without a mean, an unlimited layer taking all above 5: net bounded, gross not
    model = LossModel({"hack": (Poisson(1.0), GeneralizedPareto(1.2, 1.0))})
    prog = InsuranceProgram([Layer(5.0, math.inf, reinstatements=math.inf)])
    with pytest.warns(Warning, match="infinite"):
        r = reserve(model, 0.99, rng=2, n_sims=100_000, program=prog)
    assert r.allocation_method == "cotvar"  # the net loss has a mean
    assert sum(r.layer_allocation.values()) == pytest.approx(r.gross_reserve, rel=1e-12)
    assert all(math.isfinite(v) for v in r.layer_allocation_se.values())


def test_infinite_gross_tvar_gives_bounded_layers_their_finite_part():
    # GPD xi 1.2: no mean, so the gross TVaR is infinite; the layer 10 xs 5 pays at most 10
    # a loss, and its part of the infinite TVaR is its finite mean beyond the VaR
    model = LossModel({"hack": (Poisson(1.0), GeneralizedPareto(1.2, 1.0))})
    prog = InsuranceProgram([Layer(5.0, 10.0)])
    with pytest.warns(Warning, match="infinite"):
        r = reserve(model, 0.99, rng=2, n_sims=100_000, program=prog, measure="tvar")
    assert math.isinf(r.gross_reserve)
    retained, layer = r.layer_allocation.values()
    assert math.isinf(retained) and math.isinf(r.layer_allocation_se["retained"])
    j = 1_000  # the years beyond the VaR
    parts = r.simulation.layers.tail_parts[:j, 1]
    assert layer == pytest.approx(parts.mean(), rel=1e-12)
    # no reinstatement: at most 10 a year, and every year beyond the VaR exhausts it
    assert layer == 10.0 and r.layer_allocation_se["layer 1: 10 xs 5 per occurrence"] == 0.0


def test_infinite_net_tvar_allocates_each_category_its_tail_mean():
    # one category without a mean, one capped: the infinite TVaR's parts are inf and the
    # capped category's finite mean beyond the VaR, with no warning of inf - inf arithmetic
    model = LossModel(
        {
            "hack": (Poisson(1.0), GeneralizedPareto(1.2, 1.0)),
            "fraud": (Poisson(1.0), LogNormal(0.0, 1.0).capped(5.0)),
        }
    )
    with pytest.warns(Warning, match="infinite"):
        r = reserve(model, 0.99, rng=2, n_sims=100_000, measure="tvar")
    assert math.isinf(r.reserve) and math.isinf(r.allocation["hack"])
    fraud = r.simulation.net.tail_parts[:1_000, 1]
    assert r.allocation["fraud"] == pytest.approx(fraud.mean(), rel=1e-12)
    assert 0 < r.allocation_se["fraud"] < r.allocation["fraud"] <= 5.0 * 10
