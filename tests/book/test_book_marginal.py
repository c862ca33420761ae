"""Allocated capital and the marginal effect of adding or removing a policy."""

import math

import numpy as np
import pytest

from riskmodel.book import Book, Exposure, Policy, SharedEvent
from riskmodel.book._measures import batch_se
from riskmodel.book._result import capital
from riskmodel.frequency import Poisson
from riskmodel.insurance import InsuranceProgram, Layer
from riskmodel.model import LossModel
from riskmodel.severity import LogNormal

Z = 4.0
LEVEL = 0.99


def _policy(name, rate, att, lim=30e6):
    m = LossModel({"hack": (Poisson(rate), LogNormal(15.5, 1.6))})
    return Policy(name, m, InsuranceProgram([Layer(att, lim)]), share=0.5, assets=4e8)


def _book():
    pols = [_policy(f"P{i}", 0.2 + 0.05 * i, 1e6 * (1 + i)) for i in range(6)]
    ev = SharedEvent("vendor", 0.05, [Exposure(p.name, 0.6, (0.02, 0.1)) for p in pols[::2]])
    return Book(pols, [ev])


def test_allocations_add_up_to_the_books_capital():
    r = _book().simulate(50_000, rng=4)
    t = r.policy_table(level=LEVEL, cost_of_capital=0.1)
    assert t["co_tvar"].sum() == pytest.approx(r.tvar(LEVEL), rel=1e-9)
    assert t["capital"].sum() == pytest.approx(r.capital(LEVEL), rel=1e-9)
    assert t["expected_loss"].sum() == pytest.approx(r.aal()[0], rel=1e-9)
    np.testing.assert_allclose(t["price"], t["expected_loss"] + 0.1 * t["capital"])


def test_removing_a_policy_subtracts_its_years_exactly():
    r = _book().simulate(30_000, rng=8)
    m = r.remove("P3", level=LEVEL)
    after = r.annual - r.policy_annual("P3")
    assert m.capital_after == pytest.approx(capital(after, LEVEL), rel=1e-12)
    assert m.expected_loss == pytest.approx(-r.aal("P3")[0], rel=1e-9)


def test_marginal_capital_of_a_candidate_matches_two_full_runs():
    """Adding a policy to a 20-policy book with common random numbers gives the change of
    capital within its standard error of the difference of two independent full runs (the
    book with and without it), and is several times more precise (about 5x here)."""
    pols = [_policy(f"P{i}", 0.2 + 0.01 * i, 1e6 * (1 + i % 5)) for i in range(20)]
    ev = SharedEvent("vendor", 0.05, [Exposure(p.name, 0.6, (0.02, 0.1)) for p in pols[::2]])
    book = Book(pols, [ev])
    cand = _policy("C", 0.3, 2e6)
    expo = {"vendor": Exposure("C", 0.6, (0.02, 0.1))}
    n = 200_000
    m = book.simulate(n, rng=31).add(cand, expo, level=LEVEL)
    full_with = book.with_policy(cand, expo).simulate(n, rng=32)
    full_without = book.simulate(n, rng=33)
    d = capital(full_with.annual, LEVEL) - capital(full_without.annual, LEVEL)
    se_full = math.hypot(
        batch_se(lambda s: capital(full_with.annual[s], LEVEL), n),
        batch_se(lambda s: capital(full_without.annual[s], LEVEL), n),
    )
    assert abs(m.capital - d) < Z * math.hypot(se_full, m.capital_se), (m.capital, d, se_full)
    assert m.capital_se < se_full / 2
    assert m.capital > 0 and m.price > m.expected_loss > 0
    # its expected loss: the change of the book's mean, within Monte Carlo error
    d_el = full_with.aal()[0] - full_without.aal()[0]
    se_el = math.hypot(full_with.aal()[1], full_without.aal()[1])
    assert abs(m.expected_loss - d_el) < Z * math.hypot(se_el, m.expected_loss_se)


def test_candidate_checks():
    r = _book().simulate(1_000, rng=1)
    with pytest.raises(ValueError, match="already in the book"):
        r.add(_policy("P1", 0.1, 1e6))
    with pytest.raises(ValueError, match="unknown shared events"):
        r.add(_policy("Q", 0.1, 1e6), {"nope": Exposure("Q", 0.5, (0.1, 0.1))})
