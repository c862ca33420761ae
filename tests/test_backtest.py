"""backtest: rolling one-year-ahead reserves, their exceedances, Kupiec's test."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from riskmodel.backtesting import backtest, kupiec_test
from riskmodel.calibrate import calibrate_industry
from riskmodel.data import load_incidents
from riskmodel.reserving import reserve


def test_kupiec_matches_the_likelihood_ratio_by_hand():
    # 5 exceedances in 250 days at 99% (Jorion's textbook setting)
    n, x, q = 250, 5, 0.01
    lr = -2 * ((n - x) * math.log(1 - q) + x * math.log(q)) + 2 * (
        (n - x) * math.log(1 - x / n) + x * math.log(x / n)
    )
    k = kupiec_test(n, x, 0.99)
    assert k["lr"] == pytest.approx(lr, rel=1e-12)
    assert k["pvalue"] == pytest.approx(stats.chi2.sf(lr, 1), rel=1e-12)
    assert k["binomial_pvalue"] == pytest.approx(1 - stats.binom.cdf(4, n, q), rel=1e-9)
    zero = kupiec_test(7, 0, 0.995)
    assert zero["lr"] == pytest.approx(-2 * 7 * math.log(0.995), rel=1e-12)
    assert zero["binomial_pvalue"] == 1.0
    with pytest.raises(ValueError, match="x"):
        kupiec_test(7, 8, 0.995)


def test_backtest_on_the_bundled_data():
    bt = backtest(start=2022, n_sims=20_000, rng=1)
    t = bt.table
    assert list(t.index) == [2023, 2024, 2025]
    assert list(t["fit_until"]) == [2022, 2023, 2024]
    # each reserve is the one reserve() gives on that window with that seed
    inc = load_incidents()
    cal = calibrate_industry(inc, until=2023)
    r = reserve(cal.model, 0.995, rng=np.random.SeedSequence(1, spawn_key=(1,)), n_sims=20_000)
    assert t.at[2024, "reserve"] == r.reserve
    year = inc["date"].dt.year
    actual = inc.loc[(year == 2024) & (inc["amount_usd"] >= 1e6), "amount_usd"].sum()
    assert t.at[2024, "actual"] == pytest.approx(actual, rel=1e-12)
    assert (t["exceeded"] == (t["actual"] > t["reserve"])).all()
    assert bt.kupiec["n"] == 3 and bt.kupiec["exceedances"] == int(t["exceeded"].sum())
    assert bt.power_against["0.95"] == pytest.approx(1 - 0.95**3)
    assert "Kupiec" in bt.summary() and "USD" in bt.summary()
    assert bt.to_dict()["years"][0]["year"] == 2023


def test_a_year_beyond_the_reserve_is_an_exceedance():
    inc = load_incidents()
    huge = pd.DataFrame(
        {"date": [pd.Timestamp("2025-06-01")], "category": ["hack"], "amount_usd": [1e15]}
    )
    big = pd.concat([inc, huge], ignore_index=True)
    bt = backtest(big, start=2023, n_sims=20_000, rng=2)
    assert bt.table.at[2025, "exceeded"]
    assert bt.kupiec["exceedances"] >= 1
    with pytest.raises(ValueError, match="start"):
        backtest(start=2030)
