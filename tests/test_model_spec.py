"""Model files (``riskmodel.spec``): the model the data support, with its caps, saved, edited,
reloaded and simulated exactly; the extrapolation warning; models with an infinite mean."""

import math
import re

import numpy as np
import pandas as pd
import pytest

from riskmodel import DataError, InfiniteMomentWarning, Layer, LossModel
from riskmodel.calibrate import (
    DEFAULT_CAP_USD,
    EXTRAPOLATION_MIN_LOSSES,
    EXTRAPOLATION_MULTIPLE,
    EXTRAPOLATION_SHARE,
    calibrate_industry,
    extrapolation_note,
)
from riskmodel.frequency import NegativeBinomial, Poisson
from riskmodel.pricing import price_layer
from riskmodel.profile import resolve_profile
from riskmodel.reserving import reserve
from riskmodel.severity import Spliced, get_family
from riskmodel.spec import CategorySpec, ModelSpec, SeveritySpec, load_model, save_model

N_SIMS = 50_000
#: the families the selection rule chooses on the bundled incidents (pooled for operational)
SELECTED = {"hack": "weibull", "fraud": "weibull", "operational": "lognormal"}


@pytest.fixture(scope="module")
def cal():
    return calibrate_industry()


@pytest.fixture(scope="module")
def spec(cal):
    return cal.spec()


def _reserve(model, **kw):
    return reserve(model, 0.995, rng=7, n_sims=N_SIMS, parameter_draws=0, **kw)


def _hand_spec() -> ModelSpec:
    """A spliced severity, a negative binomial, a dependence and names TOML must quote."""
    body = SeveritySpec(
        "lognormal", {"mu": 15.5, "sigma": 1.5}, ("mu", "sigma"), ((0.04, 0.001), (0.001, 0.02))
    )
    tail = SeveritySpec("gpd", {"xi": 0.6, "sigma": 3e7, "threshold": 5e7})
    spliced = SeveritySpec("spliced", body=body, tail=tail, threshold=5e7, weight=0.85, n_obs=50)
    pareto = SeveritySpec("pareto", {"alpha": 0.9, "xm": 1e6}, ("alpha",), ((0.01,),), n_obs=30)
    weibull = SeveritySpec(
        "weibull", {"shape": 0.4, "scale": 2e7}, ("shape", "scale"), ((0.01, 1e5), (1e5, 1e14))
    )
    cats = {
        "hack": CategorySpec(
            "hack",
            3.5,
            spliced,
            1e6,
            cap=1e10,
            cap_source='assets "held"',
            log_rate_se=0.2,
            trend=0.05,
            trend_se=0.02,
            projection_year=2026,
            n_losses=50,
        ),
        "insider theft": CategorySpec(
            "insider theft",
            1.2,
            weibull,
            1e6,
            frequency="negative_binomial",
            shape=2.5,
            n_losses=12,
            selection="chosen by the user",
        ),
        "a.b": CategorySpec("a.b", 0.5, pareto, 1e6, cap=5e9, cap_source="x", pooled=True),
    }
    corr = ((1.0, 0.3, 0.1), (0.3, 1.0, 0.0), (0.1, 0.0, 1.0))
    data = {"source": "by hand", "window": [2015, 2024], "threshold": 1e6}
    return ModelSpec(cats, data, corr=corr, description="a model written by hand")


# ----------------------------------------------------------------------------- round trip
def test_the_calibrated_model_round_trips_through_toml(tmp_path, spec):
    path = tmp_path / "m.toml"
    spec.save(path)
    back = load_model(path)
    assert back == spec
    assert back.names == ("hack", "fraud", "operational")
    assert {n: c.severity.family for n, c in back.categories.items()} == SELECTED
    assert all(c.cap == DEFAULT_CAP_USD for c in back.categories.values())
    # written again, the file is the same text
    save_model(back, tmp_path / "again.toml")
    assert (tmp_path / "again.toml").read_text() == path.read_text()
    # without caps too (no cap key is written)
    none = spec.with_changes(cap=None)
    none.save(tmp_path / "none.toml")
    assert "cap =" not in (tmp_path / "none.toml").read_text()
    assert load_model(tmp_path / "none.toml") == none


def test_a_spliced_negative_binomial_dependent_model_round_trips(tmp_path):
    spec = _hand_spec()
    spec.save(tmp_path / "m.toml")
    back = load_model(tmp_path / "m.toml")
    assert back == spec
    assert back.names == ("hack", "insider theft", "a.b")
    assert back.corr == spec.corr
    assert back.categories["hack"].severity.tail == spec.categories["hack"].severity.tail


