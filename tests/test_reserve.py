"""reserve(): the quantile of the annual loss, its interval, the insurance credit, allocation."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from riskmodel.frequency import Poisson
from riskmodel.insurance import InsuranceProgram, Layer
from riskmodel.model import LossModel
from riskmodel.reserving import reserve
from riskmodel.severity import LogNormal


def test_reserve_of_a_case_with_known_quantile():
    # X = 1 almost surely, so the annual loss is N ~ Poisson(6): the 99.5% quantile is exact
    m = LossModel({"x": (Poisson(6.0), LogNormal(10.0, 0.1).capped(1.0))})
    r = reserve(m, 0.995, rng=1, n_sims=200_000)
    want = stats.poisson.ppf(0.995, 6.0)
    assert r.reserve == want == r.gross_reserve
    assert r.ci[0] <= want <= r.ci[1]
    assert r.recovery == 0


def test_interval_brackets_a_continuous_quantile_and_shrinks_with_n():
    # compound Poisson(lam): p_n1 sf(x) <= P(S > x) <= p_n1 sf(x) + P(N >= 2), so the
    # p-quantile lies between isf((1-p)/p_n1) and isf((1-p - P(N>=2))/p_n1)
    lam, dist, p = 0.05, LogNormal(0.0, 1.0), 0.995
    p_n1 = lam * math.exp(-lam)
    p_n2plus = 1 - math.exp(-lam) * (1 + lam)
    q_min = dist.isf((1 - p) / p_n1)
    q_max = dist.isf((1 - p - p_n2plus) / p_n1)
    m = LossModel({"x": (Poisson(lam), dist)})
    small = reserve(m, p, rng=3, n_sims=100_000)
    big = reserve(m, p, rng=3, n_sims=1_000_000)
    assert big.ci[1] - big.ci[0] < small.ci[1] - small.ci[0]
    for r in (small, big):
        assert r.ci[1] >= q_min and r.ci[0] <= q_max


def test_insurance_credit_and_net_reserve():
    sev = LogNormal(2.0, 1.0)
    m = LossModel({"a": (Poisson(3.0), sev), "b": (Poisson(1.0), sev)})
    lay = Layer(attachment=5.0, limit=20.0, reinstatements=math.inf)
    r = reserve(m, 0.99, rng=7, n_sims=200_000, program=InsuranceProgram([lay]))
    assert r.recovery > 0
    assert r.reserve == pytest.approx(r.gross_reserve - r.recovery)
    assert r.ci[0] <= r.reserve <= r.ci[1]
    assert r.reserve < r.gross_reserve


@pytest.mark.parametrize(
    ("measure", "allocation"), [("var", "euler"), ("var", "cotvar"), ("tvar", "cotvar")]
)
def test_allocation_matches_a_known_euler_allocation(measure, allocation):
    # Two categories with the same severity and Poisson rates la, lb: their losses are one
    # compound Poisson stream thinned at random, so given the total S each loss is category
    # a's with probability la / (la + lb) whatever its size, and E[S_a | S] = S la/(la + lb)
    # exactly. The Euler contribution of a to VaR (E[S_a | S = VaR]) and to TVaR
    # (E[S_a | S >= VaR]) is therefore that share of the reserve. The estimate is a ratio of
    # sums over the tail years the allocation uses; its standard error comes from those rows.
    # The same share holds for co-TVaR (E[S_a | S >= VaR]), the default estimator at VaR.
    la, lb = 2.0, 0.5
    sev = LogNormal(1.0, 1.2)
    m = LossModel({"a": (Poisson(la), sev), "b": (Poisson(lb), sev)})
    r = reserve(m, 0.99, rng=2, n_sims=400_000, measure=measure, allocation=allocation)
    net = r.simulation.net
    n = net.n
    if allocation == "cotvar":
        rows = net.tail_parts[: math.floor(n * 0.01 + 1e-9)]
    else:
        idx = n - math.ceil(n * 0.99 - 1e-9)
        h = int(math.sqrt(n * 0.01))
        rows = net.tail_parts[max(idx - h, 0) : idx + h + 1]
    a, tot = rows[:, 0], rows.sum(axis=1)
    share = a.sum() / tot.sum()
    se = math.sqrt(np.sum((a - share * tot) ** 2)) / tot.sum()  # delta method, ratio of sums
    assert r.allocation["a"] / r.reserve == pytest.approx(share, rel=1e-12)
    assert abs(share - la / (la + lb)) < 5 * se
    assert se < 0.05  # the test has power: a 10% error in the share would fail it
    assert all(v >= 0 for v in r.allocation.values())
    if measure == "tvar":
        assert r.ci[0] < r.reserve < r.ci[1]
        assert r.reserve >= reserve(m, 0.99, rng=2, n_sims=400_000).reserve


def test_allocation_of_independent_categories_against_their_own_simulation():
    # a category that never reaches the tail gets its mean in the TVaR allocation: a tiny
    # category b beside a heavy one a. E[S_b | S >= v] = E[S_b] (1 + O(P(S_b moves S)))
    # when S_b is independent of S_a and far smaller; compare with b simulated on its own.
    from riskmodel.engine import simulate

    a = (Poisson(1.0), LogNormal(10.0, 2.0))
    b = (Poisson(3.0), LogNormal(0.0, 0.5))
    r = reserve(LossModel({"a": a, "b": b}), 0.99, rng=4, n_sims=400_000, measure="tvar")
    own = simulate(LossModel({"b": b}), 400_000, rng=9)
    rows = r.simulation.net.tail_parts[:4_000]
    se = math.sqrt(rows[:, 1].var(ddof=1) / len(rows) + own.gross.var / own.n_sims)
    assert abs(r.allocation["b"] - own.gross.mean) < 5 * se
    assert r.allocation["a"] > 1_000 * r.allocation["b"]


def test_coverage_curve_of_a_reserve_with_defaults():
    from riskmodel.engine import simulate
    from riskmodel.reserving import coverage_curve

    m = LossModel({"a": (Poisson(2.0), LogNormal(0.0, 1.0))})
    r = reserve(m, 0.995, rng=3, n_sims=100_000)
    curve = coverage_curve(r)  # the simulation kept its tail from 99.5% only
    assert list(curve["coverage"]) == [0.995, 0.998, 0.999, 0.9995, 0.9997]
    with pytest.raises(ValueError, match=r"below the level 0\.995.*min_level=0\.9"):
        coverage_curve(r, [0.9])
    # reserve(min_level=0.9): the whole default curve, equal to a simulation's of those years
    wide = reserve(m, 0.995, rng=3, n_sims=100_000, min_level=0.9)
    assert wide.reserve == r.reserve
    sim = simulate(m, 100_000, rng=3, min_level=0.9)
    pd.testing.assert_frame_equal(coverage_curve(wide), coverage_curve(sim))
    assert coverage_curve(wide)["coverage"].iloc[0] == 0.9
    with pytest.raises(ValueError, match="min_level"):
        reserve(m, 0.995, rng=3, n_sims=100_000, min_level=0.999)


def test_reserve_reproduces_from_seed_and_records_provenance():
    m = LossModel({"a": (Poisson(2.0), LogNormal(0.0, 1.0))})
    a = reserve(m, 0.99, rng=5, n_sims=50_000)
    b = reserve(m, 0.99, rng=5, n_sims=50_000)
    assert a.to_dict() | {"provenance": 0} == b.to_dict() | {"provenance": 0}
    assert a.provenance["seed"] == 5 and a.provenance["n_sims"] == 50_000
    assert "99% coverage" in a.summary()
    assert np.isfinite(a.reserve)


@pytest.mark.parametrize(
    ("kw", "needle"),
    [
        ({"coverage": 1.0}, "coverage"),
        ({"measure": "es"}, "measure"),
        ({"n_sims": 100}, "n_sims"),
        ({"n_sims": 10_000.5}, "n_sims: must be a positive integer"),
        ({"max_sims": 0, "rel_tol": 0.1}, "max_sims: must be a positive integer"),
        ({"level": 2}, "level"),
    ],
)
def test_bad_arguments(kw, needle):
    m = LossModel({"a": (Poisson(2.0), LogNormal(0.0, 1.0))})
    args = {"coverage": 0.99, "rng": 1, "n_sims": 10_000} | kw
    with pytest.raises(ValueError, match=needle):
        reserve(m, **args)


def test_rel_tol_stops_once_the_interval_is_tight_enough():
    m = LossModel({"a": (Poisson(2.0), LogNormal(0.0, 1.0))})
    block = 8192
    loose = reserve(m, 0.99, rng=1, n_sims=block, rel_tol=0.5, block_size=block)
    assert loose.n_sims == block and loose.provenance["converged"]
    tight = reserve(
        m, 0.99, rng=1, n_sims=block, rel_tol=0.01, block_size=block, max_sims=64 * block
    )
    half = max(tight.ci[1] - tight.reserve, tight.reserve - tight.ci[0])
    assert tight.provenance["converged"] and half <= 0.01 * tight.reserve
    # it stopped at the first doubling that met the tolerance
    prev = reserve(m, 0.99, rng=1, n_sims=tight.n_sims // 2, block_size=block)
    half_prev = max(prev.ci[1] - prev.reserve, prev.reserve - prev.ci[0])
    assert half_prev > 0.01 * prev.reserve
    # the extended run equals a single run of the same length (whole blocks)
    single = reserve(m, 0.99, rng=1, n_sims=tight.n_sims, block_size=block)
    assert (single.reserve, single.ci) == (tight.reserve, tight.ci)
    capped = reserve(
        m, 0.99, rng=1, n_sims=block, rel_tol=1e-6, block_size=block, max_sims=4 * block
    )
    assert capped.n_sims == 4 * block and not capped.provenance["converged"]


def test_credit_rules_cap_and_haircut():
    from riskmodel.reserving import CreditRules

    sev = LogNormal(2.0, 1.0)
    m = LossModel({"a": (Poisson(3.0), sev)})
    prog = InsuranceProgram([Layer(attachment=0.0, limit=1e9, reinstatements=math.inf)])
    full = reserve(m, 0.99, rng=7, n_sims=100_000, program=prog)
    assert full.reserve == 0.0 and full.credit == full.recovery == full.gross_reserve
    capped = reserve(
        m, 0.99, rng=7, n_sims=100_000, program=prog, credit_rules=CreditRules(max_share=0.4)
    )
    assert capped.credit == pytest.approx(0.4 * capped.gross_reserve)
    assert capped.reserve == pytest.approx(0.6 * capped.gross_reserve)
    assert capped.ci[0] < capped.reserve < capped.ci[1]
    cut = reserve(
        m, 0.99, rng=7, n_sims=100_000, program=prog, credit_rules=CreditRules(haircut=0.25)
    )
    assert cut.credit == pytest.approx(0.75 * cut.recovery)
    with pytest.raises(ValueError, match="haircut"):
        CreditRules(haircut=1.5)


def test_coverage_curve_is_monotone():
    from riskmodel.reserving import coverage_curve

    m = LossModel({"a": (Poisson(2.0), LogNormal(0.0, 1.0))})
    r = reserve(m, 0.9, rng=3, n_sims=200_000)
    curve = coverage_curve(r)
    assert (np.diff(curve["gross_var"]) >= 0).all()
    assert (curve["gross_tvar"] >= curve["gross_var"]).all()
    assert curve.loc[curve.coverage == 0.995, "gross_var"].item() == r.simulation.quantile(0.995)
    with pytest.raises(ValueError, match="fewer than 10"):
        coverage_curve(r, [0.99999999])


# --------------------------------------------------------------------- allocation with errors
def _two_heavy():
    return LossModel(
        {"a": (Poisson(2.0), LogNormal(1.0, 1.2)), "b": (Poisson(0.5), LogNormal(2.0, 1.5))}
    )


def test_cotvar_allocation_is_stable_across_run_lengths():
    # the check: 1e6 and 8e6 years, different seeds, agree within combined errors
    m = _two_heavy()
    short = reserve(m, 0.995, rng=11, n_sims=1_000_000)
    long = reserve(m, 0.995, rng=12, n_sims=8_000_000)
    for r in (short, long):
        assert r.allocation_method == "cotvar"
        assert sum(r.allocation.values()) == pytest.approx(r.reserve, rel=1e-12)
        assert all(v > 0 for v in r.allocation_se.values())
    for c in m.names:
        se = math.hypot(short.allocation_se[c], long.allocation_se[c])
        assert abs(short.allocation[c] - long.allocation[c]) < 3 * se, c
    # the errors shrink like 1/sqrt(n) (up to the reserve's own error, which shrinks too)
    for c in m.names:
        assert long.allocation_se[c] < 0.6 * short.allocation_se[c]


def test_allocation_standard_errors_match_the_spread_of_repeated_runs():
    m = _two_heavy()
    runs = [reserve(m, 0.99, rng=100 + i, n_sims=50_000) for i in range(40)]
    for method_runs in (runs,):
        for c in m.names:
            values = np.array([r.allocation[c] for r in method_runs])
            ses = np.array([r.allocation_se[c] for r in method_runs])
            # the sample sd of 40 runs is within about +-22% (2 s.e.) of the truth
            assert 0.65 < values.std(ddof=1) / ses.mean() < 1.5, c


def test_euler_allocation_remains_available_with_errors():
    m = _two_heavy()
    r = reserve(m, 0.99, rng=3, n_sims=200_000, allocation="euler")
    assert r.allocation_method == "euler"
    assert sum(r.allocation.values()) == pytest.approx(r.reserve, rel=1e-12)
    assert set(r.allocation_se) == set(m.names)
    with pytest.raises(ValueError, match="allocation"):
        reserve(m, 0.99, rng=3, n_sims=200_000, allocation="shapley")


def test_tvar_with_interval_and_currency_in_summary():
    m = _two_heavy()
    r = reserve(m, 0.99, rng=4, n_sims=200_000)
    assert r.tvar == r.simulation.net.tvar(0.99)
    assert r.tvar_ci[0] < r.tvar < r.tvar_ci[1]
    assert r.tvar > r.reserve
    d = r.to_dict()
    assert d["tvar_ci"] == list(r.tvar_ci) and d["currency"] == "USD"
    assert d["ci_total"] is None and d["ci_mc"] == d["ci"]
    text = r.summary()
    assert "TVaR   USD" in text and "s.e." in text and "Monte Carlo only" in text


def test_the_parameter_interval_with_infinite_draws_is_infinite_not_nan():
    from riskmodel.reserving import _plotting_quantiles

    finite = np.arange(40.0)
    expect = np.quantile(finite, [0.05, 0.95], method="weibull")
    assert np.array_equal(_plotting_quantiles(finite, [0.05, 0.95]), expect)
    # two uncapped draws far in the tail: the upper end is inf (numpy alone gives nan)
    x = np.r_[np.arange(38.0), np.inf, np.inf]
    lo, hi = _plotting_quantiles(x, [0.05, 0.95])
    assert lo == expect[0] and hi == np.inf
