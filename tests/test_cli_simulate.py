"""``riskmodel simulate`` end to end in subprocesses."""

import json
import subprocess
import sys

import pytest


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "riskmodel", "simulate", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_simulate_prints_moments_risk_measures_and_the_audit():
    out = run_cli("--n-sims", "20000", "--seed", "4")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for word in (
        "Moments of the annual loss (USD)",
        "Risk measures of the gross annual loss",
        "99.5%",
        "95% CI",
        "Audit: simulated against analytic",
        "20,000 years, seed 4",
        "hack",
        "total",
    ):
        assert word in text
    assert "ceded" not in text  # no insurance on the industry model
    assert "Traceback" not in out.stderr


def test_simulate_json_with_a_profile_is_consistent():
    out = run_cli(
        "--n-sims",
        "20000",
        "--seed",
        "9",
        "--profile",
        "example",
        "--coverage",
        "0.99,0.995",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["simulation"]["provenance"]["seed"] == 9
    assert doc["simulation"]["provenance"]["n_sims"] == 20000
    assert doc["profile"]["currency"] == "JPY"
    rows = doc["risk_measures"]
    assert {r["of"] for r in rows} == {"gross", "ceded", "net"}
    assert {r["coverage"] for r in rows} == {0.99, 0.995}
    for r in rows:
        assert r["var_ci"][0] <= r["var"] <= r["var_ci"][1]
        assert r["tvar"] >= r["var"]
    by = {(r["of"], r["coverage"]): r for r in rows}
    assert by[("gross", 0.995)]["var"] == doc["simulation"]["gross"]["var_0.995"]
    # insurance only lowers the annual loss
    assert doc["simulation"]["net"]["mean"] <= doc["simulation"]["gross"]["mean"]
    assert [a["category"] for a in doc["audit"]] == ["hack", "fraud", "operational", "total"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--n-sims", "100"), "at least 10,000"),
        (("--coverage", "0.9,abc"), "not a number"),
        (("--coverage", "1"), "strictly between 0 and 1"),
        (("--seed", "-1"), "--seed"),
        (("--profile", "missing.toml"), "no such file"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, words):
    out = run_cli(*args)
    assert out.returncode == 2
    assert out.stderr.startswith("riskmodel: error:") and out.stderr.count("\n") == 1
    assert words in out.stderr


def test_help_has_examples():
    out = run_cli("--help")
    assert out.returncode == 0
    assert "examples:" in out.stdout and "--parameter-uncertainty" in out.stdout


@pytest.mark.slow
def test_simulate_runs_with_no_arguments():
    out = run_cli()
    assert out.returncode == 0, out.stderr
    assert "1,000,000 years" in out.stdout
