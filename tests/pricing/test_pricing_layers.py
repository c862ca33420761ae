"""Layer prices by simulation: against closed forms, a published layer example, an independent
simulation, and the engine's own moments."""

import json
import math

import numpy as np
import pytest

import riskmodel.pricing._layer as layer_module
from riskmodel import InsuranceProgram, Layer, LossModel, simulate
from riskmodel._errors import InfiniteMomentWarning, RiskModelWarning
from riskmodel.dependence import CommonShock
from riskmodel.frequency import NegativeBinomial, Poisson
from riskmodel.pricing import (
    analytic_layer_loss,
    expected_layer_loss,
    layer_label,
    price_layer,
    price_tower,
)
from riskmodel.severity import LogNormal, Pareto

UNLIMITED = math.inf

# Published layer means of a Pareto severity, from the CRAN package "Pareto" by U. Riegel,
# as asserted in its tests/testthat/test_functions_Pareto.R (repository cran/Pareto); the R
# calls are in tests/reference/pricing_pareto_layers.R:
#   Pareto_Layer_Mean(Cover, AttachmentPoint, alpha, t, truncation)
PUBLISHED = [
    # (Cover, AttachmentPoint, alpha, t, truncation, expected layer loss)
    (8000, 2000, 2.0, 2000, None, 1600.0),
    (8000, 2000, 2.0, 1000, None, 400.0),
    (8000, 2000, 2.0, 5000, 10000, 4666.66666666667),
    (8000, 2000, 1.5, 1000, 20000, 700.14314962210699),
    (8000, 2000, 1.5, 1000, None, 781.75803033941929),
]


def riegel_severity(alpha, t, truncation):
    sev = Pareto(alpha, float(t))
    return sev if truncation is None else sev.truncated(upper=float(truncation))


@pytest.mark.parametrize(("cover", "att", "alpha", "t", "trunc", "value"), PUBLISHED)
def test_expected_layer_loss_reproduces_published_pareto_layer_means(
    cover, att, alpha, t, trunc, value
):
    sev = riegel_severity(alpha, t, trunc)
    assert expected_layer_loss(sev, att, cover) == pytest.approx(value, rel=1e-12)


# Poisson(3) losses from Riegel's truncated Pareto (alpha 1.5, t 1000, truncation 20000)
RATE = 3.0
SEV = riegel_severity(1.5, 1000, 20000)
MODEL = LossModel({"hack": (Poisson(RATE), SEV)})
PER_LOSS = 700.14314962210699  # published value above, for the layer 8000 xs 2000


def test_simulated_layer_loss_matches_the_published_value_times_the_rate():
    # unlimited reinstatements: no annual terms, so E[L] = E[N] * E[layer loss per loss]
    lay = Layer(2000, 8000, reinstatements=UNLIMITED)
    p = price_layer(MODEL, lay, n_sims=100_000, rng=11)
    assert p.analytic_exact
    assert p.expected_loss_analytic == pytest.approx(RATE * PER_LOSS, rel=1e-12)
    assert abs(p.expected_loss - RATE * PER_LOSS) < 4 * p.expected_loss_se
    # P(L > 0) = 1 - exp(-lambda S(a)) for a Poisson count
    p0 = -math.expm1(-RATE * SEV.sf(2000.0))
    assert abs(p.prob_loss - p0) < 4 * math.sqrt(p0 * (1 - p0) / p.n_sims)
    assert p.loss_on_line == pytest.approx(p.expected_loss / 8000)


