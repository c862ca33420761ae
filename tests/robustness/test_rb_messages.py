"""Issue 15, class 4: anticipated errors exit 2 with one line that names the path, key or
argument (before the fix: exit 1 internal errors, or messages that named nothing)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import riskmodel as rm
from riskmodel import LossModel
from riskmodel._errors import DataError
from riskmodel.cli import main
from riskmodel.data import read_losses
from riskmodel.frequency import Poisson
from riskmodel.profile import load_profile
from riskmodel.severity import LogNormal

EXAMPLE = Path(__file__).parents[2] / "riskmodel" / "profiles" / "example_jp_midsize.toml"
MODEL = LossModel({"hack": (Poisson(3.0), LogNormal(15.0, 2.0))})


def _one_line_exit_2(argv, capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("riskmodel: error:") and err.count("\n") == 1, err
    return err


def test_an_unreadable_file_exits_2_naming_it(tmp_path, capsys, monkeypatch):
    # issue 15: PermissionError was an internal error (exit 1)
    path = tmp_path / "losses.csv"
    path.write_text("date,category,amount_usd\n2020-01-01,hack,5e6\n")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    for module in ("_validate", "_fast"):  # both readers open the file themselves
        monkeypatch.setattr(f"riskmodel.data.{module}.open", denied, raising=False)
    err = _one_line_exit_2(["reserve", "--data", str(path), "--n-sims", "20000"], capsys)
    assert f"Permission denied: {path}" in err


def test_a_folder_given_as_data_exits_2(tmp_path, capsys):
    err = _one_line_exit_2(["reserve", "--data", str(tmp_path), "--n-sims", "20000"], capsys)
    assert str(tmp_path) in err


def test_a_read_only_report_parent_exits_2_naming_it(tmp_path, capsys, monkeypatch):
    # issue 15: a read-only report parent was an internal error (exit 1)
    import tempfile

    def denied(*args, dir=None, **kwargs):
        raise PermissionError(13, "Permission denied", str(dir))

    monkeypatch.setattr(tempfile, "mkdtemp", denied)
    from riskmodel.report._files import ReportFolder

    with pytest.raises(PermissionError):
        ReportFolder(tmp_path / "r").__enter__()
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("cv", ["1e300", "1e-300"])
def test_an_extreme_prior_cv_is_refused_naming_the_key(tmp_path, capsys, cv):
    # issue 15: OverflowError / ZeroDivisionError, exit 1
    text = EXAMPLE.read_text(encoding="utf-8")
    if "[credibility]" in text:
        line = next(ln for ln in text.splitlines() if ln.startswith("prior_cv"))
        text = text.replace(line, f"prior_cv = {cv}", 1)
    else:
        text += f"\n[credibility]\nprior_cv = {cv}\n"
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=r"p\.toml, column credibility\.prior_cv: must lie in"):
        load_profile(path)
    err = _one_line_exit_2(["reserve", "--profile", str(path), "--n-sims", "20000"], capsys)
    assert "credibility.prior_cv" in err


def test_usd_per_unit_1e300_names_file_and_key(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.startswith("usd_per_unit"))
    path = tmp_path / "p.toml"
    path.write_text(text.replace(line, "usd_per_unit = 1e300", 1), encoding="utf-8")
    with pytest.raises(DataError, match=r"p\.toml, column usd_per_unit: must lie in"):
        load_profile(path)


def test_a_toml_byte_order_mark_is_accepted(tmp_path):
    # issue 15: a byte-order mark gave "invalid statement"
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.read_bytes())
    assert load_profile(path).currency == load_profile(EXAMPLE).currency


def test_an_amount_of_1e308_is_refused_with_file_row_and_column(tmp_path):
    # issue 15: it ended in "math domain error" or a covariance message
    path = tmp_path / "losses.csv"
    path.write_text("date,category,amount_usd\n2020-01-01,hack,5e6\n2021-01-01,hack,1e308\n")
    with pytest.raises(DataError, match=r"losses\.csv, row 3, column amount_usd: amount .*1e"):
        read_losses(path)


def test_reserve_with_a_string_coverage_names_the_argument():
    # issue 15: a bare TypeError "'<' not supported between instances of 'int' and 'str'"
    with pytest.raises(TypeError, match="coverage: must be a number"):
        rm.reserve(MODEL, "0.99")


def test_fit_severity_with_strings_names_the_argument():
    # issue 15: a bare ValueError "could not convert string to float: 'a'"
    with pytest.raises(TypeError, match=r"losses: must be numbers, got \['a', 'b'\]"):
        rm.fit_severity(["a", "b"], "lognormal")
