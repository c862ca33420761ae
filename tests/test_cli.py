"""The command line, end to end in subprocesses."""

import json
import os
import subprocess
import sys

import pytest


def run_cli(*args, env=None, cwd=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "riskmodel", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=300,
    )


def test_reserve_runs_on_bundled_data_and_prints_the_table():
    out = run_cli("reserve", "--n-sims", "20000")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for word in (
        "hack",
        "fraud",
        "operational",
        "Reserve (VaR) for the industry sample at 99.5% coverage",
        "95% CI",
        "seed 2026",
    ):
        assert word in text
    assert "Traceback" not in out.stderr


def test_reserve_json_parses_and_is_consistent():
    out = run_cli("reserve", "--n-sims", "20000", "--json", "--seed", "5")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    res = doc["reserve"]
    assert res["provenance"]["seed"] == 5
    assert res["n_sims"] == 20000
    assert res["ci"][0] <= res["reserve"] <= res["ci"][1]
    assert set(doc["calibration"]["window"]) and doc["calibration"]["threshold"] == 1e6
    assert doc["layer_allocation"] is None  # no programme


def test_same_seed_same_numbers_whatever_the_thread_count():
    args = ("reserve", "--n-sims", "300000", "--json", "--seed", "3")
    one = run_cli(*args, env={"NUMBA_NUM_THREADS": "1"})
    two = run_cli(*args, env={"NUMBA_NUM_THREADS": "2"})
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    a, b = json.loads(one.stdout)["reserve"], json.loads(two.stdout)["reserve"]
    assert a["provenance"]["n_threads"] == 1 and b["provenance"]["n_threads"] == 2
    for key in ("reserve", "ci", "gross_reserve", "allocation"):
        assert a[key] == b[key]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("reserve", "--coverage", "1.5"), "coverage"),
        (("reserve", "--n-sims", "-3"), "n-sims"),
        (("reserve", "--data", "does_not_exist.csv"), "does_not_exist.csv"),
        (("reserve", "--since", "2020", "--until", "2015"), "until"),
        (("reserve", "--bogus"), "unrecognized"),
        (("reserve", "--threshold", "1e15"), "threshold"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(args, needle):
    out = run_cli(*args)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0]


def test_bad_csv_names_file_row_and_column(tmp_path):
    bad = tmp_path / "losses.csv"
    bad.write_text("date,category,amount_usd\n2020-01-02,hack,5e6\n2021-03-04,hack,-7\n")
    out = run_cli("reserve", "--data", str(bad))
    assert out.returncode == 2
    line = out.stderr.strip()
    assert "losses.csv" in line and "row 3" in line and "amount_usd" in line


def test_python_module_and_help():
    out = run_cli("--help")
    assert out.returncode == 0 and "reserve" in out.stdout
    out = run_cli("reserve", "--help")
    assert out.returncode == 0 and "examples:" in out.stdout


def test_reserve_for_an_exchange_profile(tmp_path):
    out = run_cli("reserve", "--profile", "example", "--n-sims", "50000", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    res = doc["reserve"]
    assert res["credit"] > 0 and res["reserve"] < res["gross_reserve"]
    assert {"rates", "assumptions", "standard_formulas", "profile"} <= set(doc)
    # the gross reserve by layer: retained first, then the profile's layer, adding up to it
    rows = doc["layer_allocation"]
    assert len(rows) == 2 and rows[0]["layer"] == "retained"
    assert rows[1]["layer"].startswith("layer 1: ") and all(r["se"] > 0 for r in rows)
    assert sum(r["amount"] for r in rows) == pytest.approx(res["gross_reserve"], rel=1e-9)
    text = run_cli("reserve", "--profile", "example", "--n-sims", "50000").stdout
    assert "gross reserve by layer" in text and rows[1]["layer"] in text
    bad = tmp_path / "p.toml"
    bad.write_text('name = "x"\ntrading_volume = -5\n')
    out = run_cli("reserve", "--profile", str(bad))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "p.toml" in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_parameter_uncertainty_flag_changes_the_numbers():
    base = run_cli("reserve", "--n-sims", "50000", "--json")
    pred = run_cli("reserve", "--n-sims", "50000", "--json", "--parameter-uncertainty")
    assert base.returncode == 0 and pred.returncode == 0, base.stderr + pred.stderr
    a, b = json.loads(base.stdout)["reserve"], json.loads(pred.stdout)["reserve"]
    assert b["provenance"]["parameter_uncertainty"] is True
    assert a["reserve"] != b["reserve"]


@pytest.mark.parametrize("command", ["reserve", "simulate", "price", "fit", "report"])
def test_shared_options_are_checked_the_same_way_in_every_command(command, tmp_path):
    out = run_cli(command, "--seed", "-2", cwd=tmp_path)
    assert out.returncode == 2 and "--seed" in out.stderr and "Traceback" not in out.stderr
    out = run_cli(command, "--since", "2020", "--until", "2015", cwd=tmp_path)
    assert out.returncode == 2 and "--until 2015 is before --since 2020" in out.stderr
    assert not any(tmp_path.iterdir())  # nothing written on bad input


def test_reserve_json_has_both_intervals_tvar_allocation_errors_and_model_risk():
    # every category lognormal, so that model risk's lognormal entry is the headline's model
    out = run_cli(
        "reserve",
        "--n-sims",
        "20000",
        "--json",
        "--seed",
        "4",
        "--severity",
        "lognormal",
    )  # model risk beside the headline by default
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    res = doc["reserve"]
    # parameter uncertainty is in the headline interval by default, the Monte Carlo one beside
    assert res["ci"] == res["ci_total"]
    assert res["ci_total"][0] <= res["ci_mc"][0] <= res["ci_mc"][1] <= res["ci_total"][1]
    assert res["provenance"]["parameter_uncertainty"]["draws"] == 100
    assert res["tvar_ci"][0] < res["tvar"] < res["tvar_ci"][1]
    assert set(res["allocation_se"]) == set(res["allocation"])
    fams = doc["model_risk"]
    assert sum(e["reserve"] is not None for e in fams) >= 3
    assert sum(e["weight"] for e in fams) == pytest.approx(1.0)
    lognormal = next(e for e in fams if e["family"] == "lognormal")
    assert lognormal["reserve"] == res["reserve"]  # same model, same seed
    off = run_cli(
        "reserve", "--n-sims", "20000", "--json", "--parameter-draws", "0", "--no-model-risk"
    )
    doc0 = json.loads(off.stdout)
    res0 = doc0["reserve"]
    assert res0["ci_total"] is None and res0["ci"] == res0["ci_mc"]
    assert doc0["model_risk"] is None and "--no-model-risk" in doc0["model_risk_note"]
