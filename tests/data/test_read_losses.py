"""read_losses: every validation error names the file, the row (file line) and the column."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskmodel._errors import DataError, RiskModelWarning
from riskmodel.data import load_incidents, read_losses

HEADER = "date,category,amount_usd,exchange\n"


def write(tmp_path: Path, text: str, name: str = "losses.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_is_typed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "date,category,amount_usd,exchange,recovered\n"
        "2024-05-31,hack,305000000,DMM Bitcoin,\n"
        "2025-02-21,Fraud, 1.4e9 ,Bybit,1000\n"
        "2021-05,operational,0,Crypto.com,2.5\n",
    )
    df = read_losses(path)
    assert list(df.columns) == ["date", "category", "amount_usd", "exchange", "recovered"]
    assert df["date"].dtype == np.dtype("datetime64[ns]")
    assert list(df["date"]) == list(pd.to_datetime(["2024-05-31", "2025-02-21", "2021-05-01"]))
    assert isinstance(df["category"].dtype, pd.CategoricalDtype)
    assert list(df["category"].cat.categories) == ["hack", "fraud", "operational"]
    assert list(df["category"]) == ["hack", "fraud", "operational"]  # case-insensitive match
    assert df["amount_usd"].dtype == np.float64
    assert df["amount_usd"].tolist() == [305e6, 1.4e9, 0.0]
    assert pd.api.types.is_string_dtype(df["exchange"].dtype)
    assert df["recovered"].dtype == np.float64
    assert np.isnan(df.loc[0, "recovered"])
    assert df.attrs["dropped"] == []
    assert df.attrs["path"] == str(path)


@pytest.mark.parametrize(
    ("body", "row", "column", "fragment"),
    [
        ('2024-01-02,hack,"1,000",A\n', 2, "amount_usd", "'1,000' is not a number"),
        ("2024-01-02,hack,$5M,A\n", 2, "amount_usd", "is not a number"),
        ("2024-01-02,hack,-5,A\n", 2, "amount_usd", "is negative"),
        ("2024-01-02,hack,,A\n", 2, "amount_usd", "amount is missing"),
        ("2024-01-02,hack,NaN,A\n", 2, "amount_usd", "amount is missing"),
        ("2024-01-02,hack,inf,A\n", 2, "amount_usd", "is not finite"),
        ("2024-01-02,hack,1e999,A\n", 2, "amount_usd", "is not finite"),
        ("31/05/2024,hack,10,A\n", 2, "date", "'31/05/2024' is not an ISO 8601 date"),
        ("2024-02-30,hack,10,A\n", 2, "date", "is not an ISO 8601 date"),
        (",hack,10,A\n", 2, "date", "date is missing"),
        ("1000-01-01,hack,10,A\n", 2, "date", "date '1000-01-01' is"),
        ("2024-01-02,insider,10,A\n", 2, "category", "'insider' is not one of"),
        ("2024-01-02,,10,A\n", 2, "category", "category is missing"),
        ("2024-01-02,hack,10\n", 2, None, "row has 3 fields, the header has 4"),
        ("2024-01-02,hack,10,A,extra\n", 2, None, "row has 5 fields"),
    ],
)
def test_each_invalid_value_raises_with_location(
    tmp_path: Path, body: str, row: int, column: str | None, fragment: str
) -> None:
    path = write(tmp_path, HEADER + body)
    with pytest.raises(DataError, match=re.escape(fragment)) as info:
        read_losses(path)
    err = info.value
    assert (err.path, err.row, err.column) == (str(path), row, column)
    message = str(err)
    assert str(path) in message and f"row {row}" in message
    if column is not None:
        assert f"column {column}" in message


def test_row_numbers_are_file_lines(tmp_path: Path) -> None:
    # header = line 1; a blank line and a quoted two-line field shift the later rows
    path = write(
        tmp_path,
        HEADER
        + "2024-01-02,hack,10,A\n"  # line 2
        + "\n"  # line 3, blank: skipped but counted
        + '2024-01-03,hack,20,"two\nlines"\n'  # lines 4-5
        + "2024-01-04,hack,-1,C\n",  # line 6
    )
    with pytest.raises(DataError) as info:
        read_losses(path)
    assert (info.value.row, info.value.column) == (6, "amount_usd")


def test_first_problem_is_raised_and_others_counted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + "2024-01-02,hack,10,A\n2024-01-03,bad,-1,B\nnot a date,hack,5,C\n",
    )
    with pytest.raises(DataError, match=r"1 more invalid row in this file") as info:
        read_losses(path)
    # row 3 has two problems; the leftmost column (category) comes first
    assert (info.value.row, info.value.column) == (3, "category")


def test_exact_duplicate_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + "2024-01-02,hack,10,A\n2024-01-03,hack,10,A\n2024-01-02,hack,10,A\n",
    )
    with pytest.raises(DataError, match="repeats row 2 exactly") as info:
        read_losses(path)
    assert (info.value.path, info.value.row, info.value.column) == (str(path), 4, None)


def test_drop_warns_with_counts_and_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "2024-01-02,hack,10,A\n"  # 2 ok
        + "2024-01-03,hack,-1,B\n"  # 3 negative
        + "2024-01-04,bad,5,C\n"  # 4 unknown category
        + "2024-01-05,hack,-2,D\n"  # 5 negative
        + "2024-01-02,hack,10,A\n"  # 6 duplicate of 2
        + "2024-01-06,fraud,7,E\n",  # 7 ok
    )
    with pytest.warns(RiskModelWarning) as record:
        df = read_losses(path, on_invalid="drop")
    assert len(record) == 1
    message = str(record[0].message)
    assert message.startswith(f"{path}: dropped 4 of 6 data rows")
    assert "negative value: 2 (rows 3, 5)" in message
    assert "unknown category: 1 (row 4)" in message
    assert "duplicate row: 1 (row 6)" in message
    assert df["exchange"].tolist() == ["A", "E"]
    assert list(df.index) == [0, 1]
    assert df.attrs["dropped"] == [
        (3, "amount_usd", "negative value"),
        (4, "category", "unknown category"),
        (5, "amount_usd", "negative value"),
        (6, None, "duplicate row"),
    ]


def test_drop_everything_returns_typed_empty_frame(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "2024-01-02,hack,-1,A\n")
    with pytest.warns(RiskModelWarning, match="dropped 1 of 1"):
        df = read_losses(path, on_invalid="drop")
    assert len(df) == 0
    assert df["date"].dtype == np.dtype("datetime64[ns]")
    assert isinstance(df["category"].dtype, pd.CategoricalDtype)
    assert df["amount_usd"].dtype == np.float64


@pytest.mark.parametrize("on_invalid", ["raise", "drop"])
@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "file is empty"),
        ("\n\n", "file is empty"),
        (HEADER, "no data rows"),
        (HEADER + "\n\n", "no data rows"),
    ],
)
def test_empty_file_always_raises(
    tmp_path: Path, text: str, fragment: str, on_invalid: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(DataError, match=fragment) as info:
        read_losses(path, on_invalid=on_invalid)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("on_invalid", ["raise", "drop"])
def test_missing_column_always_raises(tmp_path: Path, on_invalid: str) -> None:
    path = write(tmp_path, "date,category,exchange\n2024-01-02,hack,A\n")
    with pytest.raises(DataError, match="required column 'amount_usd' is missing") as info:
        read_losses(path, on_invalid=on_invalid)
    assert (info.value.path, info.value.row, info.value.column) == (str(path), 1, "amount_usd")


def test_semicolon_file_gets_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "date;category;amount_usd\n2024-01-02;hack;10\n")
    with pytest.raises(DataError, match="semicolon-separated"):
        read_losses(path)


def test_repeated_header_name(tmp_path: Path) -> None:
    path = write(tmp_path, "date,category,amount_usd,date\n2024-01-02,hack,10,x\n")
    with pytest.raises(DataError, match="appears twice") as info:
        read_losses(path)
    assert (info.value.row, info.value.column) == (1, "date")


def test_custom_columns_and_categories(tmp_path: Path) -> None:
    path = write(tmp_path, "when,type,loss\n2024-01-02,Cyber,10\n2024-01-03,people,3\n")
    df = read_losses(
        path,
        categories=("cyber", "people"),
        amount_column="loss",
        date_column="when",
        category_column="type",
    )
    assert list(df.columns) == ["date", "category", "amount_usd"]
    assert list(df["category"].cat.categories) == ["cyber", "people"]
    assert df["category"].tolist() == ["cyber", "people"]
    with pytest.raises(DataError, match="'Cyber' is not one of 'hack'") as info:
        read_losses(path, amount_column="loss", date_column="when", category_column="type")
    assert (info.value.row, info.value.column) == (2, "type")


def test_output_name_clash(tmp_path: Path) -> None:
    path = write(tmp_path, "date,category,loss,amount_usd\n2024-01-02,hack,10,3\n")
    with pytest.raises(DataError, match="clashes") as info:
        read_losses(path, amount_column="loss")
    assert info.value.column == "amount_usd"


def test_bom_and_time_zones(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(
        b"\xef\xbb\xbfdate,category,amount_usd\n"
        b"2024-01-02T23:00:00-02:00,hack,10\n2024-01-03T00:00:00Z,hack,11\n"
    )
    df = read_losses(path)
    assert df["date"].tolist() == [pd.Timestamp("2024-01-03 01:00"), pd.Timestamp("2024-01-03")]


def test_bad_arguments(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "2024-01-02,hack,10,A\n")
    with pytest.raises(ValueError, match="on_invalid"):
        read_losses(path, on_invalid="skip")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must differ"):
        read_losses(path, amount_column="date")
    with pytest.raises(TypeError, match="single string"):
        read_losses(path, categories="hack")
    with pytest.raises(FileNotFoundError):
        read_losses(tmp_path / "missing.csv")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(HEADER.encode() + "2024-01-02,hack,10,Zürich\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8") as info:
        read_losses(path)
    assert info.value.path == str(path)


def test_bundled_file_reads_back() -> None:
    # the real file (quoted commas, URLs, an empty amount) through the validating reader
    reference = load_incidents(include_context=True)
    coinroom_line = int(np.flatnonzero(reference["amount_usd"].isna())[0]) + 2  # header = 1
    with resources.as_file(resources.files("riskmodel.data") / "incidents.csv") as path:
        with pytest.warns(RiskModelWarning, match="dropped 1 of 151 data rows"):
            df = read_losses(path, on_invalid="drop")
    assert df.attrs["dropped"] == [(coinroom_line, "amount_usd", "missing value")]
    kept = reference.dropna(subset=["amount_usd"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        df[["date", "category", "amount_usd", "exchange", "source"]],
        kept[["date", "category", "amount_usd", "exchange", "source"]],
    )