# ----------------------------------------------------------------------------- to_model
def _expected_severity(c: CategorySpec):
    s = c.severity
    if s.family == "spliced":
        body = get_family(s.body.family)(**s.body.params).truncated(lower=c.threshold)
        d = Spliced(body, get_family(s.tail.family)(**s.tail.params), s.threshold, s.weight)
    else:
        d = get_family(s.family)(**s.params).truncated(lower=c.threshold)
    return d.capped(c.cap) if c.cap is not None else d


@pytest.mark.parametrize("which", ["calibrated", "by hand"])
def test_to_model_simulates_exactly_the_files_families(tmp_path, spec, which):
    s = spec if which == "calibrated" else _hand_spec()
    s.save(tmp_path / "m.toml")
    loaded = load_model(tmp_path / "m.toml")
    model = loaded.to_model()
    assert model.names == s.names
    xs = np.array([1e6, 3e6, 2e7, 1e8, 1e9, 4.9e9, 2e10, 9e10])
    for name, c in loaded.categories.items():
        freq, sev = model.categories[name]
        want = _expected_severity(c)
        assert sev == want
        np.testing.assert_array_equal(sev.sf(xs), want.sf(xs))
        if c.frequency == "poisson":
            assert freq == Poisson(c.rate)
        else:
            assert freq == NegativeBinomial(c.rate, c.shape)
    if which == "by hand":
        np.testing.assert_array_equal(model.dependence.corr, np.asarray(s.corr))
    else:
        assert model.dependence is None
        # the same numbers as a LossModel written out by hand, seed for seed
        hand = LossModel(
            {n: (Poisson(c.rate), _expected_severity(c)) for n, c in loaded.categories.items()}
        )
        assert _reserve(model).reserve == _reserve(hand).reserve


def _replace_table(text: str, header: str, body: str) -> str:
    """Replace the keys of TOML table ``[header]`` (up to the next table) by ``body``."""
    pattern = re.compile(rf"(^\[{re.escape(header)}\]\n)(.*?)(?=^\[|\Z)", re.S | re.M)
    new, n = pattern.subn(lambda m: m.group(1) + body + "\n", text)
    assert n == 1, header
    return new


def test_editing_a_family_in_the_file_changes_the_model_and_the_reserve(tmp_path, spec):
    path = tmp_path / "m.toml"
    spec.save(path)
    edited = _replace_table(
        path.read_text(),
        "categories.fraud.severity",
        'family = "lognormal"\nparams = { mu = 15.0, sigma = 1.5 }\n',
    )
    (tmp_path / "e.toml").write_text(edited)
    new = load_model(tmp_path / "e.toml")
    assert new.categories["fraud"].severity.family == "lognormal"
    assert new.categories["fraud"].severity.cov is None
    assert new.categories["hack"] == spec.categories["hack"]
    model = new.to_model()
    want = get_family("lognormal")(mu=15.0, sigma=1.5).truncated(lower=1e6).capped(1e11)
    assert model.categories["fraud"][1] == want
    assert model.categories["hack"] == spec.to_model().categories["hack"]
    # no covariance: fraud's parameters are taken as known, the others are still redrawn
    assert "fraud" not in model.uncertainty and "hack" in model.uncertainty
    before, after = _reserve(spec.to_model()), _reserve(model)
    # the light lognormal tail removes most of the reserve (98% of it came from fraud)
    assert after.reserve < 0.5 * before.reserve
    assert after.ci[1] < before.ci[0]


# ----------------------------------------------------------------------------- caps
def test_the_cap_bounds_every_loss_and_the_reserve_grows_with_it(spec):
    models = {cap: spec.with_changes(cap=cap).to_model() for cap in (1e10, 1e11, None)}
    # calibrate_industry's cap gives the same model as editing the cap of the spec
    direct = calibrate_industry(severity=SELECTED, cap=1e10)
    for name in spec.names:
        assert direct.model.categories[name] == models[1e10].categories[name]
    for cap in (1e10, 1e11):
        for _, sev in models[cap].categories.values():
            assert sev.isf(1e-12) <= cap
            x = sev.sample(200_000, rng=3)
            assert x.max() <= cap and x.min() >= 1e6
    # a 1e10 cap binds: about 2% of fraud losses are at the cap
    x = models[1e10].categories["fraud"][1].sample(200_000, rng=3)
    assert 0.01 < np.mean(x == 1e10) < 0.04
    # uncapped, the fitted fraud tail goes beyond every cap
    assert models[None].categories["fraud"][1].isf(1e-6) > 1e11
    res = {cap: _reserve(m) for cap, m in models.items()}
    lo, mid, hi = res[1e10], res[1e11], res[None]
    # the Monte Carlo intervals (no parameter draws) do not overlap
    assert lo.ci_mc[1] < mid.ci_mc[0]
    # VaR 99.5% lies below 1e11: the same simulated years give the same quantile ...
    assert hi.reserve >= mid.reserve
    # ... but TVaR averages over the years beyond it, where the cap binds
    assert lo.tvar_ci[1] < mid.tvar_ci[0] and mid.tvar_ci[1] < hi.tvar_ci[0]


