"""Exchange profiles: TOML validation, the model they build, and a reserve on the example."""

import dataclasses
import math
from importlib import resources

import numpy as np
import pytest

from riskmodel._errors import DataError
from riskmodel.calibrate import calibrate_industry
from riskmodel.insurance import Layer
from riskmodel.profile import ExchangeProfile, HistoryYear, example_profile, load_profile
from riskmodel.reserving import reserve
from riskmodel.severity import Capped, Truncated

EXAMPLE = resources.files("riskmodel.profiles") / "example_jp_midsize.toml"
TEXT = EXAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cal():
    return calibrate_industry()


@pytest.fixture(scope="module")
def profile():
    return example_profile()


# ------------------------------------------------------------------ the example
def test_example_profile_loads(profile):
    assert profile == load_profile(EXAMPLE)
    assert profile.currency == "JPY" and profile.usd_per_unit == 0.006606
    assert profile.trading_volume == 2.0e12 and profile.beta == 1.0
    assert profile.assets_under_custody == 1.5e11 and profile.custody_treatment == "cap"
    assert [y.year for y in profile.history] == list(range(2015, 2025))
    assert profile.history[4].counts == {"hack": 0, "fraud": 0, "operational": 1}
    assert len(profile.layers) == 1 and profile.layers[0].categories == ("hack", "operational")
    assert profile.source.endswith("example_jp_midsize.toml")
    d = profile.to_dict()
    assert d["layers"][0]["limit"] == 5e9 and d["history"][4]["counts"]["operational"] == 1
    # volume share: JPY 2tn x 0.006606 = USD 13.212bn of USD 7tn
    assert profile.volume_share == pytest.approx(13.212e9 / 7e12, rel=1e-14)


def test_rates_are_scaled_and_credibility_weighted(profile, cal):
    model, _, _ = profile.build_model(cal)
    share = 2.0e12 * 0.006606 / 7.0e12
    alpha = 1.0 / profile.prior_cv**2
    v_now = profile.trading_volume
    e = sum((y.volume / v_now) ** profile.beta for y in profile.history)  # 11.9 / 2 = 5.95
    assert e == pytest.approx(5.95)
    table = profile.rate_table(cal)
    for name in model.names:
        m = cal.categories[name].rate * share**profile.beta  # scaled industry rate
        n = sum(y.counts[name] for y in profile.history)
        z = e / (e + alpha / m)  # Poisson-gamma credibility weight
        want = z * (n / e) + (1 - z) * m
        # the same estimate written as the posterior mean (alpha + N) / (alpha/m + E)
        assert want == pytest.approx((alpha + n) / (alpha / m + e), rel=1e-12)
        assert model.categories[name][0].rate == pytest.approx(want, rel=1e-12)
        assert table.loc[name, "credibility_weight"] == pytest.approx(z, rel=1e-12)
        assert table.loc[name, "prior_rate"] == pytest.approx(m, rel=1e-12)
    # the one own operational loss raises that rate above the scaled industry rate
    assert table.loc["operational", "rate"] > table.loc["operational", "prior_rate"]
    assert table.loc["hack", "rate"] < table.loc["hack", "prior_rate"]


@pytest.mark.parametrize("beta", [1.0, 0.5])
def test_without_history_the_rate_is_industry_times_share_to_beta(profile, cal, beta):
    p = dataclasses.replace(profile, history=(), history_threshold_usd=None, beta=beta)
    model, _, assumptions = p.build_model(cal)
    for name in model.names:
        want = cal.categories[name].rate * p.volume_share**beta
        assert model.categories[name][0].rate == pytest.approx(want, rel=1e-14)
    assert any("No own incident history" in a for a in assumptions)


