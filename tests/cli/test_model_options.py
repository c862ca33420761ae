"""The model options of the simulating commands, end to end through ``riskmodel.cli.main``:
--save-model / --model, --severity, --cap, --trend, --projection-year, --data with any
category names, --drop-invalid, and the extrapolation warning."""

import contextlib
import io
import json
import math
import re

import pytest

from riskmodel import RiskModelWarning
from riskmodel.cli import main
from riskmodel.spec import load_model

FAST = ["--n-sims", "20000", "--parameter-draws", "0", "--seed", "11"]
FAMILIES = ("burr", "gamma", "gpd", "loggamma", "loglogistic", "lomax", "pareto", "weibull")


def _run(argv):
    """(exit status, stdout, stderr) of ``riskmodel ARGV`` (for module-scoped fixtures)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


def _json(argv, capsys):
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def _cats(doc) -> dict:
    """The reserve JSON's calibration categories by name."""
    return {c["category"]: c for c in doc["calibration"]["categories"]}


def _error(argv, capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """``riskmodel fit --save-model m.toml --json`` on the bundled data: (path, JSON)."""
    path = tmp_path_factory.mktemp("fit") / "m.toml"
    rc, out, err = _run(["fit", "--save-model", str(path), "--json"])
    assert rc == 0, err
    return path, json.loads(out)


@pytest.fixture(scope="module")
def default_reserve():
    """``riskmodel reserve --json`` on the bundled data (the default model)."""
    rc, out, err = _run(["reserve", "--json", *FAST])
    assert rc == 0, err
    return json.loads(out)


# ----------------------------------------------------------------------------- --model
def test_reserve_model_simulates_the_saved_file(fitted, default_reserve, capsys):
    path, fit_doc = fitted
    spec = load_model(path)
    assert fit_doc["model_file"] == str(path)
    assert fit_doc["model"] == json.loads(json.dumps(spec.to_dict()))
    doc = _json(["reserve", "--model", str(path), "--json", *FAST], capsys)
    assert doc["model"] == {"file": str(path)}
    cats = _cats(doc)
    assert list(cats) == list(spec.names)
    for name, c in spec.categories.items():
        assert cats[name]["family"] == c.severity.family
        assert cats[name]["params"] == c.severity.params
        assert cats[name]["cap"] == c.cap
        assert cats[name]["rate_per_year"] == c.rate
    # the file is the model the data support: the same numbers as the default, seed for seed
    assert doc["reserve"]["reserve"] == default_reserve["reserve"]["reserve"]
    assert doc["reserve"]["allocation"] == default_reserve["reserve"]["allocation"]
    assert isinstance(doc["extrapolation"], str)
    assert doc["extrapolation"] == default_reserve["extrapolation"]


def test_editing_the_model_file_changes_the_reserve(fitted, tmp_path, capsys):
    path, _ = fitted
    text = path.read_text()
    table = re.compile(r"(^\[categories\.fraud\.severity\]\n)(.*?)(?=^\[|\Z)", re.S | re.M)
    new_body = 'family = "lognormal"\nparams = { mu = 15.0, sigma = 1.5 }\n\n'
    edited, n = table.subn(lambda m: m.group(1) + new_body, text)
    assert n == 1 and "cov" not in table.search(edited).group(2)
    (tmp_path / "e.toml").write_text(edited)
    before = _json(["reserve", "--model", str(path), "--json", *FAST], capsys)
    after = _json(["reserve", "--model", str(tmp_path / "e.toml"), "--json", *FAST], capsys)
    b, a = _cats(before), _cats(after)
    assert a["fraud"]["family"] == "lognormal"
    assert a["fraud"]["params"] == {"mu": 15.0, "sigma": 1.5}
    assert a["hack"] == b["hack"]
    # fraud carried 98% of the reserve; with a light lognormal tail most of it goes
    assert after["reserve"]["reserve"] < 0.5 * before["reserve"]["reserve"]
    assert (
        after["reserve"]["allocation"]["fraud"] < 0.01 * before["reserve"]["allocation"]["fraud"]
    )


def test_cap_and_projection_year_apply_to_a_model_file(fitted, capsys):
    path, _ = fitted
    spec = load_model(path)
    argv = ["reserve", "--model", str(path), "--cap", "2e10", "--projection-year", "2030"]
    doc = _json([*argv, "--json", *FAST], capsys)
    cats = _cats(doc)
    assert {c["cap"] for c in cats.values()} == {2e10}
    hack = spec.categories["hack"]
    assert cats["hack"]["rate_per_year"] == pytest.approx(hack.rate * math.exp(4 * hack.trend))
    assert cats["fraud"]["rate_per_year"] == spec.categories["fraud"].rate


# ----------------------------------------------------------------------------- the default
def test_reserve_by_default_simulates_what_fit_selects_with_the_cap_stated(
    fitted, default_reserve, capsys
):
    _, fit_doc = fitted
    model = fit_doc["model"]["categories"]
    cats = _cats(default_reserve)
    assert list(cats) == list(model)
    for name, c in cats.items():
        assert c["family"] == model[name]["severity"]["family"]
        assert c["params"] == model[name]["severity"]["params"]
        assert c["cap"] == 1e11
    assert {k: v["family"] for k, v in fit_doc["selection"].items()} == {
        "hack": cats["hack"]["family"],
        "fraud": cats["fraud"]["family"],
        "pooled": cats["operational"]["family"],
    }
    assert cats["operational"]["severity"] == "pooled"
    assert default_reserve["model"] == fit_doc["model"]  # the spec, key for key
    assert "Binance" in default_reserve["calibration"]["cap_source"]
    assert any("capped at USD 100,000,000,000" in a for a in default_reserve["assumptions"])
    # text: the cap column and where the cap comes from; the extrapolation warning
    assert main(["reserve", *FAST]) == 0
    text = capsys.readouterr().out
    assert "cap USD" in text
    assert re.search(r"^cap: customer assets of the largest exchange: Binance", text, re.M)
    assert "Reserve (VaR) for the industry sample at 99.5% coverage" in text
    warning = [line for line in text.splitlines() if line.startswith("WARNING: ")]
    assert len(warning) == 1
    assert "fraud, fitted on 13 losses" in warning[0]
    note = default_reserve["extrapolation"]
    assert isinstance(note, str) and warning[0] == f"WARNING: {note}"


# ----------------------------------------------------------------------------- your data
def _write(path, rows):
    path.write_text("date,category,amount_usd\n" + "".join(f"{r}\n" for r in rows))
    return path


THEFT = [
    "2019-03-01,theft,2500000",
    "2020-05-11,theft,1200000",
    "2021-07-21,theft,8000000",
    "2022-02-14,theft,3300000",
    "2023-09-30,theft,15000000",
    "2024-11-05,theft,1750000",
    "2019-08-08,insider,4000000",
    "2021-12-01,insider,2200000",
    "2024-04-04,insider,6100000",
]


def test_your_own_categories_and_window(tmp_path, capsys):
    csv = _write(tmp_path / "losses.csv", THEFT)
    doc = _json(["reserve", "--data", str(csv), "--json", *FAST], capsys)
    cal = doc["calibration"]
    assert cal["window"] == [2019, 2024] and cal["data"] == str(csv)
    cats = _cats(doc)
    assert set(cats) == {"theft", "insider"}
    assert cats["theft"]["n_losses"] == 6 and cats["insider"]["n_losses"] == 3
    assert cats["theft"]["rate_per_year"] == 1.0 and not cats["theft"]["trend_used"]
    assert cats["insider"]["rate_per_year"] == 0.5
    assert cats["theft"]["severity"] == "own" and cats["insider"]["severity"] == "pooled"
    assert main(["reserve", "--data", str(csv), *FAST]) == 0
    text = capsys.readouterr().out
    assert f"Reserve (VaR) for your data ({csv}) at 99.5% coverage" in text
    assert f"Data: {csv}; losses >= USD 1,000,000" in text
    assert "industry sample" not in text


def test_a_bad_csv_names_drop_invalid_and_drop_invalid_runs(tmp_path, capsys):
    rows = [*THEFT, "2022-06-06,theft,2000000"]
    rows[1] = "2020-05-11,theft,-5"  # negative
    rows[3] = "2022-02-30,theft,3300000"  # no such day
    csv = _write(tmp_path / "bad.csv", rows)
    err = _error(["reserve", "--data", str(csv), *FAST], capsys)
    assert str(csv) in err and "row 3" in err
    assert "--drop-invalid" in err and "on_invalid" not in err
    argv = ["reserve", "--data", str(csv), "--drop-invalid", "--severity", "lognormal"]
    with pytest.warns(RiskModelWarning, match="dropped 2 of 10"):
        doc = _json([*argv, "--json", *FAST], capsys)
    cats = _cats(doc)
    assert cats["theft"]["n_losses"] == 5 and cats["insider"]["n_losses"] == 3


# ----------------------------------------------------------------------------- options
def test_severity_for_one_category(default_reserve, capsys):
    doc = _json(["reserve", "--severity", "fraud=lognormal", "--json", *FAST], capsys)
    cats, default = _cats(doc), _cats(default_reserve)
    assert default["fraud"]["family"] != "lognormal"
    assert cats["fraud"]["family"] == "lognormal"
    assert cats["fraud"]["selection"] == "chosen by the user"
    for name in ("hack", "operational"):
        assert cats[name]["family"] == default[name]["family"]
        assert cats[name]["params"] == default[name]["params"]
    assert doc["reserve"]["reserve"] != default_reserve["reserve"]["reserve"]


@pytest.mark.parametrize(
    ("cap", "want"),
    [
        (["--cap", "2e10"], {"hack": 2e10, "fraud": 2e10, "operational": 2e10}),
        (["--cap", "none"], {"hack": None, "fraud": None, "operational": None}),
        (["--cap", "hack=5e10"], {"hack": 5e10, "fraud": 1e11, "operational": 1e11}),
        (
            ["--cap", "none", "--cap", "fraud=3e10"],
            {"hack": None, "fraud": 3e10, "operational": None},
        ),
    ],
)
def test_cap_option(cap, want, capsys):
    # --severity weibull for all categories: the caps do not need the selection rule
    doc = _json(["reserve", "--severity", "weibull", *cap, "--json", *FAST], capsys)
    cats = _cats(doc)
    assert {n: c["cap"] for n, c in cats.items()} == want
    assert {c["family"] for c in cats.values()} == {"weibull"}
    if set(want.values()) == {None}:
        assert any("No per-loss cap" in a for a in doc["assumptions"])
    else:
        assert "Binance" not in doc["calibration"]["cap_source"]


def test_bad_model_options_exit_2_with_one_line(fitted, capsys):
    err = _error(["reserve", "--severity", "fraud=lognormale", *FAST], capsys)
    assert "unknown family 'lognormale'" in err
    assert all(f in err for f in FAMILIES)
    path, _ = fitted
    err = _error(["reserve", "--model", str(path), "--severity", "fraud=lognormal"], capsys)
    assert "--severity" in err and str(path) in err
    err = _error(["reserve", "--cap", "theft=1e9", *FAST], capsys)
    assert "unknown categories ['theft']" in err
    err = _error(["reserve", "--cap", "lots", *FAST], capsys)
    assert "--cap" in err


def test_trend_off_and_on(capsys):
    base = ["reserve", "--severity", "weibull", "--json", *FAST]
    off = _cats(_json([*base, "--trend", "off"], capsys))
    assert not off["hack"]["trend_used"]
    assert off["hack"]["rate_per_year"] == pytest.approx(off["hack"]["mean_rate"], rel=1e-12)
    assert off["hack"]["rate_per_year"] == pytest.approx(75 / 12, rel=1e-12)
    auto = _cats(_json(base, capsys))
    assert (
        auto["hack"]["trend_used"] and auto["hack"]["rate_per_year"] > off["hack"]["rate_per_year"]
    )
    later = _cats(_json([*base, "--projection-year", "2030"], capsys))
    step = math.exp(4 * auto["hack"]["trend"])
    assert later["hack"]["rate_per_year"] == pytest.approx(auto["hack"]["rate_per_year"] * step)
    on = _cats(_json([*base, "--trend", "on"], capsys))
    assert all(c["trend_used"] for c in on.values() if c["n_losses"] >= 2)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--threshold", "0"], "--threshold: must be a positive number"),
        (["--since", "2030"], "--since (2030) is after --until (2025)"),
        (["--projection-year", "2000"], "--projection-year: 2000 is before the window"),
        (["--cap", "5e5"], "--cap hack: must be a finite number of USD above the threshold"),
    ],
)
def test_calibration_errors_name_the_options(argv, words, capsys):
    err = _error(["reserve", *argv], capsys)
    assert words in err
    assert "projection_year" not in err and "cap of" not in err


def test_a_profile_names_its_model_file(fitted, tmp_path, capsys):
    from importlib import resources

    path, _ = fitted
    text = resources.files("riskmodel.profiles").joinpath("example_jp_midsize.toml").read_text()
    edited = load_model(path).with_changes(cap=5e10)  # a model the default would not give
    edited.save(tmp_path / "m.toml")
    (tmp_path / "p.toml").write_text('model = "m.toml"\n' + text, encoding="utf-8")
    argv = ["reserve", "--profile", str(tmp_path / "p.toml"), "--json", "--n-sims", "20000"]
    doc = _json([*argv, "--parameter-draws", "0"], capsys)
    # the profile's model file (relative to the profile) is the industry model it scales
    assert doc["model"] == {"file": str(tmp_path / "m.toml")}
    assert {c["cap"] for c in doc["calibration"]["categories"]} == {5e10}
    # --model overrides the profile's file
    doc = _json([*argv, "--parameter-draws", "0", "--model", str(path)], capsys)
    assert doc["model"] == {"file": str(path)}
    assert {c["cap"] for c in doc["calibration"]["categories"]} == {1e11}