def independent_annual_limit_mc(n, seed):
    """E[min(sum of layer parts, limit)] by plain numpy, outside the engine."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(RATE, n)
    u = rng.random(counts.sum())
    s_hi = (1000 / 20000) ** 1.5
    x = 1000.0 * (s_hi + (1.0 - u) * (1.0 - s_hi)) ** (-1 / 1.5)
    parts = np.minimum(np.maximum(x - 2000.0, 0.0), 8000.0)
    year = np.repeat(np.arange(n), counts)
    annual = np.minimum(np.bincount(year, weights=parts, minlength=n), 8000.0)
    return annual.mean(), annual.std(ddof=1) / math.sqrt(n)


def test_annual_limit_against_an_independent_simulation():
    # no reinstatements: the annual aggregate limit equals the limit, and binds in years
    # with several losses in the layer; the closed form is then only an upper bound
    p = price_layer(MODEL, Layer(2000, 8000), n_sims=100_000, rng=12)
    mean, se = independent_annual_limit_mc(200_000, 13)
    assert abs(p.expected_loss - mean) < 4 * math.hypot(p.expected_loss_se, se)
    assert not p.analytic_exact
    assert p.expected_loss < p.expected_loss_analytic
    assert p.tvar == pytest.approx(8000.0)  # the top 0.5% of years exhaust the layer
    assert 0 < p.prob_exhaust < p.prob_loss


def test_share_scales_every_number():
    full = price_layer(MODEL, Layer(2000, 8000), principle="wang", n_sims=20_000, rng=5)
    half = price_layer(MODEL, Layer(2000, 8000, share=0.5), principle="wang", n_sims=20_000, rng=5)
    assert half.expected_loss == pytest.approx(0.5 * full.expected_loss, rel=1e-12)
    assert half.premium == pytest.approx(0.5 * full.premium, rel=1e-12)
    assert half.rate_on_line == pytest.approx(full.rate_on_line, rel=1e-12)


def test_prices_equal_the_engines_moments_on_the_same_years():
    lay = Layer(2000, 8000)
    p = price_layer(MODEL, lay, principle="cost_of_capital", n_sims=50_000, rng=21)
    res = simulate(MODEL, 50_000, rng=21, program=InsuranceProgram([lay]), min_level=0.5)
    c = res.ceded
    assert p.expected_loss == pytest.approx(c.mean, rel=1e-12)
    assert p.std == pytest.approx(c.std * math.sqrt((c.n - 1) / c.n), rel=1e-9)
    assert p.tvar == pytest.approx(c.tvar(0.995), rel=1e-12)
    assert p.premium == pytest.approx(c.mean + 0.06 * (c.tvar(0.995) - c.mean), rel=1e-12)
    assert p.provenance["seed"] == 21 and p.provenance["n_sims"] == 50_000


def test_a_failed_retention_guess_falls_back_to_the_same_years(monkeypatch):
    lay = Layer(2000, 8000)
    ref = price_layer(MODEL, lay, principle="wang", n_sims=30_000, rng=8)
    # a far too small bound on P(L > 0): the engine keeps too few years, and the layer
    # is simulated again keeping them all
    monkeypatch.setattr(layer_module, "_attach_bound", lambda model, layer: 1e-6)
    again = price_layer(MODEL, lay, principle="wang", n_sims=30_000, rng=8)
    assert again.premium == ref.premium and again.expected_loss == ref.expected_loss
    assert again.provenance["retained_years"] == 30_000
    assert ref.provenance["retained_years"] < 30_000


def test_tower_uses_common_random_numbers():
    # with the same simulated years, adjacent layers without annual terms add up exactly
    layers = [
        Layer(2000, 4000, reinstatements=UNLIMITED),
        Layer(6000, 4000, reinstatements=UNLIMITED),
        Layer(2000, 8000, reinstatements=UNLIMITED),
    ]
    t = price_tower(MODEL, layers, principles=("expected", "wang"), n_sims=40_000, rng=3)
    assert list(t.index) == ["4k xs 2k", "4k xs 6k", "8k xs 2k"]
    low, high, whole = t["expected_loss"]
    assert low + high == pytest.approx(whole, rel=1e-12)
    assert t["premium_expected"].iloc[:2].sum() == pytest.approx(whole * 1.2, rel=1e-12)
    # annual layer losses are not comonotone (several losses a year), so the Wang premium,
    # a concave distortion, is only subadditive: the parts cost at least the whole
    assert t["premium_wang"].iloc[:2].sum() >= t["premium_wang"].iloc[2]
    assert (t["premium_wang"] > t["expected_loss"]).all()
    assert t.attrs["provenance"]["common_random_numbers"]
    assert t.attrs["provenance"]["loadings"] == {"expected": 0.2, "wang": 0.25}
    one = price_layer(MODEL, layers[1], principle="wang", n_sims=40_000, rng=3)
    assert one.premium == t.loc["4k xs 6k", "premium_wang"]


def test_aggregate_layer_and_several_categories():
    model = LossModel(
        {
            "hack": (Poisson(2.0), LogNormal(1.0, 1.0)),
            "fraud": (NegativeBinomial(1.0, 2.0), LogNormal(0.5, 1.5)),
        }
    )
    stop = Layer(10.0, 20.0, per="aggregate")
    p = price_layer(model, stop, principle="std", n_sims=50_000, rng=4)
    assert p.expected_loss_analytic is None and not p.analytic_exact
    res = simulate(model, 50_000, rng=4, program=InsuranceProgram([stop]), min_level=0.5)
    assert p.expected_loss == pytest.approx(res.ceded.mean, rel=1e-12)
    assert p.premium == pytest.approx(p.expected_loss + 0.25 * p.std, rel=1e-12)
    # an occurrence layer on one category only
    occ = Layer(5.0, 20.0, categories=("fraud",), reinstatements=UNLIMITED)
    q = price_layer(model, occ, n_sims=50_000, rng=4)
    exact = 1.0 * expected_layer_loss(model.categories["fraud"][1], 5.0, 20.0)
    assert q.expected_loss_analytic == pytest.approx(exact, rel=1e-12)
    assert abs(q.expected_loss - exact) < 4 * q.expected_loss_se


def test_analytic_layer_loss_counts_common_shock_losses():
    sev = Pareto(2.0, 1000.0)
    shock = CommonShock(rate=0.5, affects={"a": 1.0, "b": 0.5})
    model = LossModel({"a": (Poisson(1.0), sev), "b": (Poisson(2.0), sev)}, dependence=shock)
    value, exact = analytic_layer_loss(model, Layer(2000, 8000, reinstatements=UNLIMITED))
    assert exact
    assert value == pytest.approx((1.0 + 2.0 + 0.5 * 1.5) * 400.0, rel=1e-12)
    p = price_layer(model, Layer(2000, 8000, reinstatements=UNLIMITED), n_sims=60_000, rng=9)
    assert abs(p.expected_loss - value) < 4 * p.expected_loss_se


def test_same_seed_same_price_and_summary():
    lay = Layer(2000, 8000, reinstatements=1, premium=300.0)
    a = price_layer(MODEL, lay, principle="wang", loading=0.3, n_sims=20_000, rng=7)
    b = price_layer(MODEL, lay, principle="wang", loading=0.3, n_sims=20_000, rng=7)
    da, db = a.to_dict(), b.to_dict()
    da["provenance"].pop("elapsed_s"), db["provenance"].pop("elapsed_s")
    assert da == db
    assert a.expected_reinstatement_premium > 0
    json.dumps(a.to_dict())
    text = a.summary()
    for word in ("8k xs 2k", "premium (wang, loading 0.3)", "rate on line", "seed 7"):
        assert word in text
    gen = price_layer(MODEL, lay, n_sims=5_000, rng=np.random.default_rng(1))
    assert gen.n_sims == 5_000


def test_an_unlimited_layer_over_an_infinite_mean_is_priced_inf():
    model = LossModel({"hack": (Poisson(1.0), Pareto(0.8, 1e6))})
    with pytest.warns(InfiniteMomentWarning, match="infinite"):
        p = price_layer(model, Layer(1e7, UNLIMITED), principle="wang", n_sims=5_000, rng=1)
    assert p.premium == math.inf and p.expected_loss == math.inf
    assert math.isnan(p.rate_on_line)


def test_an_unlimited_layer_with_infinite_variance():
    model = LossModel({"hack": (Poisson(1.0), Pareto(1.5, 1e6))})
    with pytest.warns(InfiniteMomentWarning, match="variance"):
        p = price_layer(model, Layer(1e7, UNLIMITED), principle="std", n_sims=5_000, rng=1)
    assert p.premium == math.inf and p.std == math.inf
    assert math.isfinite(p.expected_loss) and p.expected_loss_se == math.inf
    assert p.expected_loss_analytic == pytest.approx(expected_layer_loss(Pareto(1.5, 1e6), 1e7))


def test_a_layer_out_of_reach_warns():
    with pytest.warns(RiskModelWarning, match="too few years"):
        p = price_layer(MODEL, Layer(30_000, 1000), n_sims=2_000, rng=1)
    assert p.premium == 0.0 and p.prob_loss == 0.0


def test_bad_arguments():
    lay = Layer(2000, 8000)
    with pytest.raises(ValueError, match="principle"):
        price_layer(MODEL, lay, principle="dutch")
    with pytest.raises(ValueError, match="explicit loading"):
        price_layer(MODEL, lay, principle="variance")
    with pytest.raises(ValueError, match="n_sims"):
        price_layer(MODEL, lay, n_sims=1)
    with pytest.raises(ValueError, match="tvar_level"):
        price_layer(MODEL, lay, tvar_level=1.0)
    with pytest.raises(TypeError, match="min_level"):
        price_layer(MODEL, lay, min_level=0.5)
    with pytest.raises(TypeError, match="LossModel"):
        price_layer({"hack": 1}, lay)
    with pytest.raises(TypeError, match="Layer"):
        price_layer(MODEL, (2000, 8000))
    with pytest.raises(ValueError, match="unknown categories"):
        price_layer(MODEL, Layer(2000, 8000, categories=("fraud",)), n_sims=100)
    with pytest.raises(ValueError, match="non-empty"):
        price_tower(MODEL, [])
    with pytest.raises(ValueError, match="not requested"):
        price_tower(MODEL, [lay], principles=("expected",), loadings={"wang": 0.1})


def test_layer_labels():
    assert layer_label(Layer(25e6, 25e6)) == "25M xs 25M"
    assert layer_label(Layer(1e9, 1.5e9, share=0.5)) == "50% of 1.5bn xs 1bn"
    assert layer_label(Layer(0.0, math.inf, per="aggregate")) == "agg unlimited xs 0"