@pytest.mark.parametrize("treatment", ["cap", "truncate"])
def test_severities_never_exceed_the_assets(profile, cal, treatment):
    p = dataclasses.replace(profile, custody_treatment=treatment)
    model, _, _ = p.build_model(cal)
    a = 1.5e11 * 0.006606  # USD 990.9M
    rng = np.random.default_rng(11)
    for name, (_, sev) in model.categories.items():
        assert isinstance(sev, Capped if treatment == "cap" else Truncated)
        assert sev.isf(1e-15) <= a and sev.sf(a) == 0.0
        assert sev.sample(50_000, rng=rng).max() <= a
        # parameter-uncertainty draws keep the threshold and the limit
        for _ in range(5):
            _, drawn = model.uncertainty[name].draw(rng)
            assert drawn.isf(1e-15) <= a and drawn.sf(1e6) == 1.0
    # the cap puts the industry's probability beyond the assets at the assets
    hack = cal.categories["hack"].severity
    if treatment == "cap":
        assert model.categories["hack"][1].sf(a * (1 - 1e-9)) == pytest.approx(hack.sf(a))
    else:  # truncation renormalises below the assets
        assert model.categories["hack"][1].sf(1e8) == pytest.approx(
            (hack.sf(1e8) - hack.sf(a)) / (1 - hack.sf(a))
        )


def test_program_is_converted_to_usd_and_assumptions_are_stated(profile, cal):
    _, program, assumptions = profile.build_model(cal)
    (lay,) = program.layers
    assert lay.attachment == pytest.approx(1e9 * 0.006606)
    assert lay.limit == pytest.approx(5e9 * 0.006606)
    assert lay.premium == pytest.approx(3e8 * 0.006606)
    text = " ".join(assumptions)
    for needle in ("0.1887%", "7,000,000,000,000", "Poisson-gamma", "capped", "USD 0.006606"):
        assert needle in text


def test_reserve_runs_on_the_example(profile, cal):
    model, program, _ = profile.build_model(cal)
    gross = reserve(model, 0.995, rng=2026, n_sims=20_000)
    net = reserve(model, 0.995, rng=2026, n_sims=20_000, program=program)
    assert net.gross_reserve == gross.reserve  # same seed, same gross losses
    assert 0 < net.reserve <= net.gross_reserve and net.recovery >= 0
    assert gross.reserve <= 1.5e11 * 0.006606 * 3  # at most a few losses, each <= assets
    pu = reserve(model, 0.995, rng=2026, n_sims=20_000, parameter_uncertainty=True)
    assert np.isfinite(pu.reserve)


def test_model_checks_against_the_calibration(profile, cal):
    p = dataclasses.replace(profile, history_threshold_usd=5e6)
    with pytest.raises(DataError, match="same events") as err:
        p.build_model(cal)
    assert err.value.column == "history.threshold_usd"
    low = dataclasses.replace(profile, assets_under_custody=1e8)  # JPY 100M = USD 0.66M
    with pytest.raises(DataError, match="exceed the reporting threshold") as err:
        low.build_model(cal)
    assert err.value.column == "custody.assets"


def test_python_construction_validates():
    kw = {"name": "x", "trading_volume": 1e9, "industry_volume_usd": 1e12}
    kw["industry_volume_source"] = "assumption"
    assert ExchangeProfile(**kw).program() is None
    with pytest.raises(ValueError, match="trading_volume"):
        ExchangeProfile(**(kw | {"trading_volume": -1.0}))
    with pytest.raises(ValueError, match="usd_per_unit"):
        ExchangeProfile(**(kw | {"usd_per_unit": 2.0}))
    with pytest.raises(ValueError, match="history_threshold_usd"):
        ExchangeProfile(**(kw | {"history": (HistoryYear(2020, {"hack": 0}),)}))
    with pytest.raises(ValueError, match="unknown categories"):
        ExchangeProfile(**(kw | {"layers": (Layer(1.0, 2.0, categories=("theft",)),)}))
    with pytest.raises(ValueError, match="hack"):
        HistoryYear(2020, {"hack": -1})
    eur = ExchangeProfile(**(kw | {"currency": "EUR", "usd_per_unit": 1.08}))
    assert eur.usd_per_eur == 1.08


