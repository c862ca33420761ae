"""``riskmodel fit``: the subcommand's parser and run(), in process."""

import argparse
import json

import matplotlib
import pytest

matplotlib.use("Agg")

from riskmodel.cli import _fit, main


def _args(*argv):
    parser = argparse.ArgumentParser(prog="riskmodel")
    _fit.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["fit", *argv])


def test_fit_runs_on_the_bundled_data(capsys):
    assert _fit.run(_args("--families", "lognormal,lomax,pareto")) == 0
    out = capsys.readouterr().out
    for word in (
        "== hack:",
        "== fraud:",
        "lognormal",
        "ranked by AIC",
        "Tail index of hacks above USD 10,000,000",
        "profile interval",
    ):
        assert word in out


def test_fit_json_reports_the_hack_tail(capsys):
    assert _fit.run(_args("--families", "lognormal,pareto", "--json")) == 0
    doc = json.loads(capsys.readouterr().out)
    tail = doc["hack_tail"]
    par = tail["pareto"]
    assert par["lower"] < par["alpha"] < par["upper"] < 1.0
    assert tail["n"] >= 40 and doc["threshold"] == 1e6
    assert doc["categories"]["hack"]["table"][0]["family"] in ("lognormal", "pareto")
    assert "operational" in doc["skipped"]


def test_fit_writes_plots(tmp_path, capsys):
    assert _fit.run(_args("--families", "lognormal,lomax", "--plots", str(tmp_path))) == 0
    names = {p.name for p in tmp_path.iterdir()}
    assert {
        "hack_survival.png",
        "hack_qq.png",
        "hack_hill.png",
        "hack_mean_excess.png",
        "hack_stability.png",
    } <= names


def test_gof_option(capsys):
    assert _fit.run(_args("--families", "lognormal", "--gof", "19", "--since", "2018")) == 0
    assert "ad_p" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["fit", "--families", "normalish"], "unknown family"),
        (["fit", "--threshold", "1e13"], "no loss"),
        (["fit", "--since", "2020", "--until", "2019"], "before"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_fit_reports_the_frequency_fits(capsys):
    from riskmodel.data import annual_counts, load_incidents
    from riskmodel.fit import fit_frequency

    assert _fit.run(_args("--families", "lognormal", "--json")) == 0
    freq = json.loads(capsys.readouterr().out)["frequency"]
    counts = annual_counts(
        load_incidents(), threshold=1e6, since=2014, until=2025, unknown_amount="ignore"
    )
    direct = fit_frequency(counts["hack"], family="poisson", trend="linear")
    assert freq["hack"]["counts"] == counts["hack"].tolist()
    assert freq["hack"]["trend"] == direct.params["trend"]
    assert freq["hack"]["overdispersion_pvalue"] == direct.overdispersion.pvalue
    assert "note" in freq["operational"] or freq["operational"]["total"] >= 2
    assert _fit.run(_args("--families", "lognormal")) == 0
    assert "Annual counts 2014-2025" in capsys.readouterr().out


def test_fit_with_a_profile_shows_its_rates(capsys):
    from riskmodel.calibrate import calibrate_industry
    from riskmodel.profile import example_profile

    assert _fit.run(_args("--families", "lognormal", "--json", "--profile", "example")) == 0
    rates = json.loads(capsys.readouterr().out)["profile_rates"]
    want = example_profile().rate_table(calibrate_industry()).to_dict(orient="index")
    assert rates["hack"]["rate"] == pytest.approx(want["hack"]["rate"])
