"""Standard formulas (volume-based reserve, MiCA Art. 67, Basel III SA) against hand arithmetic."""

import dataclasses
import math

import numpy as np
import pytest

from riskmodel.frequency import Poisson
from riskmodel.model import LossModel
from riskmodel.profile import example_profile
from riskmodel.reserving import reserve
from riskmodel.severity import LogNormal
from riskmodel.standard_formulas import (
    MICA_PERMANENT_MINIMUM_EUR,
    PLACEHOLDER_VOLUME_RATE,
    basel_bic,
    basel_operational_risk,
    compare_standard_formulas,
    mica_own_funds,
    volume_reserve,
)


# ------------------------------------------------------------------ volume-based reserve
def test_volume_reserve_rate_floor_and_cap():
    # 2e12 x 1e-4 = 2e8
    assert volume_reserve(2e12, rate=1e-4) == 2e8
    assert volume_reserve(2e12) == 2e12 * PLACEHOLDER_VOLUME_RATE
    # floor binds: max(2e8, 5e8) = 5e8
    assert volume_reserve(2e12, rate=1e-4, floor=5e8) == 5e8
    # cap binds: min(1e15 x 1e-4 = 1e11, 4e10) = 4e10
    assert volume_reserve(1e15, rate=1e-4, cap=4e10) == 4e10
    # neither binds: 3e14 x 1e-4 = 3e10 in [2e9, 4e10]
    assert volume_reserve(3e14, rate=1e-4, floor=2e9, cap=4e10) == 3e10
    assert volume_reserve(0.0, rate=1e-4, floor=2e9) == 2e9


@pytest.mark.parametrize(
    ("args", "kw", "needle"),
    [
        ((-1.0,), {}, "volume"),
        ((1e12,), {"rate": -1e-4}, "rate"),
        ((1e12,), {"floor": 5.0, "cap": 1.0}, "cap"),
        ((float("nan"),), {}, "volume"),
        (("1e12",), {}, "volume"),
    ],
)
def test_volume_reserve_rejects_bad_terms(args, kw, needle):
    with pytest.raises((ValueError, TypeError), match=needle):
        volume_reserve(*args, **kw)


# ------------------------------------------------------------------ MiCA Art. 67
def test_mica_is_the_larger_of_the_minimum_and_a_quarter_of_overheads():
    assert MICA_PERMANENT_MINIMUM_EUR == {1: 50_000.0, 2: 125_000.0, 3: 150_000.0}
    # class 1, overheads 100k: max(50k, 25k) = 50k (minimum binds)
    assert mica_own_funds(1, 100_000.0) == 50_000.0
    # class 2, overheads 1M: max(125k, 250k) = 250k (overheads bind)
    assert mica_own_funds(2, 1_000_000.0) == 250_000.0
    # class 3, overheads 600k: max(150k, 150k) = 150k (tie)
    assert mica_own_funds(3, 600_000.0) == 150_000.0
    # class 3, no overheads: 150k
    assert mica_own_funds(3, 0.0) == 150_000.0


@pytest.mark.parametrize(("cls", "fo"), [(4, 1.0), (0, 1.0), (True, 1.0), (2, -1.0)])
def test_mica_rejects_bad_input(cls, fo):
    with pytest.raises(ValueError):
        mica_own_funds(cls, fo)


# ------------------------------------------------------------------ Basel III SA
def test_basel_bic_piecewise_at_bucket_boundaries():
    assert basel_bic(0.0) == 0.0
    assert basel_bic(0.5e9) == pytest.approx(0.12 * 0.5e9)  # 60M
    assert basel_bic(1e9) == pytest.approx(120e6)  # 0.12 x 1bn
    assert basel_bic(2e9) == pytest.approx(270e6)  # 120M + 0.15 x 1bn
    assert basel_bic(30e9) == pytest.approx(4.47e9)  # 120M + 0.15 x 29bn = 120M + 4.35bn
    assert basel_bic(40e9) == pytest.approx(6.27e9)  # 4.47bn + 0.18 x 10bn
    # marginal coefficients on either side of each boundary
    h = 1e6
    for edge, below, above in ((1e9, 0.12, 0.15), (30e9, 0.15, 0.18)):
        assert (basel_bic(edge) - basel_bic(edge - h)) / h == pytest.approx(below)
        assert (basel_bic(edge + h) - basel_bic(edge)) / h == pytest.approx(above)


def test_basel_ilm_formula_by_hand():
    # BI = EUR 2bn -> BIC = 270M; average loss 36M -> LC = 15 x 36M = 540M = 2 x BIC
    # ILM = ln(e - 1 + 2^0.8) = ln(1.718281828459045 + 1.7411011265922482)
    #     = ln(3.4593829550512932) = 1.2410902364753769
    r = basel_operational_risk(2e9, [36e6] * 10)
    assert r.bucket == 2 and r.ilm_rule == "formula" and r.n_loss_years == 10
    assert r.bic == pytest.approx(270e6)
    assert r.loss_component == pytest.approx(540e6)
    assert r.ilm == pytest.approx(1.2410902364753769, rel=1e-14)
    assert r.capital == pytest.approx(270e6 * 1.2410902364753769, rel=1e-14)
    # LC = BIC gives ILM = ln(e) = 1; no losses give ln(e - 1) = 0.541324854612918
    assert basel_operational_risk(2e9, [18e6] * 10).ilm == pytest.approx(1.0, rel=1e-14)
    none = basel_operational_risk(2e9, [0.0] * 10)
    assert none.ilm == pytest.approx(0.541324854612918, rel=1e-14)