# ------------------------------------------------------------------ TOML mistakes
LAYER2 = """
[[insurance.layers]]
attachment = 6.0e9
limit = -1.0
"""


MINIMAL = (
    'name = "tiny"\n[exposure]\ntrading_volume = 1e9\nindustry_volume_usd = 7e12\n'
    'industry_volume_source = "assumption"\n'
)


def _sub(old, new, count=1):
    assert TEXT.count(old) >= 1, old
    return TEXT.replace(old, new, count)


CASES = [
    # (id, edited text, key path, message pattern)
    ("unknown top-level key", _sub("name = ", "nmae = "), "nmae", "did you mean 'name'"),
    (
        "unknown key in a table",
        _sub('treatment = "cap"', 'treatmnet = "cap"'),
        "custody.treatmnet",
        "unknown key 'treatmnet'",
    ),
    (
        "missing required key",
        _sub("trading_volume = 2.0e12", ""),
        "exposure.trading_volume",
        "required key 'trading_volume' is missing",
    ),
    ("misspelt table", _sub("[exposure]", "[exposures]"), "exposures", "did you mean 'exposure'"),
    ("missing required table", 'name = "x"\n', "exposure", "required key 'exposure' is missing"),
    (
        "wrong type",
        _sub("trading_volume = 2.0e12", 'trading_volume = "2tn"'),
        "exposure.trading_volume",
        "must be a number, got a string",
    ),
    (
        "boolean is not a number",
        _sub("beta = 1.0", "beta = true"),
        "exposure.beta",
        "must be a number, got a boolean",
    ),
    (
        "nan volume",
        _sub("trading_volume = 2.0e12", "trading_volume = nan"),
        "exposure.trading_volume",
        "must be a number",
    ),
    (
        "negative volume",
        _sub("trading_volume = 2.0e12", "trading_volume = -2.0e12"),
        "exposure.trading_volume",
        "must be finite and > 0",
    ),
    (
        "negative assets",
        _sub("assets = 1.5e11", "assets = -1.5e11"),
        "custody.assets",
        "> 0",
    ),
    (
        "bad custody treatment",
        _sub('treatment = "cap"', 'treatment = "clip"'),
        "custody.treatment",
        "'cap' or 'truncate'",
    ),
    (
        "fx rate missing",
        _sub("usd_per_unit = 0.006606", ""),
        "usd_per_unit",
        "required for currency 'JPY'",
    ),
    ("bad currency code", _sub('currency = "JPY"', 'currency = "yen"'), "currency", "ISO"),
    ("zero prior spread", _sub("prior_cv = 1.0", "prior_cv = 0.0"), "credibility.prior_cv", "> 0"),
    (
        "second layer's limit",
        TEXT.replace("[standard_formulas]", LAYER2 + "\n[standard_formulas]"),
        "insurance.layers[1].limit",
        "must be a number > 0",
    ),
    ("layer share", _sub("share = 1.0", "share = 1.5"), "insurance.layers[0].share", r"\(0, 1\]"),
    (
        "layer per",
        _sub('per = "occurrence"', 'per = "annual"'),
        "insurance.layers[0].per",
        "'occurrence' or 'aggregate'",
    ),
    (
        "layer reinstatements",
        _sub("reinstatements = 0", "reinstatements = 1.5"),
        "insurance.layers[0].reinstatements",
        "whole number",
    ),
    (
        "layer attachment missing",
        _sub("attachment = 1.0e9", ""),
        "insurance.layers[0].attachment",
        "required key",
    ),
    (
        "layer unknown category",
        _sub('categories = ["hack", "operational"]', 'categories = ["hack", "theft"]'),
        "insurance.layers[0].categories[1]",
        "unknown category 'theft'",
    ),
    (
        "aggregate layer with reinstatements",
        _sub('per = "occurrence"\nreinstatements = 0', 'per = "aggregate"\nreinstatements = 1'),
        "insurance.layers[0]",
        "occurrence layers",
    ),
    (
        "layers not an array of tables",
        MINIMAL + "[insurance]\nlayers = 5\n",
        "insurance.layers",
        r"must be an array of tables \(\[\[...\]\]\), got a number",
    ),
    (
        "years not an array of tables",
        MINIMAL + "[history]\nthreshold_usd = 1e6\nyears = [1, 2]\n",
        "history.years",
        "array of tables",
    ),
    (
        "negative count",
        _sub("year = 2015\nhack = 0", "year = 2015\nhack = -1"),
        "history.years[0].hack",
        "whole number >= 0",
    ),
    (
        "fractional count",
        _sub("year = 2015\nhack = 0", "year = 2015\nhack = 0.5"),
        "history.years[0].hack",
        "must be a whole number",
    ),
    (
        "unknown category in history",
        _sub("year = 2015\nhack = 0", "year = 2015\nhack = 0\ntheft = 0"),
        "history.years[0].theft",
        "loss categories are hack, fraud, operational",
    ),
    (
        "missing category in history",
        _sub("year = 2016\nhack = 0\nfraud = 0\n", "year = 2016\nhack = 0\n"),
        "history.years[1].fraud",
        r"required key 'fraud' is missing \(write 0 if there were none\)",
    ),
    (
        "duplicate year",
        _sub("year = 2016", "year = 2015"),
        "history.years[1].year",
        "year 2015 repeats entry 0",
    ),
    ("years out of order", _sub("year = 2016", "year = 2014"), "history.years", "increasing"),
    ("year as text", _sub("year = 2016", 'year = "2016"'), "history.years[1].year", "whole"),
    ("year out of range", _sub("year = 2016", "year = 16"), "history.years[1].year", "1990"),
    (
        "negative history volume",
        _sub("volume = 1.5e11", "volume = -1.5e11"),
        "history.years[1].volume",
        "> 0",
    ),
    (
        "history without threshold",
        _sub("threshold_usd = 1.0e6", ""),
        "history.threshold_usd",
        "required key",
    ),
    (
        "MiCA class",
        _sub("mica_class = 3", "mica_class = 4"),
        "standard_formulas.mica_class",
        "1, 2 or 3",
    ),
    (
        "exposure is not a table",
        'name = "x"\nexposure = 3\n',
        "exposure",
        "must be a table",
    ),
]


