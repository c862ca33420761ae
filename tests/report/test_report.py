"""The reserve report: folder contents, PDF pages, reproducible JSON, CSVs, atomic writes, CLI."""

import inspect
import json
import math
import os
import re
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from riskmodel import plots
from riskmodel.report import DEFAULT_DIR, PAGES, RUN_KEYS, write_report
from riskmodel.report._files import MARKER

#: small but valid settings: 20,000 years leave 100 beyond the 99.5% quantile
SMALL = {"n_sims": 20_000, "gof_boot": 19, "pricing_n_sims": 20_000, "seed": 11}

PROFILE_FILES = {
    "report.pdf",
    "report.json",
    "reserve_curve.csv",
    "exceedance_curve.csv",
    "allocation.csv",
    "fits.csv",
    "layer_prices.csv",
    "simulation_audit.csv",
    "standard_formulas.csv",
    "rates.csv",
    "layer_allocation.csv",
}


def pdf_pages(path) -> int:
    """Number of pages of a PDF written by matplotlib.

    matplotlib writes every page object uncompressed as ``/Type /Page`` (the page tree is
    ``/Type /Pages``), so counting those dictionaries counts pages without a PDF library.
    """
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", data))


def without_run(doc):
    return {k: v for k, v in doc.items() if k != "run"}


def siblings(path):
    """Hidden temporary folders a report write could leave next to ``path``."""
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(f".{path.name}."))


#: (pricing?, years) of every simulation run while the module's profile report was written
SIMULATIONS = []


@pytest.fixture(scope="module")
def profile_report(tmp_path_factory):
    from riskmodel.engine.simulation import Simulation

    out = tmp_path_factory.mktemp("rep") / "example"
    extend = Simulation.extend

    def recording_extend(self, n_total):
        pricing = any(os.sep + "pricing" + os.sep in f.filename for f in inspect.stack())
        SIMULATIONS.append((pricing, n_total - self.n_sims))
        return extend(self, n_total)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Simulation, "extend", recording_extend)
        return write_report(out, profile="example", **SMALL)


def test_the_report_simulates_the_reserve_years_once(profile_report):
    # the reserve, its curve and the exceedance curve come from one run of n_sims years;
    # every other simulation is a layer's pricing or one of the reserve's parameter draws
    # (each a short run under other parameters)
    res = profile_report
    assert res.simulation is res.reserve.simulation
    runs = [n for pricing, n in SIMULATIONS if not pricing]
    draws = res.reserve.provenance["parameter_uncertainty"]
    assert runs[0] == SMALL["n_sims"]
    assert runs[1:] == [draws["years_per_draw"]] * draws["draws"]
    assert sum(pricing for pricing, _ in SIMULATIONS) >= 1  # the recording saw pricing too


def test_folder_holds_pdf_json_and_tables(profile_report):
    res = profile_report
    assert res.path.is_dir()
    assert set(os.listdir(res.path)) == PROFILE_FILES | {MARKER}
    assert set(res.files) == PROFILE_FILES
    assert siblings(res.path) == []


def test_pdf_has_one_page_per_section(profile_report):
    assert len(PAGES) == 10 and "Model risk" in PAGES
    assert pdf_pages(profile_report.path / "report.pdf") == len(PAGES)


def test_json_holds_the_numbers_of_the_result(profile_report):
    res = profile_report
    doc = json.loads((res.path / "report.json").read_text())
    assert doc == res.document
    h = doc["headline"]
    r = res.reserve
    assert h["net_reserve"] == r.reserve and h["gross_reserve"] == r.gross_reserve
    assert h["net_ci"] == list(r.ci) and h["credit"] == r.credit
    # the TVaR's interval under the same parameter draws, beside its Monte Carlo one
    assert h["net_tvar_ci_total"] == list(r.tvar_ci_total) and r.tvar_ci_total is not None
    assert h["net_tvar_ci_total"][0] <= h["net_tvar_ci"][0]
    assert h["net_tvar_ci_total"][1] >= h["net_tvar_ci"][1]
    assert h["gross_reserve"] - h["credit"] == pytest.approx(h["net_reserve"], rel=1e-12)
    assert h["extrapolation"] is None  # one exchange's model: not checked against the data
    # model risk refits the industry model: not for a profile unless asked
    assert doc["model_risk"] is None and doc["model_risk_averaged"] is None
    assert "exchange profile" in doc["model_risk_note"]
    assert doc["inputs"]["seed"] == 11 and doc["provenance"]["n_sims"] == 20_000
    assert doc["report"]["pages"] == list(PAGES)
    assert set(doc["report"]["files"]) == PROFILE_FILES
    # the run-only keys live under "run" and nowhere else
    text = json.dumps(without_run(doc))
    for key in RUN_KEYS:
        assert f'"{key}"' not in text
    assert set(doc["run"]["elapsed_s"]) >= {"reserve_s", "pdf_s", "total_s"}
    # Euler allocation adds up to the net reserve
    assert sum(a["net"] for a in doc["allocation"]) == pytest.approx(r.reserve, rel=1e-9)
    # the curve comes from the reserve's own simulation
    row = next(c for c in doc["reserve_curve"] if c["coverage"] == 0.995)
    assert row["gross_var"] == r.gross_reserve
    assert row["net_var"] == r.simulation.net.quantile(0.995)
    # every standard formula of the example profile is computed
    sf = {row["requirement"]: row["usd"] for row in doc["standard_formulas"]}
    assert len(sf) == 5 and all(isinstance(v, float) and v > 0 for v in sf.values())