def test_an_infinite_mean_without_a_cap_is_never_a_finite_number():
    cal = calibrate_industry(severity=SELECTED | {"hack": "pareto"}, cap=None)
    hack = cal.categories["hack"]
    assert hack.family == "pareto" and hack.cap is None
    assert hack.severity_fit.params["alpha"] < 1  # the mean of a hack is infinite
    assert "No per-loss cap" in " ".join(cal.assumptions())
    assert cal.model.expected_loss()["hack"] == math.inf
    assert hack.expected_loss == math.inf
    assert cal.table().loc["hack", "expected_annual_loss"] == math.inf
    with pytest.warns(InfiniteMomentWarning, match="hack"):
        res = _reserve(cal.model)
    assert math.isfinite(res.reserve) and res.reserve > 0  # VaR exists
    assert res.tvar == math.inf and res.tvar_ci == (math.inf, math.inf)
    with pytest.warns(InfiniteMomentWarning, match="TVaR"):
        tv = _reserve(cal.model, measure="tvar")
    assert not math.isfinite(tv.reserve)
    with pytest.warns(InfiniteMomentWarning, match="infinite"):
        price = price_layer(cal.model, Layer(1e8, math.inf), n_sims=20_000, rng=1)
    assert price.expected_loss == math.inf and price.premium == math.inf
    # capped, the same families have finite means
    capped = calibrate_industry(severity=SELECTED | {"hack": "pareto"})
    assert all(math.isfinite(v) for v in capped.model.expected_loss().values())


def test_a_tvar_reserve_of_an_infinite_mean_model_is_inf():
    cal = calibrate_industry(severity=SELECTED | {"hack": "pareto"}, cap=None)
    with pytest.warns(InfiniteMomentWarning):
        res = _reserve(cal.model, measure="tvar")
    assert res.reserve == math.inf


# ----------------------------------------------------------------------------- extrapolation
def _tame_incidents() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for year in range(2013, 2025):
        for cat, lam in (("a", 30), ("b", 25)):
            x = np.exp(rng.normal(14.5, 0.8, rng.poisson(lam)))
            rows += [(f"{year}-06-01", cat, v) for v in x[x >= 1e6]]
    df = pd.DataFrame(rows, columns=["date", "category", "amount_usd"])
    df["date"] = pd.to_datetime(df["date"])
    return df


def test_no_extrapolation_warning_for_a_model_within_its_data():
    cal = calibrate_industry(_tame_incidents(), severity="lognormal")
    res = _reserve(cal.model)
    big, _ = cal.largest_annual_total
    assert res.reserve < EXTRAPOLATION_MULTIPLE * big
    assert all(c.severity_fit.n_obs >= EXTRAPOLATION_MIN_LOSSES for c in cal.categories.values())
    assert cal.extrapolation(res) is None


def test_the_extrapolation_warning_states_its_figures():
    cal = calibrate_industry(severity="lognormal", cap=None)
    res = _reserve(cal.model)
    big, year = cal.largest_annual_total
    assert year == 2022 and res.reserve > EXTRAPOLATION_MULTIPLE * big
    note = cal.extrapolation(res)
    assert note is not None and note.startswith("Extrapolation: ")
    assert f"the reserve is {res.reserve / big:.0f} times the largest annual total" in note
    assert f"USD {big / 1e9:,.1f}bn in 2022" in note
    share = res.allocation["fraud"] / sum(res.allocation.values())
    assert f"{share:.0%} of it comes from fraud, fitted on 13 losses" in note


