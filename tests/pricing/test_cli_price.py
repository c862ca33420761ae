"""``riskmodel price``: in process, through main(), and end to end in a subprocess."""

import argparse
import itertools
import json
import math
import os
import subprocess
import sys

import pytest

import riskmodel.cli as cli
from riskmodel.cli import _price

# run main() with "price" registered, whether or not riskmodel.cli.COMMANDS lists it yet
WRAPPER = (
    "import sys, riskmodel.cli as c\n"
    "if 'price' not in c.COMMANDS: c.COMMANDS = (*c.COMMANDS, 'price')\n"
    "sys.exit(c.main(sys.argv[1:]))\n"
)


def _args(*argv):
    parser = argparse.ArgumentParser(prog="riskmodel")
    _price.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["price", *argv])


@pytest.fixture
def with_price(monkeypatch):
    if "price" not in cli.COMMANDS:
        monkeypatch.setattr(cli, "COMMANDS", (*cli.COMMANDS, "price"))


def test_price_runs_on_the_bundled_data(capsys):
    assert _price.run(_args("--n-sims", "20000")) == 0
    out = capsys.readouterr().out
    for word in (
        "bundled exchange incidents",
        "50M xs 50M",
        "1bn xs 1bn",
        "Premium USD M (rate on line)",
        "wang 0.25",
        "coc 0.06 @99.5%",
        "common random numbers",
        "Increased-limit factors",
        "seed 2026",
    ):
        assert word in out


def test_price_json_is_consistent(capsys):
    argv = ("--n-sims", "20000", "--json", "--layer", "20M:30M", "--layer", "50M:50M")
    assert _price.run(_args(*argv, "--principle", "wang=0.3", "--principle", "coc")) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["principles"] == {"wang": 0.3, "cost_of_capital": 0.06}
    rows = doc["layers"]
    assert [r["layer"] for r in rows] == ["30M xs 20M", "50M xs 50M"]
    for r in rows:
        assert r["premium_wang"] > r["expected_loss"] > 0
        assert r["rate_on_line_wang"] == pytest.approx(r["premium_wang"] / r["limit"])
        assert r["expected_loss_analytic"] >= r["expected_loss"]  # annual limit binds
    assert doc["provenance"]["seed"] == 2026 and doc["provenance"]["n_sims"] == 20000
    ilf = doc["ilf"]["table"]
    assert [x["limit"] for x in ilf] == [20e6, 50e6, 100e6]
    assert all(b["ilf"] > a["ilf"] >= 1 for a, b in itertools.pairwise(ilf))


def test_options_reach_the_layers(capsys):
    argv = ("--n-sims", "5000", "--json", "--layer", "100M:100M", "--reinstatements", "inf")
    assert _price.run(_args(*argv)) == 0
    row = json.loads(capsys.readouterr().out)["layers"][0]
    assert row["analytic_exact"] is True
    assert abs(row["expected_loss"] - row["expected_loss_analytic"]) < 5 * row["expected_loss_se"]
    assert _price.run(_args("--n-sims", "5000", "--per", "aggregate", "--layer", "1bn:1bn")) == 0
    assert "annual aggregate (stop loss)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("25M", 25e6),
        ("1.5bn", 1.5e9),
        ("250k", 2.5e5),
        ("1e7", 1e7),
        ("10_000", 1e4),
        ("inf", math.inf),
    ],
)
def test_amounts(text, value):
    assert _price.amount(text) == value


@pytest.mark.parametrize(
    "argv",
    [
        ["--layer", "10M"],
        ["--layer", "x:5M"],
        ["--layer", "5M:0"],
        ["--layer", "inf:5M"],
        ["--principle", "variance"],
        ["--principle", "dutch"],
        ["--principle", "wang=-1"],
        ["--principle", "coc=2"],
        ["--principle", "wang=0.1", "--principle", "wang=0.2"],
        ["--reinstatements", "1.5"],
        ["--tvar-level", "1"],
        ["--n-sims", "10"],
        ["--basic-limit", "inf"],
        ["--per", "aggregate", "--reinstatements", "1"],
        ["--since", "2020", "--until", "2015"],
        ["--seed", "-1"],
    ],
)
def test_bad_input_exits_2_with_one_line(argv, with_price, capsys):
    assert cli.main(["price", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("riskmodel: error:") and err.count("\n") == 1


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-c", WRAPPER, *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=300,
    )


def test_price_in_a_subprocess_json_parses_and_bad_input_exits_2():
    out = run_cli("price", "--n-sims", "20000", "--json", "--seed", "5")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["provenance"]["seed"] == 5 and len(doc["layers"]) == len(_price.DEFAULT_TOWER)
    assert "Traceback" not in out.stderr
    bad = run_cli("price", "--layer", "10M")
    assert bad.returncode == 2 and "ATTACHMENT:LIMIT" in bad.stderr
    assert "Traceback" not in bad.stderr
    helptext = run_cli("price", "--help")
    assert helptext.returncode == 0 and "examples:" in helptext.stdout


def test_price_on_an_exchange_profile_uses_its_own_cover(capsys):
    from riskmodel.profile import example_profile

    assert _price.run(_args("--n-sims", "20000", "--json", "--profile", "example")) == 0
    doc = json.loads(capsys.readouterr().out)
    own = example_profile().program().layers
    got = [(r["attachment"], r["limit"]) for r in doc["layers"]]
    assert got == [(lay.attachment, lay.limit) for lay in own]
    assert _price.run(_args("--n-sims", "20000", "--profile", "example")) == 0
    assert "exchange profile example" in capsys.readouterr().out