def test_same_seed_reproduces_the_json(profile_report, tmp_path):
    again = write_report(tmp_path / "again", profile="example", **SMALL)
    a = json.loads((profile_report.path / "report.json").read_text())
    b = json.loads((again.path / "report.json").read_text())
    assert without_run(a) == without_run(b)
    assert (profile_report.path / "fits.csv").read_text() == (again.path / "fits.csv").read_text()


def test_csv_tables_parse(profile_report):
    p = profile_report.path
    curve = pd.read_csv(p / "reserve_curve.csv")
    assert {"coverage", "gross_var", "net_var", "gross_tvar", "net_tvar"} <= set(curve)
    assert curve["coverage"].is_monotonic_increasing
    assert curve["gross_var"].is_monotonic_increasing
    assert (curve["gross_tvar"] >= curve["gross_var"]).all()
    assert (curve["gross_var_lo"] <= curve["gross_var"]).all()
    alloc = pd.read_csv(p / "allocation.csv", index_col="category")
    assert list(alloc.index) == ["hack", "fraud", "operational"]
    assert alloc["net"].sum() == pytest.approx(profile_report.reserve.reserve, rel=1e-9)
    fits = pd.read_csv(p / "fits.csv", index_col="category")
    assert fits.loc["operational", "fitted_on"] == "all categories pooled"
    cal = profile_report.document["calibration"]["categories"]
    # each category's family (the selection rule's) and its parameters, not a fixed lognormal
    assert list(fits["family"]) == [c["family"] for c in cal]
    for c in cal:
        row = fits.loc[c["category"]]
        assert row["params"] == ", ".join(f"{k}={v:.4g}" for k, v in c["params"].items())
        assert all(row[k] == pytest.approx(v, rel=1e-12) for k, v in c["params"].items())
    assert fits[["params", "selection", "ks_p", "ad_p"]].notna().all().all()
    layers = pd.read_csv(p / "layer_prices.csv", index_col="layer")
    assert len(layers) == 1 and (layers["premium_wang"] > layers["expected_loss"]).all()
    formulas = pd.read_csv(p / "standard_formulas.csv", index_col="requirement")
    assert len(formulas) == 5
    ex = pd.read_csv(p / "exceedance_curve.csv")
    assert ex["exceedance_probability"].is_monotonic_decreasing
    assert ex["gross"].is_monotonic_increasing
    assert len(pd.read_csv(p / "simulation_audit.csv")) == 4
    assert len(pd.read_csv(p / "rates.csv")) == 3


def test_the_gross_reserve_by_layer_is_in_the_json_and_its_csv(profile_report):
    res = profile_report
    doc = json.loads((res.path / "report.json").read_text())
    rows = doc["layer_allocation"]
    n_layers = len(doc["inputs"]["profile"]["layers"])
    assert [r["layer"] for r in rows][:1] == ["retained"] and len(rows) == 1 + n_layers
    assert all(r["layer"].startswith(f"layer {i}: ") for i, r in enumerate(rows[1:], start=1))
    # the rows of `riskmodel reserve --json`, passed through from the reserve
    r = res.reserve
    assert {row["layer"]: row["amount"] for row in rows} == r.layer_allocation
    assert {row["layer"]: row["se"] for row in rows} == r.layer_allocation_se
    assert all(row["se"] > 0 for row in rows)
    # the parts add up to the document's gross reserve, the shares to one
    gross = doc["headline"]["gross_reserve"]
    assert sum(row["amount"] for row in rows) == pytest.approx(gross, rel=1e-9)
    assert sum(row["share"] for row in rows) == pytest.approx(1.0, rel=1e-9)
    # expected annual amounts: the retained part is the mean net loss, the layers together
    # the mean ceded loss (other views of the same simulated years)
    sim = res.simulation
    assert rows[0]["expected_annual"] == pytest.approx(sim.net.mean, rel=1e-9)
    ceded = sum(row["expected_annual"] for row in rows[1:])
    assert ceded == pytest.approx(sim.ceded.mean, rel=1e-9) and ceded > 0
    assert any(m.startswith("Layers:") and "Euler" in m for m in doc["method"])
    # the CSV holds the same rows
    csv = pd.read_csv(res.path / "layer_allocation.csv", index_col="layer")
    assert list(csv.index) == [row["layer"] for row in rows]
    for col in ("amount", "se", "share", "expected_annual", "expected_annual_se"):
        assert csv[col].tolist() == pytest.approx([row[col] for row in rows], rel=1e-12)


