"""The bundled incident and exposure tables: shape, types and curation invariants."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskmodel.data import CATEGORIES, load_exposure, load_incidents

# Row counts of /work/shared/data/cex_incidents_compiled.csv (151 rows: cex_flag=1 for 129,
# 0 for 22; categories hack/fraud/operational 116/30/5 overall and 104/20/5 for cex_flag=1),
# as printed by tests/reference/build_bundled_data.py.
N_CEX, N_ALL = 129, 151
CEX_BY_CATEGORY = {"hack": 104, "fraud": 20, "operational": 5}
ALL_BY_CATEGORY = {"hack": 116, "fraud": 30, "operational": 5}


@pytest.fixture(scope="module")
def everything() -> pd.DataFrame:
    return load_incidents(include_context=True)


def test_dtypes() -> None:
    df = load_incidents()
    assert df["date"].dtype == np.dtype("datetime64[ns]")
    assert isinstance(df["category"].dtype, pd.CategoricalDtype)
    assert (
        list(df["category"].cat.categories) == list(CATEGORIES) == ["hack", "fraud", "operational"]
    )
    assert df["amount_usd"].dtype == np.float64
    assert df["funds_returned_usd"].dtype == np.float64
    assert df["cex"].dtype == np.bool_
    assert df["source_row"].dtype == np.int64
    for name in ("exchange", "country", "source", "confidence", "description", "amount_status"):
        assert pd.api.types.is_string_dtype(df[name].dtype), name
    assert isinstance(df.index, pd.RangeIndex)


def test_row_counts_match_the_source() -> None:
    cex = load_incidents()
    assert len(cex) == N_CEX
    assert cex["cex"].all()
    assert cex["category"].value_counts().to_dict() == CEX_BY_CATEGORY


def test_context_rows(everything: pd.DataFrame) -> None:
    assert len(everything) == N_ALL
    assert int((~everything["cex"]).sum()) == N_ALL - N_CEX
    assert everything["category"].value_counts().to_dict() == ALL_BY_CATEGORY
    context = everything.loc[~everything["cex"], "entity_type"]
    assert context.str.contains("wallet|payment|lend|Ponzi|marketplace", case=False).sum() >= 15


def test_sorted_unique_and_sourced(everything: pd.DataFrame) -> None:
    assert everything["date"].is_monotonic_increasing
    assert not everything.drop(columns="source_row").duplicated().any()
    assert everything["source_row"].is_unique
    assert sorted(everything["source_row"]) == list(range(2, N_ALL + 2))
    assert everything["source"].str.len().min() > 10
    assert set(everything["confidence"]) == {"medium", "low"}
    assert set(everything["date_precision"]) == {"day", "month"}


def test_amounts_and_their_status(everything: pd.DataFrame) -> None:
    amount, status = everything["amount_usd"], everything["amount_status"]
    assert (amount.dropna() >= 0).all()
    assert set(status) == {"reported", "no_loss", "unknown"}
    assert (amount[status == "reported"] > 0).all()
    assert (amount[status == "no_loss"] == 0).all()
    unknown = everything[status == "unknown"]
    assert list(unknown["exchange"]) == ["Coinroom"]  # the one row without any amount
    assert amount.isna().sum() == 1
    zero = everything.loc[status == "no_loss", "exchange"]
    assert sorted(zero) == ["Gemini", "Zaif"]


def test_known_large_losses() -> None:
    df = load_incidents()
    ftx = df.loc[(df["exchange"] == "FTX") & (df["category"] == "fraud"), "amount_usd"]
    assert ftx.tolist() == [8.7e9]  # FTX bankruptcy team, customer shortfall
    share = df.loc[df["exchange"] == "FTX", "amount_usd"].sum() / df["amount_usd"].sum()
    assert 0.45 < share < 0.6  # "FTX is about half the total"


def test_fresh_copy_each_call() -> None:
    a = load_incidents()
    a.loc[0, "amount_usd"] = -1.0
    assert load_incidents().loc[0, "amount_usd"] >= 0


def test_exposure_types_and_fiscal_years() -> None:
    ex = load_exposure()
    assert ex["value"].dtype == np.float64
    assert ex["approximate"].dtype == np.bool_
    assert ex["period_start"].dtype == np.dtype("datetime64[ns]")
    assert (ex["period_start"] <= ex["period_end"]).all()
    assert set(ex["unit"]) == {"JPY", "count"}
    assert ex["source"].str.startswith("http").all()
    fy = ex[ex["period_type"] == "fiscal_year"].set_index(["period", "metric"])["value"]
    # JVCEA figures in JPY 100m (oku-yen) from japan_exposure_and_volumes.csv, times 1e8
    assert fy[("FY2014", "spot_volume")] == 24 * 1e8
    assert fy[("FY2017", "spot_volume")] == 127140 * 1e8
    assert fy[("FY2017", "margin_volume")] == 564325 * 1e8
    assert len(fy) == 8


def test_exposure_flags_and_counts() -> None:
    ex = load_exposure()
    approx = ex[ex["approximate"]]
    assert set(approx["qualifier"]) == {"~", ">"}
    assert ex.loc[~ex["approximate"], "qualifier"].isna().all()
    operators = ex[ex["metric"] == "registered_operators"].set_index("period")["value"]
    assert operators.to_dict() == {"2018-02": 16, "2018-04": 17, "2021-09": 29, "2025-10": 28}
    monthly = ex[(ex["period_type"] == "month") & (ex["metric"] == "spot_volume")]
    assert len(monthly) == 8  # 2018-12, 2019-08, 2019-11, 2020-05, 2020-06, 2021-04/05/09
    assert not ex.duplicated(["period", "scope", "metric"]).any()


def test_import_is_light() -> None:
    code = (
        "import sys; import riskmodel; before = set(sys.modules); import riskmodel.data; "
        "new = set(sys.modules) - before; "
        "heavy = sorted(m for m in new if m.split('.')[0] in "
        "{'scipy', 'numba', 'matplotlib', 'statsmodels', 'dask'}); print(heavy)"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "[]"
