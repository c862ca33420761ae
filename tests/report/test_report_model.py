"""The report of the model that is simulated: a given calibration, a model file, the
families and caps it states, and the extrapolation warning (issue 13)."""

import json
import re

import matplotlib

matplotlib.use("Agg")

import pytest
from test_report import run_cli  # tests/report is on sys.path (pytest's rootdir import)

from riskmodel.calibrate import calibrate_industry
from riskmodel.report import PAGES, write_report
from riskmodel.spec import load_model

#: the smallest runs that size a 99.5% reserve (25 years beyond it)
TINY = {"n_sims": 5_000, "gof_boot": 0, "pricing_n_sims": 5_000, "seed": 7}


def pdf_pages(path) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", path.read_bytes()))


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """The default model of the bundled data, saved as a model file."""
    cal = calibrate_industry()
    path = tmp_path_factory.mktemp("model") / "model.toml"
    cal.spec().save(path)
    return cal, path


def test_a_report_from_a_model_file_names_its_families(model_file, tmp_path):
    fitted, path = model_file
    cal = load_model(path).calibration()
    res = write_report(tmp_path / "rep", calibration=cal, **TINY)
    doc = json.loads((res.path / "report.json").read_text())
    assert pdf_pages(res.path / "report.pdf") == len(PAGES)
    assert doc["inputs"]["model"] == "read from a model file"
    # a model file holds no losses to refit under other families
    assert doc["model_risk"] is None and "model file" in doc["model_risk_note"]
    assert doc["inputs"]["data"].startswith("model file fitted to bundled exchange incidents")
    families = {c["category"]: c["family"] for c in doc["calibration"]["categories"]}
    assert families == {n: c.family for n, c in fitted.categories.items()}
    assert families["hack"] == "weibull"  # the selection rule's choice, not a lognormal
    for row in doc["fits"]:
        c = fitted.categories[row["category"]]
        assert row["fitted_on"] == "model file" and row["family"] == c.family
        assert row["params"] == c.params_text()
        assert "ks_p" not in row  # no losses in a model file: nothing to test
    # the assumptions are the calibration's own sentences: families, parameters, cap
    text = " ".join(doc["assumptions"])
    assert "severity weibull (shape=" in text and "capped at USD 100,000,000,000" in text
    assert not any("lognormal per category" in a for a in doc["assumptions"])


def test_a_model_file_with_a_profile_reports_the_exchange(model_file, tmp_path):
    cal = load_model(model_file[1]).calibration()
    res = write_report(tmp_path / "rep", calibration=cal, profile="example", **TINY)
    doc = res.document
    assert doc["report"]["subject"] == res.document["inputs"]["profile"]["name"]
    assert doc["headline"]["extrapolation"] is None
    assert len(doc["standard_formulas"]) == 5 and pdf_pages(res.path / "report.pdf") == len(PAGES)


def test_the_extrapolation_warning_is_in_the_json_the_notes_and_the_summary(tmp_path):
    # an uncapped lognormal on the bundled data: the reserve is many times the largest
    # annual total observed (USD 9.2bn in 2022)
    cal = calibrate_industry(severity="lognormal", cap=None)
    big, year = cal.largest_annual_total
    assert year == 2022 and big == pytest.approx(9.2e9, rel=0.01)
    res = write_report(tmp_path / "rep", calibration=cal, **TINY)
    doc = json.loads((res.path / "report.json").read_text())
    note = doc["headline"]["extrapolation"]
    assert res.reserve.reserve > 10 * big
    assert note == cal.extrapolation(res.reserve)
    assert note.startswith("Extrapolation: the reserve is") and "largest annual total" in note
    assert note in doc["notes"] and res.warnings[0] == note
    assert f"WARNING: {note}" in res.summary()
    assert "No per-loss cap" in " ".join(doc["assumptions"])
    assert all(c["family"] == "lognormal" for c in doc["calibration"]["categories"])
    assert all(c["cap"] is None for c in doc["calibration"]["categories"])
    assert pdf_pages(res.path / "report.pdf") == len(PAGES)


def test_the_calibration_must_be_one(tmp_path):
    with pytest.raises(TypeError, match="IndustryCalibration"):
        write_report(tmp_path / "rep", calibration="model.toml", **TINY)
    assert not (tmp_path / "rep").exists()


def test_your_data_is_named_as_yours(tmp_path):
    from riskmodel.data import load_incidents

    t = load_incidents()
    keep = t["amount_usd"].notna() & (t["date"].dt.year >= 2016)
    t = t.loc[keep, ["date", "category", "amount_usd"]]
    csv = tmp_path / "losses.csv"
    t.assign(category=t["category"].astype(str).str.upper()).to_csv(csv, index=False)
    res = write_report(tmp_path / "rep", data=csv, **TINY)
    doc = res.document
    assert doc["report"]["subject"] == f"Aggregate of your data ({csv})"
    assert doc["calibration"]["data"] == str(csv) and doc["inputs"]["since"] == 2016
    cats = {c["category"] for c in doc["calibration"]["categories"]}
    assert cats == {"HACK", "FRAUD", "OPERATIONAL"}
    assert doc["assumptions"][0].startswith("Subject: the annual total of all losses in your")


def test_cli_report_simulates_the_model_file(model_file, tmp_path):
    path = model_file[1]
    tiny = ["--n-sims", "5000", "--pricing-n-sims", "5000", "--gof-boot", "0"]
    cap = ["--cap", "5e10"]
    out = run_cli("report", "r", "--model", str(path), *cap, *tiny, "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / "r" / "report.json").read_text())
    assert doc["inputs"]["model"] == "read from a model file"
    assert [c["family"] for c in doc["calibration"]["categories"]] == [
        c.family for c in model_file[0].categories.values()
    ]
    assert all(c["cap"] == 5e10 for c in doc["calibration"]["categories"])
    note = doc["headline"]["extrapolation"]
    assert note and json.loads(out.stdout)["headline"]["extrapolation"] == note
    printed = json.loads(out.stdout)
    assert printed["model_risk"] is None and printed["model_risk_note"] == doc["model_risk_note"]
    assert out.stderr.count(note) == 1  # --json: the warning goes to stderr once
    # without --json the summary ends with the warning, and stderr does not repeat it
    out = run_cli("report", "r2", "--model", str(path), *cap, *tiny, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert f"WARNING: {note}" in out.stdout and note not in out.stderr
    # --model and --severity, or --model and --data: exit 2, one line, nothing written
    bad = run_cli("report", "r3", "--model", str(path), "--severity", "gamma", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert not (tmp_path / "r3").exists()
    # model risk refits the data: asked for a model file, exit 2 before the work
    bad = run_cli("report", "r4", "--model", str(path), "--model-risk", *tiny, cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert "--model-risk" in bad.stderr and not (tmp_path / "r4").exists()