def test_summary_names_the_numbers(profile_report):
    text = profile_report.summary()
    assert "net reserve" in text and "JPY" in text and "MiCA" in text
    assert f"{profile_report.reserve.reserve:,.0f}" in text
    assert f"model risk: {profile_report.document['model_risk_note']}" in text


def test_industry_report_skips_the_formulas_and_replaces_atomically(tmp_path, monkeypatch):
    out = tmp_path / "industry"
    out.mkdir()
    (out / "old.txt").write_text("previous report")
    (out / MARKER).write_text("a previous report")  # --overwrite replaces only a report
    kw = {"n_sims": 5_000, "gof_boot": 0, "pricing_n_sims": 5_000, "seed": 3}
    with pytest.raises(FileExistsError, match="not empty"):
        write_report(out, **kw)

    def broken(*args, **kwargs):
        raise RuntimeError("simulated crash while drawing")

    with monkeypatch.context() as m:
        m.setattr(plots, "allocation_plot", broken)
        with pytest.raises(RuntimeError, match="simulated crash"):
            write_report(out, overwrite=True, **kw)
    assert sorted(os.listdir(out)) == sorted([MARKER, "old.txt"])  # the old report is untouched
    assert siblings(out) == []  # and no temporary folder is left
    res = write_report(out, overwrite=True, **kw)
    names = set(os.listdir(out)) - {MARKER}
    assert "old.txt" not in names and "standard_formulas.csv" not in names
    # the industry model fitted to the data: model risk by default, with its table
    # no programme: no layers to split the gross reserve into
    only_profile = {"standard_formulas.csv", "rates.csv", "layer_allocation.csv"}
    assert names == (PROFILE_FILES - only_profile) | {"model_risk.csv"}
    assert siblings(out) == []
    assert pdf_pages(out / "report.pdf") == len(PAGES)
    doc = res.document
    assert doc["standard_formulas"] == {"skipped": "no exchange profile given"}
    assert any("Standard-formula comparison skipped" in n for n in doc["notes"])
    assert doc["headline"]["credit"] == 0 and doc["rates"] is None
    assert doc["layer_allocation"] is None and "layer_allocation" in doc
    assert not any(m.startswith("Layers:") for m in doc["method"])
    assert len(doc["layer_prices"]["table"]) == 5  # the default tower


def test_crash_leaves_no_folder(tmp_path, monkeypatch):
    out = tmp_path / "new"

    def broken(*args, **kwargs):
        raise RuntimeError("simulated crash while drawing")

    monkeypatch.setattr(plots, "standard_formula_plot", broken)
    with pytest.raises(RuntimeError, match="simulated crash"):
        write_report(out, profile="example", n_sims=2_000, gof_boot=0, pricing_n_sims=2_000)
    assert not out.exists()
    assert os.listdir(tmp_path) == []


