"""Issue 15, class 1: inputs that used to give a silent wrong number.

Each test reproduces a case of the issue: before the fix it passed a wrong number through
(a reserve of 0, a negative net mean, a finite TVaR of an infinite-mean loss, ``nan``...).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from riskmodel import LossModel, simulate
from riskmodel._errors import DataError, InfiniteMomentWarning
from riskmodel.data import load_incidents, read_losses
from riskmodel.engine._specs import MAX_EXPECTED_COUNT
from riskmodel.frequency import NegativeBinomial, Poisson
from riskmodel.insurance import InsuranceProgram, Layer, apply_program, check_ceded
from riskmodel.profile import load_profile
from riskmodel.severity import GeneralizedPareto, LogNormal

EXAMPLE = Path(__file__).parents[2] / "riskmodel" / "profiles" / "example_jp_midsize.toml"


# --- counts whose arithmetic would overflow -------------------------------------------------


@pytest.mark.parametrize("rate", [9.3e18, float(2**63 - 1), 1e300, MAX_EXPECTED_COUNT * 1.01])
def test_a_huge_poisson_rate_is_refused_naming_the_category(rate):
    # issue 15: Poisson(9.3e18) gave a reserve of 0 (the count tables' int64 overflowed)
    m = LossModel({"hack": (Poisson(rate), LogNormal(10.0, 1.0))})
    with pytest.raises(ValueError, match=r"category 'hack': Poisson rate: .* exceeds"):
        simulate(m, 100, rng=1)


def test_a_negative_binomial_whose_mixing_would_overflow_is_refused():
    m = LossModel({"fraud": (NegativeBinomial(1e6, 1e-6), LogNormal(10.0, 1.0))})
    with pytest.raises(ValueError, match=r"category 'fraud': negative binomial"):
        simulate(m, 100, rng=1)


def test_the_largest_allowed_rate_still_simulates_its_mean():
    # the bound refuses nothing plausible: E[N] = 1e6 losses a year simulates E[S] exactly
    m = LossModel({"x": (Poisson(1e6), LogNormal(0.0, 0.1))})
    r = simulate(m, 200, rng=2, min_level=0.5)
    want, se = 1e6 * math.exp(0.005), math.sqrt(1e6 * math.exp(0.02) / 200)
    assert abs(r.gross.mean - want) < 5 * se


def _profile_text(**edits: str) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in edits.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def _with_history(count: str) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    start = text.index("[[history.years]]")
    block = text[start:].split("\n\n", 1)[0]
    lines = [
        f"hack = {count}" if line.strip().startswith("hack =") else line
        for line in block.splitlines()
    ]
    return text.replace(block, "\n".join(lines), 1)


def test_a_profile_count_of_2_63_is_refused_naming_the_key(tmp_path):
    # issue 15: a profile count of 2**63 - 1 gave a reserve of 0
    if "[[history.years]]" not in EXAMPLE.read_text(encoding="utf-8"):
        pytest.skip("the example profile has no history")
    path = tmp_path / "p.toml"
    path.write_text(_with_history(str(2**63 - 1)), encoding="utf-8")
    with pytest.raises(DataError, match=r"history\.years\[0\]\.hack: must be at most"):
        load_profile(path)


def test_a_trading_volume_of_1e308_is_refused_naming_the_key(tmp_path):
    # issue 15: a trading volume of 1e308 gave a reserve of 0
    text = EXAMPLE.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith("trading_volume"))
    path = tmp_path / "p.toml"
    path.write_text(text.replace(line, "trading_volume = 1e308", 1), encoding="utf-8")
    with pytest.raises(DataError, match=r"exposure\.trading_volume: must lie in"):
        load_profile(path)


# --- overlapping layers ------------------------------------------------------------------


def test_overlapping_full_share_layers_are_refused():
    # issue 15: two overlapping layers ceded twice the gross loss (net mean negative)
    with pytest.raises(ValueError, match=r"layers\[0\], layers\[1\] .*overlap.* more than once"):
        InsuranceProgram([Layer(0, math.inf), Layer(0, math.inf)])
    with pytest.raises(ValueError, match="overlap above 5e"):
        InsuranceProgram([Layer(1e6, 9e6), Layer(5e6, 10e6, share=0.5)])
    with pytest.raises(ValueError, match="category 'hack'"):
        InsuranceProgram(
            [Layer(0, 1e6, categories=["hack"]), Layer(0, 1e6, categories=["hack", "fraud"])]
        )


def test_shares_that_add_up_to_one_and_stacked_layers_are_accepted():
    InsuranceProgram([Layer(0, 1e6, share=0.5), Layer(0, 1e6, share=0.5)])  # two insurers
    InsuranceProgram([Layer(0, 1e6), Layer(1e6, 1e6), Layer(2e6, math.inf)])  # a tower
    InsuranceProgram([Layer(0, 1e6, categories=["hack"]), Layer(0, 1e6, categories=["fraud"])])
    InsuranceProgram([Layer(0, 1e6), Layer(0, 1e6, per="aggregate")])  # net of occurrence


def test_the_engine_checks_that_ceded_never_exceeds_gross():
    # a programme built around the check (as a bug elsewhere could) meets the engine's
    # invariant 0 <= ceded <= gross instead of giving a negative net
    prog = InsuranceProgram([Layer(0, math.inf)])
    object.__setattr__(prog, "layers", (Layer(0, math.inf), Layer(0, math.inf)))
    m = LossModel({"h": (Poisson(3.0), LogNormal(10.0, 1.0))})
    with pytest.raises(RuntimeError, match=r"ceded .* outside \[0, gross"):
        simulate(m, 1000, rng=1, program=prog)
    gross = np.array([[1.0, 2.0]])
    with pytest.raises(RuntimeError):
        check_ceded(gross, np.array([[1.5, 0.0]]))
    with pytest.raises(RuntimeError):
        check_ceded(gross, np.array([[-0.5, 0.0]]))
    # rounding of the pro rata allocation is clipped, not reported
    assert check_ceded(gross, gross * (1 + 1e-15)).tolist() == gross.tolist()
    with pytest.raises(RuntimeError):  # the programme's own arithmetic checks it too
        apply_program(prog, gross, np.ones((1, 2, 2)), ["a", "b"])


# --- infinite means ----------------------------------------------------------------------


def _gpd_model(rate=3.0):
    return LossModel({"hack": (Poisson(rate), GeneralizedPareto(1.5, 1e6))})


def test_tvar_and_mean_of_an_infinite_mean_loss_are_inf_with_a_warning():
    # issue 15: GPD xi = 1.5 got a finite TVaR (22bn at 2e4 years, 44bn at 2e5) and a finite
    # mean in summary() without a warning
    with pytest.warns(InfiniteMomentWarning, match="'hack'"):
        r = simulate(_gpd_model(), 20_000, rng=1)
    assert r.gross.mean == math.inf and r.net.mean == math.inf and r.gross.std == math.inf
    assert math.isfinite(r.quantile(0.995))  # quantiles exist
    with pytest.warns(InfiniteMomentWarning, match="TVaR 0.99"):
        assert r.tvar(0.99) == math.inf
    with pytest.warns(InfiniteMomentWarning):
        assert r.gross.tvar_se(0.99) == math.inf
    with pytest.warns(InfiniteMomentWarning):
        text = r.summary()
    assert "inf" in text.splitlines()[2]  # the gross line
    with pytest.warns(InfiniteMomentWarning):
        d = r.to_dict()
    assert d["gross"]["mean"] == math.inf and d["gross"]["tvar_0.995"] == math.inf
    with pytest.warns(InfiniteMomentWarning):
        assert r.gross.contributions(0.99, "tvar")["hack"] == math.inf


def test_a_bounded_layer_keeps_the_ceded_mean_finite_and_the_net_one_infinite():
    prog = InsuranceProgram([Layer(1e6, 1e7)])
    with pytest.warns(InfiniteMomentWarning, match="gross/net"):
        r = simulate(_gpd_model(), 5_000, rng=3, program=prog)
    assert math.isfinite(r.ceded.mean) and r.ceded.mean <= 3 * 1e7 * 2  # bounded per year
    assert r.net.mean == math.inf
    assert math.isfinite(r.ceded.tvar(0.99))  # no warning: ceded is bounded


def test_an_unbounded_full_layer_makes_the_ceded_mean_infinite_and_the_net_finite():
    prog = InsuranceProgram([Layer(5e6, math.inf)])
    with pytest.warns(InfiniteMomentWarning, match="gross/ceded"):
        r = simulate(_gpd_model(), 5_000, rng=3, program=prog)
    assert r.ceded.mean == math.inf and math.isfinite(r.net.mean)


def test_expected_loss_of_a_category_without_losses_is_zero():
    # issue 15: Poisson(0) with an infinite-mean severity gave nan
    m = LossModel({"hack": (Poisson(0.0), GeneralizedPareto(1.5, 1e6))})
    assert m.expected_loss() == {"hack": 0.0}
    assert m.variance() == {"hack": 0.0}
    r = simulate(m, 100, rng=1)  # and no infinite-mean warning: the loss is always 0
    assert r.gross.mean == 0.0 and r.tvar(0.99) == 0.0


# --- dates, booleans, reinstatements -------------------------------------------------------


def test_a_date_after_today_is_refused_with_file_row_and_column(tmp_path):
    # issue 15: one row dated 2099 stretched the window to 2014-2099 without a word
    path = tmp_path / "losses.csv"
    path.write_text(
        "date,category,amount_usd\n2020-01-01,hack,5e6\n2099-05-01,hack,7e6\n2021-03-01,fraud,2e6\n"
    )
    with pytest.raises(DataError, match=r"losses\.csv, row 3, column date: date '2099-05-01' is "):
        read_losses(path)
    with pytest.warns(UserWarning, match="date in the future: 1 .row 3"):
        df = read_losses(path, on_invalid="drop")
    assert len(df) == 2


@pytest.mark.parametrize("value", ["no", "False", 0, 1, None, "yes"])
def test_include_context_is_a_strict_boolean(value):
    # issue 15: load_incidents(include_context="no") included the context rows
    with pytest.raises(TypeError, match="include_context: must be True or False"):
        load_incidents(include_context=value)


@pytest.mark.parametrize("value", [0.5, 1.25, -1, math.nan, "2", True])
def test_fractional_reinstatements_are_refused_by_the_api_as_by_the_toml_reader(value):
    # issue 15: Layer(reinstatements=0.5) was accepted by the API and refused by the reader
    with pytest.raises(ValueError, match="reinstatements must be a whole number"):
        Layer(0, 1e6, reinstatements=value)


def test_whole_and_unlimited_reinstatements_are_accepted():
    assert Layer(0, 1e6, reinstatements=2.0).annual_limit == 3e6
    assert Layer(0, 1e6, reinstatements=np.int64(1)).annual_limit == 2e6
    assert Layer(0, 1e6, reinstatements=math.inf).annual_limit == math.inf