@pytest.mark.parametrize(
    ("text", "key", "pattern"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_toml_mistakes_name_file_key_and_problem(tmp_path, text, key, pattern):
    path = tmp_path / "profile.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=pattern) as err:
        load_profile(path)
    assert err.value.path == str(path)
    assert err.value.column == key
    assert err.value.row is None
    assert str(err.value).startswith(f"{path}, column {key}: ")


def test_invalid_toml_and_encoding_give_the_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('name = "x"\n[exposure\ntrading_volume = 1\n', encoding="utf-8")
    with pytest.raises(DataError, match="invalid TOML") as err:
        load_profile(path)
    assert err.value.path == str(path) and err.value.row == 2
    path.write_bytes(b'name = "\xff"\n')
    with pytest.raises(DataError, match="UTF-8"):
        load_profile(path)
    with pytest.raises(FileNotFoundError):
        load_profile(tmp_path / "missing.toml")


def test_minimal_usd_profile(tmp_path):
    path = tmp_path / "min.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    p = load_profile(path)
    assert p.currency == "USD" and p.usd_per_unit == 1.0 and p.assets_under_custody is None
    assert p.history == () and p.program() is None and math.isclose(p.volume_share, 1 / 7000)


def test_resolve_profile_accepts_every_form(tmp_path):
    from riskmodel.profile import resolve_profile

    ex = example_profile()
    assert resolve_profile(None) is None
    assert resolve_profile(ex) is ex
    assert resolve_profile("example") == ex
    with pytest.raises(TypeError, match="profile"):
        resolve_profile(3)
    with pytest.raises((FileNotFoundError, DataError)):
        resolve_profile(tmp_path / "missing.toml")