def test_extrapolation_note_conditions():
    big = (2e9, 2021)
    many = {"a": 100, "b": 100}
    # below both limits
    assert extrapolation_note(1e9, {"a": 5e8, "b": 5e8}, many, big) is None
    # exactly at the limits: not yet
    at = EXTRAPOLATION_MULTIPLE * big[0]
    assert extrapolation_note(at, {"a": at / 2, "b": at / 2}, many, big) is None
    share = {"a": EXTRAPOLATION_SHARE * 1e9, "b": (1 - EXTRAPOLATION_SHARE) * 1e9}
    assert extrapolation_note(1e9, share, {"a": 3, "b": 100}, big) is None
    lots = {"a": EXTRAPOLATION_MIN_LOSSES, "b": 100}
    assert extrapolation_note(1e9, {"a": 9.5e8, "b": 5e7}, lots, big) is None
    # the multiple
    note = extrapolation_note(3e10, {"a": 1.5e10, "b": 1.5e10}, many, big)
    assert "the reserve is 15 times the largest annual total in the data (USD 2.0bn in 2021)" in (
        note
    )
    assert "comes from" not in note
    # the share from a thinly fitted category, with the largest annual total for scale
    few = {"a": EXTRAPOLATION_MIN_LOSSES - 1, "b": 100}
    note = extrapolation_note(1e9, {"a": 9.5e8, "b": 5e7}, few, big)
    assert "95% of it comes from a, fitted on 19 losses" in note
    assert "(largest annual total in the data USD 2.0bn in 2021)" in note
    assert "times the largest" not in note
    # both
    note = extrapolation_note(4e10, {"a": 3.9e10, "b": 1e9}, few, big)
    assert "20 times" in note and "98% of it comes from a" in note
    # no annual total known: only the share can be judged
    assert extrapolation_note(1e12, {"a": 5e11, "b": 5e11}, many, (math.nan, None)) is None


def test_extrapolation_note_states_a_small_annual_total_legibly():
    note = extrapolation_note(7e8, {"theft": 7e8}, {"theft": 6}, (1.5e7, 2023))
    assert note is not None and "0.0bn" not in note


# ----------------------------------------------------------------------------- load errors
BASE = """
[categories.hack]
rate = 2.0
threshold = 1e6
cap = 1e10

[categories.hack.severity]
family = "lognormal"
params = { mu = 16.0, sigma = 2.0 }
"""

COV = 'sigma = 2.0 }\nfree = ["mu", "sigma"]\ncov = '


@pytest.mark.parametrize(
    ("old", "new", "key", "needle"),
    [
        ("rate = 2.0", "rate = 2.0\nrte = 3.0", "categories.hack.rte", "unknown key 'rte'"),
        ("rate = 2.0\n", "", "categories.hack.rate", "required key 'rate' is missing"),
        ("rate = 2.0", 'rate = "2"', "categories.hack.rate", "must be a number"),
        ("rate = 2.0", "rate = -2.0", "categories.hack", "rate must be"),
        ('"lognormal"', '"lognormale"', "categories.hack.severity", "unknown family"),
        ("sigma = 2.0", "sigma = -2.0", "categories.hack.severity", "sigma must be positive"),
        ("mu = 16.0, ", "", "categories.hack.severity", "missing ['mu']"),
        ("cap = 1e10", "cap = 1e5", "categories.hack", "cap must be"),
        (
            'family = "lognormal"',
            'family = "lognormal"\nshape = 3',
            "categories.hack.severity.shape",
            "unknown key 'shape'",
        ),
        (
            "sigma = 2.0 }",
            COV + "[[400.0, 0.0], [0.0, 0.01]]",
            "categories.hack.severity",
            "does not fit these parameters",
        ),
        ("sigma = 2.0 }", COV + "[[0.01]]", "categories.hack.severity", "cov must be 2x2"),
    ],
)
def test_load_errors_name_the_file_and_the_key(tmp_path, old, new, key, needle):
    assert old in BASE
    path = tmp_path / "model.toml"
    path.write_text(BASE.replace(old, new, 1))
    with pytest.raises(DataError) as err:
        load_model(path)
    e = err.value
    assert e.path == str(path) and str(path) in str(e)
    assert e.column == key and key in str(e)
    assert needle in str(e)


