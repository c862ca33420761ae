"""The report's model risk: the reserve under each severity family beside the headline, its
page, its JSON keys (those of ``riskmodel reserve --json``) and the rules of when it is
computed (issue 14)."""

import dataclasses
import json

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from test_report import run_cli  # tests/report is on sys.path (pytest's rootdir import)

from riskmodel.calibrate import calibrate_industry
from riskmodel.model_averaging import model_risk
from riskmodel.report import PAGES, write_report
from riskmodel.report import _model_risk as page
from riskmodel.report._compute import compute
from riskmodel.report._files import jsonable

#: small runs that still size a 99.5% reserve (100 years beyond it)
SMALL = {"n_sims": 20_000, "gof_boot": 0, "pricing_n_sims": 5_000, "seed": 13}

#: compute()'s arguments beside SMALL (write_report's defaults)
DEFAULTS = {
    "profile": None,
    "coverage": 0.995,
    "measure": "var",
    "data": None,
    "threshold": 1e6,
    "since": None,
    "until": None,
    "level": 0.95,
    "credit_rules": None,
    "parameter_uncertainty": False,
    "n_threads": None,
    "progress": False,
}


@pytest.fixture(scope="module")
def lognormal_report(tmp_path_factory):
    """Every category lognormal: the model-risk lognormal row is then the headline's model."""
    cal = calibrate_industry(severity="lognormal")
    out = tmp_path_factory.mktemp("mr") / "rep"
    return write_report(out, calibration=cal, **SMALL)


@pytest.fixture(scope="module")
def industry_data():
    """The default industry model's report numbers (weibull, weibull, pooled lognormal)."""
    return compute(**DEFAULTS, **SMALL)


def test_the_json_has_the_families_their_weights_and_the_average(lognormal_report):
    doc = json.loads((lognormal_report.path / "report.json").read_text())
    rows = doc["model_risk"]
    used = [r for r in rows if r["reserve"] is not None]
    assert len(used) >= 3
    assert sum(r["weight"] for r in rows) == pytest.approx(1.0, abs=1e-12)
    assert all(r["weight"] == 0 for r in rows if r["reserve"] is None)
    assert doc["model_risk_averaged"] == pytest.approx(
        sum(r["weight"] * r["reserve"] for r in used), rel=1e-12
    )
    assert "model_risk_note" not in doc  # computed: no note, as in `riskmodel reserve --json`
    # the lognormal row is the headline's model with the same seed and years: same reserve
    headline = doc["headline"]["net_reserve"]
    lognormal = next(r for r in rows if r["family"] == "lognormal")
    assert lognormal["reserve"] == headline
    assert lognormal["ci"][0] <= headline <= lognormal["ci"][1]
    # and the other families are other models
    assert all(r["reserve"] != headline for r in used if r["family"] != "lognormal")


def test_the_rows_are_model_risk_with_the_reports_seed_and_years(lognormal_report):
    cal = calibrate_industry(severity="lognormal")
    mr = model_risk(n_sims=SMALL["n_sims"], rng=SMALL["seed"], calibration=cal)
    assert lognormal_report.document["model_risk"] == jsonable(mr.entries())
    table = pd.read_csv(lognormal_report.path / "model_risk.csv", index_col="family")
    assert table["reserve"].to_dict() == pytest.approx(mr.table["reserve"].to_dict(), nan_ok=True)


def test_the_page_is_in_the_pdf_and_the_summary_has_a_line(lognormal_report):
    doc = lognormal_report.document
    assert "Model risk" in doc["report"]["pages"] and doc["report"]["pages"] == list(PAGES)
    text = lognormal_report.summary()
    assert "model-averaged reserve" in text
    assert f"{doc['model_risk_averaged']:,.0f}" in text
    assert any(m.startswith("Model risk: each candidate severity family") for m in doc["method"])
    assert doc["run"]["elapsed_s"]["model_risk_s"] > 0


def test_the_prose_says_which_row_is_the_headline(industry_data):
    d = industry_data
    lines = page.prose(d)
    # the default model mixes families: no row is the headline's, the nearest is named
    fams = {c.family for c in d.calibration.categories.values()}
    assert len(fams) > 1 and "no row is exactly the headline's model" in lines[0]
    assert f"the nearest is the {d.calibration.categories['hack'].family} row" in lines[0]
    assert "Monte Carlo only" in lines[2]
    failed = d.model_risk.table[~d.model_risk.table["converged"]]
    assert (len(lines) == 4) == (len(failed) > 0)


@pytest.mark.parametrize("factor", [0.5, 2.0])
def test_the_spread_is_compared_with_the_parameter_interval(industry_data, factor):
    # the sentence follows the numbers: a headline interval narrower than the spread between
    # families is said to be exceeded, a wider one is not
    d = industry_data
    lo, _, hi, _, k = page.spread(d.model_risk)
    assert k >= 2 and hi > lo
    width = factor * (hi - lo)
    start = d.headline["net_reserve"] - width / 2
    d2 = dataclasses.replace(d, headline={**d.headline, "net_ci_total": [start, start + width]})
    text = page.prose(d2)[1]
    if factor < 1:
        assert f"{(hi - lo) / width:.1f} times the width" in text
        assert "more than the estimation error" in text
    else:
        assert "within the width" in text and "times the width" not in text
    d3 = dataclasses.replace(d, headline={**d.headline, "net_ci_total": None})
    assert "Monte Carlo only" in page.prose(d3)[1]


def test_a_profile_asked_for_model_risk_gets_the_industry_rows(industry_data):
    d = compute(**{**DEFAULTS, "profile": "example"}, **SMALL, model_risk=True)
    # the industry model's reserves under each family, not the exchange's
    assert jsonable(d.model_risk.entries()) == jsonable(industry_data.model_risk.entries())
    assert d.model_risk_note is None
    assert "not this exchange's" in page.prose(d)[0]
    _, rows = page.family_table(d)
    assert all(r[-1] in ("n/a", "") for r in rows)  # no delta against the exchange's reserve
    assert page.summary_row(d, 7) is None


def test_no_model_risk_gives_null_and_a_note(tmp_path):
    out = run_cli(
        "report",
        "rep",
        "--n-sims",
        "5000",
        "--pricing-n-sims",
        "5000",
        "--gof-boot",
        "0",
        "--no-model-risk",
        "--json",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    printed = json.loads(out.stdout)
    doc = json.loads((tmp_path / "rep" / "report.json").read_text())
    for d in (printed, doc):
        assert d["model_risk"] is None and d["model_risk_averaged"] is None
        assert "--no-model-risk" in d["model_risk_note"]
    assert "model_risk.csv" not in doc["report"]["files"]
    assert "Model risk" in doc["report"]["pages"]  # the page stays, saying why


def test_model_risk_for_a_calibration_without_its_losses_is_refused(tmp_path):
    from riskmodel.data import load_incidents

    table = load_incidents()
    table.attrs.clear()  # a table of the caller's, not known as the bundled data
    cal = calibrate_industry(table, since=2014)
    assert not cal.bundled
    with pytest.raises(ValueError, match="data="):
        write_report(tmp_path / "r", calibration=cal, model_risk=True, **SMALL)
    assert not (tmp_path / "r").exists()
    d = compute(**DEFAULTS, **{**SMALL, "n_sims": 5_000}, calibration=cal)
    assert d.model_risk is None and "not given" in d.model_risk_note
    # with its losses it is computed, from those losses
    d = compute(**{**DEFAULTS, "data": table}, **{**SMALL, "n_sims": 5_000}, calibration=cal)
    assert d.model_risk is not None and d.model_risk_note is None