def test_basel_uses_the_last_ten_years_and_at_least_five():
    # twelve years: the first two (huge) are dropped, the last ten average 36M
    r = basel_operational_risk(2e9, [1e12, 1e12] + [36e6] * 10)
    assert r.loss_component == pytest.approx(540e6)
    # five years are enough (Basel transition), four are not
    assert basel_operational_risk(2e9, [36e6] * 5).n_loss_years == 5
    few = basel_operational_risk(2e9, [36e6] * 4)
    assert few.ilm == 1.0 and "fewer than 5" in few.ilm_rule and math.isnan(few.loss_component)
    with pytest.raises(ValueError, match="at least 5"):
        basel_operational_risk(2e9, [36e6] * 4, ilm="formula")


def test_basel_bucket_one_rule_and_national_options():
    # BI = EUR 500M (bucket 1): BIC = 60M; LC = 15 x 8M = 120M = 2 x BIC
    auto = basel_operational_risk(0.5e9, [8e6] * 10)
    assert auto.bucket == 1 and auto.ilm == 1.0 and auto.ilm_rule == "1 (bucket 1)"
    assert auto.capital == pytest.approx(60e6)
    formula = basel_operational_risk(0.5e9, [8e6] * 10, ilm="formula")
    assert formula.ilm == pytest.approx(1.2410902364753769, rel=1e-14)
    one = basel_operational_risk(2e9, [36e6] * 10, ilm="one")
    assert one.ilm == 1.0 and one.capital == pytest.approx(270e6)
    with pytest.raises(ValueError, match="ilm"):
        basel_operational_risk(2e9, ilm="advanced")
    with pytest.raises(ValueError, match="annual_losses"):
        basel_operational_risk(2e9, [-1.0] * 10)


# ------------------------------------------------------------------ comparison
def test_compare_on_the_example_profile_by_hand():
    p = example_profile()
    usd_per_jpy, usd_per_eur = 0.006606, 1.0824  # the example's fx (ECB 2024 averages)
    tab = compare_standard_formulas(p, 20e6)
    assert list(tab.index) == [
        "model",
        "volume-based (FIEA 46-5 template)",
        "MiCA Art. 67 own funds",
        "Basel III SA operational risk",
    ]
    assert (tab["currency"] == "JPY").all()
    np.testing.assert_allclose(tab["usd"], tab["amount"] * usd_per_jpy, rtol=1e-14)
    np.testing.assert_allclose(tab["eur"], tab["usd"] / usd_per_eur, rtol=1e-14)
    # model: USD 20M / 0.006606 USD per JPY
    assert tab.loc["model", "amount"] == pytest.approx(20e6 / usd_per_jpy)
    # volume: JPY 2tn x 1e-4 (placeholder) = JPY 200M, labelled as a placeholder
    vol = tab.loc["volume-based (FIEA 46-5 template)"]
    assert vol["amount"] == pytest.approx(2e8)
    assert "PLACEHOLDER" in vol["note"] and "JPY 2bn-40bn" in vol["note"]
    # MiCA: overheads JPY 6bn = EUR 6e9 x 0.006606 / 1.0824 = 36,618,625; a quarter is
    # EUR 9,154,656 > EUR 150k, i.e. JPY 6bn / 4 = JPY 1.5bn
    assert tab.loc["MiCA Art. 67 own funds", "eur"] == pytest.approx(36_618_625.277 / 4)
    assert tab.loc["MiCA Art. 67 own funds", "amount"] == pytest.approx(1.5e9)
    # Basel: BI JPY 9bn = EUR 54,927,938 (bucket 1, ILM 1): 12% = JPY 1.08bn
    basel = tab.loc["Basel III SA operational risk"]
    assert basel["amount"] == pytest.approx(0.12 * 9e9)
    assert "bucket 1" in basel["basis"] and "ILM 1 (bucket 1)" in basel["note"]


def test_compare_with_a_reserve_result_and_missing_inputs():
    base = example_profile()
    p = dataclasses.replace(base, business_indicator=None, usd_per_eur=None, volume_rate=2e-4)
    m = LossModel({"hack": (Poisson(0.5), LogNormal(15.0, 2.0))})
    res = reserve(m, 0.99, rng=1, n_sims=20_000)
    tab = compare_standard_formulas(p, res)
    assert tab.loc["model: gross", "usd"] == pytest.approx(res.gross_reserve)
    assert tab.loc["model: net of insurance", "usd"] == pytest.approx(res.reserve)
    assert tab["eur"].isna().all()  # no EUR rate
    assert math.isnan(tab.loc["MiCA Art. 67 own funds", "amount"])
    assert "usd_per_eur" in tab.loc["MiCA Art. 67 own funds", "note"]
    assert "business_indicator" in tab.loc["Basel III SA operational risk", "note"]
    # the profile's own rate replaces the placeholder: 2e-4 x JPY 2tn = JPY 400M
    vol = tab.loc["volume-based (FIEA 46-5 template)"]
    assert vol["amount"] == pytest.approx(4e8) and "PLACEHOLDER" not in vol["note"]
    # explicit arguments win over the profile
    tab2 = compare_standard_formulas(p, {"a": 1e6, "b": 2e6}, volume_rate=0.0, volume_floor=1e9)
    assert list(tab2.index[:2]) == ["model: a", "model: b"]
    assert tab2.loc["volume-based (FIEA 46-5 template)", "amount"] == 1e9