def test_load_errors_for_unreadable_files(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(BASE.replace("rate = 2.0", "rate = = 2.0"))
    with pytest.raises(DataError, match="not a valid TOML file") as err:
        load_model(bad)
    assert str(bad) in str(err.value) and "line 3" in str(err.value)
    with pytest.raises(DataError, match="no such model file"):
        load_model(tmp_path / "missing.toml")
    (tmp_path / "empty.toml").write_text("format = 1\n")
    with pytest.raises(DataError, match="categories"):
        load_model(tmp_path / "empty.toml")
    (tmp_path / "v2.toml").write_text("format = 2\n" + BASE)
    with pytest.raises(DataError, match="unsupported format 2"):
        load_model(tmp_path / "v2.toml")


def test_an_unknown_top_level_key_is_named_as_written(tmp_path):
    path = tmp_path / "model.toml"
    path.write_text("foo = 1\n" + BASE)
    with pytest.raises(DataError) as err:
        load_model(path)
    assert err.value.column == "foo"


@pytest.mark.parametrize("corr", ["[[1.0, 0.2], [0.2, 1.0]]", "[[2.0]]"])
def test_a_bad_correlation_matrix_is_reported_with_file_and_key(tmp_path, corr):
    path = tmp_path / "model.toml"
    path.write_text(BASE + f"\n[dependence]\ncorr = {corr}\n")
    with pytest.raises(DataError) as err:
        load_model(path)
    assert err.value.column == "dependence.corr" and str(path) in str(err.value)


@pytest.mark.parametrize("cov", ["[[-0.04, 0.0], [0.0, 0.01]]", "[[0.04, 0.03], [-0.03, 0.01]]"])
def test_a_covariance_that_is_not_one_is_reported(tmp_path, cov):
    path = tmp_path / "model.toml"
    path.write_text(BASE.replace("sigma = 2.0 }", COV + cov))
    with pytest.raises(DataError, match="cov") as err:
        load_model(path)
    assert err.value.column == "categories.hack.severity"
    assert "positive" in err.value.message or "symmetric" in err.value.message


# ----------------------------------------------------------------------------- with_changes
def test_with_changes_cap(spec):
    one = spec.with_changes(cap=2e10, cap_source="a smaller exchange")
    assert {c.cap for c in one.categories.values()} == {2e10}
    assert {c.cap_source for c in one.categories.values()} == {"a smaller exchange"}
    assert one.to_model().categories["hack"][1].isf(1e-12) <= 2e10
    none = spec.with_changes(cap=None)
    assert all(c.cap is None and c.cap_source == "" for c in none.categories.values())
    hack = spec.with_changes(cap={"hack": 5e10})
    assert hack.categories["hack"].cap == 5e10
    assert hack.categories["hack"].cap_source == "set by the user"
    for name in ("fraud", "operational"):
        assert hack.categories[name] == spec.categories[name]
    # everything else is untouched
    assert one.data == spec.data and one.corr == spec.corr
    for name in spec.names:
        a, b = spec.categories[name], one.categories[name]
        assert (a.rate, a.severity, a.threshold) == (b.rate, b.severity, b.threshold)
    with pytest.raises(ValueError, match="unknown categories"):
        spec.with_changes(cap={"theft": 1e9})
    with pytest.raises(ValueError, match="cap"):
        spec.with_changes(cap=1e5)  # below the threshold


def test_with_changes_projection_year_moves_the_rate_along_its_trend(spec):
    hack = spec.categories["hack"]
    assert hack.trend > 0 and hack.projection_year == 2026
    later = spec.with_changes(projection_year=2030)
    assert later.categories["hack"].rate == pytest.approx(hack.rate * math.exp(4 * hack.trend))
    assert later.categories["hack"].projection_year == 2030
    for name in ("fraud", "operational"):  # no trend: the same rate
        assert spec.categories[name].trend == 0
        assert later.categories[name].rate == spec.categories[name].rate
    back = later.with_changes(projection_year=2026)
    assert back.categories["hack"].rate == pytest.approx(hack.rate, rel=1e-12)
    assert later.to_model().categories["hack"][0] == Poisson(later.categories["hack"].rate)


# ----------------------------------------------------------------------------- profiles
def test_a_profile_builds_on_a_model_file(tmp_path, spec):
    spec.save(tmp_path / "m.toml")
    loaded = load_model(tmp_path / "m.toml").calibration()
    assert loaded.categories.keys() == spec.categories.keys()
    for name, c in loaded.categories.items():
        assert c.family == spec.categories[name].severity.family
        assert dict(c.severity_fit.params) == spec.categories[name].severity.params
    model, program, assumptions = resolve_profile("example").build_model(loaded)
    assert set(model.uncertainty) == set(spec.names)
    rng = np.random.default_rng(1)
    for name, drawer in model.uncertainty.items():
        assert drawer.method == "normal"
        freq, sev = drawer.draw(rng)
        assert math.isfinite(freq.rate) and freq.rate > 0
        assert sev.sf(1e6) == 1.0  # truncated at the threshold
        assert sev != model.categories[name][1]  # a new draw, not the point estimate
    res = reserve(model, 0.995, program=program, rng=2, n_sims=20_000, parameter_draws=10)
    assert res.ci_total is not None and np.all(np.isfinite(res.parameter_reserves))
    assert assumptions