def test_bad_targets_are_refused_before_any_work(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(NotADirectoryError):
        write_report(f, n_sims=-1)  # the target is checked first
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep").write_text("x")
    with pytest.raises(FileExistsError):
        write_report(full, n_sims=-1)
    assert os.listdir(full) == ["keep"]


def test_bad_inputs_raise_value_errors(tmp_path):
    with pytest.raises(ValueError, match="n_sims"):
        write_report(tmp_path / "a", n_sims=100, gof_boot=0)
    with pytest.raises(ValueError, match="seed"):
        write_report(tmp_path / "b", seed=-1)
    with pytest.raises(ValueError, match="coverage"):
        write_report(tmp_path / "c", coverage=1.5)
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------- plots
def test_result_plots_return_axes(profile_report):
    for obj in (profile_report.reserve, profile_report.simulation):
        ax = obj.plot()
        assert isinstance(ax, matplotlib.axes.Axes) and ax.has_data()
        assert ax.get_xscale() == "log" and "USD" in ax.get_xlabel()
        plt.close(ax.figure)


def test_report_plots_draw_on_a_given_axes(profile_report):
    p = profile_report.path
    fig, axs = plt.subplots(2, 2)
    curve = pd.read_csv(p / "reserve_curve.csv")
    alloc = pd.read_csv(p / "allocation.csv", index_col="category")
    tower = pd.read_csv(p / "layer_prices.csv", index_col="layer")
    formulas = pd.read_csv(p / "standard_formulas.csv", index_col="requirement")
    assert plots.coverage_curve_plot(curve, ax=axs[0, 0], coverage=0.995) is axs[0, 0]
    assert plots.allocation_plot(alloc[["gross", "net"]], ax=axs[0, 1]) is axs[0, 1]
    assert plots.layer_price_plot(tower, ax=axs[1, 0], paid=[2e6]) is axs[1, 0]
    assert plots.standard_formula_plot(formulas, ax=axs[1, 1]) is axs[1, 1]
    for ax in axs.flat:
        assert ax.has_data() and ax.get_title()
    plt.close(fig)


def test_exceedance_points_match_the_quantiles(profile_report):
    sim = profile_report.simulation
    tab = plots.exceedance_points(sim, n_points=30)
    for _, row in tab.iterrows():
        p = 1.0 - row.exceedance_probability
        assert row.gross == sim.quantile(p)
        assert row.gross_lo <= row.gross <= row.gross_hi
    assert tab["return_period_years"].iloc[-1] == pytest.approx(sim.n_sims)


def test_allocation_plot_takes_a_mapping():
    ax = plots.allocation_plot({"hack": 3.0e6, "fraud": 1.0e6})
    assert [t.get_text() for t in ax.get_yticklabels()] == ["fraud", "hack"]
    plt.close(ax.figure)


# ----------------------------------------------------------------------------- CLI
def run_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "riskmodel", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_cli_report_writes_the_folder_and_prints_json(tmp_path):
    out = run_cli(
        "report", "--n-sims", "20000", "--gof-boot", "0", "--seed", "5", "--json", cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    folder = tmp_path / DEFAULT_DIR
    assert doc["path"] == str(folder) and folder.is_dir()
    assert doc["provenance"]["seed"] == 5
    lo, hi = doc["headline"]["net_ci"]
    assert lo <= doc["headline"]["net_reserve"] <= hi
    assert pdf_pages(folder / "report.pdf") == len(PAGES)
    assert doc["layer_allocation"] is None  # the industry model has no programme
    # a second run refuses the non-empty folder: exit 2, one line, nothing changed
    again = run_cli("report", "--n-sims", "20000", cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr.count("\n") == 1 and "--overwrite" in again.stderr
    assert json.loads((folder / "report.json").read_text())["inputs"]["seed"] == 5


@pytest.mark.parametrize(
    "args",
    [
        ("--coverage", "1.5"),
        ("--n-sims", "100"),
        ("--profile", "no-such-profile.toml"),
        ("--seed", "-3"),
        ("--since", "2020", "--until", "2015"),
    ],
)
def test_cli_report_bad_input_exits_2_with_one_line(tmp_path, args):
    out = run_cli("report", str(tmp_path / "r"), *args)
    assert out.returncode == 2
    assert out.stderr.startswith("riskmodel: error:") and out.stderr.count("\n") == 1
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_cli_report_runs_with_no_arguments(tmp_path):
    out = run_cli("report", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / DEFAULT_DIR / "report.json").read_text())
    assert doc["inputs"]["n_sims"] == 1_000_000 and math.isfinite(doc["headline"]["net_reserve"])


# ----------------------------------------------------------------------------- atomic folder
def test_report_folder_replaces_an_empty_target(tmp_path):
    from riskmodel.report._files import ReportFolder

    target = tmp_path / "out"
    target.mkdir()
    with ReportFolder(target) as folder:
        folder.write_text("a.txt", "alpha")
        folder.write_json("b.json", {"x": float("inf"), "y": [1, 2.5]})
        assert not (target / "a.txt").exists()  # nothing visible before the commit
        assert folder.files() == ["a.txt", "b.json"]
        folder.commit()
    assert sorted(os.listdir(target)) == sorted([MARKER, "a.txt", "b.json"])
    assert json.loads((target / "b.json").read_text()) == {"x": "inf", "y": [1, 2.5]}
    assert siblings(target) == []


def test_report_folder_cleans_up_after_an_error(tmp_path):
    from riskmodel.report._files import ReportFolder

    target = tmp_path / "out"
    with pytest.raises(KeyError), ReportFolder(target) as folder:
        folder.write_text("a.txt", "alpha")
        raise KeyError("boom")
    assert os.listdir(tmp_path) == []


def test_report_folder_commit_rechecks_the_target(tmp_path):
    from riskmodel.report._files import ReportFolder

    target = tmp_path / "out"
    with pytest.raises(FileExistsError), ReportFolder(target) as folder:
        folder.write_text("a.txt", "new")
        target.mkdir()  # someone else writes there meanwhile
        (target / "theirs.txt").write_text("theirs")
        folder.commit()
    assert os.listdir(target) == ["theirs.txt"] and siblings(target) == []
