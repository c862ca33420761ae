"""read_exposure: (year, exchange, volume) files, validated like read_losses."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskmodel._errors import DataError, RiskModelWarning
from riskmodel.data import read_exposure

HEADER = "year,exchange,volume\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "volumes.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_is_typed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "exchange,year,volume,region\nA,2023,1.5e12,JP\nA,2024.0,0,JP\n B ,2024,7,\n",
    )
    df = read_exposure(path)
    assert list(df.columns) == ["exchange", "year", "volume", "region"]
    assert df["year"].dtype == np.int64
    assert df["year"].tolist() == [2023, 2024, 2024]
    assert df["exchange"].tolist() == ["A", "A", "B"]
    assert pd.api.types.is_string_dtype(df["exchange"].dtype)
    assert df["volume"].dtype == np.float64
    assert df["volume"].tolist() == [1.5e12, 0.0, 7.0]
    assert df["region"].isna().tolist() == [False, False, True]
    assert df.attrs["dropped"] == []


@pytest.mark.parametrize(
    ("body", "row", "column", "fragment"),
    [
        ("2023,A,lots\n", 2, "volume", "volume 'lots' is not a number"),
        ("2023,A,-1\n", 2, "volume", "volume '-1' is negative"),
        ("2023,A,\n", 2, "volume", "volume is missing"),
        ("2023,A,nan\n", 2, "volume", "volume is missing"),
        ("20x3,A,1\n", 2, "year", "year '20x3' is not a whole number"),
        ("2023.5,A,1\n", 2, "year", "is not a whole number"),
        ("FY2023,A,1\n", 2, "year", "is not a whole number"),
        ("20023,A,1\n", 2, "year", "outside 1900-2200"),
        (",A,1\n", 2, "year", "year is missing"),
        ("2023, ,1\n", 2, "exchange", "exchange is missing"),
        (
            "2023,A,1\n2024,A,2\n2023, A ,3\n",
            4,
            None,
            "(year, exchange) = (2023, 'A') repeats row 2",
        ),
    ],
)
def test_each_invalid_value_raises_with_location(
    tmp_path: Path, body: str, row: int, column: str | None, fragment: str
) -> None:
    path = write(tmp_path, HEADER + body)
    with pytest.raises(DataError, match=re.escape(fragment)) as info:
        read_exposure(path)
    err = info.value
    assert (err.path, err.row, err.column) == (str(path), row, column)
    assert str(path) in str(err) and f"row {row}" in str(err)


@pytest.mark.parametrize("on_invalid", ["raise", "drop"])
def test_missing_column_and_empty_file(tmp_path: Path, on_invalid: str) -> None:
    path = write(tmp_path, "year,volume\n2023,1\n")
    with pytest.raises(DataError, match="required column 'exchange'") as info:
        read_exposure(path, on_invalid=on_invalid)
    assert (info.value.row, info.value.column) == (1, "exchange")
    with pytest.raises(DataError, match="file is empty"):
        read_exposure(write(tmp_path, ""), on_invalid=on_invalid)
    with pytest.raises(DataError, match="no data rows"):
        read_exposure(write(tmp_path, HEADER), on_invalid=on_invalid)


def test_drop_reports_counts(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "2023,A,1\n2023,A,2\nyear,B,3\n2024,B,-4\n2024,C,5\n")
    with pytest.warns(RiskModelWarning, match=r"dropped 3 of 5 data rows") as record:
        df = read_exposure(path, on_invalid="drop")
    message = str(record[0].message)
    assert "duplicate key: 1 (row 3)" in message
    assert "not a year: 1 (row 4)" in message
    assert "negative value: 1 (row 5)" in message
    assert df["exchange"].tolist() == ["A", "C"]
    assert [row for row, _, _ in df.attrs["dropped"]] == [3, 4, 5]


def test_custom_column_names(tmp_path: Path) -> None:
    path = write(tmp_path, "fy,venue,trades\n2023,A,10\n")
    df = read_exposure(path, year_column="fy", exchange_column="venue", volume_column="trades")
    assert list(df.columns) == ["year", "exchange", "volume"]
    with pytest.raises(ValueError, match="must differ"):
        read_exposure(path, year_column="venue", exchange_column="venue")
